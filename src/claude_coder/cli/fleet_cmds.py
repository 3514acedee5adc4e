"""The fleet commands: ``fleet`` (the TUI) and ``fleet status`` (live fleet, else roster).

``fleet status`` asks the running fleet over its control socket when one listens for
the roster; otherwise it reads the roster file without locking or starting anything
and shows the states the fleet last wrote. ``send``, ``approve``, ``watch`` and
``serve`` are in :mod:`claude_coder.cli.fleet_live_cmds`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from rich.markup import escape

from claude_coder.cli import fleet_live_cmds
from claude_coder.cli.common import console, err_console, print_table, state, stdout_is_terminal
from claude_coder.errors import ConfigError
from claude_coder.fleet import ROSTER_ENV
from claude_coder.fleet._member import worktree_of
from claude_coder.fleet.landing import changed_files
from claude_coder.fleet.roster._file import (
    RosterMember,
    RosterSnapshot,
    read_roster,
    resolve_roster_path,
    snapshot_to_json,
)
from claude_coder.security import json_text, visible
from claude_coder.security import visible_line as _cell

__all__ = ["register"]

_ROSTER_HELP = "Roster file (else $CLAUDE_CODER_ROSTER, else fleet.json in the user state dir)."


def _roster_option(f: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--roster",
        "roster_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help=_ROSTER_HELP,
    )(f)


def _tokens(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 10_000 else str(n)


def _table(snapshot: RosterSnapshot) -> None:
    columns = (
        "NAME", "STATE", "PROFILE", "TRANSPORT", "SESSION", "LAST", "TOKENS", "COST", "FILES",
        "CWD",
    )  # fmt: skip
    rows = [
        (
            _cell(m.name),
            _cell(m.retry if m.state == "retrying" and m.retry else m.state),
            _cell(m.profile),
            _cell(f"{m.transport}@{m.host}" if m.host else m.transport),
            _cell(m.session_id or "-"),
            _cell(m.last_boundary or "-"),
            f"{_tokens(m.input_tokens)} in / {_tokens(m.output_tokens)} out",
            f"${m.cost_usd:.4f}" if m.cost_usd is not None else "-",
            _files(m),
            _cell(f"{m.host}:{m.cwd or '~'}" if m.host else m.cwd or "-"),
        )
        for m in snapshot.members
    ]
    print_table(columns, rows, short={"SESSION": 8})


def _files(member: RosterMember) -> str:
    """Files the member's worktree changed against its base ("-": no worktree)."""
    ref = worktree_of(member)
    if ref is None:
        return "-"
    n = changed_files(ref)
    return "?" if n is None else str(n)


def _header(snapshot: RosterSnapshot) -> str:
    if snapshot.running:
        who = f"running (pid {snapshot.holder_pid})"
    elif snapshot.holder_pid is not None:
        who = f"not running (pid {snapshot.holder_pid} did not close cleanly); states as last seen"
    else:
        who = "not running; states as last seen"
    return f"roster {escape(_cell(str(snapshot.path)))}: {who}"


@click.group("fleet", invoke_without_command=True)
@_roster_option
@click.option(
    "--budget",
    "budget_usd",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="USD",
    help="Spend cap for the whole fleet: once the members' total reaches it, no new turn "
    "starts (each ends 'limit', reason fleet_budget).",
)
@click.option(
    "--catalog-host",
    "catalog_hosts",
    multiple=True,
    metavar="HOST",
    help="Also browse this host's sessions in the catalog (c), read over ssh; repeatable. "
    "The profiles' hosts and the members' hosts are browsed without it.",
)
@click.pass_context
def fleet_group(
    ctx: click.Context,
    roster_path: Path | None,
    budget_usd: float | None,
    catalog_hosts: tuple[str, ...],
) -> None:
    """Open the fleet in the TUI (named sessions side by side under a ceiling)."""
    ctx.meta["fleet_roster"] = roster_path
    if ctx.invoked_subcommand is not None:
        return
    from claude_coder.cli.host_cmds import check_host
    from claude_coder.tui.app import run_fleet_tui

    hosts = [check_host(h, "--catalog-host") for h in catalog_hosts]
    code = run_fleet_tui(roster_path, state(ctx).profiles_path, budget_usd, hosts)
    if code:
        raise click.exceptions.Exit(code)


@fleet_group.command("status")
@_roster_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def status_cmd(ctx: click.Context, roster_path: Path | None, as_json: bool) -> None:
    """Members and their states: from the running fleet, else from the roster file."""
    path = roster_path or ctx.meta.get("fleet_roster")
    named = path or os.environ.get(ROSTER_ENV)
    if named and not Path(named).is_file():
        how = "--roster" if path else f"${ROSTER_ENV}"
        raise ConfigError(f"no roster file at {named} ({how}): check the path")
    live = fleet_live_cmds.live_status(resolve_roster_path(path))
    if live is not None:
        _print_live(live, as_json)
        return
    snapshot = read_roster(path)
    if as_json:
        doc = snapshot_to_json(snapshot)
        for row, m in zip(doc["members"], snapshot.members, strict=True):
            ref = worktree_of(m)
            row["changed_files"] = changed_files(ref) if ref is not None else None
        click.echo(json_text(json.dumps(doc, ensure_ascii=False, indent=2)))
        return
    # On a terminal everything goes to stdout; in a pipe only the table does.
    notes = console() if stdout_is_terminal() else err_console()
    notes.print(_header(snapshot))
    if not snapshot.members:
        notes.print("(no members)")
    if snapshot.members or not stdout_is_terminal():
        _table(snapshot)  # in a pipe, no members is the header line alone
    if snapshot.members:
        spent = sum(m.cost_usd or 0.0 for m in snapshot.members)
        notes.print(f"spend: ${spent:.4f} in total")
    for m in snapshot.members:
        if m.error:
            notes.print(f"{escape(_cell(m.name))}: {escape(visible(m.error))}")


def _print_live(live: dict[str, object], as_json: bool) -> None:
    members = live.get("members")
    rows = members if isinstance(members, list) else []
    if as_json:
        out = {"roster": live.get("roster"), "running": True, "live": True, "members": rows}
        out |= {k: live.get(k) for k in ("busy", "max_busy", "watchers")}
        click.echo(json_text(json.dumps(out, ensure_ascii=False, indent=2)))
        return
    columns = ("NAME", "STATUS", "WAITING", "QUEUED", "PROFILE", "SESSION", "LAST", "COST")
    cells = []
    for m in rows:
        cost = m.get("cost_usd")
        cells.append(
            (
                _cell(str(m.get("name"))),
                _cell(str(m.get("status"))),
                "yes" if m.get("waiting") else "-",
                str(m.get("queued", 0)),
                _cell(str(m.get("profile"))),
                _cell(str(m.get("session_id") or "-")),
                _cell(str(m.get("last_boundary") or "-")),
                f"${cost:.4f}" if isinstance(cost, int | float) else "-",
            )
        )
    notes = console() if stdout_is_terminal() else err_console()
    busy = f"{live.get('busy')}/{live.get('max_busy')} busy"
    notes.print(f"roster {escape(_cell(str(live.get('roster'))))}: live ({busy})")
    if not rows:
        notes.print("(no members)")
    if rows or not stdout_is_terminal():
        print_table(columns, cells, short={"SESSION": 8})


def register(group: click.Group) -> None:
    """Add ``fleet`` and its subcommands to the ``claude-coder`` command group."""
    for command in (
        fleet_live_cmds.send_cmd,
        fleet_live_cmds.approve_cmd,
        fleet_live_cmds.watch_cmd,
        fleet_live_cmds.serve_cmd,
    ):
        fleet_group.add_command(command)
    group.add_command(fleet_group)
