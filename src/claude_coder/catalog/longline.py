"""A transcript record too long to parse whole, cut down as it streams past.

One Claude Code record can be tens of megabytes (a tool result holding a whole file or
a build log on one line). Parsing it needs several times its size in memory. Lines
longer than :data:`LINE_LIMIT` are instead fed, chunk by chunk, to :class:`LongLine`,
a pure ``feed()`` parser that copies the JSON through but keeps at most
:data:`STRING_KEEP` bytes of each string value, ending a cut string with
``… [N bytes not shown]``. The result is still valid JSON (a cut never splits an
escape sequence), small, and says what is missing; memory stays at one chunk plus
what is kept.
"""

from __future__ import annotations

import re
from typing import BinaryIO

__all__ = ["CHUNK", "LINE_LIMIT", "STRING_KEEP", "LongLine", "read_record"]

LINE_LIMIT = 4 * 1024 * 1024
"""Records up to this many bytes are parsed whole."""
STRING_KEEP = 64 * 1024
"""Bytes of one string value kept from a longer record."""
CHUNK = 1024 * 1024

_OUTSIDE = re.compile(rb'["\n]')
_INSIDE = re.compile(rb'["\\]')
_LEAD = re.compile(rb'(?:\\\\)*"')
_CLOSE = re.compile(rb'[^\\](?:\\\\)*"')


class LongLine:
    """Streams one JSON line through, cutting long strings (see the module docstring)."""

    def __init__(self, keep: int = STRING_KEEP) -> None:
        self.keep = keep
        self.out = bytearray()
        self.cut = 0
        """Bytes left out, over every string of the line."""
        self.done = False
        self._in_string = False
        self._string = bytearray()  # the kept start of the current string (escapes whole)
        self._dropped = 0
        self._carry = b""  # an escape split across chunks

    def feed(self, chunk: bytes) -> None:
        """Take the next bytes of the line; stops at its newline (``done``)."""
        data, pos = self._carry + chunk, 0
        self._carry = b""
        while pos < len(data) and not self.done:
            pos = self._string_part(data, pos) if self._in_string else self._outside(data, pos)

    def _outside(self, data: bytes, pos: int) -> int:
        found = _OUTSIDE.search(data, pos)
        if found is None:
            self.out += data[pos:]
            return len(data)
        self.out += data[pos : found.start()]
        if found.group() == b"\n":
            self.done = True
            return found.end()
        self.out += b'"'
        self._in_string = True
        return found.end()

    def _string_part(self, data: bytes, pos: int) -> int:
        if self._dropped or len(self._string) >= self.keep:
            return self._skip(data, pos)
        found = _INSIDE.search(data, pos)
        end = len(data) if found is None else found.start()
        self._take(data[pos:end])
        if found is None:
            return len(data)
        if found.group() == b'"':
            self._close_string()
            return found.end()
        avail, is_u = len(data) - end, data[end + 1 : end + 2] == b"u"
        if avail < 2 or (is_u and avail < 6):
            self._carry = data[end:]  # the rest of this escape comes with the next chunk
            return len(data)
        size = 6 if is_u else 2
        self._take(data[end : end + size], whole=True)
        return end + size

    def _skip(self, data: bytes, pos: int) -> int:
        """Past the kept start: find the closing quote (the first one after an even run
        of backslashes) with the regex engine, counting what is left out."""
        found = _LEAD.match(data, pos) or _CLOSE.search(data, pos)
        if found is None:
            end = len(data)
            while end > pos and data[end - 1] == 0x5C:
                end -= 1
            self._dropped += end - pos
            self._carry = data[end:]  # a backslash run may escape the next chunk's quote
            return len(data)
        self._dropped += found.end() - 1 - pos
        self._close_string()
        return found.end()

    def _take(self, part: bytes, *, whole: bool = False) -> None:
        room = self.keep - len(self._string)
        if self._dropped or room <= 0:
            self._dropped += len(part)
        elif len(part) <= room:
            self._string += part
        elif whole:
            self._dropped += len(part)
        else:
            self._string += part[:room]
            self._dropped += len(part) - room

    def _close_string(self) -> None:
        self.out += self._string
        if self._dropped:
            self.out += f"… [{self._dropped} bytes not shown]".encode()
            self.cut += self._dropped
        self.out += b'"'
        self._string = bytearray()
        self._dropped = 0
        self._in_string = False


def read_record(fh: BinaryIO) -> tuple[bytes, int, int]:
    """The next line of ``fh``: (its bytes, cut down when longer than :data:`LINE_LIMIT`;
    the bytes it took in the file; the bytes left out)."""
    line = fh.readline(LINE_LIMIT)
    if len(line) < LINE_LIMIT or line.endswith(b"\n"):
        return line, len(line), 0
    reducer = LongLine()
    reducer.feed(line)
    size = len(line)
    while not reducer.done:
        chunk = fh.readline(CHUNK)
        if not chunk:
            break
        size += len(chunk)
        reducer.feed(chunk)
    return bytes(reducer.out), size, reducer.cut
