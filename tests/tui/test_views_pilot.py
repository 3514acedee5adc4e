"""Pilot tests of what only a scripted fleet can show: PTY screens, stream gaps, themes."""

from __future__ import annotations

from rich.text import Text
from tests.tui.conftest import wait_for
from tests.tui.fakes import Row, ScriptedFleet, fixed_clock
from textual.color import Color

from claude_coder.events import ScreenChanged, SessionState, StreamGap
from claude_coder.tui import make_app
from claude_coder.tui.app import FleetApp
from claude_coder.tui.screens.member import MemberScreen

SIZE = (100, 30)
SCREEN = "╭───────────────╮\n│ > try claude  │\n╰───────────────╯\n  ? for shortcuts"


def _contrast(a: Color, b: Color) -> float:
    """The WCAG contrast ratio of two colours."""

    def luminance(c: Color) -> float:
        def channel(v: int) -> float:
            x = v / 255
            return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _app(fleet: ScriptedFleet) -> FleetApp:
    return make_app(fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)


async def test_pty_member_offers_the_live_terminal_view() -> None:
    fleet = ScriptedFleet()
    fleet.set(Row("tui", transport="pty"))
    fleet.set(Row("sdk-one"))
    app = _app(fleet)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 2)
        fleet.emit("tui", ScreenChanged("booting"), ScreenChanged(SCREEN))
        await wait_for(pilot, lambda: fleet.drained())
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
        screen = app.screen
        assert isinstance(screen, MemberScreen)
        await wait_for(pilot, lambda: screen.active_bindings.get("ctrl+s") is not None)
        await pilot.press("ctrl+s")
        views = screen.query_one("#views")
        assert views.current == "terminal-view"  # type: ignore[attr-defined]
        assert str(screen.query_one("#terminal").render()) == SCREEN
        fleet.emit("tui", ScreenChanged("changed"))
        await wait_for(pilot, lambda: str(screen.query_one("#terminal").render()) == "changed")
        await pilot.press("ctrl+s")
        assert views.current == "conversation"  # type: ignore[attr-defined]
        await pilot.press("escape", "down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
        assert app.screen.member == "sdk-one"  # type: ignore[attr-defined]
        assert "ctrl+s" not in app.screen.active_bindings  # no terminal view on SDK


async def test_stream_gap_is_shown_in_the_log() -> None:
    fleet = ScriptedFleet()
    fleet.set(Row("a"))
    app = _app(fleet)
    async with app.run_test(size=SIZE) as pilot:
        fleet.emit("a", StreamGap(17))
        await wait_for(pilot, lambda: len(app.fleet_screen.event_log.lines) == 1)
        assert "17 events dropped" in app.fleet_screen.event_log.lines[0].text


async def test_state_colours_follow_the_theme() -> None:
    fleet = ScriptedFleet()
    fleet.set(Row("ok"))
    fleet.set(Row("bad", state=SessionState.ERROR, error="boom"))
    app = _app(fleet)

    def colour(name: str) -> Color:
        cell = app.fleet_screen.table.get_row(name)[1]
        assert isinstance(cell, Text) and cell.style
        style = cell.style
        assert not isinstance(style, str) and style.color is not None
        return Color.from_rich_color(style.color)

    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 2)
        for theme in ("textual-dark", "textual-light"):
            app.theme = theme
            await pilot.pause()
            for name, var in (("ok", "text-success"), ("bad", "text-error")):
                assert colour(name) == Color.parse(app.theme_variables[var]), (theme, name)
            background = Color.parse(app.theme_variables["background"])
            assert _contrast(background, colour("bad")) > 3, theme  # readable on this theme
