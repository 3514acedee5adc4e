"""Session: one driven Claude Code conversation: states, turns, interrupts, stall, events.

A session owns one Transport. Turns submitted while one runs wait in a FIFO queue and
run one at a time; each ends at a boundary (``completed``, ``interrupted``, ``limit``,
``error``) with a :class:`TurnResult`. States: ``starting -> idle <-> busy``,
``busy -> stalled -> busy`` (no event for the profile's stall window; never killed for
it), any -> ``error``, any -> ``closed``. Every event the transport yields passes the
session's Redactor, becomes an :class:`Envelope` with a sequence number, and reaches
every subscriber.

:class:`Session` is the caller's API; it holds a
:class:`~claude_coder.session._engine.SessionEngine` (the state and the tasks) and a
:class:`~claude_coder.session._decide.Decider` answers permissions and questions. See
``docs/sessions.md``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_coder.errors import SessionClosedError, SessionError
from claude_coder.events import (
    PermissionRequest,
    QuestionRequest,
    SessionState,
    TurnResult,
    Usage,
)
from claude_coder.session._decide import PermissionCallback, QuestionCallback
from claude_coder.session._engine import SessionEngine
from claude_coder.session._open import Opener
from claude_coder.session._stream import EventCallback, Subscription
from claude_coder.session._turns import TurnHandle
from claude_coder.transports.base import Transport

if TYPE_CHECKING:
    from claude_coder.policy import Policy
    from claude_coder.profiles import Profile, ProfileSet
    from claude_coder.security import Redactor

__all__ = ["Session", "TurnHandle"]

_S = SessionState


class Session:
    """One Claude Code conversation driven turn by turn. Use :meth:`open` or :meth:`start`."""

    def __init__(self, engine: SessionEngine) -> None:
        """Not for callers: ``Session.open`` and :meth:`start` build and start a session."""
        self._engine = engine
        self.output_schema: dict[str, Any] | None = None
        """The JSON schema of every turn's structured output (``--json-schema``), if any."""

    # -- construction ------------------------------------------------------------------

    @classmethod
    async def start(
        cls,
        profile: str | Profile | None = None,
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
        on_event: EventCallback | None = None,
        policy: Policy | None = None,
        redactor: Redactor | None = None,
        stall_timeout: float | None = None,
        answer_questions: bool | None = None,
        start_timeout: float = 90.0,
        interrupt_timeout: float = 20.0,
        output_schema: Mapping[str, Any] | None = None,
        session_id: str | None = None,
        host: str | None = None,
    ) -> Session:
        """Create and start a session; returns once it is ``idle``.

        ``profile`` is a profile name (looked up in ``profiles``: a ProfileSet or a
        profiles file; default: the usual search) or a Profile; None means the one the
        resumed or forked session recorded (see :mod:`claude_coder.session._tag`), else
        the built-in ``claude-code-expert``. A persisted session started from a named
        profile records it in its transcript. ``transport`` takes a
        ready Transport (e.g. :class:`~claude_coder.transports.fake.FakeTransport`)
        instead of launching Claude Code. ``persist`` defaults to True for a named or
        resumed session (and always on ``pty``) and False otherwise (ephemeral). A fork
        (``resume=X, fork=True``) without a ``name`` is called ``<X's name>-fork-<n>``
        when X has a name (never X's own name), else it has none.
        ``on_event`` is subscribed before the start, so it sees every envelope from
        the first ``StateChanged``. ``policy``, ``stall_timeout`` and
        ``answer_questions`` override the profile's; ``start_timeout`` bounds the whole
        start and ``interrupt_timeout`` an interrupt (delivery and boundary together).
        A bad ``name`` raises :class:`~claude_coder.errors.BadNameError`.
        ``output_schema`` (a JSON schema; sdk transport) makes every turn end with a value
        matching it, in ``TurnResult.structured`` (Claude Code's ``--json-schema``, set
        for the whole process). ``session_id`` chooses the new session's id (a uuid; a
        new sdk session or a fork), else one is made. ``host`` (else the profile's
        ``host``) runs Claude Code on that ssh destination (see ``docs/remote.md``):
        ``cwd`` is then a directory there (default: the host user's home).
        """
        from claude_coder.profiles import BUILTIN_NAME
        from claude_coder.security import check_session_name
        from claude_coder.session._launch import (
            fork_default_name,
            launch_transport,
            resolve_profile,
        )
        from claude_coder.session._tag import recorded_profile, remember_profile

        if name is not None:
            check_session_name(name)
        if fork and name is None and transport is None and host is None:
            name = fork_default_name(resume)
        if profile is None:
            profile = recorded_profile(resume) or BUILTIN_NAME
        prof = resolve_profile(profile, profiles, needed=transport is None)
        if persist is None:
            # The PTY transport always keeps a transcript (it reads the turn from it).
            pty = prof is not None and prof.transport == "pty"
            persist = name is not None or resume is not None or pty
        if transport is None:
            assert prof is not None
            transport, launched, cwd = launch_transport(
                prof,
                name=name,
                cwd=cwd,
                resume=resume,
                fork=fork,
                persist=persist,
                output_schema=output_schema,
                session_id=session_id,
                host=host,
            )
            redactor = redactor or launched
        engine = SessionEngine(
            transport,
            name=name,
            profile=prof,
            policy=policy,
            redactor=redactor,
            on_permission=on_permission,
            on_question=on_question,
            on_event=on_event,
            answer_questions=answer_questions,
            stall_timeout=stall_timeout,
            persisted=persist,
            cwd=cwd,
            start_timeout=start_timeout,
            interrupt_timeout=interrupt_timeout,
        )
        await engine.start()
        _adopt_host_cwd(engine)
        session = cls(engine)
        session.output_schema = dict(output_schema) if output_schema is not None else None
        if persist and isinstance(profile, str) and prof is not None:
            remember_profile(session, profile)
        return session

    # -- what a caller sees ----------------------------------------------------------

    @property
    def name(self) -> str | None:
        return self._engine.name

    @property
    def session_id(self) -> str | None:
        return self._engine.session_id

    @property
    def state(self) -> SessionState:
        return self._engine.state

    @property
    def transport(self) -> Transport:
        """The Transport driving Claude Code (``sdk``, ``pty`` or a ``fake``)."""
        return self._engine.transport

    @property
    def transport_name(self) -> str:
        return self._engine.transport.name

    @property
    def profile(self) -> Profile | None:
        return self._engine.profile

    @property
    def cwd(self) -> str | None:
        return self._engine.cwd

    @property
    def persisted(self) -> bool:
        return self._engine.persisted

    @property
    def redactor(self) -> Redactor:
        return self._engine.redactor

    @property
    def stall_timeout(self) -> float:
        return self._engine.stall_timeout

    @property
    def last_result(self) -> TurnResult | None:
        """The most recent turn's result."""
        return self._engine.last_result

    @property
    def usage(self) -> Usage:
        """Totals over every turn of this session (cost is None until one is known)."""
        return self._engine.usage

    @property
    def queued(self) -> int:
        """Turns waiting behind the running one."""
        return len(self._engine.queue)

    @property
    def pending(self) -> list[PermissionRequest | QuestionRequest]:
        """Permission requests and questions waiting on a person."""
        return self._engine.decider.pending

    @property
    def error(self) -> str | None:
        """Why the session is in ``error`` (redacted), else None."""
        return self._engine.error

    @property
    def transcript_path(self) -> Path | None:
        """Where Claude Code writes this conversation (None when ephemeral or unknown)."""
        sid = self.session_id
        if not self.persisted or sid is None or not self.transport.writes_transcript:
            return None
        if getattr(self.transport, "host", None):
            return None  # on the host (``history --host`` reads it there)
        from claude_coder.catalog.paths import transcript_path

        return Path(transcript_path(sid, self.cwd or str(Path.cwd())))

    def __repr__(self) -> str:
        sid = (self.session_id or "?")[:8]
        return (
            f"<Session name={self.name!r} id={sid} transport={self.transport_name} "
            f"state={self.state.value} queued={self.queued} pending={len(self.pending)}>"
        )

    def events(self, maxsize: int = 1000) -> Subscription:
        """Subscribe: every envelope published from now on, in order, until closed.

        Use it as ``async with s.events() as sub: async for env in sub: ...``: leaving
        the block unregisters the queue. Each subscriber has its own queue of
        ``maxsize``; a slow one loses the oldest envelopes and gets one ``StreamGap``.
        """
        return self._engine.stream.subscription(maxsize)

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(envelope)`` for every envelope; returns an unsubscribe function."""
        return self._engine.stream.add_callback(callback)

    # -- turns -----------------------------------------------------------------------

    def submit(self, text: str) -> TurnHandle:
        """Queue a turn; returns at once with an awaitable, cancellable handle."""
        self._check_open()
        if not isinstance(text, str) or not text.strip():
            raise SessionError("a turn needs some text to send")
        return self._engine.submit(text)

    async def send(self, text: str, output_schema: Mapping[str, Any] | None = None) -> TurnResult:
        """Run one turn and return its result (queued behind running turns).

        ``output_schema`` asks for the session's structured output (the value is in
        ``TurnResult.structured``): Claude Code takes one schema per process, so it must
        be the one the session was started with (``Session.start(output_schema=...)``).
        If the awaiting task is cancelled, the turn is cancelled too (interrupted).
        """
        if output_schema is not None and dict(output_schema) != self.output_schema:
            raise SessionError(
                "this session was started with another output schema (or none): Claude "
                "Code takes one per process; start one with Session.start(output_schema=...)"
            )
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
        Code. If Claude Code does not reach a boundary within ``interrupt_timeout`` (or
        the interrupt cannot be delivered), it is stopped, the turn ends ``error`` and
        the session goes to ``error``: an interrupt never hangs.
        """
        return await self._engine.interrupt(drain)

    async def decide(
        self, request_id: str, allow: bool, always: bool = False, message: str | None = None
    ) -> None:
        """Answer a pending permission request (``always``: allow this tool all session).

        Returns once the decision was handed to Claude Code (``PermissionDecided`` is
        published by then).
        """
        await self._engine.decider.decide(request_id, allow, always=always, message=message)

    async def answer(self, request_id: str, answers: Mapping[str, str] | None) -> None:
        """Answer a pending question (question -> chosen label), or decline with None.

        Returns once the answer was handed to Claude Code.
        """
        await self._engine.decider.answer(request_id, answers)

    def _check_open(self) -> None:
        engine = self._engine
        if engine.state is _S.CLOSED or engine.closing:
            raise SessionClosedError(f"session {self.name or self.session_id} is closed")
        if engine.state is _S.ERROR:
            raise SessionError(f"session {self.name or self.session_id} is in error: {self.error}")

    # -- closing -----------------------------------------------------------------------

    async def close(self, reason: str = "closed") -> None:
        """Close for good: drop queued turns, stop Claude Code, end every subscription.

        Shielded: a cancelled caller does not stop the cleanup; leaves no child behind.
        A running turn ends ``error`` ("the session was closed") and its handle raises
        ``SessionClosedError``.
        """
        await self._engine.close(reason)

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    open = Opener(start, close)
    """``async with Session.open(...) as s``: :meth:`start`'s arguments; closes on exit."""


def _adopt_host_cwd(engine: SessionEngine) -> None:
    """A remote member works in a directory the host chose: the session and its policy's
    relative paths use it."""
    remote_cwd = getattr(engine.transport, "remote_cwd", None)
    if isinstance(remote_cwd, str) and remote_cwd:
        engine.cwd = remote_cwd
        if engine.decider.policy.cwd is None:
            engine.decider.policy.cwd = remote_cwd
