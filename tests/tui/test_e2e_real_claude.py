"""End to end: the TUI drives a fleet of the REAL Claude Code against the fake Messages API.

The member is a real SDK session (the bundled binary through the ``offline_claude``
launcher); the person types in the member view, approves a Bash call in the dialog,
and then finds the session in the catalog browser.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.fake_api import FakeApi
from tests.tui.conftest import real_member_view, wait_for
from textual.widgets import DataTable

from claude_coder.events import SessionState
from claude_coder.tui.screens.approval import PermissionDialog
from claude_coder.tui.screens.catalog import CatalogScreen
from claude_coder.tui.widgets.conversation import AnswerBlock, ToolLine

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]


async def test_talk_approve_and_find_it_in_the_catalog(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with real_member_view(tmp_path) as view:
        fleet, app, pilot, screen, work = view.fleet, view.app, view.pilot, view.screen, view.work
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
