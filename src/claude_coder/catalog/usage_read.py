"""Reading token usage out of one transcript file: one row per assistant message.

Claude Code writes an API response as one ``assistant`` record per content block, each
with the same ``message.id``, ``requestId`` and (final) ``usage``: a message is counted
once, under its first line (ccusage does the same, keyed by message id + request id).
Only lines that can carry usage are decoded (see :data:`_KEY`; ``usage_decode`` says
what each one counts for); the others are skipped by a byte search over the whole file,
never split out or decoded.

Each message is classed by the record's ``entrypoint`` (else the file's latest one):
``cli`` is the interactive TUI, ``sdk-*`` (stream-json, ``-p``, the Agent SDK) is
programmatic; they are billed from different pools.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "INTERACTIVE",
    "KINDS",
    "OTHER",
    "PROGRAMMATIC",
    "QUARTER_MS",
    "FileUsage",
    "Reader",
    "Row",
    "bucketize",
    "kind_of",
    "read_rows",
]

INTERACTIVE = "interactive"
PROGRAMMATIC = "programmatic"
OTHER = "other"
KINDS = (INTERACTIVE, PROGRAMMATIC, OTHER)
QUARTER_MS = 15 * 60 * 1000
"""Bucket width: every time zone's offset is a whole number of quarter hours."""

_CWD = re.compile(rb'"cwd"\s*:\s*("(?:[^"\\]|\\.)*")')


class Row(NamedTuple):
    """One counted assistant message."""

    key: int | None
    """A 63-bit digest of message id + request id (None: the line has no message id)."""
    ts_ms: int
    model: str
    kind: str
    input: int
    output: int
    cache_write: int
    cache_read: int
    cost: float | None


@dataclass
class FileUsage:
    """What one transcript file contributes; ``buckets`` as :func:`bucketize` makes."""

    session_id: str
    project: str
    cwd: str | None
    keys: bytes = field(repr=False)
    """Its message keys, 8 little-endian bytes each (``usage_scan.pack_keys``)."""
    buckets: list[list[Any]]
    first_ms: int | None
    path: str
    mtime_ns: int = 0


def kind_of(entrypoint: str | None) -> str:
    """The billing pool of an ``entrypoint``: TUI (``cli``) or programmatic (``sdk-*``)."""
    if entrypoint == "cli":
        return INTERACTIVE
    if entrypoint is not None and entrypoint.startswith("sdk"):
        return PROGRAMMATIC
    return OTHER


_KEY = b'"output_tokens":'
"""A key every counted record has (``message.usage.output_tokens``, an int), as Claude
Code writes it (compact JSON; Python's default separators give it too); of the keys
every record needs it is the one text holds least, so the search for it is the fastest.
Inside a JSON string a quote is escaped (``\\"output_tokens\\":``), so these bytes are
always a key: no text can hide a record from the search. A line that holds them is
parsed whole, and the parse decides whether it is a usage record, so no text can fake
one either. A key with blanks before its colon is not found (ccusage 20 does not see
such lines either)."""


class Reader:
    """Reads transcripts into one buffer it keeps, so a scan of many files does not
    allocate (and fault in) fresh memory for each. One per thread of work."""

    def __init__(self) -> None:
        self._buf = bytearray(1 << 16)

    def read_rows(self, path: str) -> tuple[list[Row], str | None]:
        """Every counted message of the file at ``path`` (first line per message wins)
        and the first ``cwd`` recorded in it. Raises OSError if it cannot be read.

        The file is read whole and searched for :data:`_KEY`; only the lines holding a
        hit are decoded, so the large prompt and tool-result lines never are, and no
        line is split out that is not decoded.
        """
        size = self._read(path)
        return rows_of(self._buf, size), _cwd(self._buf, size)

    def _read(self, path: str) -> int:
        """Reads the file into the buffer (grown as needed); returns its length."""
        with open(path, "rb", buffering=0) as fh:
            want = os.fstat(fh.fileno()).st_size + 1
            if len(self._buf) < want:
                self._buf = bytearray(want + want // 8)
            held = 0
            while got := fh.readinto(memoryview(self._buf)[held:]):
                held += got
                if held == len(self._buf):  # it grew since the stat
                    self._buf.extend(bytes(held))
            return held


def read_rows(path: str) -> tuple[list[Row], str | None]:
    """:meth:`Reader.read_rows` with a buffer of its own."""
    return Reader().read_rows(path)


def rows_of(data: bytes | bytearray, stop: int | None = None) -> list[Row]:
    """The counted messages in a transcript's bytes, ``data[:stop]`` (see
    :meth:`Reader.read_rows`)."""
    from claude_coder.catalog.usage_decode import line_row  # not needed by a warm report

    rows: list[Row] = []
    seen: set[int] = set()
    find, rfind = data.find, data.rfind
    stop = len(data) if stop is None else stop
    pos = find(_KEY, 0, stop)
    while pos >= 0:
        start = rfind(b"\n", 0, pos) + 1
        end = find(b"\n", pos, stop)
        end = stop if end < 0 else end
        row = line_row(data, start, end, seen)
        if row is not None:
            if row.key is not None:
                seen.add(row.key)
            rows.append(row)
        pos = find(_KEY, end, stop)
    return rows


def _cwd(data: bytes | bytearray, stop: int) -> str | None:
    pos = data.find(b'"cwd"', 0, stop)
    found = _CWD.match(data, pos, stop) if pos >= 0 else None
    if not found:
        return None
    try:
        value = json.loads(found.group(1))
    except ValueError:
        return None
    return value if type(value) is str else None


def bucketize(
    rows: Iterable[Row], skip: set[int] | frozenset[int] = frozenset()
) -> list[list[Any]]:
    """Sum rows per (quarter hour, model, kind), leaving out keys in ``skip``.

    A bucket is ``[quarter, model, kind, input, output, cache_write, cache_read, cost,
    unpriced, first_ms, last_ms, messages]``; ``cost`` sums the priced messages only and
    ``unpriced`` counts the others.
    """
    out: dict[tuple[int, str, str], list[Any]] = {}
    for r in rows:
        if r.key is not None and r.key in skip:
            continue
        quarter = r.ts_ms // QUARTER_MS
        b = out.get((quarter, r.model, r.kind))
        if b is None:
            b = [quarter, r.model, r.kind, 0, 0, 0, 0, 0.0, 0, r.ts_ms, r.ts_ms, 0]
            out[(quarter, r.model, r.kind)] = b
        b[3] += r.input
        b[4] += r.output
        b[5] += r.cache_write
        b[6] += r.cache_read
        if r.cost is None:
            b[8] += 1
        else:
            b[7] += r.cost
        b[9] = min(b[9], r.ts_ms)
        b[10] = max(b[10], r.ts_ms)
        b[11] += 1
    return list(out.values())
