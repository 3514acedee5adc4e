"""A person at a terminal: the CLI in a real pseudo-terminal, its screen kept by pyte.

:class:`ReplTerminal` spawns ``claude-coder ARGS`` in a PTY (ptyprocess), renders what it
prints through the project's :class:`TerminalScreen`, and answers the terminal queries
a real terminal answers (cursor position, which prompt_toolkit asks for). Keys go in as
bytes; waits read the screen and have deadlines.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

import ptyprocess
from tests.integration.sdk_support import cli_env

from claude_coder.transports.pty.screen.keys import CTRL_C, CTRL_D, ENTER, ESC, UP
from claude_coder.transports.pty.screen.terminal import Snapshot, TerminalScreen

__all__ = ["CTRL_C", "CTRL_D", "ENTER", "ESC_ENTER", "UP", "ReplTerminal"]

CPR_QUERY = b"\x1b[6n"
ESC_ENTER = ESC + ENTER
COLUMNS, LINES = 120, 40


class ReplTerminal:
    """``claude-coder *args`` on a PTY of 120x40, its output on a virtual screen."""

    def __init__(
        self,
        launcher: Path,
        *args: str,
        cwd: Path,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        env = cli_env(launcher, {"TERM": "xterm-256color", **(extra_env or {})})
        self.proc = ptyprocess.PtyProcess.spawn(
            [sys.executable, "-m", "claude_coder.cli.main", *args],
            cwd=str(cwd),
            env=env,
            dimensions=(LINES, COLUMNS),
        )
        self.screen = TerminalScreen(COLUMNS, LINES)
        self.raw = bytearray()
        self._cond = threading.Condition()
        self._done = False
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        while True:
            try:
                chunk = self.proc.read(65536)
            except EOFError:
                break
            with self._cond:
                self._feed(chunk)
                self._cond.notify_all()
        with self._cond:
            self._done = True
            self._cond.notify_all()

    def _feed(self, chunk: bytes) -> None:
        self.raw += chunk
        *before, last = chunk.split(CPR_QUERY)
        for part in before:  # each query is answered with the cursor where it stood
            self.screen.feed(part)
            row, col = self.screen.snapshot().cursor
            os.write(self.proc.fd, f"\x1b[{row + 1};{col + 1}R".encode())
        self.screen.feed(last)

    @property
    def text(self) -> str:
        with self._cond:
            return self.screen.snapshot().text

    def send(self, data: bytes | str) -> None:
        self.proc.write(data.encode() if isinstance(data, str) else data)

    def line(self, text: str) -> None:
        """Type ``text`` and press Enter."""
        self.send(text.encode() + ENTER)

    def wait(self, needle: str, count: int = 1, timeout: float = 60) -> str:
        """Wait until ``needle`` is on screen ``count`` times; returns the screen."""
        self.wait_for(lambda snap: snap.text.count(needle) >= count, f"{needle!r} x{count}")
        return self.text

    def wait_prompt(self, prompt: str = ">", timeout: float = 60) -> None:
        """Wait until the cursor's line holds just ``prompt`` (the REPL waits on a person)."""

        def at_prompt(snap: Snapshot) -> bool:
            return snap.lines[snap.cursor[0]].strip() == prompt and snap.cursor[1] > 0

        self.wait_for(at_prompt, f"an empty {prompt!r} prompt", timeout)

    def wait_for(self, check: Callable[[Snapshot], bool], what: str, timeout: float = 60) -> None:
        """Wait until ``check(screen)`` holds (fails after ``timeout`` seconds)."""
        with self._cond:
            ok = self._cond.wait_for(lambda: check(self.screen.snapshot()), timeout)
            text = self.screen.snapshot().text
        assert ok, f"{what} never appeared on screen:\n{text}"

    def wait_exit(self, timeout: float = 60) -> int:
        """Wait for the process to end; returns its exit status."""
        with self._cond:
            closed = self._cond.wait_for(lambda: self._done, timeout)
        assert closed, f"still running:\n{self.text}"
        status = self.proc.wait()  # the PTY closed: the process has ended or is ending
        return int(status)

    def close(self) -> None:
        if self.proc.isalive():
            self.proc.terminate(force=True)
