"""Helpers for session tests on FakeTransport: start a session, wait on its events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from claude_coder.events import Envelope, Event, SessionState, StateChanged
from claude_coder.policy import Policy
from claude_coder.session import Session
from claude_coder.transports.fake import FakeTransport

DEADLINE = 10.0


async def start(fake: FakeTransport | None = None, **kwargs: Any) -> Session:
    kwargs.setdefault("name", "t")
    kwargs.setdefault("policy", Policy())
    return await Session.start(transport=fake or FakeTransport(), **kwargs)


class Recorder:
    """Records every envelope of a session (a callback subscriber)."""

    def __init__(self, session: Session) -> None:
        self.envelopes: list[Envelope] = []
        self._changed = asyncio.Event()
        session.subscribe(self._on)

    def _on(self, env: Envelope) -> None:
        self.envelopes.append(env)
        self._changed.set()

    @property
    def events(self) -> list[Event]:
        return [e.event for e in self.envelopes]

    def of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def states(self) -> list[SessionState]:
        return [e.new for e in self.of(StateChanged)]

    async def wait(self, pred: Callable[[Event], bool], deadline: float = DEADLINE) -> Event:
        """The first recorded event matching ``pred`` (waits for it, with a deadline)."""
        async with asyncio.timeout(deadline):
            while True:
                for ev in self.events:
                    if pred(ev):
                        return ev
                self._changed.clear()
                await self._changed.wait()

    async def wait_state(self, state: SessionState) -> None:
        await self.wait(lambda e: isinstance(e, StateChanged) and e.new is state)
