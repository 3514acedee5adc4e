"""Decoding one transcript line that may hold usage into its row (``usage_read``
finds the lines; this module says what each one counts for).

msgspec decodes a line into :class:`_Record`, the few fields a row needs, skipping every
other key in C while it checks the whole line is one JSON value; a line it refuses is
read by ``json.loads``' own scanner instead, so what counts is ``json.loads``' answer
either way. Imported only when a file is read: a warm report never needs it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

import msgspec

from claude_coder.catalog.pricing import cache_written, tokens_cost
from claude_coder.catalog.usage_read import Row, kind_of

__all__ = ["line_row", "parse", "record", "row", "shaped"]

_ENTRYPOINT = re.compile(rb'"entrypoint"\s*:\s*"([^"\\]*)"')


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


def row(rec: _Record, entrypoint: str | None, seen: set[int] | frozenset[int]) -> Row | None:
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


_Scan = Callable[[str, int], tuple[Any, int]]
_scan_once = cast(_Scan, vars(json.JSONDecoder())["scan_once"])
"""json.loads' own scanner (the C one), called without its per-call wrapping."""
_BLANK = " \t\n\r"


def parse(line: bytes | bytearray) -> Any:
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


def record(line: bytes | bytearray) -> _Record | None:
    """The line decoded as :func:`parse` (``json.loads``) reads it, or None if it is not
    JSON or not shaped like a usage record.

    msgspec decodes the few fields a row needs and skips the rest in C; it checks the
    whole line is one JSON value but not that the text it skips is UTF-8, so a line that
    is not ASCII is checked first. Anything it refuses (not UTF-8, a BOM, ``NaN``, a
    number out of range, a lone surrogate, a key given twice with another type, ...)
    goes to :func:`parse`, which gives ``json.loads``' answer, and the shape is then
    checked on that (:func:`shaped`)."""
    try:
        if not line.isascii():
            line.decode("utf-8", "surrogatepass")
        return _decode(line)
    except (ValueError, RecursionError, msgspec.DecodeError):
        pass
    try:
        return shaped(parse(line))
    except (ValueError, RecursionError):
        return None  # a torn or corrupt line: skipped, like every reader does


def shaped(rec: Any) -> _Record | None:
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


def line_row(data: bytes | bytearray, start: int, end: int, seen: set[int]) -> Row | None:
    rec = record(data[start:end])
    if rec is None:
        return None
    if type(rec.entrypoint) is not str:
        return row(rec, _entrypoint_before(data, start, end), seen)
    return row(rec, None, seen)


def _entrypoint_before(data: bytes | bytearray, start: int, end: int) -> str | None:
    """The latest ``entrypoint`` recorded before ``start``, the line that ends at
    ``end`` (older records carry it on prompts only)."""
    pos = data.rfind(b'"entrypoint"', 0, start)
    found = _ENTRYPOINT.match(data, pos, end) if pos >= 0 else None
    return found.group(1).decode("utf-8", "replace") if found else None
