"""End to end: the TUI drives a fleet of the REAL Claude Code against the fake Messages API.

The member is a real SDK session (the bundled binary through the ``offline_claude``
launcher); the person types in the member view, approves a Bash call in the dialog,
and then finds the session in the catalog browser.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.fake_api import FakeApi
from tests.tui.conftest import wait_for
from textual.widgets import DataTable

from claude_coder.catalog import Catalog
from claude_coder.events import SessionState
from claude_coder.fleet import Fleet
from claude_coder.tui import make_app
from claude_coder.tui.screens.approval import PermissionDialog
from claude_coder.tui.screens.catalog import CatalogScreen
from claude_coder.tui.screens.member import MemberScreen
from claude_coder.tui.widgets.conversation import AnswerBlock, ToolLine

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]


async def test_talk_approve_and_find_it_in_the_catalog(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    async with Fleet.open(tmp_path / "fleet.json", boot_spacing=0.0) as fleet:
        await fleet.add("agent1", cwd=str(work))
        app = make_app(fleet, Catalog(), ["claude-code-expert"], blink=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
            screen = app.screen
            await pilot.press(*"reply:hello from the fleet", "enter")
            await wait_for(
                pilot,
                lambda: any(b.shown == "hello from the fleet" for b in screen.query(AnswerBlock)),
                "the streamed answer",
            )
            await pilot.press(*"bash:touch made-by-claude", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, PermissionDialog), "dialog")
            assert app.screen.request.tool == "Bash"  # type: ignore[attr-defined]
            await pilot.press("y")
            await wait_for(pilot, lambda: (work / "made-by-claude").exists(), "the tool ran")
            await wait_for(
                pilot,
                lambda: (
                    fleet.member("agent1").state is SessionState.IDLE
                    and fleet.member("agent1").last_boundary is not None
                    and any(line.title.endswith("✓") for line in screen.query(ToolLine))
                ),
                "the turn to end",
            )
            assert fake_api.prompts_seen()[-2:] == [
                "reply:hello from the fleet",
                "bash:touch made-by-claude",
            ]
            await pilot.press("escape", "c")
            await wait_for(pilot, lambda: isinstance(app.screen, CatalogScreen))
            table = app.screen.query_one("#sessions", DataTable)
            await wait_for(pilot, lambda: table.row_count == 1, "the session in the catalog")
            assert str(table.get_row_at(0)[0]) == "agent1"
