"""The catalog browser with hosts: a host column, each host read in the background, a
host that fails shown as one line, and a host's session opened or resumed there."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from tests.tui import scenes
from tests.tui.conftest import FakeFleet, wait_for
from tests.tui.fakes import Listing, StaticCatalog, fixed_clock
from textual.widgets import DataTable, Input, Label

from claude_coder.events import Envelope
from claude_coder.tui import make_app
from claude_coder.tui.app import FleetApp
from claude_coder.tui.hosts import CatalogHosts
from claude_coder.tui.screens.catalog import CatalogScreen, HistoryScreen
from claude_coder.tui.screens.new_member import NewMemberDialog
from claude_coder.tui.widgets.conversation import UserTurn

SIZE = (110, 30)


class HeldCatalog:
    """A host that has not answered yet: ``list`` waits until ``release``."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def list(self, all: bool = False, cwd: str | None = None) -> Listing:
        self.release.wait(30)
        return Listing([])

    def history(self, session_id: str) -> Iterator[Envelope]:
        return iter(())


def _app(ff: FakeFleet, hosts: dict[str, Any]) -> FleetApp:
    made = CatalogHosts(hosts, lambda host: hosts[host])
    return make_app(
        ff.fleet,
        scenes.catalog(),
        ["claude-code-expert"],
        clock=fixed_clock,
        blink=False,
        hosts=made,
    )


def _column(table: DataTable[Any], index: int) -> list[str]:
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


async def test_hosts_rows_merge_newest_first_with_a_host_column(fake_fleet: FakeFleet) -> None:
    app = _app(fake_fleet, scenes.host_catalogs())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, CatalogScreen)
        table = screen.query_one("#sessions", DataTable)
        await wait_for(pilot, lambda: table.row_count == 6, "local and devbox rows")
        labels = [str(c.label) for c in table.columns.values()]
        assert labels == ["name", "host", "id", "summary", "cwd", "modified"]
        assert _column(table, 0)[:2] == ["gpu-train", "agent1"]  # devbox's is the newest
        assert _column(table, 1).count("devbox") == 2 and _column(table, 1).count("local") == 4
        hosts = screen.query_one("#hosts", Label)
        await wait_for(pilot, lambda: "buildbox" in str(hosts.render()), "buildbox's line")
        line = str(hosts.render())
        assert line.startswith("buildbox: host 'buildbox' is unreachable over ssh")
        assert "\n" not in line  # one line for the host
        screen.query_one("#search", Input).value = "devbox"
        await wait_for(pilot, lambda: table.row_count == 2, "rows found by host")


async def test_a_host_that_has_not_answered_holds_up_nothing(fake_fleet: FakeFleet) -> None:
    held = HeldCatalog()
    app = _app(fake_fleet, {"slowbox": held})
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("c")
            table = app.screen.query_one("#sessions", DataTable)
            await wait_for(pilot, lambda: table.row_count == 4, "the local rows")
            hosts = app.screen.query_one("#hosts", Label)
            assert str(hosts.render()) == "slowbox: reading…"
            await pilot.press("enter")  # the browser works while the host is silent
            await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "history")
            await pilot.press("escape")
            held.release.set()
            await wait_for(pilot, lambda: not hosts.display, "the host's line gone")
    finally:
        held.release.set()


async def test_a_hosts_session_opens_and_resumes_on_that_host(fake_fleet: FakeFleet) -> None:
    app = _app(fake_fleet, scenes.host_catalogs())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        table = app.screen.query_one("#sessions", DataTable)
        await wait_for(pilot, lambda: table.row_count == 6, "local and devbox rows")
        await pilot.press("enter")  # the first row is devbox's gpu-train
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "history")
        history = app.screen
        title = str(history.query_one("#title", Label).render())
        assert title == "gpu-train · d0d0d0d0 · on devbox · read-only"
        await wait_for(pilot, lambda: len(history.query(UserTurn)) == 1, "devbox's history")
        assert str(history.query_one(UserTurn).render()) == "on the host"
        await pilot.press("r")
        dialog = app.screen
        assert isinstance(dialog, NewMemberDialog)
        assert "Resume session d0d0d0d0 on devbox" in str(dialog.query_one(".title").render())
        assert dialog.query_one("#cwd", Input).value == "/home/me/ml"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(fake_fleet.specs), "the member added")
        spec = fake_fleet.specs[-1]
        assert (spec.host, spec.resume, spec.cwd) == (
            "devbox",
            "d0d0d0d0-1111-4222-8333-444455556666",
            "/home/me/ml",
        )


async def test_members_hosts_are_browsed_too() -> None:
    class Member:
        host = "memberbox"

    hosts = CatalogHosts(["devbox", "memberbox"], lambda host: StaticCatalog())
    assert hosts.names([Member()]) == ["devbox", "memberbox"]  # type: ignore[list-item]
    only = CatalogHosts([], lambda host: StaticCatalog())
    assert list(only.catalogs([Member()])) == ["memberbox"]  # type: ignore[list-item]
    assert only.catalogs([]) == {}
