"""Pilot tests of approvals: permission requests and questions from members, on a real Fleet."""

from __future__ import annotations

from typing import Any

import pytest
from tests.tui.conftest import FakeFleet, wait_for
from tests.tui.fakes import fixed_clock
from textual.pilot import Pilot
from textual.widgets import OptionList

from claude_coder.events import Boundary
from claude_coder.fleet import FleetTurn
from claude_coder.transports.fake import Ask, Say, Tool
from claude_coder.tui import make_app
from claude_coder.tui.app import FleetApp
from claude_coder.tui.screens.approval import PermissionDialog, QuestionDialog, WaitingList
from claude_coder.tui.screens.member import MemberScreen

SIZE = (100, 30)


def _app(ff: FakeFleet) -> FleetApp:
    return make_app(ff.fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)


def _state_cell(app: FleetApp, name: str) -> str:
    return str(app.fleet_screen.table.get_row(name)[1])


@pytest.mark.parametrize(
    ("key", "allowed", "output"),
    [("y", True, "pushed"), ("n", False, "The user denied")],
)
async def test_permission_marks_the_member_and_the_dialog_decides(
    fake_fleet: FakeFleet, key: str, allowed: bool, output: str
) -> None:
    fake_fleet.scripts["agent1"] = [
        [Tool("Bash", {"command": "git push"}, output="pushed"), Say("done")]
    ]
    await fake_fleet.fleet.add("agent1")
    await fake_fleet.fleet.add("idle-one")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 2)
        turn = fake_fleet.fleet.submit("agent1", "ship it")
        await wait_for(pilot, lambda: isinstance(app.screen, PermissionDialog), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, PermissionDialog)
        assert dialog.request.member == "agent1" and dialog.request.tool == "Bash"
        assert _state_cell(app, "agent1") == "! waiting"
        assert _state_cell(app, "idle-one") == "idle"
        assert "1 waiting on you" in str(app.fleet_screen.query_one("#title").render())
        await pilot.press(key)
        result = await turn
        assert result.boundary is Boundary.COMPLETED
        assert len(result.denials) == (0 if allowed else 1)
        await wait_for(pilot, lambda: _state_cell(app, "agent1") == "idle", "marker gone")
        assert not app.model.pending()
        conv = app.model.conversation("agent1")
        tool = next(i for i in conv.items if getattr(i, "name", None) == "Bash")
        assert output in (tool.result or "")  # type: ignore[union-attr]


async def test_always_allow_holds_for_the_rest_of_the_session(fake_fleet: FakeFleet) -> None:
    fake_fleet.scripts["agent1"] = [
        [Tool("Bash", {"command": "ls"}, output="a"), Tool("Bash", {"command": "ls"}, output="b")]
    ]
    await fake_fleet.fleet.add("agent1")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        turn = fake_fleet.fleet.submit("agent1", "list twice")
        await wait_for(pilot, lambda: isinstance(app.screen, PermissionDialog))
        await pilot.press("a")
        result = await turn
        assert result.boundary is Boundary.COMPLETED and not result.denials
        await wait_for(pilot, lambda: not app.model.pending())
        texts = [e.text for e in app.model.log_for("agent1")]
        assert sum("allowed by person" in t for t in texts) == 1
        assert sum("allowed by session" in t for t in texts) == 1
        assert not isinstance(app.screen, PermissionDialog)


async def test_escape_leaves_the_request_waiting_and_ctrl_y_reopens_it(
    fake_fleet: FakeFleet,
) -> None:
    fake_fleet.scripts["agent1"] = [[Tool("Write", {"file_path": "x.txt"}, output="ok")]]
    await fake_fleet.fleet.add("agent1")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        turn = fake_fleet.fleet.submit("agent1", "write")
        await wait_for(pilot, lambda: isinstance(app.screen, PermissionDialog))
        await pilot.press("escape")
        assert app.screen is app.fleet_screen
        assert fake_fleet.fleet.member("agent1").waiting
        assert _state_cell(app, "agent1") == "! waiting"
        await pilot.press("ctrl+y")
        assert isinstance(app.screen, PermissionDialog)
        await pilot.press("y")
        assert (await turn).boundary is Boundary.COMPLETED


async def test_request_while_typing_only_marks_and_notifies(fake_fleet: FakeFleet) -> None:
    fake_fleet.scripts["agent1"] = [[Tool("Bash", {"command": "make"}, output="built")]]
    await fake_fleet.fleet.add("agent1")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
        await pilot.press(*"half a thou")
        turn = fake_fleet.fleet.submit("agent1", "build")
        await wait_for(pilot, lambda: bool(app.model.pending("agent1")), "pending request")
        await pilot.pause()
        assert isinstance(app.screen, MemberScreen)  # no dialog stole the keystrokes
        attention = str(app.screen.query_one("#attention").render())
        assert "waiting on you" in attention and "Bash make" in attention
        await pilot.press("ctrl+y")
        assert isinstance(app.screen, PermissionDialog)
        await pilot.press("y")
        assert (await turn).boundary is Boundary.COMPLETED
        assert app.screen.query_one("#prompt").value == "half a thou"  # type: ignore[attr-defined]


@pytest.mark.parametrize("decline", [False, True])
async def test_question_pick_an_option_or_decline(fake_fleet: FakeFleet, decline: bool) -> None:
    fake_fleet.scripts["agent1"] = [
        [Ask("Which branch?", options=("main", "topic"), header="Branch"), Say("ok")]
    ]
    await fake_fleet.fleet.add("agent1")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        turn = fake_fleet.fleet.submit("agent1", "which?")
        await wait_for(pilot, lambda: isinstance(app.screen, QuestionDialog), "question dialog")
        assert _state_cell(app, "agent1") == "! waiting"
        if decline:
            await pilot.press("d")
        else:
            await pilot.press("down", "enter")
        assert (await turn).boundary is Boundary.COMPLETED
        await wait_for(pilot, lambda: any("by person" in e.text for e in app.model.log))
        conv = app.model.conversation("agent1")
        tool = next(i for i in conv.items if getattr(i, "name", None) == "AskUserQuestion")
        expected = "declined" if decline else "Which branch?: topic"
        assert expected in (tool.result or "")  # type: ignore[union-attr]
        answered = [e for e in app.model.log if "answered by person" in e.text]
        assert len(answered) == (0 if decline else 1)


async def _open(pilot: Pilot[Any], app: FleetApp, name: str) -> None:
    """Highlight ``name`` in the fleet view and open it."""
    table = app.fleet_screen.table
    table.move_cursor(row=[m.name for m in app.fleet.members()].index(name))
    await pilot.press("enter")


async def _on_writer_while_agent1_waits(
    pilot: Pilot[Any], app: FleetApp, ff: FakeFleet
) -> tuple[MemberScreen, FleetTurn]:
    """writer's view is open when agent1 asks to run ``make``; returns it and agent1's turn."""
    await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 2)
    await _open(pilot, app, "writer")
    await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
    writer = app.screen
    assert isinstance(writer, MemberScreen) and writer.member == "writer"
    turn = ff.fleet.submit("agent1", "build")
    await wait_for(pilot, lambda: bool(app.model.pending("agent1")), "pending request")
    return writer, turn


async def _two_members(ff: FakeFleet) -> FleetApp:
    ff.scripts["agent1"] = [[Tool("Bash", {"command": "make"}, output="built")]]
    await ff.fleet.add("agent1")
    await ff.fleet.add("writer")
    return _app(ff)


async def test_a_request_never_pops_up_over_another_members_view(fake_fleet: FakeFleet) -> None:
    app = await _two_members(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        writer, turn = await _on_writer_while_agent1_waits(pilot, app, fake_fleet)
        attention = writer.query_one("#attention")
        await wait_for(pilot, lambda: "agent1 is waiting on you" in str(attention.render()))
        assert app.screen is writer  # a badge on writer's view, no dialog over it
        await pilot.press("escape")  # back to the fleet, then to agent1: its dialog opens
        await wait_for(pilot, lambda: app.screen is app.fleet_screen)
        await _open(pilot, app, "agent1")
        await wait_for(pilot, lambda: isinstance(app.screen, PermissionDialog), "its dialog")
        assert isinstance(app.screen, PermissionDialog) and app.screen.request.member == "agent1"
        assert isinstance(app.screen_stack[-2], MemberScreen)
        await pilot.press("y")
        assert (await turn).boundary is Boundary.COMPLETED


async def test_ctrl_y_on_another_members_view_lists_what_waits(fake_fleet: FakeFleet) -> None:
    app = await _two_members(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        writer, turn = await _on_writer_while_agent1_waits(pilot, app, fake_fleet)
        await pilot.press("ctrl+y")
        await wait_for(pilot, lambda: isinstance(app.screen, WaitingList), "the list")
        options = app.screen.query_one("#waiting", OptionList)
        assert [str(options.get_option_at_index(0).prompt)] == ["agent1 asks to use Bash make"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PermissionDialog), "the dialog")
        await pilot.press("y")
        assert (await turn).boundary is Boundary.COMPLETED
        await wait_for(pilot, lambda: app.screen is writer)
