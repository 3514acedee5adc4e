"""Session: one driven Claude Code conversation: states, turns, interrupts, stall, events.

A session owns one Transport. Turns submitted while one runs wait in a FIFO queue and
run one at a time; each ends at a boundary (``completed``, ``interrupted``, ``limit``,
``error``) with a :class:`TurnResult`. States: ``starting -> idle <-> busy``,
``busy -> stalled -> busy`` (no event for the profile's stall window; never killed for
it), any -> ``error``, any -> ``closed``. Every event the transport yields passes the
session's Redactor, becomes an :class:`Envelope` with a sequence number, and reaches
every subscriber. Permission requests and questions are answered by
:class:`~claude_coder.session_decide.Decider`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_coder.errors import ClaudeCoderError, SessionClosedError, SessionError, TransportError
from claude_coder.events import (
    Boundary,
    Envelope,
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
from claude_coder.session_stream import Broadcaster, Subscription
from claude_coder.session_turns import TurnHandle, TurnStatus
from claude_coder.transports.base import (
    PermissionRequest,
    QuestionRequest,
    Transport,
    TransportHooks,
)

if TYPE_CHECKING:
    from claude_coder.profiles import Profile, ProfileSet
    from claude_coder.security import Redactor

__all__ = ["Session", "TurnHandle"]

_log = logging.getLogger(__name__)
_S = SessionState
_LIVE = (_S.IDLE, _S.BUSY, _S.STALLED)


class Session:
    """One Claude Code conversation driven turn by turn. Use :meth:`open` or :meth:`start`."""

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

    # -- construction ------------------------------------------------------------------

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls, profile: str | Profile = "claude-code-expert", **kwargs: Any
    ) -> AsyncIterator[Session]:
        """``async with Session.open(...) as s``: start, yield, close (even on error).

        Takes the same arguments as :meth:`start`.
        """
        session = await cls.start(profile, **kwargs)
        try:
            yield session
        finally:
            await session.close()

    @classmethod
    async def start(
        cls,
        profile: str | Profile = "claude-code-expert",
        *,
        name: str | None = None,
        cwd: str | None = None,
        profiles: ProfileSet | str | Path | None = None,
        resume: str | None = None,
        fork: bool = False,
        persist: bool | None = None,
        transport: Transport | None = None,
        on_permission: PermissionCallback | None = None,
        on_question: QuestionCallback | None = None,
        **tuning: Any,
    ) -> Session:
        """Create and start a session; returns once it is ``idle``.

        ``profile`` is a profile name (looked up in ``profiles``: a ProfileSet or a
        profiles file; default: the usual search) or a Profile. ``transport`` takes a
        ready Transport (e.g. :class:`~claude_coder.transports.fake.FakeTransport`)
        instead of launching Claude Code. ``persist`` defaults to True for a named or
        resumed session and False otherwise (ephemeral). Extra keyword arguments
        (``policy``, ``redactor``, ``stall_timeout``, ``answer_questions``,
        ``start_timeout``, ``interrupt_timeout``) tune the session.
        """
        from claude_coder.session_launch import launch_transport, resolve_profile

        prof = resolve_profile(profile, profiles, needed=transport is None)
        if persist is None:
            persist = name is not None or resume is not None
        if transport is None:
            assert prof is not None
            transport, redactor, cwd = launch_transport(
                prof, name=name, cwd=cwd, resume=resume, fork=fork, persist=persist
            )
            tuning.setdefault("redactor", redactor)
        session = cls(
            transport,
            name=name,
            profile=prof,
            on_permission=on_permission,
            on_question=on_question,
            persisted=persist,
            cwd=cwd,
            **tuning,
        )
        await session._start()
        return session

    async def _start(self) -> None:
        self.transport.bind(TransportHooks(self._decider.permission, self._decider.question))
        try:
            async with asyncio.timeout(self.start_timeout):
                await self.transport.start()
        except BaseException as exc:
            await self._abandon(exc)
            raise self._start_error(exc) from exc
        self._stream.session_id = self.transport.session_id
        self._tasks = [
            asyncio.create_task(self._pump(), name=f"session-pump-{self.name}"),
            asyncio.create_task(self._worker(), name=f"session-worker-{self.name}"),
            asyncio.create_task(self._watchdog(), name=f"session-watch-{self.name}"),
        ]
        self._set_state(_S.IDLE)

    def _start_error(self, exc: BaseException) -> BaseException:
        if isinstance(exc, ClaudeCoderError | asyncio.CancelledError):
            return exc
        if isinstance(exc, TimeoutError):
            return TransportError(
                f"Claude Code did not become ready within {self.start_timeout:g}s; it was stopped"
            )
        return TransportError(f"Claude Code could not start: {self.redactor.text(str(exc))}")

    async def _abandon(self, exc: BaseException) -> None:
        self._error = self.redactor.text(str(exc)) or type(exc).__name__
        with contextlib.suppress(Exception):
            await asyncio.shield(self.transport.close())
        self._set_state(_S.ERROR)
        self._publish(SessionClosed(f"failed to start: {self._error}"))

    # -- what a caller sees ----------------------------------------------------------

    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def session_id(self) -> str | None:
        return self.transport.session_id

    @property
    def transport_name(self) -> str:
        return self.transport.name

    @property
    def queued(self) -> int:
        """Turns waiting behind the running one."""
        return len(self._queue)

    @property
    def pending(self) -> list[PermissionRequest | QuestionRequest]:
        """Permission requests and questions waiting on a person."""
        return self._decider.pending

    @property
    def error(self) -> str | None:
        """Why the session is in ``error`` (redacted), else None."""
        return self._error

    @property
    def transcript_path(self) -> Path | None:
        """Where Claude Code writes this conversation (None when ephemeral or unknown)."""
        sid = self.session_id
        if not self.persisted or sid is None or self.transport.name == "fake":
            return None
        from claude_coder.catalog.paths import transcript_path

        return Path(transcript_path(sid, self.cwd or str(Path.cwd())))

    def __repr__(self) -> str:
        sid = (self.session_id or "?")[:8]
        return (
            f"<Session name={self.name!r} id={sid} transport={self.transport.name} "
            f"state={self._state.value} queued={len(self._queue)} pending={len(self.pending)}>"
        )

    def events(self, maxsize: int = 1000) -> Subscription:
        """Subscribe: every envelope published from now on, in order, until closed.

        Each subscriber has its own queue of ``maxsize``; a slow one loses the oldest
        envelopes and gets one ``StreamGap`` saying how many.
        """
        return self._stream.subscription(maxsize)

    def subscribe(self, callback: Callable[[Envelope], object]) -> Callable[[], None]:
        """Call ``callback(envelope)`` for every envelope; returns an unsubscribe function."""
        return self._stream.add_callback(callback)

    # -- turns -----------------------------------------------------------------------

    def submit(self, text: str) -> TurnHandle:
        """Queue a turn; returns at once with an awaitable, cancellable handle."""
        self._check_open()
        if not isinstance(text, str) or not text.strip():
            raise SessionError("a turn needs some text to send")
        self._turn_count += 1
        handle = TurnHandle(self._turn_count, text, self._cancel_handle)
        self._queue.append(handle)
        self._queue_signal.set()
        return handle

    async def send(self, text: str) -> TurnResult:
        """Run one turn and return its result (queued behind running turns).

        If the awaiting task is cancelled, the turn is cancelled too (interrupted).
        """
        handle = self.submit(text)
        try:
            return await handle
        except asyncio.CancelledError:
            handle.cancel()
            raise

    async def interrupt(self, drain: bool = False) -> TurnResult | None:
        """Stop the running turn and wait for its boundary; ``drain`` drops queued turns.

        Returns the interrupted turn's result (None when nothing was running or queued).
        A turn submitted but not yet sent ends ``interrupted`` without reaching Claude
        Code. If Claude Code does not reach a boundary within ``interrupt_timeout``, it
        is stopped and the session goes to ``error``: an interrupt never hangs.
        """
        if drain:
            while self._queue:
                self._queue.popleft()._cancel()
        cur = self._current
        end = self._turn_end
        if cur is None or end is None:
            return self._interrupt_unsent()
        cur.interrupt_requested = True
        try:
            if cur.started_at is not None:
                async with asyncio.timeout(self.interrupt_timeout):
                    await self.transport.interrupt()
            async with asyncio.timeout(self.interrupt_timeout):
                return await asyncio.shield(end)
        except TimeoutError:
            await self._child_lost(
                f"Claude Code did not stop within {self.interrupt_timeout:g}s of an interrupt"
            )
            return self.last_result

    def _interrupt_unsent(self) -> TurnResult | None:
        if not self._queue:
            return None
        head = self._queue.popleft()
        result = TurnResult(Boundary.INTERRUPTED, self.session_id)
        self.last_result = result
        self._publish(TurnEnded(result))
        head._resolve(result)
        return result

    async def decide(
        self, request_id: str, allow: bool, always: bool = False, message: str | None = None
    ) -> None:
        """Answer a pending permission request (``always``: allow this tool all session)."""
        self._decider.decide(request_id, allow, always=always, message=message)

    async def answer(self, request_id: str, answers: Mapping[str, str] | None) -> None:
        """Answer a pending question (question -> chosen label), or decline with None."""
        self._decider.answer(request_id, answers)

    def _cancel_handle(self, handle: TurnHandle) -> None:
        if handle in self._queue:
            self._queue.remove(handle)
            handle._cancel()
        elif handle is self._current:
            handle.interrupt_requested = True
            handle._cancel()
            asyncio.get_running_loop().create_task(self.interrupt())

    def _check_open(self) -> None:
        if self._state is _S.CLOSED or self._close_task is not None:
            raise SessionClosedError(f"session {self.name or self.session_id} is closed")
        if self._state is _S.ERROR:
            raise SessionError(f"session {self.name or self.session_id} is in error: {self._error}")

    # -- the machinery -----------------------------------------------------------------

    def _publish(self, event: Event) -> None:
        self._stream.publish(self._redact(event))

    def _redact(self, event: Event) -> Event:
        """``event`` through the Redactor, its enum fields kept as enums (they hold no text)."""
        out = self.redactor.event(event)
        if isinstance(event, StateChanged):
            return StateChanged(event.old, event.new)
        if isinstance(event, TurnEnded) and isinstance(out, TurnEnded):
            return TurnEnded(_replace(out.result, boundary=event.result.boundary))
        return out

    def _set_state(self, new: SessionState) -> None:
        old = self._state
        if old is new or old is _S.CLOSED:
            return
        self._state = new
        self._touch()
        self._publish(StateChanged(old, new))

    def _touch(self) -> None:
        self._last_activity = asyncio.get_running_loop().time()
        self._watch_signal.set()

    async def _worker(self) -> None:
        while True:
            while not self._queue:
                self._queue_signal.clear()
                await self._queue_signal.wait()
            if self._state not in _LIVE:
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
        self._touch()
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

    # -- closing -----------------------------------------------------------------------

    async def close(self, reason: str = "closed") -> None:
        """Close for good: drop queued turns, stop Claude Code, end every subscription.

        Shielded: a cancelled caller does not stop the cleanup; leaves no child behind.
        """
        if self._close_task is None:
            self._close_task = asyncio.get_running_loop().create_task(self._close(reason))
        await asyncio.shield(self._close_task)

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

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _replace(result: TurnResult, **changes: Any) -> TurnResult:
    import dataclasses

    return dataclasses.replace(result, **changes)
