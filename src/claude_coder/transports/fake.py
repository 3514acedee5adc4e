"""FakeTransport: a scripted, deterministic Transport for unit tests and demos.

A script is a list of turns; each turn is a list of steps that play out when a turn is
sent. Steps stream text, call tools (asking the session through its hooks, exactly as
the real transports do), ask questions, wait on a condition the test controls, and end
the turn at a chosen boundary, or crash the "child" outright::

    fake = FakeTransport([
        [Say("hello there")],
        [Tool("Bash", {"command": "touch x"}, output=""), Say("done")],
        [Stall(release), Say("late")],
        [Limit(resets_at=1_800_000_000)],
    ])

When the script runs out (or with no script) each turn replies ``echo: <text>``.
A turn that reaches its boundary ends with exactly one ``TurnEnded``; an interrupt ends
the running turn ``interrupted`` at its next step or wait. A ``Crash`` (or a step that
fails unexpectedly) makes ``events()`` raise a ``TransportError``, as a real child's
death does: the session, not the transport, ends that turn.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from claude_coder.errors import ChildExited, TransportError
from claude_coder.events import (
    AssistantText,
    Boundary,
    Event,
    PermissionDecision,
    PermissionRequest,
    Question,
    QuestionOption,
    QuestionRequest,
    RateLimited,
    SessionStarted,
    TextDelta,
    ToolCall,
    ToolResult,
    TurnEnded,
    TurnResult,
    Usage,
)
from claude_coder.transports.base import Transport, cancel_and_wait

__all__ = [
    "Ask",
    "Crash",
    "Delay",
    "Fail",
    "FakeTransport",
    "Limit",
    "Say",
    "Stall",
    "Step",
    "Tool",
]


@dataclass(frozen=True)
class Say:
    """Stream ``text`` as ``chunks`` deltas, then the whole block."""

    text: str
    chunks: int = 3


@dataclass(frozen=True)
class Tool:
    """Call a tool; ask permission first unless ``ask`` is False."""

    name: str
    input: Mapping[str, Any] = field(default_factory=dict)
    output: str = ""
    is_error: bool = False
    ask: bool = True


@dataclass(frozen=True)
class Ask:
    """AskUserQuestion: one question with its option labels."""

    question: str
    options: Sequence[str] = ("yes", "no")
    header: str = ""


@dataclass(frozen=True)
class Delay:
    """Wait ``seconds`` on the transport's (injectable) sleep."""

    seconds: float


@dataclass(frozen=True)
class Stall:
    """Produce nothing until ``release`` is set (or the turn is interrupted)."""

    release: asyncio.Event


@dataclass(frozen=True)
class Fail:
    """End the turn ``error`` (an API error); the child lives on."""

    message: str = "API Error: 500 internal server error"


@dataclass(frozen=True)
class Limit:
    """A rejected rate limit: boundary ``limit`` with ``resets_at``."""

    resets_at: int | None = None
    kind: str = "five_hour"
    message: str = "usage limit reached"


@dataclass(frozen=True)
class Crash:
    """The child dies mid-turn: ``events()`` raises ``ChildExited(message)``."""

    message: str = "Claude Code exited with code -9 mid-turn"


Step = Say | Tool | Ask | Delay | Stall | Fail | Limit | Crash
Script = Sequence[Sequence[Step]] | Callable[[str], Sequence[Step]]


class _Interrupted(Exception):
    pass


@dataclass
class _Turn:
    prompt: str
    texts: list[str] = field(default_factory=list)
    tools: list[ToolCall] = field(default_factory=list)
    denials: list[ToolCall] = field(default_factory=list)


class FakeTransport(Transport):
    """A Transport that plays a script. ``sent``, ``interrupts`` and ``closed`` record use."""

    name: ClassVar[str] = "fake"
    writes_transcript: ClassVar[bool] = False

    def __init__(
        self,
        script: Script | None = None,
        *,
        session_id: str | None = None,
        model: str = "fake-model",
        start_error: Exception | None = None,
        ignore_interrupt: bool = False,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._script = script
        self._session_id = session_id or str(uuid.uuid4())
        self._model = model
        self._start_error = start_error
        self._ignore_interrupt = ignore_interrupt
        self._sleep = sleep
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self._turn_index = 0
        self._task: asyncio.Task[None] | None = None
        self._interrupt = asyncio.Event()
        self._started = False
        self._dead = False
        self._failure: TransportError | None = None
        self.sent: list[str] = []
        self.interrupts = 0
        self.closed = False

    @property
    def session_id(self) -> str | None:
        return self._session_id

    def __repr__(self) -> str:
        return f"<FakeTransport session_id={self._session_id} turns_sent={len(self.sent)}>"

    async def start(self) -> None:
        if self._start_error is not None:
            self._dead = True
            raise self._start_error
        self._started = True
        self._queue.put_nowait(
            SessionStarted(self._session_id, "fake", model=self._model, cwd=None)
        )

    async def send(self, text: str) -> None:
        if not self._started or self._dead:
            raise TransportError("the fake Claude Code is not running")
        if self._task is not None and not self._task.done():
            raise TransportError("a turn is already running")
        self.sent.append(text)
        self._interrupt = asyncio.Event()
        self._task = asyncio.create_task(self._play(text), name="fake-turn")

    async def interrupt(self) -> None:
        self.interrupts += 1
        if not self._ignore_interrupt:
            self._interrupt.set()

    async def events(self) -> AsyncIterator[Event]:
        while True:
            ev = await self._queue.get()
            if ev is None:
                break
            yield ev
        if self._failure is not None and not self.closed:
            raise self._failure

    def crash(self, message: str = "Claude Code was killed") -> None:
        """The "child" dies now, mid-turn or between turns: ``events()`` raises
        ``ChildExited(message)`` (what a test does to a real child with a signal)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._die(ChildExited(message))

    async def close(self) -> None:
        self.closed = True
        self._dead = True
        if self._task is not None:
            await cancel_and_wait([self._task])
        self._queue.put_nowait(None)

    # -- playing a turn ------------------------------------------------------------

    def _steps_for(self, text: str) -> Sequence[Step]:
        script = self._script
        if callable(script):
            return script(text)
        if script is not None and self._turn_index < len(script):
            steps = script[self._turn_index]
            self._turn_index += 1
            return steps
        return [Say(f"echo: {text}")]

    def _emit(self, event: Event) -> None:
        self._queue.put_nowait(event)

    async def _play(self, text: str) -> None:
        turn = _Turn(text)
        try:
            for step in self._steps_for(text):
                if self._interrupt.is_set():
                    raise _Interrupted
                if await self._step(step, turn):
                    return
            self._end(turn, Boundary.COMPLETED)
        except _Interrupted:
            self._end(turn, Boundary.INTERRUPTED)
        except Exception as exc:  # a step failed: the "child" is unusable, say why
            self._die(TransportError(f"the fake Claude Code failed: {type(exc).__name__}: {exc}"))

    def _die(self, failure: TransportError) -> None:
        self._dead = True
        self._failure = failure
        self._queue.put_nowait(None)

    async def _step(self, step: Step, turn: _Turn) -> bool:
        """Play one step; True when it ended the turn."""
        if isinstance(step, Say):
            await self._say(step, turn)
        elif isinstance(step, Tool):
            await self._tool(step, turn)
        elif isinstance(step, Ask):
            await self._ask(step, turn)
        elif isinstance(step, Delay):
            await self._wait(self._sleep(step.seconds))
        elif isinstance(step, Stall):
            await self._wait(step.release.wait())
        elif isinstance(step, Fail):
            self._end(turn, Boundary.ERROR, error=step.message)
            return True
        elif isinstance(step, Limit):
            self._emit(RateLimited("rejected", step.resets_at, step.kind))
            self._end(turn, Boundary.LIMIT, error=step.message, resets_at=step.resets_at)
            return True
        else:
            self._die(ChildExited(step.message))
            return True
        return False

    async def _wait(self, what: Awaitable[object]) -> None:
        """Wait for ``what`` or an interrupt, whichever comes first."""
        await self._unless_interrupted(what)
        if self._interrupt.is_set():
            raise _Interrupted

    async def _unless_interrupted(self, aw: Awaitable[Any]) -> Any:
        """``aw``'s result, or ``_Interrupted`` when the turn is interrupted first (``aw``
        is then cancelled). Both helper tasks end here, whatever happens."""
        task = asyncio.ensure_future(aw)
        stopper = asyncio.ensure_future(self._interrupt.wait())
        try:
            await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await cancel_and_wait([t for t in (task, stopper) if not t.done()])
        if task.cancelled():
            raise _Interrupted
        return task.result()

    async def _say(self, step: Say, turn: _Turn) -> None:
        n = max(1, min(step.chunks, len(step.text) or 1))
        size = -(-len(step.text) // n) if step.text else 0
        for i in range(n):
            piece = step.text[i * size : (i + 1) * size]
            if piece:
                self._emit(TextDelta(piece))
            await asyncio.sleep(0)
            if self._interrupt.is_set():
                raise _Interrupted
        self._emit(AssistantText(step.text))
        turn.texts.append(step.text)

    async def _tool(self, step: Tool, turn: _Turn) -> None:
        call = ToolCall(f"toolu_{uuid.uuid4().hex[:12]}", step.name, dict(step.input))
        self._emit(call)
        turn.tools.append(call)
        decision = PermissionDecision(allow=True, by="mode")
        if step.ask:
            hooks = self._require_hooks()
            req = PermissionRequest(str(uuid.uuid4()), step.name, dict(step.input), call.id)
            decision = await self._unless_interrupted(hooks.on_permission(req))
        if decision.allow:
            self._emit(ToolResult(call.id, step.output, step.is_error))
        else:
            turn.denials.append(call)
            msg = decision.message or "The user denied this tool use."
            self._emit(ToolResult(call.id, msg, True))

    async def _ask(self, step: Ask, turn: _Turn) -> None:
        hooks = self._require_hooks()
        q = Question(step.question, step.header, tuple(QuestionOption(o) for o in step.options))
        call = ToolCall(
            f"toolu_{uuid.uuid4().hex[:12]}",
            "AskUserQuestion",
            {"questions": [{"question": step.question, "options": list(step.options)}]},
        )
        self._emit(call)
        turn.tools.append(call)
        answers = await self._unless_interrupted(hooks.on_question(QuestionRequest(call.id, (q,))))
        if answers is None:
            self._emit(ToolResult(call.id, "The user declined to answer.", True))
        else:
            chosen = ", ".join(f"{k}: {v}" for k, v in answers.items())
            self._emit(ToolResult(call.id, f"User answered: {chosen}"))

    def _require_hooks(self) -> Any:
        if self.hooks is None:
            raise TransportError("FakeTransport needs hooks (Session.bind) to ask permission")
        return self.hooks

    def _end(
        self,
        turn: _Turn,
        boundary: Boundary,
        *,
        error: str | None = None,
        resets_at: int | None = None,
    ) -> None:
        out_tokens = sum(len(t.split()) for t in turn.texts)
        in_tokens = len(turn.prompt.split())
        cost = round((in_tokens * 3 + out_tokens * 15) / 1_000_000, 9)
        usage = Usage(in_tokens, out_tokens, cost)
        self._emit(usage)
        result = TurnResult(
            boundary=boundary,
            session_id=self._session_id,
            text=turn.texts[-1] if turn.texts else "",
            tool_calls=tuple(turn.tools),
            denials=tuple(turn.denials),
            usage=usage,
            cost_usd=cost,
            error=error,
            resets_at=resets_at,
        )
        self._emit(TurnEnded(result))
