"""The auth invariant: which variables and settings would take Claude Code off the subscription.

Three checks share one denylist (reference section 6):

* at compile time, :func:`profile_env_problems` / :func:`check_profile_env` refuse a
  profile whose ``env`` sets a denylisted variable, writes ``CLAUDE_CODE_OAUTH_TOKEN`` as
  a literal instead of a ``secretRef``, or injects a login-changing setting;
* at start, :func:`check_env` refuses a finished child environment that still holds one
  (the last line of defense behind :func:`claude_coder.security.env.child_env`);
* at run time, :func:`check_api_key_source` refuses a session whose ``system/init``
  reports any key source other than ``"none"`` (the subscription path).

Every error names the variable and where it was found, never its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from claude_coder.errors import CredentialRefused

__all__ = [
    "DENYLIST",
    "OAUTH_TOKEN_VAR",
    "SETTINGS_INJECTION_KEYS",
    "SKIP_AUTH_PATTERN",
    "EnvProblem",
    "check_api_key_source",
    "check_env",
    "check_profile_env",
    "denied_names",
    "is_denied",
    "profile_env_problems",
]

OAUTH_TOKEN_VAR = "CLAUDE_CODE_OAUTH_TOKEN"
"""The subscription's own token: passes only through an explicit ``secretRef``."""

_KEYS_AND_TOKENS = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_FOUNDRY_API_KEY",
    "ANTHROPIC_FOUNDRY_AUTH_TOKEN",
    "ANTHROPIC_AWS_API_KEY",
    "AWS_BEARER_TOKEN_BEDROCK",
    "CLAUDE_CODE_API_KEY_HELPER_TTL_MS",
)
_PROVIDERS = (
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "CLAUDE_CODE_USE_FOUNDRY",
    "CLAUDE_CODE_USE_MANTLE",
    "CLAUDE_CODE_USE_ANTHROPIC_AWS",
    "CLAUDE_CODE_PROVIDER_MANAGED_BY_HOST",
    "CLAUDE_CODE_SKIP_BEDROCK_AUTH",
    "CLAUDE_CODE_SKIP_VERTEX_AUTH",
    "CLAUDE_CODE_SKIP_FOUNDRY_AUTH",
    "CLAUDE_CODE_SKIP_MANTLE_AUTH",
    "CLAUDE_CODE_SKIP_ANTHROPIC_AWS_AUTH",
)
_ENDPOINTS = (
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_BEDROCK_BASE_URL",
    "ANTHROPIC_BEDROCK_MANTLE_BASE_URL",
    "ANTHROPIC_VERTEX_BASE_URL",
    "ANTHROPIC_FOUNDRY_BASE_URL",
    "ANTHROPIC_FOUNDRY_RESOURCE",
    "ANTHROPIC_AWS_BASE_URL",
    "ANTHROPIC_AWS_WORKSPACE_ID",
)
_IDENTITY = (
    "ANTHROPIC_PROFILE",
    "ANTHROPIC_FEDERATION_RULE_ID",
    "ANTHROPIC_ORGANIZATION_ID",
    "ANTHROPIC_WORKSPACE_ID",
    "ANTHROPIC_IDENTITY_TOKEN_FILE",
)
_REQUEST_INJECTION = (
    "ANTHROPIC_CUSTOM_HEADERS",
    "CLAUDE_CODE_EXTRA_BODY",
    "CLAUDE_CODE_CLIENT_CERT",
    "CLAUDE_CODE_CLIENT_KEY",
    "CLAUDE_CODE_CLIENT_KEY_PASSPHRASE",
)
_MODE = ("CLAUDE_CODE_SIMPLE",)

DENYLIST: frozenset[str] = frozenset(
    _KEYS_AND_TOKENS + _PROVIDERS + _ENDPOINTS + _IDENTITY + _REQUEST_INJECTION + _MODE
)
"""Variables that select a credential or endpoint other than the subscription login.

The ``CLAUDE_CODE_SKIP_*_AUTH`` family is matched by :data:`SKIP_AUTH_PATTERN` as well,
so a provider added later is refused too.
"""

SKIP_AUTH_PATTERN = re.compile(r"CLAUDE_CODE_SKIP_[A-Z0-9_]+_AUTH")

SETTINGS_INJECTION_KEYS: tuple[str, ...] = (
    "apiKeyHelper",
    "awsAuthRefresh",
    "awsCredentialExport",
    "gcpAuthRefresh",
    "forceLoginMethod",
)
"""Claude Code settings that change how it logs in; never injected by a profile."""

_SETTINGS_FOLDED = {k.lower() for k in SETTINGS_INJECTION_KEYS}


def _fold(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def is_denied(name: str) -> bool:
    """True if the variable ``name`` would take Claude Code off the subscription login.

    Matching ignores case: a lower-case spelling is refused too (fail closed).
    """
    upper = name.upper()
    return upper in DENYLIST or SKIP_AUTH_PATTERN.fullmatch(upper) is not None


def _is_settings_key(name: str) -> bool:
    return _fold(name) in _SETTINGS_FOLDED


def denied_names(names: Iterable[str]) -> list[str]:
    """The denylisted names among ``names``, sorted (names only, never values)."""
    return sorted({n for n in names if is_denied(n) or _is_settings_key(n)})


@dataclass(frozen=True, slots=True)
class EnvProblem:
    """One refused entry of a profile's ``env``: the variable and why (never its value)."""

    variable: str
    reason: str


def _value_injects_settings(value: str) -> str | None:
    folded = value.lower()
    for key in SETTINGS_INJECTION_KEYS:
        if key.lower() in folded:
            return key
    return None


def profile_env_problems(env: Mapping[str, object]) -> list[EnvProblem]:
    """Every refused entry of a profile's ``env`` mapping, in key order.

    Values are literal strings, ``secretRef`` markers (anything not a ``str``) or ``None``
    (unset an inherited key). A ``None`` is never a problem: it removes.
    """
    problems: list[EnvProblem] = []
    for name, value in env.items():
        if value is None:
            continue
        if is_denied(name):
            problems.append(
                EnvProblem(name, "selects a credential or endpoint other than the subscription")
            )
        elif _is_settings_key(name):
            problems.append(EnvProblem(name, "is a login setting; profiles may not inject it"))
        elif name.upper() == OAUTH_TOKEN_VAR and isinstance(value, str):
            problems.append(
                EnvProblem(name, 'may only be given as {"secretRef": ...}, never as a literal')
            )
        elif isinstance(value, str) and (key := _value_injects_settings(value)):
            problems.append(EnvProblem(name, f"injects the login setting {key}"))
    return problems


def check_profile_env(profile: str, env: Mapping[str, object]) -> None:
    """Compile-time auth invariant: raise :class:`CredentialRefused` for the first problem."""
    for problem in profile_env_problems(env):
        raise CredentialRefused(
            f"profile {profile!r}: env {problem.variable} {problem.reason}",
            variable=problem.variable,
            source=f"profile {profile!r}",
        )


def check_env(env: Mapping[str, str], *, source: str = "child environment") -> None:
    """Start-time auth invariant over a finished child environment.

    Raises :class:`CredentialRefused` naming the first denylisted variable or injected
    login setting found. ``CLAUDE_CODE_OAUTH_TOKEN`` is allowed here: only a profile's
    ``secretRef`` can have put it there (inherited copies are stripped).
    """
    for name in sorted(env):
        if is_denied(name) or _is_settings_key(name):
            raise CredentialRefused(
                f"{source}: {name} is set; claude-coder runs Claude Code only on your "
                "subscription login",
                variable=name,
                source=source,
            )


def check_api_key_source(source: object) -> None:
    """Run-time proof: Claude Code's ``system/init.apiKeySource`` must be ``"none"``.

    Anything else (``ANTHROPIC_API_KEY``, ``apiKeyHelper``, ``/login managed key``, a
    missing value) means the child is not on the subscription login: refuse.
    """
    if source != "none":
        shown = source if isinstance(source, str) and len(source) <= 40 else type(source).__name__
        raise CredentialRefused(
            f"Claude Code reports apiKeySource {shown!r}, not the subscription login; "
            "the session was refused",
            variable=str(shown),
            source="apiKeySource",
        )
