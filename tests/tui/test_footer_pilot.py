"""The footer shows only the keys that do something in the current view."""

from __future__ import annotations

from typing import Any

from tests.tui.conftest import wait_for
from tests.tui.fakes import Row, ScriptedFleet, fixed_clock
from textual.screen import Screen

from claude_coder.events import PermissionRequested, SessionState
from claude_coder.tui import make_app
from claude_coder.tui.app import FleetApp
from claude_coder.tui.screens.member import MemberScreen

SIZE = (120, 30)


def _keys(screen: Screen[Any]) -> set[str]:
    """The keys the footer of ``screen`` shows."""
    return {
        key
        for key, active in screen.active_bindings.items()
        if active.binding.show and active.enabled
    }


def _app(fleet: ScriptedFleet) -> FleetApp:
    return make_app(fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)


async def test_fleet_view_keys_follow_the_highlighted_member() -> None:
    fleet = ScriptedFleet()
    fleet.set(Row("idle-one"))
    fleet.set(Row("busy-one", state=SessionState.BUSY))
    fleet.set(Row("broken", state=SessionState.ERROR, error="exited"))
    app = _app(fleet)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.fleet_screen
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        idle = _keys(screen)
        assert {"n", "x", "f", "ctrl+q"} <= idle
        assert not {"i", "R", "ctrl+y", "c"} & idle  # nothing runs, waits or broke; no catalog
        await pilot.press("down")
        await wait_for(pilot, lambda: "i" in _keys(screen), "Stop for a busy member")
        assert "R" not in _keys(screen)
        await pilot.press("down")
        await wait_for(pilot, lambda: "R" in _keys(screen), "Restart for a broken member")
        assert "i" not in _keys(screen)
        fleet.emit("busy-one", PermissionRequested("r1", "Bash", {"command": "ls"}))
        await wait_for(pilot, lambda: "ctrl+y" in _keys(screen), "Answer while one waits")


async def test_member_view_keys_follow_the_member() -> None:
    fleet = ScriptedFleet()
    fleet.set(Row("alpha"))
    app = _app(fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
        screen = app.screen
        await wait_for(pilot, lambda: "escape" in _keys(screen))
        assert not {"ctrl+t", "ctrl+g", "ctrl+o", "ctrl+s", "ctrl+r"} & _keys(screen)
        fleet.update("alpha", state=SessionState.BUSY)
        app.refresh_members()
        await wait_for(pilot, lambda: {"ctrl+t", "ctrl+g"} <= _keys(screen), "Stop keys")
