"""The catalog and doctor of a host, over ssh: ``list``, ``history``, ``resume``,
``fork`` and ``doctor`` with ``--host H``.

Each asks the host one call (:func:`claude_coder.transports.remote.call_host`; the host
answers from its own transcripts and environment, masked by its own redactor) and
renders the answer as the local command does, with a HOST column (``host`` in JSON).
What comes back is text from elsewhere: every string is shown through
:func:`~claude_coder.security.visible_line` / :func:`~claude_coder.security.visible`,
and history is masked again with the local profiles' secrets (a value sent with
``sendSecrets`` may sit in a host's transcript). ``resume``/``fork`` run the REPL on a
session on the host (``cwd`` is a directory there).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import click

from claude_coder.cli.catalog_cmds import (
    print_listing,
    profile_secrets,
    render_event,
    say_empty,
    when_shown,
)
from claude_coder.cli.common import console, err_console, load_profile_set, stdout_is_terminal
from claude_coder.cli.doctor_cmds import render_checks
from claude_coder.errors import ClaudeCoderError, HostError
from claude_coder.profiles import Profile
from claude_coder.profiles.model import Host
from claude_coder.security import Redactor, json_text, visible_line
from claude_coder.transports.remote._protocol import CLIENT_ONLY_KEYS, package_version
from claude_coder.transports.remote.catalog import HostCatalog, profile_hosts

__all__ = [
    "check_host",
    "host_catalog",
    "host_doctor",
    "host_history",
    "host_list",
    "host_resolve",
    "remote_command_for",
]

CALL_TIMEOUT = 60.0
"""Seconds a catalog call may take, connection included."""
DOCTOR_TIMEOUT = 120.0
"""A host's doctor runs the login proof (up to a minute) after connecting."""


def check_host(host: str, option: str = "--host") -> str:
    """``host`` if it can be an ssh destination (the rule of a profile's ``host``), else
    a usage error naming ``option``."""
    from pydantic import TypeAdapter, ValidationError

    try:
        return str(TypeAdapter(Host).validate_python(host))
    except ValidationError as exc:
        why = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise click.BadParameter(
            f"{visible_line(host[:60])!r} {why}: give a host as ~/.ssh/config knows it "
            "(devbox, me@devbox)",
            param_hint=option,
        ) from None


def remote_command_for(ctx: click.Context, host: str) -> str | None:
    """The ``remoteCommand`` of the first local profile whose ``host`` is ``host``
    (None: the default ``claude-coder``). A profiles file that cannot be read is no
    reason to stop here: the default is used."""
    try:
        pset = load_profile_set(ctx)
    except ClaudeCoderError:
        return None
    return profile_hosts(pset).get(host)


def host_catalog(
    ctx: click.Context,
    host: str,
    *,
    redactor: Redactor | None = None,
    timeout: float = CALL_TIMEOUT,
) -> HostCatalog:
    """The catalog of ``host`` (checked as an ssh destination), reached with the
    ``remoteCommand`` of a profile for that host."""
    command = remote_command_for(ctx, check_host(host))
    return HostCatalog(host, redactor=redactor, remote_command=command, timeout=timeout)


def host_list(
    ctx: click.Context, host: str, *, show_all: bool, cwd: str | None, as_json: bool
) -> None:
    """``list --host``: the host's sessions, newest first, with a HOST column."""
    listing = host_catalog(ctx, host).list(all=show_all, cwd=cwd)
    if as_json:
        rows = [dict(s.row) for s in listing.sessions]
        click.echo(json_text(json.dumps(rows, ensure_ascii=False, indent=2)))
        return
    shown = [
        (
            visible_line(host),
            visible_line(s.name or "-"),
            visible_line(s.session_id),
            when_shown(s.modified),
            visible_line(s.cwd or "?"),
            visible_line(s.summary),
        )
        for s in listing.sessions
    ]
    say_empty(not shown)
    if shown or not stdout_is_terminal():
        print_listing(("HOST", "NAME", "ID", "MODIFIED", "CWD", "SUMMARY"), shown, id_col=2)
    if listing.skipped:
        err_console().print(f"skipped {listing.skipped} row(s) this claude-coder cannot read")


def host_history(ctx: click.Context, host: str, session: str, *, as_json: bool) -> None:
    """``history --host``: a session of the host's, as ``history`` shows one."""
    found = host_catalog(ctx, host, redactor=profile_secrets(ctx)).read_history(session)
    out = console()
    for envelope in found.events:
        if as_json:
            shown = {**envelope.to_json(), "host": host}
            click.echo(json_text(json.dumps(shown, ensure_ascii=False)))
        elif (line := render_event(envelope)) is not None:
            out.print(line)
    notes = [f"{found.unread} event(s) this claude-coder cannot read"] if found.unread else []
    if found.truncated:
        notes.append(f"only the first {len(found.events)} events: the host holds more")
    for note in notes:
        err_console().print(f"note: {note}", markup=False)


def host_resolve(
    ctx: click.Context, host: str, session: str, *, fork: bool = False, name: str | None = None
) -> dict[str, Any]:
    """``{id, name, cwd}`` of a host's session (with ``fork``: also ``fork_name``, free
    on the host)."""
    args: dict[str, Any] = {"session": session, "fork": fork}
    if name is not None:
        args["name"] = name
    info = host_catalog(ctx, host).call("resolve", args)
    if not isinstance(info, dict) or not isinstance(info.get("id"), str):
        raise HostError(f"host {host!r} answered 'resolve' with something else", host=host)
    return info


def _wire_profile(ctx: click.Context, profile_name: str) -> dict[str, Any]:
    """The profile's definition as an ``open`` sends it (the host's own binary and
    login decide; nothing secret: secret references stay references)."""
    profile: Profile = load_profile_set(ctx).get(profile_name)
    return {k: v for k, v in profile.to_json().items() if k not in CLIENT_ONLY_KEYS}


def _ssh_line(host: str, report: Mapping[str, Any]) -> str:
    info = report.get("claudeCoder") or {}
    theirs, here = info.get("version", "?"), package_version()
    same = "the same as here" if theirs == here else f"here {here}"
    return (
        f"ssh          {host}: reachable; claude-coder {theirs} ({same}) on "
        f"{info.get('hostname', '?')}, python {info.get('python', '?')}"
    )


def host_doctor(ctx: click.Context, host: str, profile_name: str, *, as_json: bool) -> None:
    """``doctor --host``: one line per check, the first being ssh; exits 1 on a problem."""
    definition = _wire_profile(ctx, profile_name)
    try:
        catalog = host_catalog(ctx, host, timeout=DOCTOR_TIMEOUT)
        report = catalog.call("doctor", {"profile": definition})
    except HostError as exc:
        if as_json:
            click.echo(json.dumps({"host": host, "ssh": {"ok": False, "detail": exc.message}}))
        else:
            console().print(f"ssh          {visible_line(exc.message)}", markup=False)
        raise ClaudeCoderError("doctor found problems: see above") from None
    if not isinstance(report, dict) or "binary" not in report:
        raise HostError(f"host {host!r} answered 'doctor' with something else", host=host)
    if as_json:
        click.echo(json_text(json.dumps({"host": host, "ssh": {"ok": True}, **report}, indent=2)))
    else:
        out = console()
        for line in [_ssh_line(host, report), *render_checks(report)]:
            out.print(visible_line(line), markup=False)
        if report.get("ok"):
            out.print(f"ok: a session could start on host {host!r}", markup=False)
    if not report.get("ok"):
        raise ClaudeCoderError("doctor found problems: see above")
