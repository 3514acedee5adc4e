"""The member prompt: a fast burst of keys stays separate messages, a paste stays whole."""

from __future__ import annotations

from typing import Any

from tests.tui.conftest import wait_for
from tests.tui.fakes import Row, ScriptedFleet, fixed_clock
from textual import events
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input

from claude_coder.tui import make_app
from claude_coder.tui.app import FleetApp
from claude_coder.tui.screens.member import MemberScreen
from claude_coder.tui.widgets.prompt import PromptInput

SIZE = (100, 30)


def _burst(app: App[Any], *messages: str) -> None:
    """Every key of ``messages`` (each followed by Enter) posted at once, as a fast typist's
    keys reach the app from the terminal driver: one Key event each, no waiting between."""
    for message in messages:
        for ch in message:
            app.post_message(events.Key(ch, ch))
        app.post_message(events.Key("enter", "\r"))


async def _member_screen(pilot: Pilot[Any], app: FleetApp) -> MemberScreen:
    await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
    screen = app.screen
    assert isinstance(screen, MemberScreen)
    await wait_for(pilot, lambda: screen.query_one("#prompt").has_focus)
    return screen


async def test_a_burst_of_keys_sends_each_message_once() -> None:
    fleet = ScriptedFleet()
    fleet.set(Row("alpha"))
    app = make_app(fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await _member_screen(pilot, app)
        _burst(app, "say hello X", "say hello Y")
        await wait_for(pilot, lambda: len(fleet.calls) >= 2, "two submissions")
        await pilot.pause()
        assert fleet.calls == [
            ("submit", "alpha", "say hello X"),
            ("submit", "alpha", "say hello Y"),
        ]


async def test_a_multi_line_paste_is_sent_whole() -> None:
    fleet = ScriptedFleet()
    fleet.set(Row("alpha"))
    app = make_app(fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _member_screen(pilot, app)
        app.post_message(events.Paste("first line\r\nsecond line\nthird"))
        prompt = screen.query_one("#prompt", PromptInput)
        await wait_for(pilot, lambda: prompt.value == "first line\nsecond line\nthird")
        assert "first line⏎second line⏎third" in str(prompt.render_line(0).text)
        await pilot.press("enter")
        await wait_for(pilot, lambda: fleet.calls)
        assert fleet.calls == [("submit", "alpha", "first line\nsecond line\nthird")]
        assert prompt.value == ""


class _Bare(App[None]):
    """Textual's own Input and the prompt side by side, for the upstream report."""

    def __init__(self, widget: type[Input]) -> None:
        super().__init__()
        self.widget = widget
        self.sent: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.widget()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.sent.append(event.value)
        if type(event.input) is Input:
            event.input.clear()


async def test_textual_input_merges_a_burst_and_prompt_input_does_not() -> None:
    for widget, expected in (
        # Textual 8.2.8 merges them; once it does not, PromptInput._on_key can go
        (Input, ["say hello Xsay hello Y"] * 2),
        (PromptInput, ["say hello X", "say hello Y"]),
    ):
        app = _Bare(widget)
        async with app.run_test() as pilot:
            _burst(app, "say hello X", "say hello Y")
            await wait_for(pilot, lambda app=app: len(app.sent) >= 2, "two submissions")
            await pilot.pause()
            assert app.sent == expected, widget
