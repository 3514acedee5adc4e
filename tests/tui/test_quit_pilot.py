"""ctrl+q: quits at once when nothing runs; asks first, and interrupts, when a turn runs."""

from __future__ import annotations

import asyncio

from tests.tui.conftest import FakeFleet, wait_for
from tests.tui.fakes import fixed_clock

from claude_coder.events import Boundary, SessionState
from claude_coder.transports.fake import Stall
from claude_coder.tui import make_app
from claude_coder.tui.app import FleetApp
from claude_coder.tui.screens.confirm import ConfirmDialog

SIZE = (100, 30)


def _app(ff: FakeFleet) -> FleetApp:
    return make_app(ff.fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)


async def test_quit_with_nothing_running_does_not_ask(fake_fleet: FakeFleet) -> None:
    await fake_fleet.fleet.add("agent1")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: app.return_code is not None, "the app to exit")
    assert app.return_code == 0


async def test_quit_during_a_turn_asks_then_records_it_interrupted(fake_fleet: FakeFleet) -> None:
    release = asyncio.Event()
    fake_fleet.scripts["agent1"] = [[Stall(release)], [Stall(release)]]
    await fake_fleet.fleet.add("agent1")
    fleet = fake_fleet.fleet
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        turn = fleet.submit("agent1", "a long job")
        queued = fleet.submit("agent1", "and another")
        await wait_for(pilot, lambda: fleet.member("agent1").state is SessionState.BUSY)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        assert "agent1 is still working" in app.screen.question  # type: ignore[attr-defined]
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
        assert app.return_code is None and fleet.member("agent1").state is SessionState.BUSY
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        result = await asyncio.wait_for(turn, 10)
        await wait_for(pilot, lambda: app.return_code is not None, "the app to exit")
    assert result.boundary is Boundary.INTERRUPTED
    assert fleet.member("agent1").last_boundary is Boundary.INTERRUPTED
    await asyncio.gather(queued, return_exceptions=True)  # dropped, never sent
    assert fake_fleet.transports["agent1"].sent == ["a long job"]
