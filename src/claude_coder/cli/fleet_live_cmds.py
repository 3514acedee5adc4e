"""Driving a running fleet from another shell: ``fleet send``, ``approve``, ``watch``, ``serve``.

``send``, ``approve`` and ``watch`` talk to the live fleet over its control socket
(:mod:`claude_coder.fleet.control_client`); with no live fleet for the roster they exit
2 with one line saying so. ``fleet serve`` runs a fleet without the TUI (the socket and
the notifications on) until SIGINT or SIGTERM. ``fleet status`` asks the live fleet
when there is one (see :func:`live_status`).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import click

from claude_coder.cli.common import err_console, state
from claude_coder.errors import FleetNotRunningError
from claude_coder.fleet.control_client import ControlClient, connect
from claude_coder.fleet.roster._file import resolve_roster_path
from claude_coder.security import json_text, visible, visible_line

__all__ = ["approve_cmd", "live_status", "send_cmd", "serve_cmd", "watch_cmd"]


def _roster(ctx: click.Context, roster_path: Path | None) -> Path:
    return resolve_roster_path(roster_path or ctx.meta.get("fleet_roster"))


def _live(roster: Path) -> ControlClient:
    client = connect(roster)
    if client is None:
        raise FleetNotRunningError(
            f"no fleet is running on {roster}; start one with `claude-coder fleet` or "
            "`claude-coder fleet serve` (fleet status reads the roster without one)"
        )
    return client


def live_status(roster: Path) -> dict[str, Any] | None:
    """The live fleet's status reply, or None when no fleet listens for ``roster``."""
    client = connect(roster)
    if client is None:
        return None
    with client:
        return client.request("status")


_roster_opt = click.option(
    "--roster",
    "roster_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Roster file of the fleet (as for `fleet`).",
)


@click.command("send")
@click.argument("name")
@click.argument("prompt")
@click.option("--no-wait", is_flag=True, help="Queue the turn and return at once.")
@click.option("--json", "as_json", is_flag=True, help="Print the TurnResult as JSON.")
@_roster_opt
@click.pass_context
def send_cmd(
    ctx: click.Context,
    name: str,
    prompt: str,
    no_wait: bool,
    as_json: bool,
    roster_path: Path | None,
) -> int:
    """Send PROMPT to member NAME of the running fleet (under its ceiling)."""
    with _live(_roster(ctx, roster_path)) as client:
        reply = client.request("send", name=name, text=prompt, wait=not no_wait)
    result = reply.get("result")
    if result is None:
        click.echo(f"queued for {name}")
        return 0
    if as_json:
        click.echo(json_text(json.dumps(result, ensure_ascii=False)))
    else:
        click.echo(visible(str(result.get("text", ""))))
    boundary = result.get("boundary")
    return {"completed": 0, "interrupted": 3, "limit": 4}.get(str(boundary), 1)


@click.command("approve")
@click.argument("name")
@click.option("--deny", is_flag=True, help="Deny instead of allow.")
@click.option("--request", "request_id", default=None, help="Which request (default: oldest).")
@_roster_opt
@click.pass_context
def approve_cmd(
    ctx: click.Context, name: str, deny: bool, request_id: str | None, roster_path: Path | None
) -> None:
    """Allow (or --deny) the permission request waiting on member NAME."""
    fields: dict[str, Any] = {"name": name, "allow": not deny}
    if request_id:
        fields["request_id"] = request_id
    with _live(_roster(ctx, roster_path)) as client:
        reply = client.request("approve", **fields)
    verb = "allowed" if reply.get("allow") else "denied"
    line = f"{verb} {reply.get('tool')} for {name} ({reply.get('request_id')})"
    click.echo(visible_line(line))


@click.command("watch")
@click.option("--json", "as_json", is_flag=True, help="One JSON envelope per line.")
@_roster_opt
@click.pass_context
def watch_cmd(ctx: click.Context, as_json: bool, roster_path: Path | None) -> None:
    """Follow the running fleet's merged event stream until it closes."""
    with _live(_roster(ctx, roster_path)) as client:
        try:
            for envelope in client.watch():
                if as_json:
                    click.echo(json_text(json.dumps(envelope, ensure_ascii=False)))
                else:
                    event = envelope.get("event", {})
                    click.echo(visible_line(f"{envelope.get('name') or '-'} {event.get('kind')}"))
                sys.stdout.flush()
        except KeyboardInterrupt:
            return


@click.command("serve")
@_roster_opt
@click.option("--max-busy", type=click.IntRange(min=1), default=4, show_default=True)
@click.pass_context
def serve_cmd(ctx: click.Context, roster_path: Path | None, max_busy: int) -> None:
    """Run the roster's fleet without the TUI: the control socket and notifications on."""
    from claude_coder.fleet.hooks import load_settings

    settings = load_settings()
    roster = _roster(ctx, roster_path)
    asyncio.run(_serve(roster, state(ctx).profiles_path, max_busy, settings.notifications))


async def _serve(roster: Path, profiles: Path | None, max_busy: int, settings: Any) -> None:
    from claude_coder.fleet import Fleet
    from claude_coder.fleet.live import live_services

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def failed(message: str) -> None:
        err_console().print(f"notify: {visible_line(message)}", markup=False, highlight=False)

    def bell() -> None:
        sys.stderr.write("\a")
        sys.stderr.flush()

    async with (
        Fleet.open(roster=roster, profiles=profiles, max_busy=max_busy) as fleet,
        live_services(fleet, settings, bell=bell, on_failure=failed),
    ):
        await fleet.wait_ready()
        err_console().print(f"fleet serving {roster} (pid {os.getpid()})", highlight=False)
        await stop.wait()
