"""The session engine: the turn worker, the event pump, the stall watchdog, the close.

:class:`SessionCore` holds a session's state and runs it; :class:`~claude_coder.session.
Session` (its public face) adds construction, the caller's API and closing. Every event
the transport yields passes the Redactor here, and becomes an envelope.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from claude_coder.errors import SessionClosedError, SessionError
from claude_coder.events import (
    Boundary,
    Event,
    SessionClosed,
    SessionStarted,
    SessionState,
    StateChanged,
    TurnEnded,
    TurnResult,
    Usage,
    UserText,
)
from claude_coder.policy import Policy
from claude_coder.session_decide import Decider, PermissionCallback, QuestionCallback
from claude_coder.session_stream import Broadcaster
from claude_coder.session_turns import TurnHandle, TurnStatus
from claude_coder.transports.base import Transport

if TYPE_CHECKING:
    from claude_coder.profiles import Profile
    from claude_coder.security import Redactor

__all__ = ["SessionCore"]

_log = logging.getLogger(__name__)
_S = SessionState
LIVE_STATES = (_S.IDLE, _S.BUSY, _S.STALLED)


class SessionCore:
    """A session's state and machinery (see :class:`claude_coder.session.Session`)."""

    def __init__(
        self,
        transport: Transport,
        *,
        name: str | None = None,
        profile: Profile | None = None,
        policy: Policy | None = None,
        redactor: Redactor | None = None,
        on_permission: PermissionCallback | None = None,
        on_question: QuestionCallback | None = None,
        answer_questions: bool | None = None,
        stall_timeout: float | None = None,
        persisted: bool = False,
        cwd: str | None = None,
        start_timeout: float = 90.0,
        interrupt_timeout: float = 20.0,
    ) -> None:
        if redactor is None:
            from claude_coder.security import Redactor

            redactor = Redactor()
        self.transport = transport
        self.name = name
        self.profile = profile
        self.redactor = redactor
        self.persisted = persisted
        self.cwd = cwd or (profile.cwd if profile is not None else None)
        self.stall_timeout = float(
            stall_timeout
            if stall_timeout is not None
            else (profile.stall_timeout_seconds if profile is not None else 120.0)
        )
        self.start_timeout = start_timeout
        self.interrupt_timeout = interrupt_timeout
        if policy is None:
            policy = Policy.from_profile(profile, cwd=cwd) if profile is not None else Policy()
        if answer_questions is None:
            answer_questions = bool(
                profile is not None and profile.experimental_ask_user_question_answering
            )
        self._stream = Broadcaster(name)
        self._decider = Decider(
            policy,
            self._publish,
            on_permission=on_permission,
            on_question=on_question,
            answer_questions=answer_questions,
            on_change=self._touch,
        )
        self._state = _S.STARTING
        self._queue: collections.deque[TurnHandle] = collections.deque()
        self._queue_signal = asyncio.Event()
        self._current: TurnHandle | None = None
        self._turn_end: asyncio.Future[TurnResult] | None = None
        self._turn_count = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._close_task: asyncio.Task[None] | None = None
        self._watch_signal = asyncio.Event()
        self._last_activity = 0.0
        self._error: str | None = None
        self.last_result: TurnResult | None = None
        self.usage = Usage(0, 0, None)
        """Totals over every turn of this session (cost is None until one is known)."""

    @property
    def session_id(self) -> str | None:
        return self.transport.session_id

    # -- the machinery -----------------------------------------------------------------

    def _publish(self, event: Event) -> None:
        self._stream.publish(self._redact(event))

    def _redact(self, event: Event) -> Event:
        """``event`` through the session's Redactor (enum fields stay enums)."""
        return self.redactor.event(event)

    def _set_state(self, new: SessionState) -> None:
        old = self._state
        if old is new or old is _S.CLOSED:
            return
        self._state = new
        self._touch()
        self._publish(StateChanged(old, new))

    def _touch(self) -> None:
        """Something happened: restart the stall clock and let the watchdog look again."""
        self._last_activity = asyncio.get_running_loop().time()
        self._watch_signal.set()

    async def _worker(self) -> None:
        while True:
            while not self._queue:
                self._queue_signal.clear()
                await self._queue_signal.wait()
            if self._state not in LIVE_STATES:
                return
            await self._run_turn(self._queue.popleft())

    async def _run_turn(self, handle: TurnHandle) -> None:
        loop = asyncio.get_running_loop()
        self._current = handle
        self._turn_end = end = loop.create_future()
        handle.status = TurnStatus.RUNNING
        self._set_state(_S.BUSY)
        self._publish(UserText(handle.text))
        try:
            handle.started_at = loop.time()
            await self.transport.send(handle.text)
            if handle.interrupt_requested:
                await self.transport.interrupt()
        except Exception as exc:
            await self._child_lost(f"sending the turn failed: {exc}")
        result = await end
        self._current = None
        self._turn_end = None
        if self._state in (_S.BUSY, _S.STALLED):
            self._set_state(_S.IDLE)
        handle._resolve(result)

    def _finish_turn(self, result: TurnResult) -> TurnResult:
        cur, end = self._current, self._turn_end
        if cur is None or end is None or end.done():
            _log.debug("dropping a turn end with no turn running: %s", result.boundary)
            return result
        if not result.duration_s and cur.started_at is not None:
            duration = asyncio.get_running_loop().time() - cur.started_at
            result = _replace(result, duration_s=round(duration, 6))
        if result.session_id is None:
            result = _replace(result, session_id=self.session_id)
        redacted = self._redact(TurnEnded(result))
        assert isinstance(redacted, TurnEnded)
        result = redacted.result
        self.last_result = result
        self._add_usage(result)
        end.set_result(result)
        return result

    def _add_usage(self, result: TurnResult) -> None:
        u = result.usage
        if u is None:
            return
        cost = self.usage.cost_usd
        if result.cost_usd is not None:
            cost = (cost or 0.0) + result.cost_usd
        self.usage = Usage(
            self.usage.input_tokens + u.input_tokens,
            self.usage.output_tokens + u.output_tokens,
            cost,
            self.usage.cache_creation_input_tokens + u.cache_creation_input_tokens,
            self.usage.cache_read_input_tokens + u.cache_read_input_tokens,
        )

    async def _pump(self) -> None:
        reason = "Claude Code exited"
        try:
            async for event in self.transport.events():
                self._on_event(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            reason = f"Claude Code's stream failed: {exc}"
        if self._close_task is None and self._state is not _S.CLOSED:
            await self._child_lost(reason)

    def _on_event(self, event: Event) -> None:
        # Only the time: the watchdog re-reads it when its sleep ends (no wakeup per event).
        self._last_activity = asyncio.get_running_loop().time()
        if self._state is _S.STALLED:
            self._set_state(_S.BUSY)
        if isinstance(event, SessionStarted) and event.session_id:
            self._stream.session_id = event.session_id
        if isinstance(event, TurnEnded):
            self._publish(TurnEnded(self._finish_turn(event.result)))
            return
        self._publish(event)

    async def _child_lost(self, reason: str) -> TurnResult:
        """Claude Code is gone or unusable: end the turn ``error``, go to ``error``."""
        reason = self.redactor.text(reason)
        result = TurnResult(Boundary.ERROR, self.session_id, error=reason)
        if self._turn_end is not None and not self._turn_end.done():
            self._publish(TurnEnded(self._finish_turn(result)))
            result = self.last_result or result
        if self._state in (_S.CLOSED, _S.ERROR):
            return result
        self._error = reason
        self._set_state(_S.ERROR)
        while self._queue:
            self._queue.popleft()._fail(SessionError(f"session is in error: {reason}"))
        self._queue_signal.set()
        with contextlib.suppress(Exception):
            await asyncio.shield(self.transport.close())
        return result

    async def _watchdog(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._watch_signal.clear()
            if self._state is not _S.BUSY or self._decider.waiting:
                await self._watch_signal.wait()
                continue
            remaining = self._last_activity + self.stall_timeout - loop.time()
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await self._watch_signal.wait()
                continue
            self._set_state(_S.STALLED)

    async def _close(self, reason: str) -> None:
        closed = SessionClosedError(f"session {self.name or self.session_id} was closed")
        while self._queue:
            self._queue.popleft()._fail(closed)
        try:
            await self.transport.close()
        except Exception:
            _log.exception("closing the transport failed")
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._current is not None:
            self._current._fail(closed)
            self._current = None
        self._set_state(_S.CLOSED)
        self._publish(SessionClosed(reason))


def _replace(result: TurnResult, **changes: Any) -> TurnResult:
    return dataclasses.replace(result, **changes)
