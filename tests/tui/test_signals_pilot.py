"""The needs-you badge: a member that finished or waits shows in the subtitle until opened."""

from __future__ import annotations

import tempfile

import pytest
from tests.tui.conftest import FakeFleet, wait_for
from tests.tui.fakes import fixed_clock

from claude_coder.fleet.hooks import NotifySettings
from claude_coder.fleet.live import live_services
from claude_coder.tui import make_app
from claude_coder.tui.screens.fleet import OpenMember

SIZE = (100, 30)


async def test_a_finished_turn_badges_the_member_and_rings_until_opened(
    fake_fleet: FakeFleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="cc-rt-"))
    fleet = fake_fleet.fleet
    await fleet.add("agent1")
    app = make_app(fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)
    bells: list[int] = []
    settings = NotifySettings(bell=True)
    async with (
        live_services(fleet, settings, badge=app.signal, bell=lambda: bells.append(1)),
        app.run_test(size=SIZE) as pilot,
    ):
        assert app.sub_title == ""
        await fleet.send("agent1", "hello")
        await wait_for(pilot, lambda: app.sub_title == "needs you: agent1 finished")
        assert bells == [1]
        app.post_message(OpenMember("agent1"))
        await wait_for(pilot, lambda: app.sub_title == "", "the badge to clear")
