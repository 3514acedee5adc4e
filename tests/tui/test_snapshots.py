"""Snapshot tests of the main screens at a fixed size, with a fixed clock and fixed data.

Baselines live in ``__snapshots__/``; ``docs/screenshots/`` holds copies for the docs.
Regenerate with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tests.tui import scenes
from tests.tui.conftest import wait_for
from tests.tui.fakes import ScriptedFleet, fixed_clock
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from claude_coder.tui import make_app
from claude_coder.tui.app import FleetApp
from claude_coder.tui.hosts import CatalogHosts
from claude_coder.tui.screens.approval import PermissionDialog, WaitingList
from claude_coder.tui.screens.catalog import CatalogScreen
from claude_coder.tui.screens.confirm import ConfirmDialog
from claude_coder.tui.screens.member import MemberScreen

PROFILES = ["claude-code-expert", "reviewer", "writer", "pty-expert"]
Compare = Callable[..., bool]


def _app(fleet: ScriptedFleet) -> FleetApp:
    return make_app(fleet, scenes.catalog(), PROFILES, clock=fixed_clock, blink=False)


async def _settled(pilot: Pilot[Any]) -> FleetApp:
    """Wait until the scene's events are in and the reviewer's dialog is up."""
    app = pilot.app
    assert isinstance(app, FleetApp)
    fleet = app.fleet
    assert isinstance(fleet, ScriptedFleet)
    await wait_for(pilot, lambda: fleet.drained() and isinstance(app.screen, PermissionDialog))
    await _log_settled(pilot, app)
    return app


async def _log_settled(pilot: Pilot[Any], app: FleetApp) -> None:
    """The log behind any dialog has every line and is scrolled to its end."""
    log = app.fleet_screen.event_log
    await wait_for(
        pilot,
        lambda: len(log.lines) == len(app.model.log) and log.scroll_y == log.max_scroll_y > 0,
        "the event log",
    )
    await pilot.pause()


async def _on_fleet_view(pilot: Pilot[Any]) -> FleetApp:
    app = await _settled(pilot)
    await pilot.press("escape")  # answer later: the marker stays
    await wait_for(pilot, lambda: app.screen is app.fleet_screen)
    await _log_settled(pilot, app)
    return app


def _run(steps: Callable[[Pilot[Any]], Awaitable[object]]) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await steps(pilot)
        await pilot.pause()
        await asyncio.sleep(0)

    return run_before


def test_fleet_view(snap_compare: Compare) -> None:
    app = _app(scenes.mid_day_fleet())
    assert snap_compare(app, terminal_size=(80, 24), run_before=_run(_on_fleet_view))


def test_fleet_view_wide(snap_compare: Compare) -> None:
    app = _app(scenes.mid_day_fleet())
    assert snap_compare(app, terminal_size=(130, 32), run_before=_run(_on_fleet_view))


def test_member_view_mid_stream(snap_compare: Compare) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        app = await _on_fleet_view(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
        await wait_for(
            pilot, lambda: app.screen.query("AnswerBlock").first().shown == scenes.PARTIAL
        )

    app = _app(scenes.mid_day_fleet())
    assert snap_compare(app, terminal_size=(80, 24), run_before=_run(steps))


async def _reopen(pilot: Pilot[Any], app: FleetApp, *keys: str) -> None:
    """Open a dialog with ctrl+y from a settled fleet view (the dialog's backdrop is stable)."""
    await pilot.press(*keys, "ctrl+y")
    await wait_for(pilot, lambda: app.screen is not app.fleet_screen, "the dialog")
    await pilot.pause()


def test_approval_dialog(snap_compare: Compare) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        app = await _on_fleet_view(pilot)
        await _reopen(pilot, app, "down")
        assert isinstance(app.screen, PermissionDialog)

    app = _app(scenes.mid_day_fleet())
    assert snap_compare(app, terminal_size=(80, 24), run_before=_run(steps))


def test_question_dialog(snap_compare: Compare) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        app = await _on_fleet_view(pilot)
        fleet = app.fleet
        assert isinstance(fleet, ScriptedFleet)
        fleet.emit("docs", scenes.QUESTION)
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "QuestionDialog")
        await pilot.press("escape")
        await _log_settled(pilot, app)
        await _reopen(pilot, app, "down", "down")
        assert app.screen.__class__.__name__ == "QuestionDialog"

    app = _app(scenes.mid_day_fleet())
    assert snap_compare(app, terminal_size=(80, 24), run_before=_run(steps))


def test_catalog_browser(snap_compare: Compare) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        app = await _on_fleet_view(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CatalogScreen))
        table = app.screen.query_one("#sessions")
        await wait_for(pilot, lambda: table.row_count == 4)  # type: ignore[attr-defined]

    app = _app(scenes.mid_day_fleet())
    assert snap_compare(app, terminal_size=(80, 24), run_before=_run(steps))


def test_catalog_browser_with_hosts(snap_compare: Compare) -> None:
    """Local rows say ``local``; devbox's rows merge by time; buildbox fails in one line."""

    async def steps(pilot: Pilot[Any]) -> None:
        app = await _on_fleet_view(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CatalogScreen))
        table = app.screen.query_one("#sessions")
        await wait_for(pilot, lambda: table.row_count == 6)  # type: ignore[attr-defined]
        hosts = app.screen.query_one("#hosts")
        await wait_for(pilot, lambda: "unreachable" in str(hosts.render()))  # type: ignore[attr-defined]

    catalogs = scenes.host_catalogs()
    app = make_app(
        scenes.mid_day_fleet(),
        scenes.catalog(),
        PROFILES,
        clock=fixed_clock,
        blink=False,
        hosts=CatalogHosts(catalogs, catalogs.__getitem__),
    )
    assert snap_compare(app, terminal_size=(100, 24), run_before=_run(steps))


def test_quit_while_members_work_asks_first(snap_compare: Compare) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        app = await _on_fleet_view(pilot)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")

    app = _app(scenes.mid_day_fleet())
    assert snap_compare(app, terminal_size=(80, 24), run_before=_run(steps))


def test_waiting_list_on_another_members_view(snap_compare: Compare) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        app = await _on_fleet_view(pilot)
        await pilot.press("enter")  # agent1's view; the reviewer waits
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: isinstance(app.screen, WaitingList), "the list")

    app = _app(scenes.mid_day_fleet())
    assert snap_compare(app, terminal_size=(80, 24), run_before=_run(steps))


def test_multi_line_paste_in_the_prompt(snap_compare: Compare) -> None:
    async def steps(pilot: Pilot[Any]) -> None:
        app = await _on_fleet_view(pilot)
        await pilot.press("down", "down", "enter")  # docs: idle
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
        app.post_message(events.Paste("first line\nsecond line\nthird"))
        prompt = app.screen.query_one("#prompt", Input)
        await wait_for(pilot, lambda: prompt.value.count("\n") == 2, "the paste")

    app = _app(scenes.mid_day_fleet())
    assert snap_compare(app, terminal_size=(80, 24), run_before=_run(steps))
