"""The REPL's terminal side: reading the person's messages, the live rendering of a turn.

Everything shown comes from the session's (redacted) events, with control characters
made visible (:func:`claude_coder.security.visible`): streamed text as it
arrives, tool calls on one line each, permission requests and questions asked at the
prompt (allow once / deny / always for this session; a numbered choice), and one
summary line per turn (boundary, tokens, cost, time). Lines come from
:mod:`claude_coder.cli.repl_input` (a line editor on a terminal, plain lines otherwise).

Keys: Enter sends, Esc+Enter (or a line ending in ``\\``) starts a new line of the same
message, Up/Down walk the history. Ctrl-C at the prompt clears the line; Ctrl-C at a
permission or question prompt denies (declines) and interrupts the turn; Ctrl-C while a
turn runs interrupts it. ``exit`` or Ctrl-D closes the session.

Model text reaches the terminal in one place, :meth:`Renderer.model_text`; a stdout that
cannot encode the REPL's symbols gets ASCII ones (:func:`glyphs_for`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from claude_coder.cli.repl_input import Cancelled, ReplInput
from claude_coder.errors import SessionError
from claude_coder.events import (
    ApiRetry,
    Envelope,
    HostLost,
    HostRejoined,
    PermissionDecided,
    PermissionRequested,
    QuestionAsked,
    RateLimited,
    SaveFailed,
    SessionClosed,
    SessionState,
    TextDelta,
    ToolCall,
    ToolResult,
    TurnEnded,
    TurnResult,
)
from claude_coder.security import visible
from claude_coder.session import Session

__all__ = ["ASCII", "UNICODE", "Glyphs", "Renderer", "glyphs_for", "repl_loop", "summary_line"]

EXIT_WORDS = frozenset({"exit", "quit", "/exit", "/quit"})


@dataclass(frozen=True)
class Glyphs:
    """The symbols the REPL draws (ASCII ones for a stdout that cannot encode these)."""

    dot: str = "·"
    call: str = "⏺"
    result: str = "⎿"
    denied: str = "✗"
    more: str = "…"


UNICODE = Glyphs()
ASCII = Glyphs(dot="|", call="*", result="->", denied="x", more="...")


def glyphs_for(stream: TextIO) -> Glyphs:
    """UNICODE if ``stream`` can encode it; else ASCII, and unencodable text becomes ``?``.

    (Model text can hold any character: on such a stream it is replaced, never a crash.)
    """
    sample = "".join(vars(UNICODE).values())
    try:
        sample.encode(stream.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
        return ASCII
    return UNICODE


def summary_line(result: TurnResult, glyphs: Glyphs = UNICODE) -> str:
    """``[completed · 2,673 in / 12 out · $0.0054 · 0.14s]`` (plus the error, if any)."""
    parts = [result.boundary.value]
    if result.usage is not None:
        parts.append(f"{result.usage.input_tokens:,} in / {result.usage.output_tokens:,} out")
    if result.cost_usd is not None:
        parts.append(f"${result.cost_usd:.4f}")
    parts.append(f"{result.duration_s:.2f}s")
    line = "[" + f" {glyphs.dot} ".join(parts) + "]"
    if result.error:
        line += f" {result.error}"
    if result.resets_at:
        line += f" (resets at {result.resets_at})"
    return line


def _compact(value: Mapping[str, Any], width: int = 80, more: str = "…") -> str:
    for key in ("command", "file_path", "path", "url", "pattern", "query"):
        if isinstance(value.get(key), str):
            text = str(value[key])
            break
    else:
        text = json.dumps(dict(value), ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - len(more)] + more


class Renderer:
    """Prints a session's events and asks the person about its pending requests."""

    def __init__(
        self, session: Session, lines: ReplInput, out: TextIO, glyphs: Glyphs = UNICODE
    ) -> None:
        self.session = session
        self.lines = lines
        self.out = out
        self.glyphs = glyphs
        self._mid_line = False
        self.turn_shown = asyncio.Event()
        """Set when a turn's summary line has been printed."""

    def write(self, text: str) -> None:
        self.out.write(visible(text))
        self.out.flush()
        self._mid_line = not text.endswith("\n")

    def line(self, text: str) -> None:
        if self._mid_line:
            self.write("\n")
        self.write(text + "\n")

    def end_line(self) -> None:
        """Move to a new line if the cursor is not at the start of one."""
        if self._mid_line:
            self.write("\n")

    def model_text(self, text: str) -> str:
        """Text that came from the model or a tool, as it is to be printed."""
        return text

    async def run(self) -> None:
        async for env in self.session.events():
            await self.show(env)

    async def show(self, env: Envelope) -> None:
        ev, g = env.event, self.glyphs
        if isinstance(ev, TextDelta):
            self.write(self.model_text(ev.text))
        elif isinstance(ev, ToolCall):
            self.line(f"  {g.call} {ev.name}({self.model_text(_compact(ev.input, more=g.more))})")
        elif isinstance(ev, ToolResult):
            first = (ev.output.strip().splitlines() or [""])[0]
            shown = self.model_text(first[:100])
            self.line(f"  {g.result} {'error: ' if ev.is_error else ''}{shown}")
        elif isinstance(ev, PermissionRequested):
            await self._ask_permission(ev)
        elif isinstance(ev, PermissionDecided) and ev.by == "policy" and not ev.allow:
            self.line(f"  {g.denied} denied by policy: {ev.message or ''}")
        elif isinstance(ev, QuestionAsked):
            await self._ask_question(ev)
        elif isinstance(ev, RateLimited) and ev.status != "allowed":
            self.line(f"  ! rate limit {ev.status} ({ev.rate_limit_type or 'unknown'})")
        elif isinstance(ev, SaveFailed | HostLost | HostRejoined):
            self.line(f"  ! {ev.describe()}")
        elif isinstance(ev, ApiRetry):
            self.line(f"  ! {ev.describe()} (next try in {ev.delay_s:g}s)")
        elif isinstance(ev, TurnEnded):
            self.line(summary_line(ev.result, g))
            self.turn_shown.set()
        elif isinstance(ev, SessionClosed):
            self.line(f"session closed ({ev.reason})")

    def _is_pending(self, request_id: str) -> bool:
        return any(p.request_id == request_id for p in self.session.pending)

    async def _read_answer(self, prompt: str) -> str | None:
        """The person's answer; Ctrl-C (:class:`Cancelled`) propagates."""
        self.end_line()
        return await self.read(prompt, history=False)

    async def read(self, prompt: str, *, history: bool = True) -> str | None:
        """The person's next message (or answer); raises :class:`Cancelled` on Ctrl-C."""
        if not self.lines.draws_prompt:
            self.write(prompt)
        return await self.lines.read(prompt, history=history)

    async def _cancelled(self, request_id: str, *, question: bool) -> None:
        """Ctrl-C at a prompt: deny (decline) the request, then interrupt the turn."""
        what = "declined" if question else "denied"
        self.line(f"^C cancelled: {what}, interrupting{self.glyphs.more}")
        with contextlib.suppress(SessionError):
            if question:
                await self.session.answer(request_id, None)
            else:
                await self.session.decide(
                    request_id, False, message="The user cancelled this and stopped the turn."
                )
        with contextlib.suppress(SessionError):
            await self.session.interrupt()

    async def _ask_permission(self, ev: PermissionRequested) -> None:
        if not self._is_pending(ev.request_id):
            return
        what = self.model_text(_compact(ev.input, more=self.glyphs.more))
        self.line(f"  ? allow {ev.tool}({what})  [y]es once / [n]o / [a]lways: ")
        try:
            while True:
                answer = await self._read_answer("  > ")
                choice = (answer or "n").strip().lower()[:1]
                if choice in ("y", "n", "a"):
                    break
                self.line("    please answer y, n or a (Ctrl-C denies and stops the turn)")
        except Cancelled:
            await self._cancelled(ev.request_id, question=False)
            return
        with contextlib.suppress(SessionError):
            await self.session.decide(ev.request_id, choice != "n", always=choice == "a")

    async def _ask_question(self, ev: QuestionAsked) -> None:
        if not self._is_pending(ev.request_id):
            return
        try:
            answers = await self._read_choices(ev)
        except Cancelled:
            await self._cancelled(ev.request_id, question=True)
            return
        with contextlib.suppress(SessionError):
            await self.session.answer(ev.request_id, answers)

    async def _read_choices(self, ev: QuestionAsked) -> dict[str, str] | None:
        answers: dict[str, str] = {}
        for q in ev.questions:
            self.line(f"  ? {self.model_text(q.question)}")
            for i, opt in enumerate(q.options, 1):
                desc = f" - {opt.description}" if opt.description else ""
                self.line(f"    {i}. {self.model_text(opt.label + desc)}")
            self.line("    (number, or empty to decline)")
            raw = ((await self._read_answer("  > ")) or "").strip()
            if not raw.isdigit() or not 1 <= int(raw) <= len(q.options):
                return None
            answers[q.question] = q.options[int(raw) - 1].label
        return answers


async def repl_loop(
    session: Session,
    lines: ReplInput,
    out: TextIO,
    *,
    prompt: str = "> ",
    glyphs: Glyphs = UNICODE,
) -> int:
    """Read turns until ``exit`` / end of input; returns the exit code (0; 1 on a session error)."""
    renderer = Renderer(session, lines, out, glyphs)
    render_task = asyncio.create_task(renderer.run(), name="repl-render")
    running: list[asyncio.Future[TurnResult]] = []
    tasks: set[asyncio.Task[TurnResult | None]] = set()
    loop = asyncio.get_running_loop()

    def on_sigint() -> None:  # a terminal in line mode, or not a terminal at all
        if lines.cancel():
            return
        if running and not running[0].done():
            renderer.line(f"^C interrupting{glyphs.more}")
            tasks.add(loop.create_task(session.interrupt()))

    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    shown_id = session.session_id
    try:
        while True:
            try:
                text = await renderer.read(prompt)
            except Cancelled:  # Ctrl-C at the prompt: the line is dropped, the session stays
                renderer.line("^C (exit or Ctrl-D leaves)")
                continue
            if text is None or text.strip() in EXIT_WORDS:
                renderer.end_line()
                break
            if not text.strip():
                continue
            renderer.turn_shown.clear()
            fut: asyncio.Future[TurnResult] = asyncio.ensure_future(_wait(session.submit(text)))
            running[:] = [fut]
            await asyncio.wait({fut})
            running.clear()
            if not fut.cancelled() and fut.exception() is not None:
                renderer.line(f"error: {fut.exception()}")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await renderer.turn_shown.wait()
            if session.session_id and session.session_id != shown_id:
                shown_id = session.session_id
                renderer.line(f"session {shown_id}")
            if session.state is SessionState.ERROR:
                renderer.line(f"session error: {session.error}")
                return 1
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
        await session.close("the person left the REPL")
        for fut in running:  # a turn cut short by SIGTERM/SIGHUP: the close says so
            if fut.done() and not fut.cancelled():
                fut.exception()
            fut.cancel()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await render_task
        render_task.cancel()
    return 0


async def _wait(handle: Any) -> TurnResult:
    result: TurnResult = await handle
    return result
