"""The REPL's terminal side: stdin lines, the live rendering of a turn, asking the person.

Everything shown comes from the session's (redacted) events: streamed text as it
arrives, tool calls on one line each, permission requests and questions asked at the
prompt (allow once / deny / always for this session; a numbered choice), and one
summary line per turn (boundary, tokens, cost, time). Ctrl-C interrupts a running turn
and closes the session at an idle prompt; so do ``exit`` and Ctrl-D.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from claude_coder.errors import SessionError
from claude_coder.events import (
    Envelope,
    PermissionDecided,
    PermissionRequested,
    QuestionAsked,
    RateLimited,
    SessionClosed,
    SessionState,
    TextDelta,
    ToolCall,
    ToolResult,
    TurnEnded,
    TurnResult,
)
from claude_coder.session import Session

__all__ = ["LineReader", "Renderer", "repl_loop", "summary_line"]

EXIT_WORDS = frozenset({"exit", "quit", "/exit", "/quit"})


class LineReader:
    """Lines from a file descriptor without a thread (``None`` at end of input)."""

    def __init__(self, fd: int | None = None) -> None:
        self._fd = sys.stdin.fileno() if fd is None else fd
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._buffer = b""
        self._eof = False
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._fd, self._readable)

    def _readable(self) -> None:
        try:
            chunk = os.read(self._fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            if self._buffer:
                self._queue.put_nowait(self._buffer.decode("utf-8", "replace"))
            self._buffer = b""
            self.close()
            return
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self._queue.put_nowait(line.decode("utf-8", "replace").rstrip("\r"))

    async def get(self) -> str | None:
        return await self._queue.get()

    def close(self) -> None:
        """Stop reading; a pending ``get`` gets None."""
        if not self._eof:
            self._eof = True
            self._loop.remove_reader(self._fd)
            self._queue.put_nowait(None)


def summary_line(result: TurnResult) -> str:
    """``[completed · 2,673 in / 12 out · $0.0054 · 0.14s]`` (plus the error, if any)."""
    parts = [result.boundary.value]
    if result.usage is not None:
        parts.append(f"{result.usage.input_tokens:,} in / {result.usage.output_tokens:,} out")
    if result.cost_usd is not None:
        parts.append(f"${result.cost_usd:.4f}")
    parts.append(f"{result.duration_s:.2f}s")
    line = "[" + " · ".join(parts) + "]"
    if result.error:
        line += f" {result.error}"
    if result.resets_at:
        line += f" (resets at {result.resets_at})"
    return line


def _compact(value: Mapping[str, Any], width: int = 80) -> str:
    for key in ("command", "file_path", "path", "url", "pattern", "query"):
        if isinstance(value.get(key), str):
            text = str(value[key])
            break
    else:
        text = json.dumps(dict(value), ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class Renderer:
    """Prints a session's events and answers its pending requests from ``lines``."""

    def __init__(self, session: Session, lines: LineReader, out: TextIO) -> None:
        self.session = session
        self.lines = lines
        self.out = out
        self._mid_line = False
        self.turn_shown = asyncio.Event()
        """Set when a turn's summary line has been printed."""

    def write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()
        self._mid_line = not text.endswith("\n")

    def line(self, text: str) -> None:
        if self._mid_line:
            self.write("\n")
        self.write(text + "\n")

    async def run(self) -> None:
        async for env in self.session.events():
            await self.show(env)

    async def show(self, env: Envelope) -> None:
        ev = env.event
        if isinstance(ev, TextDelta):
            self.write(ev.text)
        elif isinstance(ev, ToolCall):
            self.line(f"  ⏺ {ev.name}({_compact(ev.input)})")
        elif isinstance(ev, ToolResult):
            first = (ev.output.strip().splitlines() or [""])[0]
            self.line(f"  ⎿ {'error: ' if ev.is_error else ''}{first[:100]}")
        elif isinstance(ev, PermissionRequested):
            await self._ask_permission(ev)
        elif isinstance(ev, PermissionDecided) and ev.by == "policy" and not ev.allow:
            self.line(f"  ✗ denied by policy: {ev.message or ''}")
        elif isinstance(ev, QuestionAsked):
            await self._ask_question(ev)
        elif isinstance(ev, RateLimited) and ev.status != "allowed":
            self.line(f"  ! rate limit {ev.status} ({ev.rate_limit_type or 'unknown'})")
        elif isinstance(ev, TurnEnded):
            self.line(summary_line(ev.result))
            self.turn_shown.set()
        elif isinstance(ev, SessionClosed):
            self.line(f"session closed ({ev.reason})")

    def _is_pending(self, request_id: str) -> bool:
        return any(p.request_id == request_id for p in self.session.pending)

    async def _ask_permission(self, ev: PermissionRequested) -> None:
        if not self._is_pending(ev.request_id):
            return
        self.line(f"  ? allow {ev.tool}({_compact(ev.input)})  [y]es once / [n]o / [a]lways: ")
        while True:
            answer = await self.lines.get()
            choice = (answer or "n").strip().lower()[:1]
            if choice in ("y", "n", "a"):
                break
            self.line("    please answer y, n or a")
        with contextlib.suppress(SessionError):
            await self.session.decide(ev.request_id, choice != "n", always=choice == "a")

    async def _ask_question(self, ev: QuestionAsked) -> None:
        if not self._is_pending(ev.request_id):
            return
        answers: dict[str, str] = {}
        for q in ev.questions:
            self.line(f"  ? {q.question}")
            for i, opt in enumerate(q.options, 1):
                self.line(
                    f"    {i}. {opt.label}" + (f" - {opt.description}" if opt.description else "")
                )
            self.line("    (number, or empty to decline)")
            raw = ((await self.lines.get()) or "").strip()
            if not raw.isdigit() or not 1 <= int(raw) <= len(q.options):
                await self.session.answer(ev.request_id, None)
                return
            answers[q.question] = q.options[int(raw) - 1].label
        with contextlib.suppress(SessionError):
            await self.session.answer(ev.request_id, answers)


async def repl_loop(session: Session, lines: LineReader, out: TextIO, *, prompt: str = "> ") -> int:
    """Read turns until exit / EOF / Ctrl-C at idle; returns the exit code (0)."""
    renderer = Renderer(session, lines, out)
    render_task = asyncio.create_task(renderer.run(), name="repl-render")
    running: list[asyncio.Future[TurnResult]] = []
    tasks: set[asyncio.Task[TurnResult | None]] = set()
    loop = asyncio.get_running_loop()

    def on_sigint() -> None:
        if running and not running[0].done():
            renderer.line("^C interrupting…")
            tasks.add(loop.create_task(session.interrupt()))
        else:
            renderer.line("^C")
            lines.close()

    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    try:
        while True:
            renderer.write(prompt)
            text = await lines.get()
            if text is None or text.strip() in EXIT_WORDS:
                if text is None:
                    renderer.write("\n")
                break
            if not text.strip():
                continue
            renderer.turn_shown.clear()
            handle = session.submit(text)
            fut: asyncio.Future[TurnResult] = asyncio.ensure_future(_wait(handle))
            running[:] = [fut]
            await asyncio.wait({fut})
            running.clear()
            if not fut.cancelled() and fut.exception() is not None:
                renderer.line(f"error: {fut.exception()}")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await renderer.turn_shown.wait()
            if session.state is SessionState.ERROR:
                renderer.line(f"session error: {session.error}")
                return 1
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
        await session.close("the person left the REPL")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await render_task
        render_task.cancel()
    return 0


async def _wait(handle: Any) -> TurnResult:
    result: TurnResult = await handle
    return result
