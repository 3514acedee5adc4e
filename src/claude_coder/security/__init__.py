"""The fail-closed security core: the one place that decides what reaches a Claude Code child.

Auth invariant (:mod:`.auth`), child environment (:mod:`.env`), MCP isolation
(:mod:`.mcp`), the PTY version band (:mod:`.version`) and the Redactor (:mod:`.redact`).
See ``docs/security.md``.
"""

from __future__ import annotations

from claude_coder.security.auth import (
    DENYLIST,
    OAUTH_TOKEN_VAR,
    SETTINGS_INJECTION_KEYS,
    SKIP_AUTH_PATTERN,
    EnvProblem,
    check_api_key_source,
    check_env,
    check_profile_env,
    denied_names,
    is_denied,
    profile_env_problems,
)
from claude_coder.security.env import STRIPPED_ALWAYS, child_env, inherited_environ, stripped_names
from claude_coder.security.mcp import mcp_args, mcp_config_json
from claude_coder.security.redact import MASK, Redactor
from claude_coder.security.version import PTY_BAND, Version, check_pty_version, parse_version

__all__ = [
    "DENYLIST",
    "MASK",
    "OAUTH_TOKEN_VAR",
    "PTY_BAND",
    "SETTINGS_INJECTION_KEYS",
    "SKIP_AUTH_PATTERN",
    "STRIPPED_ALWAYS",
    "EnvProblem",
    "Redactor",
    "Version",
    "check_api_key_source",
    "check_env",
    "check_profile_env",
    "check_pty_version",
    "child_env",
    "denied_names",
    "inherited_environ",
    "is_denied",
    "mcp_args",
    "mcp_config_json",
    "parse_version",
    "profile_env_problems",
    "stripped_names",
]
