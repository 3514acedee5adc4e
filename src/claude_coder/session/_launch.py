"""How a session gets its profile and its transport: profile lookup, launch, factory,
and the error a failed start raises."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_coder.errors import ClaudeCoderError, ConfigError, TransportError
from claude_coder.transports.base import Transport

if TYPE_CHECKING:
    from claude_coder.launch import LaunchSpec
    from claude_coder.profiles import Profile, ProfileSet
    from claude_coder.security import Redactor
    from claude_coder.transports.remote import RemoteTransport

__all__ = [
    "fork_default_name",
    "launch_remote",
    "launch_transport",
    "make_transport",
    "resolve_profile",
    "start_error",
]


def resolve_profile(
    profile: str | Profile,
    profiles: ProfileSet | str | Path | None,
    *,
    needed: bool = True,
) -> Profile | None:
    """The Profile named ``profile`` (or ``profile`` itself when it is one).

    When a ready transport was given (``needed=False``) and the profile cannot be
    loaded, the session runs with defaults (policy ``ask``, stall 120 s).
    """
    if not isinstance(profile, str):
        return profile
    from claude_coder.profiles import ProfileSet, load_profiles

    try:
        pset = profiles if isinstance(profiles, ProfileSet) else load_profiles(profiles)
        return pset.get(profile)
    except ConfigError:
        if needed:
            raise
        return None


def fork_default_name(resume: str | None) -> str | None:
    """The name a fork of ``resume`` gets when none is given: ``<name>-fork-<n>``.

    Claude Code copies the source's ``custom-title`` into the fork, so a fork left
    unnamed would carry its source's name; a source with no name gives no name.
    """
    if resume is None:
        return None
    from claude_coder.catalog import Catalog
    from claude_coder.errors import ClaudeCoderError

    catalog = Catalog()
    try:
        info = catalog.resolve(resume)
    except ClaudeCoderError:
        return None
    return catalog.fork_name(info) if info.name else None


def make_transport(spec: LaunchSpec) -> Transport:
    """The Transport for a LaunchSpec (``sdk`` or ``pty``)."""
    kind = spec.transport
    if kind == "sdk":
        from claude_coder.transports.sdk import SdkTransport

        return SdkTransport(spec)
    if kind == "pty":
        from claude_coder.transports.pty import PtyTransport

        return PtyTransport(spec)
    raise ConfigError(f"unknown transport {kind!r}: use 'sdk' or 'pty'", path="transport")


def launch_transport(
    profile: Profile,
    *,
    name: str | None,
    cwd: str | None,
    resume: str | None,
    fork: bool,
    persist: bool,
    output_schema: Mapping[str, Any] | None = None,
    session_id: str | None = None,
    environ: Mapping[str, str] | None = None,
    host: str | None = None,
) -> tuple[Transport, Redactor, str]:
    """Build the LaunchSpec (secrets resolved, auth checked) and its transport; with a
    ``host`` (or the profile's), the :func:`launch_remote` transport instead (its cwd is
    ``""`` until the host has said which directory it chose).

    ``environ`` replaces this process's environment as what the child inherits and
    ``env:`` references read (the host side of a remote member adds the secrets sent to
    it there)."""
    from claude_coder.launch import build_launch
    from claude_coder.security import Redactor

    if host is not None or profile.host:
        remote, redactor, where = launch_remote(
            profile,
            host if host is not None else str(profile.host),
            name=name,
            cwd=cwd,
            resume=resume,
            fork=fork,
            persist=persist,
            output_schema=output_schema,
            session_id=session_id,
        )
        return remote, redactor, where or ""
    redactor = Redactor()
    spec = build_launch(
        profile,
        name=name,
        resume=resume,
        fork=fork,
        persist=persist,
        cwd=cwd,
        redactor=redactor,
        output_schema=output_schema,
        session_id=session_id,
        environ=environ,
    )
    return make_transport(spec), redactor, spec.cwd


def launch_remote(
    profile: Profile,
    host: str,
    *,
    name: str | None,
    cwd: str | None,
    resume: str | None,
    fork: bool,
    persist: bool,
    output_schema: Mapping[str, Any] | None = None,
    session_id: str | None = None,
) -> tuple[RemoteTransport, Redactor, str | None]:
    """A RemoteTransport for ``profile`` on ``host`` (not started; ``cwd`` is a directory
    there, never resolved here). The checks that apply here run here: the profile's
    ``env``; only its ``sendSecrets`` are resolved, and registered with the Redactor."""
    from claude_coder.profiles import SecretRef, resolve_ref
    from claude_coder.profiles.model import Host
    from claude_coder.security import Redactor, check_profile_env
    from claude_coder.transports.remote import OpenSpec, remote_transport
    from claude_coder.transports.remote._protocol import CLIENT_ONLY_KEYS, DEFAULT_GRACE

    host = checked_host(host, Host)
    check_profile_env(profile.name, profile.env)
    redactor = Redactor()
    secrets: dict[str, str] = {}
    for key in profile.send_secrets:
        ref = profile.env.get(key)
        if not isinstance(ref, SecretRef):
            raise ConfigError(
                f"sendSecrets names {key!r}, which is not a secretRef entry of env",
                profile=profile.name,
                path="sendSecrets",
            )
        secrets[key] = resolve_ref(ref, profile=profile.name)
        redactor.add(secrets[key])
    data = profile.model_dump(mode="json", by_alias=True)
    spec = OpenSpec(
        profile={k: v for k, v in data.items() if k not in CLIENT_ONLY_KEYS},
        transport=profile.transport,
        name=name,
        cwd=cwd,
        resume=resume,
        fork=fork,
        persist=persist,
        output_schema=output_schema,
        session_id=session_id,
        secrets=secrets,
        raw=profile.transport == "pty",
        grace_s=profile.host_grace_seconds or DEFAULT_GRACE,
    )
    remote = remote_transport(host, spec, remote_command=profile.remote_command, redactor=redactor)
    return remote, redactor, cwd


def checked_host(host: str, kind: Any) -> str:
    """``host`` validated as ``kind`` (the profile's ``Host`` type), else a one-line
    ConfigError (``-oProxyCommand=...`` never reaches ssh as an option)."""
    from pydantic import TypeAdapter, ValidationError

    try:
        return str(TypeAdapter(kind).validate_python(host))
    except ValidationError as exc:
        why = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise ConfigError(f"host {host!r} {why}", path="host") from None


def start_error(
    exc: BaseException, timeout: float, redactor: Redactor, transport: Transport
) -> BaseException:
    """What ``Session.start`` raises when the transport's start failed with ``exc``
    (with the child's last stderr lines, when the transport kept them)."""
    said = transport.failure_detail
    if isinstance(exc, ClaudeCoderError | asyncio.CancelledError):
        return exc
    if isinstance(exc, TimeoutError):
        return TransportError(
            f"Claude Code did not become ready within {timeout:g}s; it was stopped"
            + (f"; it said: {redactor.text(said)}" if said else "")
        )
    return TransportError(f"Claude Code could not start: {redactor.text(str(exc))}")
