"""The session commands: ``run`` (one turn, then close) and ``repl`` (a conversation).

``run PROMPT`` prints the final text (``--output-format json``: one TurnResult object;
``stream-json``: every event as a JSON line; see :mod:`claude_coder.cli.run_io` for
stdin and progress) and exits by boundary: 0 completed, 1 error, 3 interrupted,
4 limit; 2 for a refusal or a usage/configuration error. It never waits on a person:
a tool use the profile's policy would ``ask`` about is denied (and said so on stderr),
a question declined.
``repl [PROFILE]`` is interactive (see :mod:`claude_coder.cli.session_repl`).
Both take ``--host H`` (else the profile's ``host``): Claude Code runs on that ssh
destination, ``--cwd`` is a directory there (see ``docs/remote.md``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import Any

import click

from claude_coder.cli.common import (
    complete_profiles,
    complete_sessions,
    err_console,
    load_profile_set,
    recap,
)
from claude_coder.cli.repl_input import open_input
from claude_coder.cli.run_io import (
    OUTPUT_FORMATS,
    Progress,
    load_schema,
    read_prompt,
    stream_printer,
)
from claude_coder.cli.session_host import HOST_OPTION, host_of, local_cwd
from claude_coder.cli.session_repl import glyphs_for, repl_loop
from claude_coder.cli.stopping import Stopper, child_pid, run_stoppable
from claude_coder.errors import ConfigError
from claude_coder.events import (
    ApiRetry,
    Boundary,
    Envelope,
    HostLost,
    HostRejoined,
    SaveFailed,
    TurnResult,
)
from claude_coder.profiles import BUILTIN_NAME, ProfileSet
from claude_coder.security import check_session_name, json_text, visible, visible_line
from claude_coder.session import Session
from claude_coder.transports.base import PermissionDecision, PermissionRequest, QuestionRequest

__all__ = ["EXIT_CODES", "register", "run_repl", "turn_json"]

EXIT_CODES: dict[Boundary, int] = {
    Boundary.COMPLETED: 0,
    Boundary.ERROR: 1,
    Boundary.INTERRUPTED: 3,
    Boundary.LIMIT: 4,
}

_CWD = click.Path(file_okay=False, path_type=Path)
"""Checked here only for a local session (``local_cwd``): a remote one's is on its host."""


def turn_json(result: TurnResult) -> dict[str, Any]:
    """The ``run --json`` object for one turn."""
    usage = result.usage
    return {
        "session_id": result.session_id,
        "boundary": result.boundary.value,
        "text": result.text,
        "tool_calls": [{"name": c.name, "input": dict(c.input)} for c in result.tool_calls],
        "denials": [{"name": c.name, "input": dict(c.input)} for c in result.denials],
        "usage": {
            "input_tokens": usage.input_tokens if usage else 0,
            "output_tokens": usage.output_tokens if usage else 0,
        },
        "cost_usd": result.cost_usd,
        "duration_s": result.duration_s,
        "error": result.error,
        "resets_at": result.resets_at,
        "structured": result.structured,
    }


def _resolve(
    query: str | None, cwd: Path | None, host: str | None = None
) -> tuple[str | None, str | None]:
    """A SESSION argument (name, id or unique prefix) -> (session id, its cwd); on a
    host it is passed on as given (``resume --host`` resolves names there)."""
    if query is None or host is not None:
        return query, local_cwd(cwd, host)
    from claude_coder.catalog import Catalog

    info = Catalog().resolve(query)
    return info.session_id, str(cwd) if cwd else info.cwd


def _check_name(
    name: str | None, *, except_session: str | None = None, host: str | None = None
) -> None:
    if name is None:
        return
    check_session_name(name)
    if host is not None:
        return  # the host's catalog decides (its Claude Code names the session)
    from claude_coder.catalog import Catalog

    Catalog().check_name_free(name, except_session=except_session)


def _no_person(req: PermissionRequest) -> PermissionDecision:
    err_console().print(
        f"denied {visible_line(req.tool)}: the profile's permissionPolicy says ask, and `run` "
        "cannot ask a person (allow it in permissionPolicy, or use `claude-coder repl`)",
        markup=False,
    )
    return PermissionDecision(
        False, message="The user is not available to approve this; it was denied."
    )


def _decline(req: QuestionRequest) -> None:
    return None


def _say_notices(envelope: Envelope) -> None:
    """``run`` prints nothing until the end: say on stderr why a turn is taking long,
    and what was not saved."""
    if isinstance(envelope.event, ApiRetry | SaveFailed | HostLost | HostRejoined):
        err_console().print(envelope.event.describe(), markup=False, highlight=False)


async def _run_once(
    stopper: Stopper, prompt: str, pset: ProfileSet, profile: str | None, fmt: str, **open_args: Any
) -> int:
    async with Session.open(
        profile, profiles=pset, on_permission=_no_person, on_question=_decline, **open_args
    ) as s:
        stopper.watch(child_pid(s))
        s.subscribe(_say_notices)
        progress = Progress(sys.stderr)
        s.subscribe(progress)
        if fmt == "stream-json":
            s.subscribe(stream_printer(sys.stdout))
        loop = asyncio.get_running_loop()
        tasks: list[asyncio.Task[TurnResult | None]] = []
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(
                signal.SIGINT, lambda: tasks.append(loop.create_task(s.interrupt()))
            )
        try:
            progress.start()
            result = await s.send(prompt)
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signal.SIGINT)
    if fmt == "json":
        click.echo(json_text(json.dumps(turn_json(result), ensure_ascii=False)))
    elif fmt == "text" and result.structured is not None:
        click.echo(json_text(json.dumps(result.structured, ensure_ascii=False)))
    elif fmt == "text" and result.text:
        click.echo(visible(result.text))
    if result.error and fmt != "json":
        err_console().print(f"{result.boundary.value}: {visible(result.error)}", markup=False)
    return EXIT_CODES[result.boundary]


_WORKTREE = click.option(
    "--worktree",
    "worktree",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[NAME]",
    help="Work in a git worktree of the repo at --cwd (.claude/worktrees/NAME, "
    "branch worktree-NAME; NAME defaults to --name).",
)


def _in_worktree(
    pset: ProfileSet,
    profile: str | None,
    worktree: str | None,
    name: str | None,
    cwd: str | None,
    host: str | None = None,
) -> str | None:
    """The cwd to run in: a new (or existing) worktree when asked for, else ``cwd``."""
    profile = profile or BUILTIN_NAME
    wanted = worktree is not None or pset.get(profile).worktree
    if not wanted:
        return cwd
    if host is not None:
        raise ConfigError(
            f"a worktree on host {host!r} is not supported yet: drop --worktree (and the "
            "profile's worktree key), or make the worktree on the host and give it as --cwd"
        )
    from datetime import UTC, datetime

    from claude_coder.fleet.worktrees import create_worktree

    label = worktree or name or datetime.now(UTC).strftime("run-%Y%m%d-%H%M%S")
    out = err_console()
    ref = create_worktree(
        cwd or ".",
        label,
        setup=pset.get(profile).worktree_setup,
        echo=lambda line: out.print(line, markup=False, highlight=False),
    )
    out.print(f"working in {ref.path} (branch {ref.branch}, base {ref.base})", markup=False)
    return ref.path


@click.command("run")
@click.argument("prompt")
@click.option(
    "--profile",
    default=None,
    shell_complete=complete_profiles,
    help="Profile to use (default: the session's own on --resume/--fork, else the built-in).",
)
@click.option("--name", default=None, help="Persist the session under this name.")
@click.option("--cwd", type=_CWD, default=None, help="Working directory for Claude Code.")
@click.option(
    "--resume",
    "resume_q",
    default=None,
    metavar="SESSION",
    shell_complete=complete_sessions,
    help="Continue SESSION.",
)
@click.option(
    "--fork",
    "fork_q",
    default=None,
    metavar="SESSION",
    shell_complete=complete_sessions,
    help="Branch from SESSION (a new session; named <name>-fork-<n> if SESSION has a name).",
)
@click.option(
    "--output-format",
    "fmt",
    type=click.Choice(OUTPUT_FORMATS),
    default=None,
    help="text (default), json (one TurnResult) or stream-json (one event per line).",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --output-format json.")
@click.option(
    "--json-schema",
    "schema_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE",
    help="Ask for output matching this JSON schema (printed as JSON; exit 1 if none).",
)
@_WORKTREE
@HOST_OPTION
@click.pass_context
def run_cmd(
    ctx: click.Context,
    prompt: str,
    profile: str | None,
    name: str | None,
    cwd: Path | None,
    resume_q: str | None,
    fork_q: str | None,
    fmt: str | None,
    as_json: bool,
    worktree: str | None,
    schema_file: Path | None,
    host: str | None,
) -> None:
    """Run one turn (PROMPT; '-' reads it from stdin), print the result, close.

    Piped stdin is added after PROMPT as context. The exit code says the boundary.
    """
    if resume_q and fork_q:
        raise click.UsageError("give --resume or --fork, not both")
    if as_json and fmt not in (None, "json"):
        raise click.UsageError(f"--json means --output-format json, not {fmt}")
    schema = load_schema(schema_file)
    text = read_prompt(prompt)
    pset = load_profile_set(ctx)
    on = host_of(pset, profile, host)
    resume, where = _resolve(resume_q or fork_q, cwd, on)
    _check_name(name, except_session=resume if resume_q else None, host=on)
    if not resume:
        where = _in_worktree(pset, profile, worktree, name, where, on)
    remote: dict[str, Any] = {"host": host} if host is not None else {}
    code = run_stoppable(
        lambda stopper: _run_once(
            stopper, text, pset, profile, "json" if as_json else (fmt or "text"),
            name=name, cwd=where, resume=resume, fork=bool(fork_q), output_schema=schema,
            **remote,
        )
    )  # fmt: skip
    if code:
        raise click.exceptions.Exit(code)


def _repl_header(s: Session, profile: str | None, dot: str) -> str:
    """The REPL's first lines: where it runs, and how to leave."""
    shown = s.profile.name if s.profile is not None else profile
    sid = s.session_id or "(new: its id comes with the first reply)"
    host = getattr(s.transport, "host", None)
    cwd = visible_line(f"{host}:{s.cwd or '~'}" if host else s.cwd or ".")
    return (
        f"claude-coder repl {dot} profile {shown} {dot} session {sid} {dot} {cwd}\n"
        "(exit or Ctrl-D leaves; Ctrl-C stops a turn or clears the line; "
        "Esc+Enter or a trailing \\ for a new line)"
    )


async def _repl(stopper: Stopper, pset: ProfileSet, profile: str | None, **open_args: Any) -> int:
    glyphs = glyphs_for(sys.stdout)
    glyphs_for(sys.stderr)
    async with Session.open(profile, profiles=pset, **open_args) as s:
        stopper.watch(child_pid(s))
        header = _repl_header(s, profile, glyphs.dot)
        err_console().print(header, markup=False, highlight=False)
        err_console().print(recap(open_args.get("resume")), markup=False, highlight=False, end="")
        lines = open_input()
        try:
            return await repl_loop(s, lines, sys.stdout, glyphs=glyphs)
        finally:
            lines.close()


def run_repl(
    ctx: click.Context,
    *,
    profile: str | None,
    name: str | None,
    cwd: str | None,
    resume: str | None = None,
    fork: bool = False,
    host: str | None = None,
) -> None:
    """Open the REPL (also used by ``resume`` and ``fork``); ``host``: on that host."""
    pset = load_profile_set(ctx)
    code = run_stoppable(
        lambda stopper: _repl(
            stopper, pset, profile, name=name, cwd=cwd, resume=resume, fork=fork, host=host
        )
    )
    if code:
        raise click.exceptions.Exit(code)


@click.command("repl")
@click.argument("profile", required=False, default=BUILTIN_NAME, shell_complete=complete_profiles)
@click.option("--name", default=None, help="Persist the session under this name.")
@click.option("--cwd", type=_CWD, default=None, help="Working directory for Claude Code.")
@_WORKTREE
@HOST_OPTION
@click.pass_context
def repl_cmd(
    ctx: click.Context,
    profile: str,
    name: str | None,
    cwd: Path | None,
    worktree: str | None,
    host: str | None,
) -> None:
    """Talk to Claude Code turn by turn (ephemeral unless --name is given)."""
    pset = load_profile_set(ctx)
    on = host_of(pset, profile, host)
    _check_name(name, host=on)
    where = _in_worktree(pset, profile, worktree, name, local_cwd(cwd, on), on)
    run_repl(ctx, profile=profile, name=name, cwd=where, host=host)


def register(group: click.Group) -> None:
    """Add ``run`` and ``repl`` to the ``claude-coder`` group."""
    group.add_command(run_cmd)
    group.add_command(repl_cmd)
