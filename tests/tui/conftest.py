"""Fixtures for TUI tests: a real Fleet whose members run on FakeTransport, and waiting helpers.

``fake_fleet`` opens a real :class:`claude_coder.fleet.Fleet` on a temp roster; every
member's session is a real :class:`~claude_coder.session.Session` over a
:class:`~claude_coder.transports.fake.FakeTransport` playing ``scripts[name]`` (the
transport of each boot is kept in ``transports[name]``, the specs in ``specs``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from claude_coder.fleet import Fleet, MemberSpec
from claude_coder.policy import Policy
from claude_coder.session import Session
from claude_coder.transports.fake import FakeTransport, Script

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


async def wait_for(pilot: Pilot[Any], check: Callable[[], object], what: str = "") -> None:
    """Let the app run until ``check()`` is truthy (fails after a deadline)."""
    try:
        async with asyncio.timeout(DEADLINE):
            while not check():
                await pilot.pause()
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what or check}") from None
