"""The PTY transport: the real interactive Claude Code TUI in a pseudo-terminal.

Start: ``<binary> --version`` must fall in the PTY band and the security preflight must
prove the subscription login (:func:`claude_coder.security.prove_login`: settings
files, then Claude Code's own report over stream-json) before the TUI is ever started;
then the child is spawned (argv, cwd and environment from the LaunchSpec only; the
transport sets ``TERM`` to the terminal it emulates) and driven to its idle prompt. A
workspace-trust dialog is accepted only when the profile says ``trustWorkspace: true``;
every other first-run screen is refused with what the person must do. The session id is
given at launch (``--session-id``, or the resumed id); a fork names itself, and its id is
polled for (``sessions/<pid>.json``, or the one new transcript) with a deadline: without
it the start fails, so no turn runs without knowing where its transcript is.

Turns: the prompt is pasted (bracketed paste), its echo verified, then Enter is sent on
its own and the turn's start verified; :class:`~claude_coder.transports.pty._watcher.TurnWatcher`
follows it. Interrupt escalates Esc -> Ctrl-C -> terminate -> kill within
``interrupt_budget``; the turn always ends. Close: ``/exit`` (verified), then Ctrl-C
twice, then terminate -> kill. Nothing is left running. A child that exits, or a screen
nobody can drive, makes ``events()`` raise (a ``ChildExited`` / ``ScreenError``); the
session ends the turn.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from claude_coder.errors import ClaudeCoderError, ScreenError, TransportError
from claude_coder.events import (
    Event,
    ScreenChanged,
    SessionStarted,
    TurnEnded,
)
from claude_coder.launch import aread_version
from claude_coder.security import check_pty_version, prove_login
from claude_coder.transports.base import Transport, TransportHooks, cancel_and_wait
from claude_coder.transports.pty._life import clear_restored, echoed, goodbye, reach_prompt
from claude_coder.transports.pty._process import ChildExited, TerminalProcess
from claude_coder.transports.pty._stop import stop_turn
from claude_coder.transports.pty._transcript import (
    TranscriptFile,
    learn_session_id,
    transcript_ids,
)
from claude_coder.transports.pty._watcher import TurnWatcher
from claude_coder.transports.pty.screen import ScreenKind, keys
from claude_coder.transports.pty.screen.fixtures import format_fixture
from claude_coder.transports.pty.screen.recognise import progress_text

if TYPE_CHECKING:
    from claude_coder.launch import LaunchSpec

__all__ = ["PtyTransport", "make_transport"]

_log = logging.getLogger(__name__)
_K = ScreenKind


def loop_time() -> float:
    return asyncio.get_running_loop().time()


def make_transport(spec: LaunchSpec, hooks: TransportHooks | None = None) -> PtyTransport:
    """The PTY transport for a LaunchSpec built with ``transport="pty"``."""
    return PtyTransport(spec, hooks)


class PtyTransport(Transport):
    """Drives the interactive Claude Code TUI; see the module docstring."""

    name = "pty"

    def __init__(
        self,
        spec: LaunchSpec,
        hooks: TransportHooks | None = None,
        *,
        columns: int = 120,
        lines: int = 40,
        start_timeout: float | None = None,
        screen_interval: float = 0.25,
        unknown_grace: float = 15.0,
        session_timeout: float = 10.0,
        interrupt_budget: float = 12.0,
    ) -> None:
        self.spec = spec
        if hooks is not None:
            self.bind(hooks)
        self.columns, self.lines = columns, lines
        self.start_timeout = start_timeout
        self.screen_interval = screen_interval
        self.unknown_grace = unknown_grace
        self.session_timeout = session_timeout
        self.interrupt_budget = interrupt_budget
        """Esc, then Ctrl-C, then terminate and kill all happen within this many seconds
        (below the session's ``interrupt_timeout``, 20 s by default)."""
        self.claude_version: str | None = None
        self._proc: TerminalProcess | None = None
        self._session_id: str | None = spec.session_id
        self._transcript: TranscriptFile | None = None
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self._failure: BaseException | None = None
        self._watcher: TurnWatcher | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._follow_task: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None
        self._raw_listeners: list[Callable[[bytes], None]] = []

    # -- Transport -----------------------------------------------------------------------

    @property
    def session_id(self) -> str | None:
        return self._session_id

    @property
    def pid(self) -> int | None:
        """The Claude Code child's process id (None before ``start()``)."""
        return None if self._proc is None else self._proc.pid

    @property
    def process(self) -> TerminalProcess | None:
        """The terminal and child (screen snapshots, resize); None before ``start()``."""
        return self._proc

    async def start(self) -> None:
        if self._proc is not None:
            raise TransportError("the PTY transport was already started")
        spec = self.spec
        version = check_pty_version(await aread_version(spec.binary, environ=spec.env))
        self.claude_version = str(version)
        await prove_login(
            spec.binary,
            spec.argv,
            spec.env,
            spec.cwd,
            timeout=self.start_timeout,
            redact=spec.redactor.text,
        )
        proc = TerminalProcess(
            spec.argv, dict(spec.env), spec.cwd, columns=self.columns, lines=self.lines
        )
        self._proc = proc
        proc.raw_listeners.append(self._on_raw)
        started_ms = time.time() * 1000
        before = transcript_ids(self._config_dir())
        try:
            proc.start()
            limit = self.start_timeout if self.start_timeout is not None else float("inf")
            await reach_prompt(proc, spec, self.screen_dump, limit)  # inf: the session's
            await self._learn_session(proc, started_ms, before)
        except BaseException:
            await asyncio.shield(proc.terminate(grace=1.0))
            raise
        model = spec.profile.model if spec.profile is not None else None
        self._emit(SessionStarted(self._session_id, "pty", model, spec.cwd, self.claude_version))
        loop = asyncio.get_running_loop()
        self._tasks += [loop.create_task(self._screen_pump()), loop.create_task(self._eof_watch())]

    async def send(self, text: str) -> None:
        proc = self._running()
        if self._watcher is not None:
            raise TransportError("a turn is already running on this PTY session")
        watcher = TurnWatcher(
            proc,
            self._transcript,
            self._hooks(),
            self._emit,
            self.screen_dump,
            session_id=self._session_id,
            unknown_grace=self.unknown_grace,
        )
        async with watcher.keys:
            await self._submit(proc, text, watcher)
        self._watcher = watcher
        loop = asyncio.get_running_loop()
        self._follow_task = loop.create_task(self._follow(watcher, loop.time(), text))

    async def interrupt(self) -> None:
        """Stop the running turn; it always ends, within ``interrupt_budget`` seconds
        (:func:`~claude_coder.transports.pty._stop.stop_turn`)."""
        watcher, proc = self._watcher, self._proc
        if watcher is None or proc is None or proc.exited:
            return
        await stop_turn(proc, watcher, self.interrupt_budget, lambda: self._watcher is watcher)

    async def events(self) -> AsyncIterator[Event]:
        while True:
            event = await self._queue.get()
            if event is None:
                break
            yield event
        if self._failure is not None:
            raise self._failure

    async def close(self) -> None:
        if self._closing is None:
            self._closing = asyncio.get_running_loop().create_task(self._close())
        await asyncio.shield(self._closing)

    # -- extras --------------------------------------------------------------------------

    def add_raw_listener(self, callback: Callable[[bytes], None]) -> Callable[[], None]:
        """Raw-bytes mode: ``callback`` gets every chunk of TUI output (for a terminal
        view); returns a function that removes it."""
        self._raw_listeners.append(callback)
        return lambda: self._raw_listeners.remove(callback)

    def resize(self, columns: int, lines: int) -> None:
        """Resize the pseudo-terminal (Claude Code redraws)."""
        self.columns, self.lines = columns, lines
        if self._proc is not None:
            self._proc.resize(columns, lines)

    def screen_dump(self) -> str:
        """The current screen as fixture text, redacted (for errors and logs)."""
        if self._proc is None:
            return ""
        return self.spec.redactor.screen(format_fixture(self._proc.snapshot(), "pty", "now", 0.0))

    # -- internals -----------------------------------------------------------------------

    def _hooks(self) -> TransportHooks:
        if self.hooks is None:
            raise TransportError("the PTY transport has no session hooks (bind() first)")
        return self.hooks

    def _running(self) -> TerminalProcess:
        if self._proc is None or self._proc.exited or self._closing is not None:
            raise TransportError("Claude Code is not running")
        return self._proc

    def _emit(self, event: Event) -> None:
        self._queue.put_nowait(event)

    def _on_raw(self, data: bytes) -> None:
        for listener in list(self._raw_listeners):
            listener(data)

    def _config_dir(self) -> Path:
        config = Path(self.spec.env.get("CLAUDE_CONFIG_DIR") or "~/.claude").expanduser()
        if "CLAUDE_CONFIG_DIR" not in self.spec.env and "HOME" in self.spec.env:
            config = Path(self.spec.env["HOME"]) / ".claude"
        return config

    async def _learn_session(
        self, proc: TerminalProcess, started_ms: float, before: set[str]
    ) -> None:
        """Where this session's transcript is. A new or resumed session was given its id
        at launch; a fork names itself, and is polled for (``session_timeout``). Without
        an id no turn is ever sent: the start fails."""
        config = self._config_dir()
        if self._session_id is None:
            self._session_id = await learn_session_id(
                config, proc.pid, self.spec.cwd, started_ms, before, self.session_timeout
            )
        if self._session_id is None:
            raise TransportError(
                f"Claude Code {self.claude_version} did not say which session it started "
                f"within {self.session_timeout:g}s (no sessions/{proc.pid}.json and no new "
                f"transcript under {config}/projects); no turn was sent: resume the session "
                "itself instead of forking it, or use the sdk transport"
            )
        self._transcript = TranscriptFile(config, self._session_id)
        self._transcript.skip_existing()

    async def _submit(self, proc: TerminalProcess, text: str, watcher: TurnWatcher) -> None:
        if proc.stopped:
            raise TransportError("Claude Code is stopped (SIGSTOP); no key was sent")
        try:
            now = await proc.wait_for(lambda r: r.kind.idle_like, 10, what="the idle prompt")
        except TimeoutError:
            raise ScreenError(
                "the prompt is not idle; no key was sent", screen=self.screen_dump()
            ) from None
        if now.prompt:
            raise ScreenError("the prompt is not empty; no key was sent", screen=self.screen_dump())
        if self._transcript is not None:
            self._transcript.read_new()  # between turns: nothing there belongs to this one
        watcher.reader.since = time.time()
        await proc.write(keys.paste(text))
        text = keys.pasted_text(text)
        try:
            await proc.wait_for(lambda r: r.kind.idle_like and echoed(r.prompt, text), 10)
        except TimeoutError:
            raise ScreenError(
                "the pasted prompt did not appear; Enter was not sent", screen=self.screen_dump()
            ) from None
        await proc.write(keys.ENTER)
        try:
            await proc.wait_for(
                lambda r: not (r.kind.idle_like and echoed(r.prompt, text)),
                15,
                settle=0,
                what="the turn to start",
            )
        except TimeoutError:
            raise ScreenError(
                "Enter did not submit the prompt", screen=self.screen_dump()
            ) from None

    async def _follow(self, watcher: TurnWatcher, started: float, text: str) -> None:
        try:
            result = await watcher.run(started)
            async with watcher.keys:
                await clear_restored(watcher.proc, text)
        except asyncio.CancelledError:
            raise
        except ChildExited:
            watcher.pump()
            ended = watcher.lost_result(loop_time() - started)
            if ended is None:
                self._fail(ChildExited(watcher.lost or "Claude Code exited mid-turn"))
                return
            result = ended
        except ClaudeCoderError as exc:
            self._fail(exc)
            return
        except Exception as exc:  # a bug in following the turn must not hang it
            _log.exception("following the PTY turn failed")
            self._fail(TransportError(f"following the turn failed: {type(exc).__name__}: {exc}"))
            return
        self._watcher = None
        self._emit(TurnEnded(result))

    def _fail(self, exc: ClaudeCoderError) -> None:
        """The child is gone or its screen cannot be driven: ``events()`` raises ``exc``."""
        self._watcher = None
        self._failure = exc
        self._queue.put_nowait(None)

    async def _screen_pump(self) -> None:
        """ScreenChanged events, at most one per ``screen_interval`` (latest screen wins).

        Only real progress counts: a screen whose only change is the spinner's animation
        and clock publishes nothing, so the session's stall watch can see a stall.
        """
        proc = self._proc
        assert proc is not None
        seen = proc.screen.version
        last = ""
        while not proc.exited:
            if proc.screen.version != seen:
                seen = proc.screen.version
                snap = proc.snapshot()
                progress = progress_text(snap)
                if progress != last:
                    last = progress
                    self._emit(ScreenChanged(snap.text))
            await asyncio.sleep(self.screen_interval)

    async def _eof_watch(self) -> None:
        """The child left on its own: the running turn ends ``error``, then the stream."""
        proc = self._proc
        assert proc is not None
        await proc.wait_eof(float("inf"))
        if self._closing is not None:
            return
        if self._follow_task is not None:  # let it read what the child wrote last
            await asyncio.wait({self._follow_task}, timeout=5)
        self._failure = self._failure or ChildExited("Claude Code exited")
        self._queue.put_nowait(None)

    async def _close(self) -> None:
        proc = self._proc
        await cancel_and_wait([t for t in (*self._tasks, self._follow_task) if t is not None])
        if proc is not None:
            try:
                await goodbye(proc)
            except (ClaudeCoderError, OSError) as exc:
                _log.debug("polite exit failed: %s", exc)
            finally:
                await proc.terminate(grace=2.0)
        self._queue.put_nowait(None)
