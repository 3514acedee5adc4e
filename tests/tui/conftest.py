"""Fixtures for TUI tests: a real Fleet whose members run on FakeTransport, and waiting helpers.

``fake_fleet`` opens a real :class:`claude_coder.fleet.Fleet` on a temp roster; every
member's session is a real :class:`~claude_coder.session._session.Session` over a
:class:`~claude_coder.transports.fake.FakeTransport` playing ``scripts[name]`` (the
transport of each boot is kept in ``transports[name]``, the specs in ``specs``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from claude_coder.catalog import Catalog
from claude_coder.fleet import Fleet, MemberSpec
from claude_coder.policy import Policy
from claude_coder.session import Session
from claude_coder.transports.fake import FakeTransport, Script
from claude_coder.tui import make_app
from claude_coder.tui.app import FleetApp
from claude_coder.tui.screens.member import MemberScreen

DEADLINE = 10.0


@dataclass
class FakeFleet:
    fleet: Fleet
    scripts: dict[str, Script] = field(default_factory=dict)
    transports: dict[str, FakeTransport] = field(default_factory=dict)
    specs: list[MemberSpec] = field(default_factory=list)
    boot_errors: dict[str, Exception] = field(default_factory=dict)


@pytest.fixture
async def fake_fleet(tmp_path: Path) -> AsyncIterator[FakeFleet]:
    holder: dict[str, FakeFleet] = {}

    async def factory(spec: MemberSpec) -> Session:
        ff = holder["ff"]
        ff.specs.append(spec)
        transport = FakeTransport(
            ff.scripts.get(spec.name), start_error=ff.boot_errors.pop(spec.name, None)
        )
        ff.transports[spec.name] = transport
        return await Session.start(
            spec.profile,
            name=spec.name,
            cwd=spec.cwd,
            transport=transport,
            persist=False,
            policy=Policy(),
            answer_questions=True,
        )

    async with Fleet.open(
        tmp_path / "fleet.json", session_factory=factory, boot_spacing=0.0, boot_jitter=0.0
    ) as fleet:
        ff = FakeFleet(fleet)
        holder["ff"] = ff
        yield ff


async def wait_for(
    pilot: Pilot[Any], check: Callable[[], object], what: str = "", deadline: float = DEADLINE
) -> None:
    """Let the app run until ``check()`` is truthy (fails after ``deadline`` seconds)."""
    try:
        async with asyncio.timeout(deadline):
            while not check():
                await pilot.pause()
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what or check}") from None


@dataclass
class MemberView:
    """A real fleet with one member ``agent1`` (working in ``work``), its view open."""

    fleet: Fleet
    app: FleetApp
    pilot: Pilot[Any]
    screen: MemberScreen
    work: Path


@contextlib.asynccontextmanager
async def real_member_view(
    where: Path, size: tuple[int, int] = (100, 30)
) -> AsyncIterator[MemberView]:
    """The TUI on a real fleet (the real binary through the offline launcher), showing
    member ``agent1``'s view."""
    work = where / "work"
    work.mkdir()
    async with Fleet.open(where / "fleet.json", boot_spacing=0.0) as fleet:
        await fleet.add("agent1", cwd=str(work))
        app = make_app(fleet, Catalog(), ["claude-code-expert"], blink=False)
        async with app.run_test(size=size) as pilot:
            await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
            assert isinstance(app.screen, MemberScreen)
            yield MemberView(fleet, app, pilot, app.screen, work)
