"""Pilot tests of the fleet view and the member view, on a real Fleet of FakeTransport members."""

from __future__ import annotations

import asyncio

from tests.tui.conftest import FakeFleet, wait_for
from tests.tui.fakes import T0, fixed_clock
from textual.widgets import Input

from claude_coder.events import Boundary, SessionState
from claude_coder.transports.fake import Crash, Limit, Say, Stall, Tool
from claude_coder.tui import make_app
from claude_coder.tui.app import FleetApp
from claude_coder.tui.screens.confirm import ConfirmDialog
from claude_coder.tui.screens.member import MemberScreen
from claude_coder.tui.widgets.conversation import AnswerBlock, ToolLine, UserTurn
from claude_coder.tui.widgets.members import MemberDetail

SIZE = (100, 30)


def _app(ff: FakeFleet) -> FleetApp:
    return make_app(ff.fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)


def _row(app: FleetApp, name: str) -> list[str]:
    table = app.fleet_screen.table
    return [str(cell) for cell in table.get_row(name)]


def _member(app: FleetApp, name: str) -> object:
    return next((m for m in app.fleet.members() if m.name == name), None)


async def test_fleet_view_shows_members_and_their_turns_live(fake_fleet: FakeFleet) -> None:
    fake_fleet.scripts["agent1"] = [[Say("all green", chunks=2)]]
    await fake_fleet.fleet.add("agent1")
    await fake_fleet.fleet.add("reviewer")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 2, "two rows")
        await wait_for(pilot, lambda: _row(app, "agent1")[3] == "claude-code-expert", "profile")
        assert _row(app, "agent1")[:3] == ["agent1", "idle", "fake"]
        result = await fake_fleet.fleet.send("agent1", "run the tests")
        assert result.boundary is Boundary.COMPLETED
        await wait_for(pilot, lambda: _row(app, "agent1")[5] == "done", "last boundary")
        row = _row(app, "agent1")
        assert row[6] == "3/2"  # 3 words in, 2 words out (the fake's token count)
        assert row[7].startswith("$0.0000")
        log = [e.text for e in app.model.log_for("agent1")]
        assert any("» run the tests" in t for t in log)
        assert any("turn completed" in t for t in log)


async def test_log_filter_keeps_one_member(fake_fleet: FakeFleet) -> None:
    await fake_fleet.fleet.add("agent1")
    await fake_fleet.fleet.add("reviewer")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 2)
        await fake_fleet.fleet.send("agent1", "one")
        await fake_fleet.fleet.send("reviewer", "two")
        await wait_for(pilot, lambda: len(app.model.log_for("reviewer")) >= 3)
        await pilot.press("down", "f")
        log = app.fleet_screen.event_log
        assert log.member == "reviewer"
        text = "\n".join(line.text for line in log.lines)
        assert "reviewer" in text and "agent1" not in text
        await pilot.press("f")
        assert log.member is None
        text = "\n".join(line.text for line in log.lines)
        assert "agent1" in text and "reviewer" in text


async def test_member_view_streams_the_answer_to_a_prompt(fake_fleet: FakeFleet) -> None:
    answer = "# Result\n\nAll **42** tests pass."
    fake_fleet.scripts["agent1"] = [[Say(answer, chunks=6)]]
    await fake_fleet.fleet.add("agent1")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen), "member view")
        screen = app.screen
        assert isinstance(screen, MemberScreen)
        assert isinstance(app.focused, Input)
        await pilot.press(*"run it", "enter")
        await wait_for(pilot, lambda: bool(screen.query(AnswerBlock)), "an answer block")
        await wait_for(pilot, lambda: screen.query_one(AnswerBlock).shown == answer)
        assert [str(w.render()) for w in screen.query(UserTurn)] == ["run it"]
        assert fake_fleet.transports["agent1"].sent == ["run it"]
        assert screen.query_one("#prompt", Input).value == ""
        await pilot.press("escape")
        assert app.screen is app.fleet_screen


async def test_tool_calls_fold_to_one_line_with_the_result_on_demand(
    fake_fleet: FakeFleet,
) -> None:
    fake_fleet.scripts["agent1"] = [
        [Tool("Bash", {"command": "ls src"}, output="app.py\ncli.py", ask=False), Say("two")]
    ]
    await fake_fleet.fleet.add("agent1")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
        await pilot.press(*"list", "enter")
        screen = app.screen
        await wait_for(pilot, lambda: bool(screen.query(ToolLine)), "a tool line")
        line = screen.query_one(ToolLine)
        await wait_for(pilot, lambda: line.title.endswith("✓"), "the tool's result")
        assert line.title == "Bash ls src  ✓"
        assert line.collapsed
        await pilot.press("ctrl+o")
        assert not line.collapsed
        body = line.query_one(".tool-result")
        assert "cli.py" in str(body.render())
        await pilot.press("ctrl+o")
        assert line.collapsed


async def test_interrupt_with_and_without_dropping_queued_turns(fake_fleet: FakeFleet) -> None:
    release = asyncio.Event()
    fake_fleet.scripts["agent1"] = [[Stall(release)], [Stall(release)], [Say("third")]]
    await fake_fleet.fleet.add("agent1")
    app = _app(fake_fleet)
    fleet = fake_fleet.fleet
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        first = fleet.submit("agent1", "one")
        second = fleet.submit("agent1", "two")
        third = fleet.submit("agent1", "three")
        await wait_for(pilot, lambda: fleet.member("agent1").state is SessionState.BUSY)
        await pilot.press("i")  # interrupt: the next queued turn runs
        assert (await asyncio.wait_for(first, 10)).boundary is Boundary.INTERRUPTED
        await wait_for(pilot, lambda: fake_fleet.transports["agent1"].sent == ["one", "two"])
        await pilot.press("I")  # interrupt and drop what is queued
        assert (await asyncio.wait_for(second, 10)).boundary is Boundary.INTERRUPTED
        await asyncio.gather(third, return_exceptions=True)
        await wait_for(pilot, lambda: fleet.member("agent1").state is SessionState.IDLE)
        assert fake_fleet.transports["agent1"].sent == ["one", "two"]
        assert fleet.member("agent1").queued == 0


async def test_member_view_keys_interrupt_and_drop(fake_fleet: FakeFleet) -> None:
    release = asyncio.Event()
    fake_fleet.scripts["agent1"] = [[Stall(release)], [Say("never")]]
    await fake_fleet.fleet.add("agent1")
    app = _app(fake_fleet)
    fleet = fake_fleet.fleet
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
        await pilot.press(*"one", "enter", *"two", "enter")
        await wait_for(pilot, lambda: fleet.member("agent1").queued == 1, "a queued turn")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: fleet.member("agent1").state is SessionState.IDLE)
        assert fake_fleet.transports["agent1"].sent == ["one"]
        await wait_for(
            pilot, lambda: "turn interrupted" in str(app.screen.query("Notice")[-1].render())
        )


async def test_close_member_asks_first(fake_fleet: FakeFleet) -> None:
    await fake_fleet.fleet.add("agent1")
    await fake_fleet.fleet.add("reviewer")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 2)
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert [m.name for m in fake_fleet.fleet.members()] == ["agent1", "reviewer"]
        await pilot.press("x", "y")
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1, "one row left")
        assert [m.name for m in fake_fleet.fleet.members()] == ["reviewer"]
        assert fake_fleet.transports["agent1"].closed


async def test_error_shows_its_message_and_restarts(fake_fleet: FakeFleet) -> None:
    fake_fleet.scripts["agent1"] = [[Crash("Claude Code exited with code -9 mid-turn")]]
    await fake_fleet.fleet.add("agent1")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        await fake_fleet.fleet.send("agent1", "go")
        await wait_for(pilot, lambda: _row(app, "agent1")[1] == "error", "error state")
        detail = str(app.fleet_screen.query_one(MemberDetail).render())
        assert "error:" in detail and "R restarts it" in detail
        fake_fleet.scripts["agent1"] = [[Say("back")]]
        await pilot.press("R")
        await wait_for(pilot, lambda: _row(app, "agent1")[1] == "idle", "restarted")
        assert fake_fleet.specs[-1].resume is not None


async def test_limit_shows_when_it_resets(fake_fleet: FakeFleet) -> None:
    resets = int(T0.timestamp()) + 52 * 60
    fake_fleet.scripts["agent1"] = [[Limit(resets_at=resets)]]
    await fake_fleet.fleet.add("agent1")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        result = await fake_fleet.fleet.send("agent1", "go")
        assert result.boundary is Boundary.LIMIT
        await wait_for(pilot, lambda: _row(app, "agent1")[1] == "limit", "limit state")
        detail = str(app.fleet_screen.query_one(MemberDetail).render())
        assert "resets 10:22 (in 52m)" in detail
