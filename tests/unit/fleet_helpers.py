"""Helpers for fleet tests on FakeTransport: a session factory, waiting with deadlines."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from claude_coder.events import Envelope
from claude_coder.fleet import Fleet, MemberSpec
from claude_coder.policy import Policy
from claude_coder.session import Session
from claude_coder.transports.fake import FakeTransport, Script

DEADLINE = 10.0


class FakeFactory:
    """Starts each member's Session on a FakeTransport; records specs and transports.

    A resumed member keeps its session id (as Claude Code's ``--resume`` does). A
    member's script is used for its first start only; later starts echo.
    """

    def __init__(
        self,
        scripts: Mapping[str, Script] | None = None,
        *,
        start_errors: Mapping[str, Exception] | None = None,
        **tuning: Any,
    ) -> None:
        self.scripts = dict(scripts or {})
        self.start_errors = dict(start_errors or {})
        self.tuning = tuning
        self.tuning.setdefault("policy", Policy())
        self.specs: list[MemberSpec] = []
        self.transports: dict[str, FakeTransport] = {}
        self.all_transports: list[FakeTransport] = []

    async def __call__(self, spec: MemberSpec) -> Session:
        self.specs.append(spec)
        resumed = spec.resume if spec.resume and not spec.fork else None
        fake = FakeTransport(
            self.scripts.pop(spec.name, None),
            session_id=resumed,
            start_error=self.start_errors.pop(spec.name, None),
        )
        self.transports[spec.name] = fake
        self.all_transports.append(fake)
        return await Session.start(
            spec.profile, name=spec.name, cwd=spec.cwd, transport=fake, **self.tuning
        )


async def open_fleet(roster: Path, factory: FakeFactory, **kwargs: Any) -> Fleet:
    kwargs.setdefault("boot_spacing", 0.0)
    kwargs.setdefault("boot_jitter", 0.0)
    return await Fleet.start(roster, session_factory=factory, **kwargs)


async def until(pred: Callable[[], bool], deadline: float = DEADLINE) -> None:
    """Wait (yielding to the loop) until ``pred()`` holds; fail after ``deadline`` seconds."""
    async with asyncio.timeout(deadline):
        while not pred():  # noqa: ASYNC110 - fleet state (busy, queued) has no event of its own
            await asyncio.sleep(0.002)


class Collector:
    """Reads a fleet subscription into a list in the background."""

    def __init__(self, fleet: Fleet, maxsize: int = 100_000) -> None:
        self.envelopes: list[Envelope] = []
        self._sub = fleet.events(maxsize)
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for env in self._sub:
            self.envelopes.append(env)

    async def finish(self) -> list[Envelope]:
        """Wait for the stream to end (the fleet closed) and return what was read."""
        async with asyncio.timeout(DEADLINE):
            await self._task
        return self.envelopes
