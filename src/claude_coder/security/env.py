"""The child environment: the only place claude-coder builds the environment of a child process.

``child_env`` starts from the inherited environment, drops every variable the rule of
:mod:`claude_coder.security.auth` refuses (every ``ANTHROPIC_*``, ``CLAUDE_*``,
``_CLAUDE_*`` and ``CCR_*`` name but a short allowlist, plus a few unprefixed
credential switches), ``CLAUDECODE`` (a parent Claude Code would make the child refuse
to start) and an inherited ``CLAUDE_CODE_OAUTH_TOKEN`` (the token passes only when a
profile asks for it through a ``secretRef``), then adds the compiled profile
environment and checks the result once more before anyone may start a process with it.

``ssh_env`` builds the environment of the ``ssh`` that reaches a remote member's host:
an allowlist (what ssh needs to find its config, keys and agent), never anything a
``SendEnv`` line could carry to the host as a credential.
"""

from __future__ import annotations

import collections
import os
import re
from collections.abc import Iterable, Mapping

from claude_coder.security.auth import OAUTH_TOKEN_VAR, check_env, denied_names

__all__ = [
    "SSH_KEPT",
    "STRIPPED_ALWAYS",
    "child_env",
    "inherited_environ",
    "inherited_environ_with",
    "ssh_env",
    "stripped_names",
    "stripped_secrets",
]

STRIPPED_ALWAYS: frozenset[str] = frozenset({"CLAUDECODE", OAUTH_TOKEN_VAR})
"""Inherited variables removed besides those the rule refuses."""


def inherited_environ() -> Mapping[str, str]:
    """The environment this process was started with (read-only view)."""
    return os.environ


def inherited_environ_with(extra: Mapping[str, str]) -> Mapping[str, str]:
    """This process's environment with ``extra`` laid over it (a read-only view, not a
    child environment): what a launch resolves ``env:`` references from and hands to
    :func:`child_env`, which strips it like any inherited environment. The host side of
    a remote member puts the secrets sent to it there."""
    return collections.ChainMap(dict(extra), dict(inherited_environ().items()))


def stripped_names(environ: Mapping[str, str]) -> list[str]:
    """Names of the variables in ``environ`` that :func:`child_env` would drop."""
    dropped = set(denied_names(environ))
    dropped |= {n for n in environ if n.upper() in STRIPPED_ALWAYS}
    return sorted(dropped)


SECRET_MIN = 8
"""Values shorter than this are not taken for secrets (``1``, ``true``, ``bedrock``)."""

_NOT_SECRET_NAME = re.compile(r"(?:_MODEL|_MODEL_NAME|_REGION)\Z", re.IGNORECASE)
"""Stripped variables whose values are choices, not credentials: a model id, a region."""


def stripped_secrets(environ: Mapping[str, str]) -> list[str]:
    """The values of the stripped variables of ``environ`` that may be secrets: what a
    host masks in everything it sends. A model id, a region, a number or a short switch
    is not one (masking ``claude-sonnet-4-5`` would hide the model in every event); a
    key, a token, an endpoint URL or custom headers are."""
    out = []
    for name in stripped_names(environ):
        value = environ.get(name, "")
        if len(value) < SECRET_MIN or value.isdigit() or _NOT_SECRET_NAME.search(name):
            continue
        out.append(value)
    return out


def child_env(
    profile_env: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    drop: Iterable[str] = (),
    term: str | None = None,
) -> dict[str, str]:
    """Build a child environment: inherited minus what the rule refuses, plus ``profile_env``.

    ``profile_env`` must be a compiled profile environment (secrets resolved, already
    through the compile-time check). ``environ`` defaults to this process's environment.
    ``drop`` names more inherited variables to leave out (the sources of ``env:``
    secret references, so a secret reaches the child only under the profile's name).
    Raises :class:`~claude_coder.errors.CredentialRefused` if the result still holds a
    refused variable (a profile env that skipped the compile step).
    """
    base = inherited_environ() if environ is None else environ
    dropped = set(stripped_names(base)) | set(drop)
    env = {k: v for k, v in base.items() if k not in dropped}
    if term is not None:
        env["TERM"] = term
    env.update(profile_env or {})
    check_env(env)
    return env


SSH_KEPT: frozenset[str] = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SSH_AUTH_SOCK",
        "SSH_AGENT_PID",
        "KRB5CCNAME",
        "TZ",
        "XDG_RUNTIME_DIR",
    }
)
"""What the ssh child keeps besides ``LANG``/``LC_*`` (its config, its keys, its agent,
the Kerberos ticket cache a GSSAPI login reads; ssh itself sends none of them on)."""

_LOCALE_RE = re.compile(
    r"(?:C|POSIX|[a-z]{2,3}(?:_[A-Z]{2})?)(?:\.[A-Za-z0-9-]{1,20})?(?:@[A-Za-z0-9]{1,20})?"
)
"""A plain locale name (``C``, ``C.UTF-8``, ``en_US.UTF-8``, ``de_DE@euro``): anything else
in ``LANG``/``LC_*`` may be a value smuggled to the host through ssh's ``SendEnv``."""


def _locale_var(name: str) -> bool:
    return name == "LANG" or name.startswith("LC_")


def ssh_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of an ``ssh`` child: :data:`SSH_KEPT`, plus ``LANG``/``LC_*`` whose
    value is a plain locale name; every other variable (every ``ANTHROPIC_*``/``CLAUDE_*``,
    cloud credentials, ``DISPLAY``, tokens of any kind) is dropped, so nothing local can
    ride a ``SendEnv`` line to the host."""
    base = inherited_environ() if environ is None else environ
    env: dict[str, str] = {}
    for name, value in base.items():
        if name in SSH_KEPT or (_locale_var(name) and _LOCALE_RE.fullmatch(value)):
            env[name] = value
    check_env(env)
    return env
