"""Helpers for SDK-transport integration tests: profiles files, event recording, reaping."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from claude_coder.events import Envelope, Event, SessionState, StateChanged
from claude_coder.session import Session

DEADLINE = 60.0


def write_profiles(where: Path, *profiles: dict[str, Any]) -> Path:
    """A profiles file holding ``profiles`` (camelCase JSON keys)."""
    path = where / "profiles.json"
    path.write_text(json.dumps(list(profiles)))
    return path


class Events:
    """Every envelope a session publishes, with waits that have deadlines."""

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
        async with asyncio.timeout(deadline):
            while True:
                for ev in self.events:
                    if pred(ev):
                        return ev
                self._changed.clear()
                await self._changed.wait()

    async def wait_kind(self, kind: type[Event], deadline: float = DEADLINE) -> Any:
        return await self.wait(lambda e: isinstance(e, kind), deadline)


def gone(pid: int) -> bool:
    """True when ``pid`` is reaped: no process, not even a zombie, has it."""
    try:
        psutil.Process(pid)
    except psutil.NoSuchProcess:
        return True
    return False
