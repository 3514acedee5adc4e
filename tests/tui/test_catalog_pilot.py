"""Pilot tests of adding members: the profile picker, and the catalog's resume and fork."""

from __future__ import annotations

from typing import Any

from tests.tui import scenes
from tests.tui.conftest import FakeFleet, wait_for
from tests.tui.fakes import Info, StaticCatalog, fixed_clock
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from claude_coder.tui import make_app
from claude_coder.tui.app import FleetApp
from claude_coder.tui.screens.catalog import CatalogScreen, HistoryScreen
from claude_coder.tui.screens.new_member import NewMemberDialog
from claude_coder.tui.widgets.conversation import AnswerBlock, ToolLine, UserTurn

SIZE = (100, 30)
PROFILES = ["claude-code-expert", "reviewer"]


def _app(ff: FakeFleet, catalog: StaticCatalog | None = None) -> FleetApp:
    return make_app(ff.fleet, catalog, PROFILES, clock=fixed_clock, blink=False)


async def _catalog_open(pilot: Pilot[Any], app: FleetApp) -> tuple[CatalogScreen, DataTable[Any]]:
    """Press c; returns the catalog screen and its table once the named sessions are in."""
    await pilot.press("c")
    screen = app.screen
    assert isinstance(screen, CatalogScreen)
    table = screen.query_one("#sessions", DataTable)
    await wait_for(pilot, lambda: table.row_count == 4, "named sessions")
    return screen, table


def _names(ff: FakeFleet) -> list[str]:
    return [m.name for m in ff.fleet.members()]


async def test_new_member_from_the_profile_picker(fake_fleet: FakeFleet, tmp_path: object) -> None:
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, NewMemberDialog)
        await pilot.press(*"agent1")
        app.screen.query_one("#profile", Select).value = "reviewer"
        app.screen.query_one("#cwd", Input).value = str(tmp_path)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1, "the new row")
        member = fake_fleet.fleet.member("agent1")
        assert (member.profile, member.cwd) == ("reviewer", str(tmp_path))
        assert fake_fleet.specs[-1].resume is None


async def test_new_member_form_refuses_bad_and_taken_names(fake_fleet: FakeFleet) -> None:
    await fake_fleet.fleet.add("agent1")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        await pilot.press("n", *"agent1", "ctrl+s")
        dialog = app.screen
        assert isinstance(dialog, NewMemberDialog)
        assert "already in the fleet" in str(dialog.query_one("#problem").render())
        name = dialog.query_one("#name", Input)
        name.value = "has space"
        await pilot.press("ctrl+s")
        assert "letters, digits" in str(dialog.query_one("#problem").render())
        assert name.value == "has space"  # nothing typed is lost
        await pilot.press("escape")
        assert app.screen is app.fleet_screen
        assert _names(fake_fleet) == ["agent1"]


async def test_failed_add_is_reported_and_the_fleet_is_unchanged(fake_fleet: FakeFleet) -> None:
    from claude_coder.errors import TransportError

    fake_fleet.boot_errors["broken"] = TransportError("Claude Code would not start")
    app = _app(fake_fleet)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"broken", "ctrl+s")
        await wait_for(pilot, lambda: bool(app._notifications), "a notification")
        note = next(iter(app._notifications))
        assert note.severity == "error" and "would not start" in note.message
        assert _names(fake_fleet) == []


async def test_catalog_search_filters_by_name_summary_and_cwd(fake_fleet: FakeFleet) -> None:
    app = _app(fake_fleet, scenes.catalog())
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await _catalog_open(pilot, app)
        await pilot.press("slash", *"docs")
        assert table.row_count == 1  # cwd /home/dev/docs and summary "fleet docs"
        search = screen.query_one("#search", Input)
        search.value = "push diff"
        await pilot.pause()
        assert [str(table.get_row_at(0)[0])] == ["reviewer"]
        search.value = "/tmp/spike"
        await pilot.pause()
        assert str(table.get_row_at(0)[0]) == "spike-pty"
        search.value = ""
        await pilot.press("escape", "a")  # leave the search box; show unnamed too
        await wait_for(pilot, lambda: table.row_count == 5, "all sessions")
        assert "(unnamed)" in [str(table.get_row_at(i)[0]) for i in range(5)]
        await pilot.press("escape")
        assert app.screen is app.fleet_screen


async def test_history_opens_read_only(fake_fleet: FakeFleet) -> None:
    app = _app(fake_fleet, scenes.catalog())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        table = app.screen.query_one("#sessions", DataTable)
        await wait_for(pilot, lambda: table.row_count == 4)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "history")
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.query(AnswerBlock)) == 2, "two answers")
        assert [str(u.render()) for u in screen.query(UserTurn)] == [
            "Why does test_roster_lock fail?",
            "Fix it",
        ]
        assert len(screen.query(ToolLine)) == 2
        assert not screen.query(Input)  # read-only: nothing to type into
        await pilot.press("escape")
        assert isinstance(app.screen, CatalogScreen)


async def test_resume_from_the_catalog_adds_the_same_session(fake_fleet: FakeFleet) -> None:
    catalog = scenes.catalog()
    app = _app(fake_fleet, catalog)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        table = app.screen.query_one("#sessions", DataTable)
        await wait_for(pilot, lambda: table.row_count == 4)
        await pilot.press("down", "r")
        dialog = app.screen
        assert isinstance(dialog, NewMemberDialog)
        assert dialog.query_one("#name", Input).value == "reviewer"
        assert dialog.query_one("#cwd", Input).value == "/home/dev/repo"
        await pilot.press("ctrl+s")
        assert app.screen is app.fleet_screen
        await wait_for(pilot, lambda: _names(fake_fleet) == ["reviewer"], "resumed member")
        spec = fake_fleet.specs[-1]
        assert (spec.resume, spec.fork) == (catalog.sessions[1].session_id, False)


async def test_fork_from_history_adds_a_new_named_member(fake_fleet: FakeFleet) -> None:
    catalog = scenes.catalog()
    app = _app(fake_fleet, catalog)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        table = app.screen.query_one("#sessions", DataTable)
        await wait_for(pilot, lambda: table.row_count == 4)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.press("f")
        dialog = app.screen
        assert isinstance(dialog, NewMemberDialog)
        assert dialog.query_one("#name", Input).value == "agent1-fork"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: _names(fake_fleet) == ["agent1-fork"], "forked member")
        spec = fake_fleet.specs[-1]
        assert (spec.resume, spec.fork) == (catalog.sessions[0].session_id, True)
        assert app.screen is app.fleet_screen


async def test_brackets_in_a_summary_are_text_not_markup(fake_fleet: FakeFleet) -> None:
    catalog = scenes.catalog()
    odd = scenes.catalog().sessions[0]
    catalog.sessions = [Info(odd.session_id, "odd", "fix [red]x[/red]", "/a/[b]", odd.modified)]
    app = _app(fake_fleet, catalog)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        table = app.screen.query_one("#sessions", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        row = table.get_row_at(0)
        assert (str(row[2]), str(row[3])) == ("fix [red]x[/red]", "/a/[b]")


async def test_catalog_shows_each_sessions_id_and_finds_it_by_id(fake_fleet: FakeFleet) -> None:
    catalog = scenes.catalog()
    app = _app(fake_fleet, catalog)
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await _catalog_open(pilot, app)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels == ["name", "id", "summary", "cwd", "modified"]
        named = catalog.list().sessions
        assert [str(table.get_row_at(i)[1]) for i in range(4)] == [s.session_id[:8] for s in named]
        screen.query_one("#search", Input).value = named[1].session_id[:8]
        await wait_for(pilot, lambda: table.row_count == 1, "the one session with that id")
        assert str(table.get_row_at(0)[0]) == named[1].name
