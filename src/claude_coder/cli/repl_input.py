"""Where the REPL's lines come from: a line editor on a terminal, plain lines otherwise.

On a terminal (stdin and stdout both ttys) :class:`TerminalInput` reads with
prompt_toolkit: line editing, Up/Down through the history kept in the user's state dir
(:func:`history_path`), a multi-line message with Esc+Enter (or a line ending in ``\\``),
a bracketed paste kept whole. Anything else (a file, a pipe, ``/dev/null``) is read as
plain lines by :class:`LineReader`, which never blocks the event loop on a pipe and
reads a regular file or a device directly.

Both raise :class:`Cancelled` when the person presses Ctrl-C at the prompt (on a
terminal it arrives as a key; otherwise the REPL's SIGINT handler calls ``cancel()``),
and return None at the end of input (Ctrl-D).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import platformdirs

if TYPE_CHECKING:
    from prompt_toolkit.key_binding import KeyBindings

__all__ = [
    "Cancelled",
    "LineReader",
    "ReplInput",
    "TerminalInput",
    "history_path",
    "open_input",
]

HISTORY_FILE = "repl_history"


class Cancelled(Exception):
    """Ctrl-C at a prompt: the question (or the line being typed) is dropped."""


class ReplInput(Protocol):
    """One line (or multi-line message) at a time, with a prompt."""

    draws_prompt: bool
    """True if :meth:`read` shows the prompt itself (else the caller writes it)."""

    async def read(self, prompt: str, *, history: bool = True) -> str | None:
        """The next message (None at end of input); raises :class:`Cancelled` on Ctrl-C.

        ``history=False`` for answers to a question (they are not kept in the history).
        """
        ...

    def cancel(self) -> bool:
        """Ctrl-C came as a signal: cancel a pending read; True if one was pending."""
        ...

    def close(self) -> None:
        """Stop reading; a pending read returns None."""
        ...


def history_path() -> Path:
    """The REPL's history file, in the user's state dir (``XDG_STATE_HOME`` on Linux)."""
    return Path(platformdirs.user_state_dir("claude-coder")) / HISTORY_FILE


class LineReader:
    """Plain lines from a file descriptor: a pipe through the loop, a file read directly."""

    draws_prompt = False

    def __init__(self, fd: int | None = None) -> None:
        self._fd = sys.stdin.fileno() if fd is None else fd
        self._lines: deque[str] = deque()
        self._buffer = b""
        self._eof = False
        self._waiter: asyncio.Future[None] | None = None
        self._loop = asyncio.get_running_loop()
        try:
            self._loop.add_reader(self._fd, self._readable)
            self._direct = False
        except (PermissionError, OSError):  # a regular file or /dev/null: reads never block
            self._direct = True

    def _readable(self) -> None:
        try:
            chunk = os.read(self._fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        self._take(chunk)

    def _take(self, chunk: bytes) -> None:
        if not chunk:
            if self._buffer:
                self._lines.append(self._buffer.decode("utf-8", "replace").rstrip("\r"))
            self._buffer = b""
            self.close()
            return
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        self._lines.extend(line.decode("utf-8", "replace").rstrip("\r") for line in lines)
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def read(self, prompt: str, *, history: bool = True) -> str | None:
        while not self._lines and not self._eof:
            if self._direct:
                self._take(os.read(self._fd, 65536))
                continue
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._lines.popleft() if self._lines else None

    def cancel(self) -> bool:
        if self._waiter is None or self._waiter.done():
            return False
        self._waiter.set_exception(Cancelled())
        return True

    def close(self) -> None:
        if not self._eof:
            self._eof = True
            if not self._direct:
                self._loop.remove_reader(self._fd)
            self._wake()


class TerminalInput:
    """prompt_toolkit line editing on a terminal, with the history in ``history_file``."""

    draws_prompt = True

    def __init__(self, history_file: Path) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory, InMemoryHistory

        history_file.parent.mkdir(parents=True, exist_ok=True)
        keys = _message_keys()
        self._messages: PromptSession[str] = PromptSession(
            history=FileHistory(str(history_file)),
            multiline=True,
            key_bindings=keys,
            prompt_continuation=_continuation,
        )
        self._answers: PromptSession[str] = PromptSession(history=InMemoryHistory())

    async def read(self, prompt: str, *, history: bool = True) -> str | None:
        session = self._messages if history else self._answers
        try:
            # handle_sigint=False: Ctrl-C is a key while the editor runs; the REPL's own
            # SIGINT handler (for a running turn) must stay installed.
            return await session.prompt_async(prompt, handle_sigint=False)
        except KeyboardInterrupt:
            raise Cancelled from None
        except EOFError:
            return None

    def cancel(self) -> bool:
        return False

    def close(self) -> None:
        return None


def _continuation(width: int, line_number: int, wrap_count: int) -> str:
    return "." * max(width - 1, 0) + " "


def _message_keys() -> KeyBindings:
    """Enter sends; Esc+Enter, or Enter after a trailing backslash, starts a new line."""
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

    keys = KeyBindings()

    @keys.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @keys.add("enter")
    def _send(event: KeyPressEvent) -> None:
        buf = event.current_buffer
        doc = buf.document
        if doc.is_cursor_at_the_end and doc.text.endswith("\\"):
            buf.delete_before_cursor(1)
            buf.insert_text("\n")
        else:
            buf.validate_and_handle()

    return keys


def open_input() -> ReplInput:
    """A line editor when stdin and stdout are terminals, plain lines otherwise."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        return TerminalInput(history_path())
    return LineReader()
