"""One connection of the host side: JSON lines over stdio pipes or a UNIX socket.

:class:`Lines` reads one message per line (``None`` at the end, :class:`BadLine` for a
line that is not a message) and writes messages without waiting (``drain()`` waits).
A line that does not parse is answered and the connection kept; a line over the limit
cannot be resynchronised, so it ends the connection (``BadLine.fatal``). The helpers
below build the messages every part of the host side answers with;
:class:`RawBytes` turns a PTY's output into redacted ``raw`` messages.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import contextlib
import os
from collections.abc import Callable, Mapping
from typing import Any

from claude_coder.errors import TransportError
from claude_coder.security import Redactor, StreamRedactor
from claude_coder.transports.remote._protocol import LINE_LIMIT, decode, encode, error_to_wire

__all__ = ["BadLine", "Lines", "RawBytes", "error_message", "open_stdio", "reply", "reply_error"]

Message = dict[str, Any]


class BadLine(ValueError):
    """A line that is not a message; ``fatal`` when the connection cannot go on.

    Never raised past this package: it is answered (:func:`error_message`, which sends
    it as a ``TransportError``)."""

    def __init__(self, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal


class Lines:
    """Messages in and out over one stream pair (see the module docstring)."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.redact = redact
        """Run over every line before it is written (the keeper's Redactor)."""

    def __repr__(self) -> str:
        return f"<Lines closed={self.closed}>"

    @property
    def closed(self) -> bool:
        return self.writer.is_closing()

    async def read(self) -> Message | None:
        """The next message; None at the end; raises :class:`BadLine`."""
        try:
            line = await self.reader.readline()
        except ValueError:  # over the reader's limit: the rest of the line is lost
            raise BadLine(
                f"a line over the limit of {LINE_LIMIT} bytes; the connection is closed",
                fatal=True,
            ) from None
        except ConnectionError:
            return None
        if not line:
            return None
        try:
            return decode(line)
        except ValueError as exc:
            raise BadLine(f"the line was ignored: {exc}") from None

    def send(self, message: Mapping[str, Any]) -> None:
        """Write ``message`` (redacted when the connection has a Redactor); never blocks."""
        line = encode(message)
        if self.redact is not None:
            line = self.redact(line.decode("utf-8")).encode("utf-8")
        self.write(line)

    def write(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)

    async def drain(self) -> None:
        """Wait until what was written has gone out (quietly, when the peer is gone)."""
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.writer.drain()

    def close(self) -> None:
        self.writer.close()

    async def aclose(self) -> None:
        """Flush what is still buffered (bounded), then close."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5.0):
                await self.drain()
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError, RuntimeError, TimeoutError):
            async with asyncio.timeout(5.0):
                await self.writer.wait_closed()


async def open_stdio(fd_in: int, fd_out: int) -> Lines:
    """:class:`Lines` over two file descriptors (pipes, sockets or a terminal)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT + 1)
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd_in, "rb", buffering=0)
    )
    transport, protocol = await loop.connect_write_pipe(
        lambda: asyncio.StreamReaderProtocol(asyncio.StreamReader()),
        os.fdopen(fd_out, "wb", buffering=0),
    )
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    return Lines(reader, writer)


def reply(rid: Any, result: Any = None) -> Message:
    """The answer to request ``rid``."""
    return {"op": "reply", "rid": rid, "ok": True, "result": result}


def reply_error(rid: Any, exc: BaseException) -> Message:
    """The failed answer to request ``rid`` (``exc`` already redacted)."""
    return {"op": "reply", "rid": rid, "ok": False, "error": error_to_wire(exc)}


def error_message(exc: BaseException) -> Message:
    """An error that answers no request (a bad line, a refused hello)."""
    if isinstance(exc, BadLine):
        exc = TransportError(str(exc))
    return {"op": "error", "error": error_to_wire(exc)}


class RawBytes:
    """A PTY's raw output as ``raw`` messages, redacted as one stream (pure ``feed()``).

    Bytes are decoded incrementally (a character split between chunks stays whole) and
    go through a :class:`~claude_coder.security.StreamRedactor`, so a secret split
    between chunks is masked too; what could still start a secret waits for the next
    chunk.
    """

    def __init__(self, redactor: Redactor) -> None:
        self._text = StreamRedactor(redactor)
        self._utf8 = codecs.getincrementaldecoder("utf-8")("replace")

    def __repr__(self) -> str:
        return f"<RawBytes holding={self._text.holding}>"

    def feed(self, data: bytes) -> Message | None:
        """The ``raw`` message for ``data`` (None while everything is held back)."""
        text = self._text.feed(self._utf8.decode(data))
        if not text:
            return None
        return {"op": "raw", "data": base64.b64encode(text.encode("utf-8")).decode("ascii")}
