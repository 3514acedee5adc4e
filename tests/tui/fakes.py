"""In-memory doubles of the fleet and the catalog for deterministic TUI snapshots.

``ScriptedFleet`` satisfies the TUI's ``FleetPort``: its members are plain rows the test
sets, its merged stream plays envelopes the test emits (with fixed times and sequence
numbers), and every action is recorded in ``calls``. Pilot tests of behaviour use the
real ``Fleet`` with ``FakeTransport`` members instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from claude_coder.events import Boundary, Envelope, Event, SessionState
from claude_coder.fleet.worktrees import WorktreeRef

T0 = datetime(2026, 11, 25, 9, 30, 0, tzinfo=UTC)
"""The fixed clock of every snapshot."""


def fixed_clock() -> datetime:
    return T0


@dataclass(frozen=True)
class Row:
    name: str
    profile: str = "claude-code-expert"
    transport: str = "sdk"
    cwd: str | None = "/home/dev/repo"
    state: SessionState = SessionState.IDLE
    session_id: str | None = None
    queued: int = 0
    waiting: bool = False
    last_boundary: Boundary | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    error: str | None = None
    retry: str | None = None
    resets_at: int | None = None
    worktree: WorktreeRef | None = None


@dataclass
class ScriptedFleet:
    rows: dict[str, Row] = field(default_factory=dict)
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    seq: int = 0

    def __post_init__(self) -> None:
        self._queue: asyncio.Queue[Envelope | None] = asyncio.Queue()

    def set(self, row: Row) -> None:
        self.rows[row.name] = row

    def update(self, name: str, **changes: Any) -> None:
        self.rows[name] = replace(self.rows[name], **changes)

    def emit(self, name: str, *events: Event) -> None:
        for event in events:
            self.seq += 1
            sid = self.rows[name].session_id if name in self.rows else None
            time = T0 - timedelta(seconds=600 - self.seq)
            self._queue.put_nowait(Envelope(name, sid, self.seq, time, event))

    def drained(self) -> bool:
        """True once the app has read every emitted envelope."""
        return self._queue.empty()

    def end(self) -> None:
        self._queue.put_nowait(None)

    def members(self) -> Sequence[Row]:
        return list(self.rows.values())

    async def events(self, maxsize: int = 1000) -> AsyncIterator[Envelope]:
        while True:
            env = await self._queue.get()
            if env is None:
                return
            yield env

    def submit(self, name: str, text: str) -> object:
        self.calls.append(("submit", name, text))
        return None

    async def interrupt(self, name: str, drain: bool = False) -> object:
        self.calls.append(("interrupt", name, drain))
        return None

    async def decide(self, name: str, request_id: str, allow: bool, always: bool = False) -> None:
        self.calls.append(("decide", name, request_id, allow, always))

    async def answer(self, name: str, request_id: str, answers: Mapping[str, str] | None) -> object:
        self.calls.append(("answer", name, request_id, answers))
        return None

    async def add(
        self,
        name: str,
        profile: str = "claude-code-expert",
        cwd: str | None = None,
        *,
        resume: str | None = None,
        fork_from: str | None = None,
        worktree: bool | str | None = None,
        host: str | None = None,
    ) -> object:
        self.calls.append(("add", name, profile, cwd, resume, fork_from))
        if worktree:
            self.calls.append(("worktree", name, worktree))
        self.set(Row(name, profile=profile, cwd=cwd))
        return None

    async def close(self, name: str, *, worktree: str = "keep") -> object:
        self.calls.append(("close", name))
        if self.rows.get(name) is not None and self.rows[name].worktree is not None:
            self.calls.append(("worktree", name, worktree))
        self.rows.pop(name, None)
        return None

    async def restart(self, name: str) -> object:
        self.calls.append(("restart", name))
        return None


@dataclass(frozen=True)
class Info:
    session_id: str
    name: str | None
    summary: str
    cwd: str | None
    modified: datetime


@dataclass(frozen=True)
class Listing:
    sessions: Sequence[Info]
    skipped: int = 0


@dataclass
class StaticCatalog:
    sessions: list[Info] = field(default_factory=list)
    unnamed: list[Info] = field(default_factory=list)
    histories: dict[str, list[Event]] = field(default_factory=dict)
    skipped: int = 0

    def list(self, all: bool = False, cwd: str | None = None) -> Listing:
        found = self.sessions + (self.unnamed if all else [])
        return Listing(sorted(found, key=lambda s: s.modified, reverse=True), self.skipped)

    def history(self, session_id: str) -> Iterator[Envelope]:
        for i, event in enumerate(self.histories.get(session_id, [])):
            yield Envelope(None, session_id, i, T0 - timedelta(days=1, seconds=-i), event)
