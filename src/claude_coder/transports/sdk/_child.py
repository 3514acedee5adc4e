"""The Claude Code child under the SDK transport: our own spawn, as claude-agent-sdk's Transport.

claude-agent-sdk's own subprocess transport merges ``os.environ`` into the child's
environment; claude-coder must not (the security module builds the environment). So
:class:`ChildProcess` implements the SDK's ``Transport`` ABC over a child started with
exactly the LaunchSpec's argv, environment and cwd: newline-delimited JSON both ways,
lines up to :data:`MAX_LINE` bytes, stderr kept as a short tail for error messages
(passed through the session's Redactor before it is shown anywhere),
its own session (a Ctrl-C at the terminal reaches claude-coder, which interrupts
in protocol, not the child), the parent-death signal armed (it dies with claude-coder,
see :mod:`claude_coder.transports.lifeline`), and a bounded close: stdin closed, then
its whole tree stopped (terminate -> kill, tool processes too), always reaped.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import signal
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

from claude_agent_sdk import Transport as SdkTransportABC

from claude_coder.errors import ChildExited, TransportError
from claude_coder.transports.lifeline import parent_death_arm, stop_tree

__all__ = ["MAX_LINE", "ChildExited", "ChildProcess"]

_log = logging.getLogger(__name__)

MAX_LINE = 32 * 1024 * 1024
"""Longest JSON line read from Claude Code (images and big tool results exceed 1 MiB)."""


class ChildProcess(SdkTransportABC):
    """Claude Code as a subprocess speaking stream-json on stdin/stdout."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: str,
        *,
        max_line: int = MAX_LINE,
        grace: float = 3.0,
        redact: Callable[[str], str] = str,
    ) -> None:
        self._argv = tuple(argv)
        self._redact = redact
        self._env = dict(env)
        self._cwd = cwd
        self._max_line = max_line
        self._grace = grace
        self._proc: asyncio.subprocess.Process | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=40)
        self._stderr_task: asyncio.Task[None] | None = None
        self._write_lock = asyncio.Lock()
        self._ready = False

    def __repr__(self) -> str:
        return f"<ChildProcess pid={self.pid} returncode={self.returncode}>"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode if self._proc is not None else None

    @property
    def stderr_tail(self) -> str:
        """The last lines Claude Code wrote to stderr, redacted (joined first, so a secret
        cut by a line break is still found)."""
        return self._redact("\n".join(self._stderr))

    async def connect(self) -> None:
        if self._proc is not None:
            return
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *self._argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=self._env,
                cwd=self._cwd,
                limit=self._max_line,
                start_new_session=True,
                preexec_fn=parent_death_arm(),
            )
        except OSError as exc:
            raise TransportError(f"could not start Claude Code ({self._argv[0]}): {exc}") from exc
        self._stderr_task = asyncio.create_task(self._drain_stderr(), name="claude-stderr")
        self._ready = True

    async def _drain_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        with contextlib.suppress(Exception):
            while line := await self._proc.stderr.readline():
                self._stderr.append(line.decode("utf-8", "replace").rstrip())

    async def write(self, data: str) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdin.is_closing():
            raise await self._input_lost("Claude Code's input is closed")
        async with self._write_lock:
            try:
                proc.stdin.write(data.encode("utf-8"))
                await proc.stdin.drain()
            except (BrokenPipeError, ConnectionResetError) as exc:
                self._ready = False
                raise await self._input_lost(
                    f"Claude Code stopped reading its input: {exc}"
                ) from exc

    async def _input_lost(self, why: str) -> TransportError:
        """Why writing failed: the child's exit and stderr tail if it exited, else ``why``."""
        if self._proc is None or await self._wait(1.0) is None:
            return TransportError(why)
        if self._stderr_task is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await asyncio.shield(self._stderr_task)
        return ChildExited.with_code(self._proc.returncode, self.stderr_tail)

    def read_messages(self) -> AsyncIterator[dict[str, Any]]:
        return self._read()

    async def _read(self) -> AsyncIterator[dict[str, Any]]:
        proc = self._proc
        if proc is None or proc.stdout is None:
            raise TransportError("Claude Code is not running")
        while True:
            try:
                line = await proc.stdout.readline()
            except (ValueError, asyncio.LimitOverrunError) as exc:
                raise TransportError(
                    f"Claude Code wrote a line longer than {self._max_line} bytes"
                ) from exc
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            try:
                message = json.loads(text.decode("utf-8", "replace"))
            except json.JSONDecodeError:
                _log.debug("skipping a non-JSON line from Claude Code (%d bytes)", len(text))
                continue
            if isinstance(message, dict):
                yield message
        self._ready = False
        code = await self._wait(self._grace)
        if code != 0:
            if self._stderr_task is not None:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await asyncio.shield(self._stderr_task)
            raise ChildExited.with_code(code, self.stderr_tail)

    async def _wait(self, deadline: float) -> int | None:
        assert self._proc is not None
        try:
            async with asyncio.timeout(deadline):
                return await self._proc.wait()
        except TimeoutError:
            return self._proc.returncode

    def is_ready(self) -> bool:
        return self._ready

    async def end_input(self) -> None:
        proc = self._proc
        if proc is not None and proc.stdin is not None and not proc.stdin.is_closing():
            async with self._write_lock:
                proc.stdin.close()
                with contextlib.suppress(Exception):
                    await proc.stdin.wait_closed()

    async def close(self, eof_grace: float | None = None) -> None:
        """Stop the child: EOF on stdin, then its whole tree (terminate -> kill); reaped.

        ``eof_grace`` is how long it may take to leave on its own after the EOF (default
        the ``grace`` given at construction; 0 when a turn is running: it would not).
        """
        proc = self._proc
        self._ready = False
        if proc is None:
            return
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1.0):
                await self.end_input()
        wait = self._grace if eof_grace is None else eof_grace
        if proc.returncode is None and await self._wait(wait) is None:
            await stop_tree(proc.pid, self._exited, self._grace)
        await self._wait(10.0)
        if self._stderr_task is not None:
            self._stderr_task.cancel()
            await asyncio.gather(self._stderr_task, return_exceptions=True)

    async def _exited(self, within: float) -> bool:
        assert self._proc is not None
        if within <= 0 or self._proc.returncode is not None:
            return self._proc.returncode is not None
        return await self._wait(within) is not None

    def kill_now(self) -> None:
        """SIGCONT and SIGKILL the child at once (used when it stopped answering)."""
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.send_signal(signal.SIGCONT)
                self._proc.kill()
