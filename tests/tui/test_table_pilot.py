"""The fleet table grows with its content and gives names the room it has."""

from __future__ import annotations

from typing import Any

from tests.tui.conftest import wait_for
from tests.tui.fakes import Row, ScriptedFleet, fixed_clock
from textual.pilot import Pilot
from textual.widgets.data_table import ColumnKey

from claude_coder.events import Boundary, SessionState
from claude_coder.tui import make_app
from claude_coder.tui.app import FleetApp
from claude_coder.tui.widgets.members import MemberTable

LONG = "reviewer-of-the-payments-service"


def _row_text(table: MemberTable, row: int) -> str:
    return "".join(seg.text for seg in table.render_line(row + 1))  # line 0 is the header


async def _table(pilot: Pilot[Any], app: FleetApp, rows: int) -> MemberTable:
    table = app.fleet_screen.table
    await wait_for(pilot, lambda: table.row_count == rows)
    return table


async def test_columns_widen_when_a_cell_grows_after_the_first_layout() -> None:
    fleet = ScriptedFleet()
    fleet.set(Row("alpha"))
    app = make_app(fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await _table(pilot, app, 1)
        fleet.update(
            "alpha",
            state=SessionState.BUSY,
            waiting=True,
            cost_usd=0.0551,
            input_tokens=123_456,
            output_tokens=7_890,
            last_boundary=Boundary.COMPLETED,
        )
        app.refresh_members()
        for key, shown in (("state", "! waiting"), ("tokens", "123k/7.9k"), ("cost", "$0.0551")):
            await wait_for(pilot, lambda key=key, shown=shown: _fits(table, key, shown), key)


def _fits(table: MemberTable, key: str, text: str) -> bool:
    column = table.columns[ColumnKey(key)]
    return column.get_render_width(table) >= len(text) + 2 * table.cell_padding


async def test_names_use_the_room_a_wide_terminal_has_and_are_cut_when_narrow() -> None:
    fleet = ScriptedFleet()
    fleet.set(Row(LONG, profile="claude-code-expert"))
    app = make_app(fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await _table(pilot, app, 1)
        await wait_for(pilot, lambda: LONG in _row_text(table, 0), "the whole name")
        assert "claude-code-expert" in _row_text(table, 0)
        await pilot.resize_terminal(60, 30)
        await wait_for(pilot, lambda: LONG not in _row_text(table, 0), "a cut name")
        cut = _row_text(table, 0).split()[0]
        assert cut.endswith("…") and LONG.startswith(cut[:-1]) and len(cut) >= 12
