"""Record every envelope a session publishes, with waits that have deadlines."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, ClassVar

from claude_coder.events import Envelope, Event, SessionState, StateChanged
from claude_coder.session import Session


class EventRecorder:
    """A callback subscriber keeping every envelope; ``wait`` never waits past a deadline."""

    deadline: ClassVar[float] = 10.0
    """Default seconds a wait may take (integration helpers raise it)."""

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

    async def wait(self, pred: Callable[[Event], bool], deadline: float | None = None) -> Event:
        """The first recorded event matching ``pred`` (waits for it, with a deadline)."""
        async with asyncio.timeout(self.deadline if deadline is None else deadline):
            while True:
                for ev in self.events:
                    if pred(ev):
                        return ev
                self._changed.clear()
                await self._changed.wait()

    async def wait_kind(self, kind: type[Event], deadline: float | None = None) -> Any:
        return await self.wait(lambda e: isinstance(e, kind), deadline)

    async def wait_state(self, state: SessionState, deadline: float | None = None) -> None:
        await self.wait(lambda e: isinstance(e, StateChanged) and e.new is state, deadline)
