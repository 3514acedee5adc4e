"""The fleet's ceiling: turns wait in submission order until a slot and their member are free.

:class:`FleetTurn` has the surface of the session's ``TurnHandle``: await it for the
:class:`~claude_coder.events.TurnResult`, ``cancel()`` it (a queued turn leaves the
queue; a running one is interrupted), and read ``status`` (``queued`` while it waits).
Both build on the session layer's ``TurnFuture``.

:class:`Ceiling` runs at most ``max_busy`` turns at once, one per member, starting the
oldest waiting turn whose member is free. A turn for a member that is still starting
waits without holding a slot; a turn for a member that cannot run (closed, error)
fails at once with a message saying how to restart it. A ``gate`` (the fleet's limits
and spend caps) may hold a member's turns (parked at a usage limit) or end them with
a ``limit`` result (a spend cap reached).
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from claude_coder.errors import SessionClosedError, SessionError
from claude_coder.events import TurnResult
from claude_coder.fleet._member import Member
from claude_coder.session._turns import TurnFuture, TurnHandle, TurnStatus

__all__ = ["Ceiling", "FleetTurn", "Gate", "Spawn"]

Gate = Callable[[str], "TurnResult | bool"]
"""Asked before a member's next turn starts: True holds it (the member is parked), a
result ends it at once (a spend cap), False lets it run."""

Spawn = Callable[..., "asyncio.Task[None]"]
"""Starts a coroutine as a task of the fleet's task group: ``spawn(coro, name=...)``."""


class FleetTurn(TurnFuture):
    """One turn for one member, from submission to boundary.

    ``number`` is the fleet-wide submission order (1, 2, 3, ...); the ceiling settles
    the turn with ``resolve``, ``fail`` and ``drop``.
    """

    def __init__(self, number: int, name: str, text: str, canceller: Callable[[FleetTurn], None]):
        super().__init__(number, text, canceller)
        self.name = name
        """The member this turn is for."""
        self.inner: TurnHandle | None = None
        """The session's handle once the turn left the fleet queue."""

    def __repr__(self) -> str:
        return f"<FleetTurn #{self.number} {self.name} {self.status.value}>"

    # -- for the ceiling -------------------------------------------------------------
    resolve = TurnFuture._resolve
    fail = TurnFuture._fail
    drop = TurnFuture._cancel


class Ceiling:
    """At most ``max_busy`` members run a turn at once; the rest wait in order."""

    def __init__(
        self,
        max_busy: int,
        members: Mapping[str, Member],
        spawn: Spawn,
        gate: Gate | None = None,
    ) -> None:
        if max_busy < 1:
            raise ValueError("max_busy must be at least 1")
        self.max_busy = max_busy
        self._members = members
        self._spawn = spawn
        self._gate = gate
        self._waiting: collections.deque[FleetTurn] = collections.deque()
        self._running: dict[str, FleetTurn] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._count = 0
        self._kick_pending = False
        self._closed = False
        self.peak = 0
        """The most turns ever running at once (never above ``max_busy``)."""

    @property
    def busy(self) -> int:
        return len(self._running)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def waiting_for(self, name: str) -> int:
        """Turns of ``name`` waiting for the ceiling."""
        return sum(1 for t in self._waiting if t.name == name)

    def handed_over(self, name: str) -> int:
        """1 if ``name``'s running fleet turn still sits in its session's own queue."""
        turn = self._running.get(name)
        if turn is None or turn.inner is None:
            return 0
        return 1 if turn.inner.status is TurnStatus.QUEUED else 0

    def submit(self, name: str, text: str) -> FleetTurn:
        self._count += 1
        turn = FleetTurn(self._count, name, text, self._cancel)
        self._waiting.append(turn)
        self._dispatch()  # a free slot is taken at once, so ``status`` is right on return
        return turn

    def kick(self) -> None:
        """Look for startable turns soon (after the current callback returns)."""
        if not self._kick_pending and not self._closed:
            self._kick_pending = True
            asyncio.get_running_loop().call_soon(self._dispatch)

    def drop_waiting(self, name: str) -> None:
        """Cancel every waiting turn of ``name``."""
        for turn in [t for t in self._waiting if t.name == name]:
            self._waiting.remove(turn)
            turn.drop()

    def close(self) -> None:
        """Start no more turns; waiting ones fail with ``SessionClosedError``."""
        self._closed = True
        closed = SessionClosedError("the fleet was closed before this turn ran")
        while self._waiting:
            self._waiting.popleft().fail(closed)

    async def settle(self, grace: float) -> None:
        """Give running turns up to ``grace`` seconds to finish (their sessions are closing);
        the fleet's task group cancels whatever is left."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace)

    def _dispatch(self) -> None:
        self._kick_pending = False
        if self._closed:
            return
        for turn in list(self._waiting):
            member = self._members.get(turn.name)
            if member is None or (not member.booting and not member.live):
                self._waiting.remove(turn)
                why = member.why_not_live() if member else f"member {turn.name!r} was closed"
                turn.fail(SessionError(why))
                continue
            if member.booting or turn.name in self._running:
                continue
            verdict = self._gate(turn.name) if self._gate is not None else False
            if isinstance(verdict, TurnResult):  # a spend cap, or a limit not waited out
                self._waiting.remove(turn)
                turn.resolve(verdict)
                continue
            if verdict:  # parked for a usage limit: stays queued, in order
                continue
            if len(self._running) >= self.max_busy:
                continue
            self._start(member, turn)

    def _start(self, member: Member, turn: FleetTurn) -> None:
        self._waiting.remove(turn)
        self._running[turn.name] = turn
        self.peak = max(self.peak, len(self._running))
        turn.status = TurnStatus.RUNNING
        coro: Coroutine[Any, Any, None] = self._run(member, turn)
        task = self._spawn(coro, name=f"fleet-turn-{turn.name}-{turn.number}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, member: Member, turn: FleetTurn) -> None:
        try:
            if turn.done() or member.session is None:
                return
            try:
                inner = member.session.submit(turn.text)
            except SessionError as exc:
                turn.fail(exc)
                return
            turn.inner = inner
            try:
                turn.resolve(await inner)
            except asyncio.CancelledError:
                turn.drop()
                if not inner.cancelled():  # the fleet itself is closing
                    inner.cancel()
                    raise
            except Exception as exc:
                turn.fail(exc)
        finally:
            if self._running.get(turn.name) is turn:
                del self._running[turn.name]
            self.kick()

    def _cancel(self, turn: FleetTurn) -> None:
        if turn in self._waiting:
            self._waiting.remove(turn)
            turn.drop()
        elif turn.inner is not None:
            turn.inner.cancel()
        else:
            turn.drop()
