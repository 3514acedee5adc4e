"""Reading token usage out of one transcript file: one row per assistant message.

Claude Code writes an API response as one ``assistant`` record per content block, each
with the same ``message.id``, ``requestId`` and (final) ``usage``: a message is counted
once, under its first line (ccusage does the same, keyed by message id + request id).
Only lines that can carry usage are parsed (see :data:`_KEY`); the others are skipped
by a byte search over the whole file, never split out or decoded.

Each message is classed by the record's ``entrypoint`` (else the file's latest one):
``cli`` is the interactive TUI, ``sdk-*`` (stream-json, ``-p``, the Agent SDK) is
programmatic; they are billed from different pools.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, cast

import msgspec

from claude_coder.catalog.pricing import cache_written, tokens_cost

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

_ENTRYPOINT = re.compile(rb'"entrypoint"\s*:\s*"([^"\\]*)"')
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


def _digest(message_id: str, request_id: Any) -> int:
    text = f"{message_id}\0{request_id if type(request_id) is str else ''}"
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") >> 1


def _when(stamp: Any) -> int | None:
    if type(stamp) is not str:
        return None
    try:
        return int(datetime.fromisoformat(stamp).timestamp() * 1000)
    except ValueError:
        return None


class _Usage(msgspec.Struct, gc=False):
    """``message.usage``: the fields counting and pricing read; any JSON value each."""

    input_tokens: Any = None
    output_tokens: Any = None
    cache_creation_input_tokens: Any = None
    cache_creation: Any = None
    cache_read_input_tokens: Any = None
    speed: Any = None
    inference_geo: Any = None
    server_tool_use: Any = None

    def get(self, key: str, /) -> Any:
        return getattr(self, key, None)


class _Message(msgspec.Struct, gc=False):
    id: Any = None
    model: Any = None
    usage: _Usage | None = None


class _Record(msgspec.Struct, gc=False):
    """The fields of a transcript record a usage row comes from. A record whose
    ``message`` or ``message.usage`` is present but not an object does not match: it is
    not a usage record. Every other key, whatever it holds, is skipped unread."""

    message: _Message | None = None
    request_id: Any = msgspec.field(default=None, name="requestId")
    timestamp: Any = None
    entrypoint: Any = None
    cost_usd: Any = msgspec.field(default=None, name="costUSD")


_decode = msgspec.json.Decoder(_Record).decode


def _row(rec: _Record, entrypoint: str | None, seen: set[int] | frozenset[int]) -> Row | None:
    """The row of one decoded record, or None if it carries no usable usage or its
    message is in ``seen`` (counted already)."""
    msg = rec.message
    usage = msg.usage if msg is not None else None
    if usage is None:
        return None
    assert msg is not None
    mid = msg.id
    key = _digest(mid, rec.request_id) if type(mid) is str else None
    if key is not None and key in seen:
        return None  # the message's next content block: only its first line counts
    tin, tout = usage.input_tokens, usage.output_tokens
    if type(tin) is not int or type(tout) is not int:
        return None
    ts = _when(rec.timestamp)
    if ts is None:
        return None
    raw_model, read, ep = msg.model, usage.cache_read_input_tokens, rec.entrypoint
    model = raw_model if type(raw_model) is str else "unknown"
    tin, tout, read = max(tin, 0), max(tout, 0), read if type(read) is int and read > 0 else 0
    written = cache_written(usage)
    reported = rec.cost_usd  # older Claude Code wrote one: used as it is
    if isinstance(reported, int | float) and not isinstance(reported, bool) and reported >= 0:
        cost: float | None = float(reported)
    elif model == "<synthetic>":
        cost = 0.0  # Claude Code's own stand-in for a failed request: nothing was billed
    else:
        extra = (usage.cache_creation, usage.speed, usage.inference_geo, usage.server_tool_use)
        cost = tokens_cost(model, tin, tout, read, written, extra)
    kind = kind_of(ep if type(ep) is str else entrypoint)
    return Row(key, ts, model, kind, tin, tout, written, read, cost)


_KEY = b'"output_tokens":'
"""A key every counted record has (``message.usage.output_tokens``, an int), as Claude
Code writes it (compact JSON; Python's default separators give it too); of the keys
every record needs it is the one text holds least, so the search for it is the fastest.
Inside a JSON string a quote is escaped (``\\"output_tokens\\":``), so these bytes are
always a key: no text can hide a record from the search. A line that holds them is
parsed whole, and the parse decides whether it is a usage record, so no text can fake
one either. A key with blanks before its colon is not found (ccusage 20 does not see
such lines either)."""
_Scan = Callable[[str, int], tuple[Any, int]]
_scan_once = cast(_Scan, vars(json.JSONDecoder())["scan_once"])
"""json.loads' own scanner (the C one), called without its per-call wrapping."""
_BLANK = " \t\n\r"


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
    rows: list[Row] = []
    seen: set[int] = set()
    find, rfind = data.find, data.rfind
    stop = len(data) if stop is None else stop
    pos = find(_KEY, 0, stop)
    while pos >= 0:
        start = rfind(b"\n", 0, pos) + 1
        end = find(b"\n", pos, stop)
        end = stop if end < 0 else end
        row = _line_row(data, start, end, seen)
        if row is not None:
            if row.key is not None:
                seen.add(row.key)
            rows.append(row)
        pos = find(_KEY, end, stop)
    return rows


def _parse(line: bytes | bytearray) -> Any:
    """``json.loads(line)``, skipping its per-call set-up for a line that opens an object
    in UTF-8 (what json.loads would detect); anything else goes to json.loads itself.
    Raises ValueError for a line that is not one whole JSON value."""
    if len(line) < 2 or line[0] != 0x7B or not line[1]:
        return json.loads(line)
    text = line.decode("utf-8", "surrogatepass")
    try:
        rec, stop = _scan_once(text, 0)
    except StopIteration:
        raise ValueError("not JSON") from None
    if stop != len(text) and text[stop:].strip(_BLANK):
        raise ValueError("extra data after the record")
    return rec


def _record(line: bytes | bytearray) -> _Record | None:
    """The line decoded as :func:`_parse` (``json.loads``) reads it, or None if it is not
    JSON or not shaped like a usage record.

    msgspec decodes the few fields a row needs and skips the rest in C; it checks the
    whole line is one JSON value but not that the text it skips is UTF-8, so a line that
    is not ASCII is checked first. Anything it refuses (not UTF-8, a BOM, ``NaN``, a
    number out of range, a lone surrogate, a key given twice with another type, ...)
    goes to :func:`_parse`, which gives ``json.loads``' answer, and the shape is then
    checked on that (:func:`_shaped`)."""
    try:
        if not line.isascii():
            line.decode("utf-8", "surrogatepass")
        return _decode(line)
    except (ValueError, RecursionError, msgspec.DecodeError):
        pass
    try:
        return _shaped(_parse(line))
    except (ValueError, RecursionError):
        return None  # a torn or corrupt line: skipped, like every reader does


def _shaped(rec: Any) -> _Record | None:
    """What decoding into :class:`_Record` gives for a value ``json.loads`` returned."""
    msg = rec.get("message") if type(rec) is dict else None
    if type(rec) is not dict or (msg is not None and type(msg) is not dict):
        return None
    message = None
    if msg is not None:
        usage = msg.get("usage")
        if usage is not None and type(usage) is not dict:
            return None
        fields = None if usage is None else _Usage(*map(usage.get, _Usage.__struct_fields__))
        message = _Message(msg.get("id"), msg.get("model"), fields)
    get = rec.get
    return _Record(message, get("requestId"), get("timestamp"), get("entrypoint"), get("costUSD"))


def _line_row(data: bytes | bytearray, start: int, end: int, seen: set[int]) -> Row | None:
    rec = _record(data[start:end])
    if rec is None:
        return None
    if type(rec.entrypoint) is not str:
        return _row(rec, _entrypoint_before(data, start, end), seen)
    return _row(rec, None, seen)


def _entrypoint_before(data: bytes | bytearray, start: int, end: int) -> str | None:
    """The latest ``entrypoint`` recorded before ``start``, the line that ends at
    ``end`` (older records carry it on prompts only)."""
    pos = data.rfind(b'"entrypoint"', 0, start)
    found = _ENTRYPOINT.match(data, pos, end) if pos >= 0 else None
    return found.group(1).decode("utf-8", "replace") if found else None


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
