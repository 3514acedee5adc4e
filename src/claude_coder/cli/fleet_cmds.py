"""The fleet commands: ``fleet`` (the TUI) and ``fleet status`` (live fleet, else roster).

``fleet status`` asks the running fleet over its control socket when one listens for
the roster; otherwise it reads the roster file without locking or starting anything
and shows the states the fleet last wrote. ``send``, ``approve``, ``watch`` and
``serve`` are in :mod:`claude_coder.cli.fleet_live_cmds`.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from claude_coder.cli import fleet_live_cmds
from claude_coder.cli.common import console, state
from claude_coder.fleet.rosterfile import (
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


def _table(snapshot: RosterSnapshot) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False)
    columns = ("NAME", "STATE", "PROFILE", "TRANSPORT", "SESSION", "LAST", "TOKENS", "COST", "CWD")
    for column in columns:
        table.add_column(column, overflow="fold")  # a narrow terminal wraps, never truncates
    for m in snapshot.members:
        cost = f"${m.cost_usd:.4f}" if m.cost_usd is not None else "-"
        table.add_row(
            escape(_cell(m.name)),
            escape(_cell(m.state)),
            escape(_cell(m.profile)),
            escape(_cell(m.transport)),
            escape(_cell((m.session_id or "-")[:8])),
            escape(_cell(m.last_boundary or "-")),
            f"{_tokens(m.input_tokens)} in / {_tokens(m.output_tokens)} out",
            cost,
            escape(_cell(m.cwd or "-")),
        )
    return table


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
@click.pass_context
def fleet_group(ctx: click.Context, roster_path: Path | None) -> None:
    """Open the fleet in the TUI (named sessions side by side under a ceiling)."""
    ctx.meta["fleet_roster"] = roster_path
    if ctx.invoked_subcommand is not None:
        return
    from claude_coder.tui.app import run_fleet_tui

    run_fleet_tui(roster_path, state(ctx).profiles_path)


@fleet_group.command("status")
@_roster_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def status_cmd(ctx: click.Context, roster_path: Path | None, as_json: bool) -> None:
    """Members and their states: from the running fleet, else from the roster file."""
    path = roster_path or ctx.meta.get("fleet_roster")
    live = fleet_live_cmds.live_status(resolve_roster_path(path))
    if live is not None:
        _print_live(live, as_json)
        return
    snapshot = read_roster(path)
    if as_json:
        click.echo(json_text(json.dumps(snapshot_to_json(snapshot), ensure_ascii=False, indent=2)))
        return
    out = console()
    out.print(_header(snapshot))
    if not snapshot.members:
        out.print("(no members)")
    else:
        out.print(_table(snapshot))
    for m in snapshot.members:
        if m.error:
            out.print(f"{escape(_cell(m.name))}: {escape(visible(m.error))}")


def _print_live(live: dict[str, object], as_json: bool) -> None:
    members = live.get("members")
    rows = members if isinstance(members, list) else []
    if as_json:
        out = {"roster": live.get("roster"), "running": True, "live": True, "members": rows}
        out |= {k: live.get(k) for k in ("busy", "max_busy", "watchers")}
        click.echo(json_text(json.dumps(out, ensure_ascii=False, indent=2)))
        return
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("NAME", "STATUS", "WAITING", "QUEUED", "PROFILE", "SESSION", "LAST", "COST"):
        table.add_column(column, overflow="fold")
    for m in rows:
        cost = m.get("cost_usd")
        table.add_row(
            escape(_cell(str(m.get("name")))),
            escape(str(m.get("status"))),
            "yes" if m.get("waiting") else "-",
            str(m.get("queued", 0)),
            escape(_cell(str(m.get("profile")))),
            _cell(str(m.get("session_id") or "-"))[:8],
            escape(str(m.get("last_boundary") or "-")),
            f"${cost:.4f}" if isinstance(cost, int | float) else "-",
        )
    out_console = console()
    busy = f"{live.get('busy')}/{live.get('max_busy')} busy"
    out_console.print(f"roster {escape(_cell(str(live.get('roster'))))}: live ({busy})")
    out_console.print(table if rows else "(no members)")


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
