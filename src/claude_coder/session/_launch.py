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

__all__ = [
    "fork_default_name",
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
) -> tuple[Transport, Redactor, str]:
    """Build the LaunchSpec (secrets resolved, auth checked) and its transport.

    ``environ`` replaces this process's environment as what the child inherits and
    ``env:`` references read (the host side of a remote member adds the secrets sent to
    it there)."""
    from claude_coder.launch import build_launch
    from claude_coder.security import Redactor

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
