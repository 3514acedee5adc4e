"""Session: one driven Claude Code conversation: states, turns, interrupts, stall, events.

A session owns one Transport. Turns submitted while one runs wait in a FIFO queue and
run one at a time; each ends at a boundary (``completed``, ``interrupted``, ``limit``,
``error``) with a :class:`TurnResult`. States: ``starting -> idle <-> busy``,
``busy -> stalled -> busy`` (no event for the profile's stall window; never killed for
it), any -> ``error``, any -> ``closed``. Every event the transport yields passes the
session's Redactor, becomes an :class:`Envelope` with a sequence number, and reaches
every subscriber. Permission requests and questions are answered by
:class:`~claude_coder.session_decide.Decider`; the engine is
:class:`~claude_coder.session_core.SessionCore`. See ``docs/sessions.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_coder.errors import ClaudeCoderError, SessionClosedError, SessionError, TransportError
from claude_coder.events import (
    Boundary,
    Envelope,
    SessionClosed,
    SessionState,
    TurnEnded,
    TurnResult,
)
from claude_coder.session_core import SessionCore
from claude_coder.session_decide import PermissionCallback, QuestionCallback
from claude_coder.session_stream import Subscription
from claude_coder.session_turns import TurnHandle
from claude_coder.transports.base import (
    PermissionRequest,
    QuestionRequest,
    Transport,
    TransportHooks,
)

if TYPE_CHECKING:
    from claude_coder.profiles import Profile, ProfileSet

__all__ = ["Session", "TurnHandle"]

_S = SessionState


class Session(SessionCore):
    """One Claude Code conversation driven turn by turn. Use :meth:`open` or :meth:`start`."""

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
        resumed session (and always on ``pty``) and False otherwise (ephemeral). Extra
        keyword arguments (``policy``, ``redactor``, ``stall_timeout``,
        ``answer_questions``, ``start_timeout``, ``interrupt_timeout``) tune the session.
        """
        from claude_coder.session_launch import launch_transport, resolve_profile

        prof = resolve_profile(profile, profiles, needed=transport is None)
        if persist is None:
            # The PTY transport always keeps a transcript (it reads the turn from it).
            pty = prof is not None and prof.transport == "pty"
            persist = name is not None or resume is not None or pty
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

    # -- closing -----------------------------------------------------------------------

    async def close(self, reason: str = "closed") -> None:
        """Close for good: drop queued turns, stop Claude Code, end every subscription.

        Shielded: a cancelled caller does not stop the cleanup; leaves no child behind.
        """
        if self._close_task is None:
            self._close_task = asyncio.get_running_loop().create_task(self._close(reason))
        await asyncio.shield(self._close_task)

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
