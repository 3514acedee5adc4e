"""Pilot tests of worktrees in the TUI, on a real Fleet (FakeTransport members) and real git."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.gitrepo import isolate_git, make_repo
from tests.tui.conftest import FakeFleet, wait_for
from tests.tui.fakes import fixed_clock
from textual.widgets import Checkbox, Input, Static

from claude_coder.tui import make_app
from claude_coder.tui.app import FleetApp
from claude_coder.tui.screens.diff import DiffScreen, WorktreeChoiceDialog
from claude_coder.tui.screens.member import MemberScreen
from claude_coder.tui.screens.new_member import NewMemberDialog

SIZE = (110, 32)


@pytest.fixture(autouse=True)
def _no_machine_git(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch)


def _app(ff: FakeFleet) -> FleetApp:
    return make_app(ff.fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)


def _row(app: FleetApp, name: str) -> list[str]:
    return [str(cell) for cell in app.fleet_screen.table.get_row(name)]


async def test_the_new_member_dialog_can_give_a_member_its_own_worktree(
    fake_fleet: FakeFleet, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, NewMemberDialog)
        app.screen.query_one("#name", Input).value = "agent1"
        app.screen.query_one("#cwd", Input).value = str(repo)
        app.screen.query_one("#worktree", Checkbox).value = True
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1, "the new member")
    (info,) = fake_fleet.fleet.members()
    assert info.worktree is not None and info.cwd == str(repo / ".claude/worktrees/agent1")
    assert fake_fleet.specs[-1].cwd == info.cwd  # its session runs in the worktree


async def test_files_column_diff_view_and_closing_with_a_worktree(
    fake_fleet: FakeFleet, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    await fake_fleet.fleet.add("plain")
    info = await fake_fleet.fleet.add("agent1", cwd=repo, worktree=True)
    assert info.worktree is not None
    wt = Path(info.worktree.path)
    (wt / "new.py").write_text("def f():\n    return 1\n")
    (wt / "shared.txt").write_text("changed\n")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 2)
        await fake_fleet.fleet.send("agent1", "hello")
        await wait_for(pilot, lambda: _row(app, "agent1")[-1] == "2", "files column")
        assert _row(app, "plain")[-1] == "-"

        app.fleet_screen.table.move_cursor(row=1)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffScreen), "diff view")
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.query(".file")) == 2, "two file sections")
        headings = sorted(str(s.render()) for s in screen.query(".file").results(Static))
        assert headings == ["A new.py  +2 -0", "M shared.txt  +1 -1"]
        await pilot.press("escape")

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen), "member view")
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffScreen), "diff from member")
        await pilot.press("escape")
        await pilot.press("ctrl+l", "y")
        await wait_for(pilot, lambda: isinstance(app.screen, WorktreeChoiceDialog), "choice")
        await pilot.press("r")
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1, "closed")
    assert [m.name for m in fake_fleet.fleet.members()] == ["plain"]
    assert (wt / "new.py").exists()  # not merged: "remove if merged" kept it
