"""What an ``open`` launches: the sent profile, checked and launched by this host's rules.

The profile definition the client sent becomes a :class:`~claude_coder.profiles.Profile`
(``Profile.model_validate``, the same strict schema as a profiles file), then goes
through :func:`claude_coder.session._launch.launch_transport` exactly as a local
session's does: this host's Claude Code discovery, environment strip, settings check
and, in the transport's ``start()``, its login proof. Keys that only mean something on
the client (``CLIENT_ONLY_KEYS`` of the wire) are dropped.
The secrets the client chose to send become ``env:`` references to variables that
exist only in the environment handed to the launch, so they reach Claude Code under the
profile's names, are registered with the member's Redactor like every resolved
secret, and pass the same checks as any ``secretRef``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from claude_coder.errors import ConfigError
from claude_coder.profiles import Profile
from claude_coder.security import Redactor, inherited_environ_with
from claude_coder.session._launch import launch_transport
from claude_coder.transports.base import Transport
from claude_coder.transports.remote._protocol import CLIENT_ONLY_KEYS, OpenSpec

__all__ = ["host_profile", "launch_member"]

_SENT = "CLAUDE_CODER_SENT_SECRET_"
"""Prefix of the launch-only variables that carry the sent secrets."""


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"]) or "$"
    more = exc.error_count() - 1
    return f"{where}: {err['msg']}" + (f" (and {more} more)" if more else "")


def host_profile(spec: OpenSpec) -> tuple[Profile, Mapping[str, str]]:
    """The Profile to launch and the environment to launch it from (this process's
    environment plus the variables holding the sent secrets)."""
    data: dict[str, Any] = {k: v for k, v in spec.profile.items() if k not in CLIENT_ONLY_KEYS}
    data["transport"] = spec.transport
    env = dict(data.get("env") or {})
    sent: dict[str, str] = {}
    for index, (name, value) in enumerate(sorted(spec.secrets.items())):
        source = f"{_SENT}{index}"
        env[name] = {"secretRef": f"env:{source}"}
        sent[source] = value
    data["env"] = env
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        sent_name = data.get("name")
        raise ConfigError(
            f"the profile sent to this host is not valid: {_first_problem(exc)}; "
            "run the same claude-coder version on both sides",
            profile=sent_name if isinstance(sent_name, str) else None,
        ) from None
    return profile, inherited_environ_with(sent)


def _cwd(spec: OpenSpec, profile: Profile) -> str:
    return spec.cwd or profile.cwd or str(Path.home())


def launch_member(spec: OpenSpec) -> tuple[Transport, Redactor, str]:
    """The member's transport (not started), its Redactor and its working directory."""
    profile, environ = host_profile(spec)
    transport, redactor, cwd = launch_transport(
        profile,
        name=spec.name,
        cwd=_cwd(spec, profile),
        resume=spec.resume,
        fork=spec.fork,
        persist=spec.persist,
        output_schema=spec.output_schema,
        session_id=spec.session_id,
        environ=environ,
    )
    for value in spec.secrets.values():
        redactor.add(value)  # already there through the env reference; never less
    return transport, redactor, cwd or _cwd(spec, profile)
