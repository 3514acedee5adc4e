"""Profiles: named, reusable recipes a session is created from (schema, files, extends, secrets).

See ``docs/profiles-and-secrets.md``.
"""

from __future__ import annotations

from claude_coder.profiles.inherit import MERGED_KEYS, merge, resolve
from claude_coder.profiles.load import (
    BUILTIN_NAME,
    BUILTIN_PROFILES,
    PROFILES_ENV,
    ProfileProblem,
    ProfileSet,
    ProfilesInvalidError,
    default_profiles_path,
    find_profiles_file,
    inspect_profiles,
    load_profiles,
    profiles_from_data,
)
from claude_coder.profiles.model import (
    PERMISSION_MODES,
    TRANSPORTS,
    EnvValue,
    PermissionMode,
    PermissionPolicy,
    Profile,
    ProfileSpec,
    SecretRef,
    Transport,
)
from claude_coder.profiles.secrets import ResolvedEnv, known_secrets, resolve_env, resolve_ref

__all__ = [
    "BUILTIN_NAME",
    "BUILTIN_PROFILES",
    "MERGED_KEYS",
    "PERMISSION_MODES",
    "PROFILES_ENV",
    "TRANSPORTS",
    "EnvValue",
    "PermissionMode",
    "PermissionPolicy",
    "Profile",
    "ProfileProblem",
    "ProfileSet",
    "ProfileSpec",
    "ProfilesInvalidError",
    "ResolvedEnv",
    "SecretRef",
    "Transport",
    "default_profiles_path",
    "find_profiles_file",
    "inspect_profiles",
    "known_secrets",
    "load_profiles",
    "merge",
    "profiles_from_data",
    "resolve",
    "resolve_env",
    "resolve_ref",
]
