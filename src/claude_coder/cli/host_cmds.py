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

import asyncio
import json
from collections.abc import Mapping
from datetime import datetime
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
from claude_coder.events import Envelope, event_from_json
from claude_coder.profiles import Profile
from claude_coder.security import json_text, visible_line
from claude_coder.transports.remote import call_host
from claude_coder.transports.remote._protocol import package_version

__all__ = [
    "check_host",
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

_HOST_MAX = 255


def check_host(host: str) -> str:
    """``host`` if it can be an ssh destination (no leading ``-``, no whitespace or
    control characters, at most 255 characters), else a usage error."""
    bad = not host or host.startswith("-") or len(host) > _HOST_MAX
    if bad or any(c.isspace() or not c.isprintable() for c in host):
        raise click.BadParameter(
            f"{visible_line(host[:60])!r} is not an ssh destination: give a host as "
            "~/.ssh/config knows it (devbox, me@devbox)",
            param_hint="--host",
        )
    return host


def remote_command_for(ctx: click.Context, host: str) -> str | None:
    """The ``remoteCommand`` of the first local profile whose ``host`` is ``host``
    (None: the default ``claude-coder``). A profiles file that cannot be read is no
    reason to stop here: the default is used."""
    try:
        pset = load_profile_set(ctx)
    except ClaudeCoderError:
        return None
    for name in pset.names():
        try:
            profile = pset.get(name)
        except ClaudeCoderError:
            continue
        command = getattr(profile, "remote_command", None)
        if getattr(profile, "host", None) == host and isinstance(command, str):
            return command
    return None


def ask(
    ctx: click.Context, host: str, what: str, args: Mapping[str, Any], timeout: float = CALL_TIMEOUT
) -> Any:
    """The host's answer to one call (its errors raised as their own class)."""
    command = remote_command_for(ctx, check_host(host))
    return asyncio.run(call_host(host, what, args, remote_command=command, timeout=timeout))


def _rows(host: str, data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise HostError(f"host {host!r} answered 'list' with something else", host=host)
    return [{"host": host, **r} for r in data]


def _modified(row: Mapping[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(row.get("modified")))
    except ValueError:
        return None


def _cell(row: Mapping[str, Any], key: str, empty: str) -> str:
    value = row.get(key)
    return visible_line(str(value)) if value else empty


def host_list(
    ctx: click.Context, host: str, *, show_all: bool, cwd: str | None, as_json: bool
) -> None:
    """``list --host``: the host's sessions, newest first, with a HOST column."""
    rows = _rows(host, ask(ctx, host, "list", {"all": show_all, "cwd": cwd}))
    if as_json:
        click.echo(json_text(json.dumps(rows, ensure_ascii=False, indent=2)))
        return
    shown = [
        (
            visible_line(host),
            _cell(r, "name", "-"),
            _cell(r, "session_id", "?"),
            when_shown(_modified(r)),
            _cell(r, "cwd", "?"),
            visible_line(str(r.get("prompt") or r.get("summary") or "")),
        )
        for r in rows
    ]
    say_empty(not rows)
    if rows or not stdout_is_terminal():
        print_listing(("HOST", "NAME", "ID", "MODIFIED", "CWD", "SUMMARY"), shown, id_col=2)


def _envelope(data: Any) -> Envelope | None:
    """An event from a host's history, or None when it is not one this side can read."""
    try:
        return Envelope(
            name=data.get("name"),
            session_id=data.get("session_id"),
            seq=int(data.get("seq", 0)),
            time=datetime.fromisoformat(str(data["time"])),
            event=event_from_json(data["event"]),
        )
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def host_history(ctx: click.Context, host: str, session: str, *, as_json: bool) -> None:
    """``history --host``: a session of the host's, as ``history`` shows one."""
    answer = ask(ctx, host, "history", {"session": session})
    events = answer.get("events") if isinstance(answer, dict) else None
    if not isinstance(events, list):
        raise HostError(f"host {host!r} answered 'history' with something else", host=host)
    redactor, out, unread = profile_secrets(ctx), console(), 0
    for raw in events:
        envelope = _envelope(raw)
        if envelope is None:
            unread += 1
            continue
        envelope = redactor.obj(envelope)
        if as_json:
            shown = {**envelope.to_json(), "host": host}
            click.echo(json_text(json.dumps(shown, ensure_ascii=False)))
        elif (line := render_event(envelope)) is not None:
            out.print(line)
    notes = [f"{unread} event(s) this claude-coder cannot read"] if unread else []
    if answer.get("truncated"):
        notes.append(f"only the first {len(events)} events: the host holds more")
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
    info = ask(ctx, host, "resolve", args)
    if not isinstance(info, dict) or not isinstance(info.get("id"), str):
        raise HostError(f"host {host!r} answered 'resolve' with something else", host=host)
    return info


def _wire_profile(ctx: click.Context, profile_name: str) -> dict[str, Any]:
    """The profile's definition as an ``open`` sends it (the host's own binary and
    login decide; nothing secret: secret references stay references)."""
    profile: Profile = load_profile_set(ctx).get(profile_name)
    data = profile.to_json()
    for key in ("claudePath", "host", "remoteCommand", "sendSecrets"):
        data.pop(key, None)
    return data


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
        report = ask(ctx, host, "doctor", {"profile": definition}, timeout=DOCTOR_TIMEOUT)
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
