"""A remote member in the TUI: its row says where it runs, its detail the host's directory,
and its log what a dropped connection did."""

from __future__ import annotations

from tests.tui.conftest import FakeFleet, wait_for
from tests.tui.fakes import T0, fixed_clock

from claude_coder.events import Envelope, HostLost, HostRejoined, SessionState
from claude_coder.tui import make_app
from claude_coder.tui.app import FleetApp
from claude_coder.tui.format import STATE_STYLE, log_text, member_status
from claude_coder.tui.widgets.members import MemberDetail

SIZE = (110, 30)


def _app(ff: FakeFleet) -> FleetApp:
    return make_app(ff.fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)


async def test_a_remote_member_shows_its_host(fake_fleet: FakeFleet) -> None:
    await fake_fleet.fleet.add("far", host="devbox", cwd="src/app")
    await fake_fleet.fleet.add("near")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        table = app.fleet_screen.table
        await wait_for(pilot, lambda: table.row_count == 2, "two rows")
        assert [str(c) for c in table.get_row("far")][:3] == ["far", "idle", "fake@devbox"]
        assert [str(c) for c in table.get_row("near")][2] == "fake"
        await pilot.pause()
        detail = str(app.fleet_screen.query_one(MemberDetail).render())
        assert "fake@devbox" in detail and "devbox:src/app" in detail


def test_a_dropped_link_is_logged_and_reconnecting_is_coloured_like_retrying() -> None:
    lost = Envelope("far", "sid", 1, T0, HostLost("devbox", "Connection reset"))
    back = Envelope("far", "sid", 2, T0, HostRejoined("devbox", 3))
    assert log_text(lost) == (
        f"{T0:%H:%M:%S} ! lost the connection to host 'devbox' (Connection reset); re-attaching"
    )
    assert log_text(back) == (
        f"{T0:%H:%M:%S} ! re-attached to host 'devbox' (3 missed messages replayed)"
    )
    assert member_status(SessionState.RECONNECTING, False, 0, None) == (
        "reconnecting",
        "reconnecting",
    )
    assert STATE_STYLE[SessionState.RECONNECTING] == STATE_STYLE[SessionState.RETRYING]
