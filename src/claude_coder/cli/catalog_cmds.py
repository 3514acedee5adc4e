"""The catalog commands: ``list``, ``history``, ``resume``, ``fork`` and ``rename``.

Each parses its arguments, asks :class:`claude_coder.catalog.Catalog`, and renders.
``resume`` and ``fork`` hand over to the session commands' REPL. Everything a
transcript holds is shown with its control characters made visible
(:mod:`claude_coder.security.terminal`); ``history`` also masks the secret values of
every profile it can resolve.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.text import Text

from claude_coder.catalog import Catalog, ListResult, SessionInfo
from claude_coder.cli.common import (
    complete_profiles,
    complete_sessions,
    console,
    err_console,
    load_profile_set,
    print_table,
    stdout_is_terminal,
)
from claude_coder.cli.rows import layout
from claude_coder.errors import ClaudeCoderError
from claude_coder.events import AssistantText, Envelope, ToolCall, ToolResult, UserText
from claude_coder.profiles import known_secrets
from claude_coder.security import Redactor, check_session_name, json_text, visible, visible_line

__all__ = ["register"]

_RESULT_LINES = 12

_HOST = click.option(
    "--host",
    default=None,
    metavar="HOST",
    help="The sessions of this host (an ssh destination), read there over ssh.",
)


def when_shown(when: datetime | None) -> str:
    """Local time with its UTC offset (as the TUI shows local time)."""
    return when.astimezone().strftime("%Y-%m-%d %H:%M %z") if when else "-"


def _report_skipped(result: ListResult) -> None:
    if result.skipped:
        why = ", ".join(f"{n} {reason}" for reason, n in result.reasons.items())
        err_console().print(f"skipped {result.skipped} transcript file(s): {why}")


_LIST_HEADER = ("NAME", "ID", "MODIFIED", "CWD", "SUMMARY")


def print_listing(header: Sequence[str], rows: Sequence[Sequence[str]], *, id_col: int) -> None:
    """One line per session: tab-separated in a pipe, else in columns with the id cut to
    8 (fast at 50,000: see :mod:`claude_coder.cli.rows`); the last two columns (cwd,
    summary) give up room first."""
    if not stdout_is_terminal():
        print_table(header, rows)
        return
    out = console()
    short = [tuple(c[:8] if i == id_col else c for i, c in enumerate(r)) for r in rows]
    last = len(header) - 1
    lines = layout(header, short, width=out.width, flex=(last - 1, last))
    out.print(Text(lines[0], style="bold"))
    out.file.write("\n".join(lines[1:]) + "\n")
    out.file.flush()


def _print_sessions(sessions: Sequence[SessionInfo]) -> None:
    rows = [
        (
            visible_line(s.name or "-"),
            visible_line(s.session_id),
            when_shown(s.modified),
            visible_line(s.cwd or "?"),
            visible_line(s.prompt or s.summary),
        )
        for s in sessions
    ]
    print_listing(_LIST_HEADER, rows, id_col=1)


def say_empty(empty: bool) -> None:
    """``(no sessions)`` for an empty listing: on stdout at a terminal, else on stderr."""
    if empty:
        (console() if stdout_is_terminal() else err_console()).print("(no sessions)")


@click.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also list unnamed sessions.")
@click.option(
    "--cwd",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Only sessions started in this directory.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@_HOST
@click.pass_context
def list_cmd(
    ctx: click.Context, show_all: bool, cwd: Path | None, as_json: bool, host: str | None
) -> None:
    """List persisted sessions, newest first (named ones unless --all)."""
    if host is not None:
        from claude_coder.cli.host_cmds import host_list

        where = str(cwd) if cwd is not None else None  # a directory on the host
        host_list(ctx, host, show_all=show_all, cwd=where, as_json=as_json)
        return
    result = Catalog().list(all=show_all, cwd=cwd)
    if as_json:
        click.echo(
            json_text(
                json.dumps([s.to_json() for s in result.sessions], ensure_ascii=False, indent=2)
            )
        )
    else:
        say_empty(not result.sessions)
        if result.sessions or not stdout_is_terminal():
            _print_sessions(result.sessions)  # in a pipe, an empty listing is the header line alone
    _report_skipped(result)


def _clip(text: str) -> str:
    lines = text.splitlines()
    if len(lines) <= _RESULT_LINES:
        return text
    return "\n".join([*lines[:_RESULT_LINES], f"... ({len(lines) - _RESULT_LINES} more lines)"])


def render_event(envelope: Envelope) -> str | None:
    event, stamp = envelope.event, envelope.time.astimezone().strftime("%H:%M:%S")
    head = f"[dim]{stamp}[/dim] "
    if isinstance(event, UserText):
        return f"{head}[bold cyan]you[/bold cyan]  {escape(visible(event.text))}"
    if isinstance(event, AssistantText):
        return f"{head}[bold green]claude[/bold green]  {escape(visible(event.text))}"
    if isinstance(event, ToolCall):
        args = json.dumps(dict(event.input), ensure_ascii=False)
        name = escape(visible_line(event.name))
        return f"{head}[yellow]tool[/yellow] {name} {escape(visible(args))}"
    if isinstance(event, ToolResult):
        mark = "[red]error[/red]" if event.is_error else "[dim]result[/dim]"
        return f"{head}{mark} {escape(visible(_clip(event.output)))}"
    return None


def profile_secrets(ctx: click.Context) -> Redactor:
    """A Redactor holding every secret value the profiles resolve to, best effort.

    A profiles file that cannot be read, or a reference that cannot be resolved, does
    not stop ``history``: it is named on stderr (that value is not masked).
    """
    try:
        values, missed = known_secrets(load_profile_set(ctx))
    except ClaudeCoderError as exc:
        values, missed = [], [f"the profiles ({exc.message})"]
    if missed:
        err_console().print(
            f"note: not masked in this output, as they could not be resolved: {', '.join(missed)}",
            markup=False,
        )
    return Redactor(values)


@click.command("history")
@click.argument("session", shell_complete=complete_sessions)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines of events.")
@_HOST
@click.pass_context
def history_cmd(ctx: click.Context, session: str, as_json: bool, host: str | None) -> None:
    """Show a session's conversation (SESSION: a name, an id or a unique id prefix)."""
    if host is not None:
        from claude_coder.cli.host_cmds import host_history

        host_history(ctx, host, session, as_json=as_json)
        return
    out = console()
    events = Catalog().history(session)
    redactor = profile_secrets(ctx)
    for raw in events:
        envelope = redactor.obj(raw)
        if as_json:
            click.echo(json_text(json.dumps(envelope.to_json(), ensure_ascii=False)))
            continue
        line = render_event(envelope)
        if line is not None:
            out.print(line)


def _open_repl(
    ctx: click.Context,
    *,
    profile: str | None,
    session_id: str,
    cwd: str | None,
    fork: bool,
    name: str | None,
    host: str | None = None,
) -> None:
    from claude_coder.cli.session_cmds import run_repl  # the session area's REPL

    run_repl(ctx, profile=profile, name=name, cwd=cwd, resume=session_id, fork=fork, host=host)


_PROFILE = click.option(
    "--profile",
    default=None,
    shell_complete=complete_profiles,
    help="Profile to run it with (default: the one the session recorded).",
)


def _host_session(
    ctx: click.Context, host: str, session: str, *, fork: bool = False, name: str | None = None
) -> dict[str, Any]:
    from claude_coder.cli.host_cmds import host_resolve

    return host_resolve(ctx, host, session, fork=fork, name=name)


@click.command("resume")
@click.argument("session", shell_complete=complete_sessions)
@_PROFILE
@_HOST
@click.pass_context
def resume_cmd(ctx: click.Context, session: str, profile: str | None, host: str | None) -> None:
    """Open a REPL on a persisted session, continuing the same conversation."""
    if host is not None:
        found = _host_session(ctx, host, session)
        sid, label, cwd = found["id"], found.get("name") or found["id"], found.get("cwd")
        profile = profile or found.get("profile")
        where = f"{cwd or '~'} on {host}"
    else:
        info = Catalog().resolve(session)
        sid, label, cwd, where = info.session_id, info.name or info.session_id, info.cwd, None
    err_console().print(
        f"resuming {visible_line(str(label))} in {visible_line(where or cwd or '.')}",
        markup=False,
    )
    _open_repl(ctx, profile=profile, session_id=sid, cwd=cwd, fork=False, name=None, host=host)


@click.command("fork")
@click.argument("session", shell_complete=complete_sessions)
@click.option("--name", "new_name", default=None, help="Name of the fork (<name>-fork-<n>).")
@_PROFILE
@_HOST
@click.pass_context
def fork_cmd(
    ctx: click.Context, session: str, new_name: str | None, profile: str | None, host: str | None
) -> None:
    """Open a REPL on a new session forked from SESSION (the original is left as it is)."""
    if host is not None:
        if new_name is not None:
            check_session_name(new_name)
        found = _host_session(ctx, host, session, fork=True, name=new_name)
        sid, label, cwd = found["id"], found.get("name") or found["id"], found.get("cwd")
        name = check_session_name(str(found.get("fork_name") or ""))
        profile = profile or found.get("profile")
    else:
        catalog = Catalog()
        info = catalog.resolve(session)
        name = check_session_name(new_name or catalog.fork_name(info))
        catalog.check_name_free(name)
        sid, label, cwd = info.session_id, info.name or info.session_id, info.cwd
    on = f" on {host}" if host else ""
    err_console().print(
        f"forking {visible_line(str(label))}{visible_line(on)} as {visible_line(name)!r}",
        markup=False,
    )
    _open_repl(ctx, profile=profile, session_id=sid, cwd=cwd, fork=True, name=name, host=host)


@click.command("rename")
@click.argument("session", shell_complete=complete_sessions)
@click.argument("new_name", metavar="NEW")
def rename_cmd(session: str, new_name: str) -> None:
    """Rename SESSION to NEW (Claude Code's own title record, as /rename writes it)."""
    if not new_name.strip():
        raise click.UsageError("NEW is empty: give the session a name with some text")
    info = Catalog().rename(session, new_name)
    err_console().print(f"renamed {info.session_id[:8]} to {info.name!r}", markup=False)


def register(group: click.Group) -> None:
    """Add the catalog commands to the ``claude-coder`` group."""
    for command in (list_cmd, history_cmd, resume_cmd, fork_cmd, rename_cmd):
        group.add_command(command)
