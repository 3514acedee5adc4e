"""The session engine: the turn worker, the event pump, the stall watchdog, turn ends, close.

:class:`SessionEngine` holds a session's state and runs it (the public ``Session`` holds
one). Every event the transport yields passes the Redactor here (an ``EventRedactor``:
streamed text stays masked across pieces) and becomes an envelope. The engine alone
ends turns (``_end_turn``): it completes the transport's report, or builds the result
when the child is lost, an interrupt times out or the session closes, sets the state,
then publishes exactly one ``TurnEnded``. Its tasks
(pump, worker, watchdog, interrupts) belong to one ``TaskOwner`` (one TaskGroup).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from claude_coder.errors import ClaudeCoderError, SessionClosedError, SessionError
from claude_coder.events import (
    AssistantText,
    Boundary,
    Event,
    SessionClosed,
    SessionStarted,
    SessionState,
    StateChanged,
    ToolCall,
    TurnEnded,
    TurnResult,
    Usage,
    UserText,
)
from claude_coder.policy import Policy
from claude_coder.security import EventRedactor, Redactor, watch_logs
from claude_coder.session._decide import Decider, PermissionCallback, QuestionCallback
from claude_coder.session._launch import start_error
from claude_coder.session._stream import Broadcaster, EventCallback
from claude_coder.session._tasks import TaskOwner
from claude_coder.session._turns import TurnHandle, TurnStatus, add_usage
from claude_coder.transports.base import Transport, TransportHooks

if TYPE_CHECKING:
    from claude_coder.profiles import Profile

__all__ = ["LIVE_STATES", "SessionEngine"]

_log = logging.getLogger(__name__)
_S = SessionState
_TURN_STATES = (_S.BUSY, _S.STALLED, _S.RETRYING, _S.RECONNECTING)
LIVE_STATES = (_S.IDLE, *_TURN_STATES)


@dataclass(eq=False)
class _Running:
    """The turn being run: its handle, its end, its one interrupt, what it said so far."""

    handle: TurnHandle
    end: asyncio.Future[TurnResult]
    started_at: float
    sent: asyncio.Event = field(default_factory=asyncio.Event)
    interrupt: asyncio.Task[None] | None = None
    text: str = ""
    tools: list[ToolCall] = field(default_factory=list)


class SessionEngine:
    """A session's state and machinery (the public face is :class:`~claude_coder.Session`)."""

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
        on_event: EventCallback | None = None,
        answer_questions: bool | None = None,
        stall_timeout: float | None = None,
        persisted: bool = False,
        cwd: str | None = None,
        start_timeout: float = 90.0,
        interrupt_timeout: float = 20.0,
    ) -> None:
        redactor = redactor or Redactor()
        watch_logs(redactor)
        self.transport = transport
        self.name = name
        self.profile = profile
        self.redactor = redactor
        self._outgoing = EventRedactor(redactor)
        self.persisted = persisted
        self.cwd = cwd or (profile.cwd if profile is not None else None)
        if stall_timeout is None:
            stall_timeout = profile.stall_timeout_seconds if profile is not None else 120.0
        self.stall_timeout = float(stall_timeout)
        self.start_timeout = start_timeout
        self.interrupt_timeout = interrupt_timeout
        if policy is None:
            policy = Policy.from_profile(profile, cwd=cwd) if profile is not None else Policy()
        if answer_questions is None:
            answer_questions = bool(
                profile is not None and profile.experimental_ask_user_question_answering
            )
        self.stream = Broadcaster(name)
        if on_event is not None:
            self.stream.add_callback(on_event)
        self.decider = Decider(
            policy,
            self.publish,
            on_permission=on_permission,
            on_question=on_question,
            answer_questions=answer_questions,
            on_change=self._touch,
            redact=redactor.text,
        )
        self.state = _S.STARTING
        self.queue: collections.deque[TurnHandle] = collections.deque()
        self._queue_signal = asyncio.Event()
        self._running: _Running | None = None
        self._turn_count = 0
        self._tasks = TaskOwner(f"session-{name or 'unnamed'}", self._task_crashed)
        self._closing: asyncio.Task[None] | None = None
        self._watch_signal = asyncio.Event()
        self._last_activity = 0.0
        self.error: str | None = None
        self.last_result: TurnResult | None = None
        self.usage = Usage(0, 0, None)

    @property
    def session_id(self) -> str | None:
        return self.transport.session_id

    @property
    def closing(self) -> bool:
        return self._closing is not None

    # -- publishing --------------------------------------------------------------------

    def publish(self, event: Event) -> None:
        for redacted in self._outgoing.feed(event):
            self.stream.publish(redacted)

    def _set_state(self, new: SessionState) -> None:
        old = self.state
        if old is new or old is _S.CLOSED:
            return
        self.state = new
        self._touch()
        self.publish(StateChanged(old, new))

    def _touch(self) -> None:
        """Something happened: restart the stall clock and let the watchdog look again."""
        self._last_activity = asyncio.get_running_loop().time()
        self._watch_signal.set()

    # -- start -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the transport within the one start deadline, then the engine's tasks."""
        hooks = TransportHooks(self.decider.permission, self.decider.question)
        self.transport.bind(hooks)
        try:
            async with asyncio.timeout(self.start_timeout):
                await self.transport.start()
        except BaseException as exc:
            await self._abandon(exc)
            raise start_error(exc, self.start_timeout, self.redactor, self.transport) from exc
        self.stream.session_id = self.transport.session_id
        await self._tasks.start()
        tag = self.name or "unnamed"
        self._tasks.spawn(self._pump(), name=f"session-pump-{tag}")
        self._tasks.spawn(self._worker(), name=f"session-worker-{tag}")
        self._tasks.spawn(self._watchdog(), name=f"session-watch-{tag}")
        if getattr(self.transport, "turn_running", False):  # a host's turn, re-attached
            self._adopt_turn()
        self._set_state(_S.BUSY if self._running is not None else _S.IDLE)

    async def _abandon(self, exc: BaseException) -> None:
        self.error = self.redactor.text(str(exc)) or type(exc).__name__
        await self._close_transport()
        self._set_state(_S.ERROR)
        self.publish(SessionClosed(f"failed to start: {self.error}"))

    async def _close_transport(self) -> None:
        try:
            await asyncio.shield(self.transport.close())
        except Exception as exc:
            _log.warning("closing Claude Code failed: %s", self.redactor.text(str(exc)))

    # -- turns -------------------------------------------------------------------------

    def submit(self, text: str) -> TurnHandle:
        self._turn_count += 1
        handle = TurnHandle(self._turn_count, text, self._cancel_handle)
        self.queue.append(handle)
        self._queue_signal.set()
        return handle

    async def _worker(self) -> None:
        while True:
            while not self.queue:
                self._queue_signal.clear()
                await self._queue_signal.wait()
            if self.state not in LIVE_STATES:
                return
            if self._running is not None:  # an adopted turn: the queue waits for its end
                await asyncio.shield(self._running.end)
                continue
            await self._run_turn(self.queue.popleft())

    async def _run_turn(self, handle: TurnHandle) -> None:
        loop = asyncio.get_running_loop()
        run = _Running(handle, loop.create_future(), loop.time())
        self._running = run
        handle.status = TurnStatus.RUNNING
        self._set_state(_S.BUSY)
        self.publish(UserText(handle.text))
        try:
            await self.transport.send(handle.text)
        except Exception as exc:
            await self._child_lost(f"sending the turn failed: {exc}")
        run.sent.set()
        await asyncio.shield(run.end)

    def _adopt_turn(self) -> None:
        """A turn Claude Code already runs (a remote session re-attached by a new
        process): nobody awaits it, its boundary ends it as any turn's does."""
        loop = asyncio.get_running_loop()
        handle = TurnHandle(0, "", self._cancel_handle)
        handle.status = TurnStatus.RUNNING
        self._running = _Running(handle, loop.create_future(), loop.time())
        self._running.sent.set()

    def _end_turn(self, result: TurnResult) -> TurnResult | None:
        """The one place a turn ends: complete, set the state, publish, resolve."""
        run = self._running
        if run is None or run.end.done():
            _log.info("a %s boundary came after its turn had ended; dropped", result.boundary)
            return None
        self._running = None
        result = self._complete(result, run)
        if self.state in _TURN_STATES:
            self._set_state(_S.IDLE)
        self.publish(TurnEnded(result))
        run.handle._resolve(result)
        run.end.set_result(result)
        run.sent.set()  # an interrupt still waiting for the send sees the end
        return result

    def _complete(self, result: TurnResult, run: _Running) -> TurnResult:
        changes: dict[str, Any] = {}
        if not result.duration_s:
            changes["duration_s"] = round(asyncio.get_running_loop().time() - run.started_at, 6)
        if result.session_id is None:
            changes["session_id"] = self.session_id
        if not result.text and not result.tool_calls and (run.text or run.tools):
            changes.update(text=run.text, tool_calls=tuple(run.tools))  # a lost turn's part
        if changes:
            result = dataclasses.replace(result, **changes)
        redacted = self.redactor.event(TurnEnded(result))
        assert isinstance(redacted, TurnEnded)
        self.last_result = result = redacted.result
        self.usage = add_usage(self.usage, result)
        return result

    # -- interrupts --------------------------------------------------------------------

    async def interrupt(self, drain: bool = False) -> TurnResult | None:
        if drain:
            while self.queue:
                self.queue.popleft()._cancel()
        run = self._running
        if run is None:
            return self._interrupt_unsent()
        self._request_interrupt(run)
        return await asyncio.shield(run.end)

    def _request_interrupt(self, run: _Running) -> None:
        """Start the turn's one interrupt (owned by the task group) unless it has one."""
        if run.interrupt is None and self._tasks.open and not run.end.done():
            name = f"session-interrupt-{self.name or 'unnamed'}-{run.handle.number}"
            run.interrupt = self._tasks.spawn(self._interrupt(run), name=name)

    async def _interrupt(self, run: _Running) -> None:
        """Deliver the interrupt and wait for the boundary, within one deadline."""
        try:
            async with asyncio.timeout(self.interrupt_timeout):
                await run.sent.wait()
                if run.end.done():
                    return
                await self.transport.interrupt()
                await asyncio.shield(run.end)
        except TimeoutError:
            if not run.end.done():
                t = self.interrupt_timeout
                await self._child_lost(f"Claude Code did not stop within {t:g}s of an interrupt")
        except Exception as exc:
            reason = self.redactor.text(str(exc)) or type(exc).__name__
            _log.warning("interrupting Claude Code failed; stopping it: %s", reason)
            if not run.end.done():
                await self._child_lost(
                    f"the interrupt failed, so Claude Code was stopped: {reason}"
                )

    def _interrupt_unsent(self) -> TurnResult | None:
        if not self.queue:
            return None
        head = self.queue.popleft()
        result = TurnResult(Boundary.INTERRUPTED, self.session_id)
        self.last_result = result
        self.publish(TurnEnded(result))
        head._resolve(result)
        return result

    def _cancel_handle(self, handle: TurnHandle) -> None:
        if handle in self.queue:
            self.queue.remove(handle)
            handle._cancel()
        elif self._running is not None and handle is self._running.handle:
            handle._cancel()
            self._request_interrupt(self._running)

    # -- events from the transport -----------------------------------------------------

    async def _pump(self) -> None:
        try:
            async for event in self.transport.events():
                self._on_event(event)
        except ClaudeCoderError as exc:
            reason = exc.message
        except Exception as exc:
            reason = f"Claude Code's stream failed: {exc}"
        else:
            reason = "Claude Code exited"
        await self._child_lost(reason)

    def _on_event(self, event: Event) -> None:
        # Only the time: the watchdog re-reads it when its sleep ends (no wakeup per event).
        self._last_activity = asyncio.get_running_loop().time()
        kind, retry = event.kind, event.kind == "api_retry"  # retrying: never stalled
        if kind == "host_lost" and self.state in LIVE_STATES:  # nor while reconnecting
            self._set_state(_S.RECONNECTING)
        elif kind == "host_rejoined" and self.state is _S.RECONNECTING:
            self._set_state(_S.BUSY if self._running is not None else _S.IDLE)
        elif self.state in (_S.STALLED, _S.RETRYING, *((_S.BUSY,) if retry else ())):
            self._set_state(_S.RETRYING if retry else _S.BUSY)
        if isinstance(event, TurnEnded):
            self._end_turn(event.result)
            return
        run = self._running
        if run is not None:
            if isinstance(event, AssistantText):
                run.text = event.text
            elif isinstance(event, ToolCall):
                run.tools.append(event)
        if isinstance(event, SessionStarted) and event.session_id:
            self.stream.session_id = event.session_id
        self.publish(event)

    async def _child_lost(self, reason: str) -> None:
        """Claude Code is gone or unusable: go to ``error``, make sure the child is
        stopped, then end the running turn ``error`` (so its waiter finds it stopped)."""
        if self._closing is not None or self.state in (_S.CLOSED, _S.ERROR):
            return
        reason = self.redactor.text(reason)
        self.error = reason
        self._set_state(_S.ERROR)
        while self.queue:
            self.queue.popleft()._fail(SessionError(f"session is in error: {reason}"))
        self._queue_signal.set()
        await self._close_transport()
        if self._running is not None:
            self._end_turn(TurnResult(Boundary.ERROR, self.session_id, error=reason))

    async def _task_crashed(self, name: str, exc: Exception) -> None:
        await self._child_lost(f"the session's {name} task failed: {exc}")

    async def _watchdog(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._watch_signal.clear()
            if self.state is not _S.BUSY or self.decider.waiting:
                await self._watch_signal.wait()
                continue
            remaining = self._last_activity + self.stall_timeout - loop.time()
            if remaining > 0:
                with contextlib.suppress(TimeoutError):  # the clock ran out: look again
                    async with asyncio.timeout(remaining):
                        await self._watch_signal.wait()
                continue
            self._set_state(_S.STALLED)

    # -- close -------------------------------------------------------------------------

    async def close(self, reason: str) -> None:
        """Close once (shielded: a cancelled caller does not stop the cleanup)."""
        if self._closing is None:
            loop = asyncio.get_running_loop()
            self._closing = loop.create_task(self._close(reason), name=f"{self._tasks.name}-close")
        await asyncio.shield(self._closing)

    async def _close(self, reason: str) -> None:
        closed = SessionClosedError(f"session {self.name or self.session_id} was closed")
        while self.queue:
            self.queue.popleft()._fail(closed)
        await self._close_transport()
        await self._tasks.aclose()
        self._set_state(_S.CLOSED)
        if self._running is not None:
            self._running.handle._fail(closed)
            self._end_turn(TurnResult(Boundary.ERROR, None, error="the session was closed"))
        self.publish(SessionClosed(reason))
