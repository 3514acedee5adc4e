"""The auth invariant: which variables and settings would take Claude Code off the subscription.

The rule, not a list (``docs/security.md`` says how it was derived from the 2.1.331
binary): every variable whose name starts with ``ANTHROPIC_``, ``CLAUDE_``, ``_CLAUDE_``
or ``CCR_`` (any case) is refused, except

* :data:`KEPT_NAMES`: ``CLAUDE_CONFIG_DIR`` (which account: its settings are checked like
  every other settings file) and claude-coder's own ``CLAUDE_CODER_*`` variables;
* :data:`ALLOWED_SWITCHES`: a short list of switches that only turn something off;
* :data:`OAUTH_TOKEN_VAR`, which passes only through a profile's ``secretRef``;

plus :data:`UNPREFIXED_DENIED`, the credential and OAuth-endpoint switches the binary
reads without such a prefix. New variables of a new Claude Code release fall under the
rule without a change here. :data:`DENYLIST` keeps the names the reference lists, as
documentation and as test cases: all of them are refused by the rule.

Checks sharing the rule:

* at compile time, :func:`profile_env_problems` / :func:`check_profile_env` refuse a
  profile whose ``env`` sets a refused variable, writes ``CLAUDE_CODE_OAUTH_TOKEN`` as a
  literal instead of a ``secretRef``, or injects a login-changing setting;
* at start, :func:`check_env` refuses a finished child environment that still holds one
  (the last line of defense behind :func:`claude_coder.security.env.child_env`).

Settings files are checked by :mod:`claude_coder.security.settings`, Claude Code's own
report of its login by :mod:`claude_coder.security.proof`. Every error names the
variable and where it was found, never its value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from claude_coder.errors import CredentialRefused

__all__ = [
    "ALLOWED_SWITCHES",
    "DENIED_PREFIXES",
    "DENYLIST",
    "KEPT_NAMES",
    "OAUTH_TOKEN_VAR",
    "SETTINGS_INJECTION_KEYS",
    "UNPREFIXED_DENIED",
    "EnvProblem",
    "check_env",
    "check_profile_env",
    "denied_names",
    "is_denied",
    "profile_env_problems",
]

OAUTH_TOKEN_VAR = "CLAUDE_CODE_OAUTH_TOKEN"
"""The subscription's own token: passes only through an explicit ``secretRef``."""

DENIED_PREFIXES: tuple[str, ...] = ("ANTHROPIC_", "CLAUDE_", "_CLAUDE_", "CCR_")
"""Name prefixes (compared upper-case) of every variable Claude Code reads for its login,
endpoint, provider, host integration or remote runner; all refused by default."""

KEPT_NAMES: frozenset[str] = frozenset({"CLAUDE_CONFIG_DIR"})
"""Prefixed names that pass: the config dir picks an account; its settings get checked."""

_KEPT_PREFIX = "CLAUDE_CODER_"

ALLOWED_SWITCHES: frozenset[str] = frozenset(
    {
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
        "CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL",
        "CLAUDE_CODE_DISABLE_TERMINAL_TITLE",
        "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY",
    }
)
"""Prefixed switches that pass: each only turns traffic or a feature off."""

UNPREFIXED_DENIED: frozenset[str] = frozenset(
    {"AWS_BEARER_TOKEN_BEDROCK", "USE_LOCAL_OAUTH", "USE_STAGING_OAUTH"}
)
"""Credential and OAuth-endpoint switches the binary reads without a refused prefix."""

DENYLIST: frozenset[str] = frozenset(
    {
        # keys and tokens
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "ANTHROPIC_FOUNDRY_API_KEY",
        "ANTHROPIC_FOUNDRY_AUTH_TOKEN",
        "ANTHROPIC_AWS_API_KEY",
        "AWS_BEARER_TOKEN_BEDROCK",
        "CLAUDE_CODE_API_KEY_HELPER_TTL_MS",
        "CLAUDE_CODE_API_KEY_FILE_DESCRIPTOR",
        "CLAUDE_CODE_OAUTH_TOKEN_FILE_DESCRIPTOR",
        "CLAUDE_CODE_OAUTH_REFRESH_TOKEN",
        "CLAUDE_CODE_GATEWAY_TOKEN",
        "ANTHROPIC_IDENTITY_TOKEN",
        # providers
        "CLAUDE_CODE_USE_BEDROCK",
        "CLAUDE_CODE_USE_VERTEX",
        "CLAUDE_CODE_USE_FOUNDRY",
        "CLAUDE_CODE_USE_MANTLE",
        "CLAUDE_CODE_USE_ANTHROPIC_AWS",
        "CLAUDE_CODE_USE_GATEWAY",
        "CLAUDE_CODE_USE_ANTHROPIC_GOOGLE_CLOUD",
        "CLAUDE_CODE_PROVIDER_MANAGED_BY_HOST",
        "CLAUDE_CODE_HOST_AUTH_ENV_VAR",
        "CLAUDE_CODE_SKIP_BEDROCK_AUTH",
        "CLAUDE_CODE_SKIP_VERTEX_AUTH",
        "CLAUDE_CODE_SKIP_FOUNDRY_AUTH",
        "CLAUDE_CODE_SKIP_MANTLE_AUTH",
        "CLAUDE_CODE_SKIP_ANTHROPIC_AWS_AUTH",
        # endpoints
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_UNIX_SOCKET",
        "ANTHROPIC_BEDROCK_BASE_URL",
        "ANTHROPIC_BEDROCK_MANTLE_BASE_URL",
        "ANTHROPIC_VERTEX_BASE_URL",
        "ANTHROPIC_FOUNDRY_BASE_URL",
        "ANTHROPIC_FOUNDRY_RESOURCE",
        "ANTHROPIC_AWS_BASE_URL",
        "ANTHROPIC_AWS_WORKSPACE_ID",
        "ANTHROPIC_GOOGLE_CLOUD_BASE_URL",
        "_CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL",
        "CLAUDE_CODE_CUSTOM_OAUTH_URL",
        # identity
        "ANTHROPIC_PROFILE",
        "ANTHROPIC_FEDERATION_RULE_ID",
        "ANTHROPIC_ORGANIZATION_ID",
        "ANTHROPIC_WORKSPACE_ID",
        "ANTHROPIC_IDENTITY_TOKEN_FILE",
        # request injection
        "ANTHROPIC_CUSTOM_HEADERS",
        "ANTHROPIC_BETAS",
        "CLAUDE_CODE_EXTRA_BODY",
        "CLAUDE_CODE_CLIENT_CERT",
        "CLAUDE_CODE_CLIENT_KEY",
        "CLAUDE_CODE_CLIENT_KEY_PASSPHRASE",
        # mode
        "CLAUDE_CODE_SIMPLE",
    }
)
"""The names reference sections 6 and 6b list (every one refused by the rule)."""

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
    """True if the variable ``name`` may not reach Claude Code (the rule; any case).

    ``CLAUDE_CODE_OAUTH_TOKEN`` is denied here too: only a profile's ``secretRef`` may
    put it into a child environment (see :func:`check_env`).
    """
    upper = name.upper()
    if upper in KEPT_NAMES or upper in ALLOWED_SWITCHES or upper.startswith(_KEPT_PREFIX):
        return False
    return upper.startswith(DENIED_PREFIXES) or upper in UNPREFIXED_DENIED


def _is_settings_key(name: str) -> bool:
    return _fold(name) in _SETTINGS_FOLDED


def denied_names(names: Iterable[str]) -> list[str]:
    """The refused names among ``names``, sorted (names only, never values).

    ``CLAUDE_CODE_OAUTH_TOKEN`` is left out: it is stripped when inherited and passes
    from a ``secretRef``, so it is never a reason to refuse.
    """
    return sorted(
        {n for n in names if (is_denied(n) and n.upper() != OAUTH_TOKEN_VAR) or _is_settings_key(n)}
    )


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
        if name.upper() == OAUTH_TOKEN_VAR:
            if isinstance(value, str):
                problems.append(
                    EnvProblem(name, 'may only be given as {"secretRef": ...}, never as a literal')
                )
        elif is_denied(name):
            problems.append(
                EnvProblem(
                    name,
                    "is a Claude Code variable claude-coder does not pass (only the "
                    "subscription login runs; see docs/security.md)",
                )
            )
        elif _is_settings_key(name):
            problems.append(EnvProblem(name, "is a login setting; profiles may not inject it"))
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

    Raises :class:`CredentialRefused` naming the first refused variable or injected
    login setting found. ``CLAUDE_CODE_OAUTH_TOKEN`` (exactly that spelling) is allowed
    here: only a profile's ``secretRef`` can have put it there (inherited copies are
    stripped).
    """
    for name in sorted(env):
        if name == OAUTH_TOKEN_VAR:
            continue
        if is_denied(name) or _is_settings_key(name):
            raise CredentialRefused(
                f"{source}: {name} is set; claude-coder runs Claude Code only on your "
                "subscription login",
                variable=name,
                source=source,
            )
