"""Grouping usage into the ``usage`` views: day, month, session, project, model, block.

Every row is split by billing pool (interactive TUI, programmatic SDK/``-p``, other).
Days and months are local dates in one stated time zone; ``since`` / ``until`` (local
dates, inclusive) filter every view. A 5-hour block starts at the hour of its first
message and takes every message until 5 hours from its start, or until a gap of more
than 5 hours, as ccusage's blocks do.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from claude_coder.catalog.pricing import PRICES_AS_OF, PRICES_SOURCE
from claude_coder.catalog.usage import UsageData
from claude_coder.catalog.usage_read import KINDS, QUARTER_MS, FileUsage

__all__ = [
    "VIEWS",
    "Report",
    "ReportRow",
    "Totals",
    "build_report",
    "local_zone",
    "parse_day",
    "zone",
]

VIEWS = ("daily", "monthly", "session", "project", "model", "blocks")
BLOCK_MS = 5 * 3600 * 1000
_HOUR_MS = 3600 * 1000


@dataclass
class Totals:
    """Token and cost sums; ``cost`` covers priced messages, ``unpriced`` counts the rest."""

    input: int = 0
    output: int = 0
    cache_write: int = 0
    cache_read: int = 0
    cost: float = 0.0
    unpriced: int = 0
    messages: int = 0

    @property
    def tokens(self) -> int:
        return self.input + self.output + self.cache_write + self.cache_read

    def add_bucket(self, b: list[Any]) -> None:
        self.input += b[3]
        self.output += b[4]
        self.cache_write += b[5]
        self.cache_read += b[6]
        self.cost += b[7]
        self.unpriced += b[8]
        self.messages += b[11]

    def add(self, other: Totals) -> None:
        for name in ("input", "output", "cache_write", "cache_read", "cost", "unpriced"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.messages += other.messages

    def to_json(self) -> dict[str, Any]:
        priced = self.messages - self.unpriced
        return {
            "inputTokens": self.input,
            "outputTokens": self.output,
            "cacheCreationTokens": self.cache_write,
            "cacheReadTokens": self.cache_read,
            "totalTokens": self.tokens,
            "costUSD": round(self.cost, 6) if priced or not self.messages else None,
            "costComplete": self.unpriced == 0,
            "messages": self.messages,
            "unpricedMessages": self.unpriced,
        }


@dataclass
class ReportRow:
    """One group (a day, a session, ...) with its totals per billing pool."""

    key: str
    fields: dict[str, Any] = field(default_factory=dict)
    kinds: dict[str, Totals] = field(default_factory=dict)
    models: set[str] = field(default_factory=set)

    def total(self) -> Totals:
        out = Totals()
        for t in self.kinds.values():
            out.add(t)
        return out

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = dict(self.fields)
        for kind in KINDS:
            if kind in self.kinds:
                body[kind] = self.kinds[kind].to_json()
        body["total"] = self.total().to_json()
        body["models"] = sorted(self.models)
        return body


@dataclass
class Report:
    """A whole view, ready to render as a table or JSON."""

    view: str
    zone: str
    rows: list[ReportRow]
    unpriced_models: list[str]

    def totals(self) -> ReportRow:
        out = ReportRow("total")
        for row in self.rows:
            for kind, t in row.kinds.items():
                out.kinds.setdefault(kind, Totals()).add(t)
            out.models |= row.models
        return out

    def to_json(self) -> dict[str, Any]:
        totals = self.totals().to_json()
        totals.pop("models")
        return {
            "view": self.view,
            "timezone": self.zone,
            "pricing": {"asOf": PRICES_AS_OF, "source": PRICES_SOURCE},
            "rows": [r.to_json() for r in self.rows],
            "totals": totals,
            "unpricedModels": self.unpriced_models,
        }


def zone(name: str | None) -> tuple[tzinfo | None, str]:
    """The zone called ``name`` (IANA), or the local zone for None; ValueError if unknown."""
    if name is None:
        return local_zone()
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)"
        raise ValueError(msg) from None


def local_zone() -> tuple[tzinfo | None, str]:
    """The local zone (None: the C library's local time) and the name to state for it."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz:
        with_name = _try_zone(tz)
        if with_name is not None:
            return with_name, tz
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        name = target.split("zoneinfo/", 1)[1]
        found = _try_zone(name)
        if found is not None:
            return found, name
    return None, time.strftime("%Z") or "local time"


def _try_zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


class _Clock:
    """Local dates and times of quarter-hour buckets, memoised."""

    def __init__(self, tz: tzinfo | None) -> None:
        self.tz = tz
        self._days: dict[int, date] = {}
        self._texts: dict[int, str] = {}

    def when(self, ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, self.tz)

    def day(self, quarter: int) -> date:
        found = self._days.get(quarter)
        if found is None:
            found = self._days[quarter] = self.when(quarter * QUARTER_MS).date()
        return found

    def day_text(self, quarter: int) -> str:
        found = self._texts.get(quarter)
        if found is None:
            found = self._texts[quarter] = self.day(quarter).isoformat()
        return found


def _buckets(
    files: Iterable[FileUsage], clock: _Clock, since: date | None, until: date | None
) -> list[tuple[FileUsage, list[Any]]]:
    out = []
    for f in files:
        for b in f.buckets:
            if since is not None or until is not None:
                day = clock.day(b[0])
                if (since is not None and day < since) or (until is not None and day > until):
                    continue
            out.append((f, b))
    return out


def _group_key(view: str, clock: _Clock) -> Callable[[FileUsage, list[Any]], str]:
    """What names a bucket's group in ``view``."""
    if view == "daily":
        return lambda f, b: clock.day_text(b[0])
    if view == "monthly":
        return lambda f, b: clock.day_text(b[0])[:7]
    if view == "session":
        return lambda f, b: f.session_id
    if view == "project":
        return lambda f, b: f.cwd or f.project
    return lambda f, b: str(b[1])  # model


def build_report(
    data: UsageData,
    view: str,
    *,
    tz_name: str | None = None,
    since: date | None = None,
    until: date | None = None,
    now_ms: int | None = None,
) -> Report:
    """The ``view`` of ``data``; raises ValueError for an unknown view or zone."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r} (one of {', '.join(VIEWS)})")
    tz, name = zone(tz_name)
    clock = _Clock(tz)
    picked = _buckets(data.files, clock, since, until)
    unpriced = sorted({str(b[1]) for _, b in picked if b[8]})
    if view == "blocks":
        now = int(time.time() * 1000) if now_ms is None else now_ms
        return Report(view, name, _blocks(picked, clock, now), unpriced)
    rows: dict[str, ReportRow] = {}
    key_of = _group_key(view, clock)
    for f, b in picked:
        key = key_of(f, b)
        row = rows.get(key)
        if row is None:
            row = rows[key] = ReportRow(key, _fields(view, key, f))
        totals = row.kinds.get(b[2])
        if totals is None:
            totals = row.kinds[b[2]] = Totals()
        totals.add_bucket(b)
        row.models.add(b[1])
        if view == "session":
            last = max(row.fields.get("_last", 0), b[10])
            row.fields["_last"] = last
    ordered = sorted(rows.values(), key=lambda r: _order(view, r))
    for row in ordered:
        last = row.fields.pop("_last", None)
        if last is not None:
            row.fields["lastActivity"] = clock.when(last).isoformat(timespec="seconds")
    return Report(view, name, ordered, unpriced)


def _fields(view: str, key: str, f: FileUsage) -> dict[str, Any]:
    names = {"daily": "date", "monthly": "month", "project": "project", "model": "model"}
    if view == "session":
        return {"sessionId": key, "project": f.cwd or f.project}
    return {names[view]: key}


def _order(view: str, row: ReportRow) -> Any:
    if view == "session":
        return (row.fields.get("_last", 0), row.key)
    if view in ("project", "model"):
        return (-row.total().tokens, row.key)
    return row.key


def _blocks(picked: list[tuple[FileUsage, list[Any]]], clock: _Clock, now: int) -> list[ReportRow]:
    rows: list[ReportRow] = []
    start = last = 0
    current: ReportRow | None = None
    for _, b in sorted(picked, key=lambda fb: fb[1][9]):
        first_ms, last_ms = b[9], b[10]
        if current is None or first_ms - start > BLOCK_MS or first_ms - last > BLOCK_MS:
            if current is not None:
                _close_block(current, start, last, clock, now)
            start = first_ms - first_ms % _HOUR_MS
            last = first_ms
            current = ReportRow(str(start))
            rows.append(current)
        current.kinds.setdefault(b[2], Totals()).add_bucket(b)
        current.models.add(b[1])
        last = max(last, last_ms)
    if current is not None:
        _close_block(current, start, last, clock, now)
    return rows


def _close_block(row: ReportRow, start: int, last: int, clock: _Clock, now: int) -> None:
    end = start + BLOCK_MS
    row.key = clock.when(start).isoformat(timespec="minutes")
    row.fields = {
        "start": row.key,
        "end": clock.when(end).isoformat(timespec="minutes"),
        "lastActivity": clock.when(last).isoformat(timespec="seconds"),
        "active": now < end and now - last < BLOCK_MS,
        "remainingMinutes": max(0, (end - now) // 60000) if now < end else 0,
    }


def parse_day(text: str) -> date:
    """A ``YYYY-MM-DD`` or ``YYYYMMDD`` date; ValueError otherwise."""
    cleaned = text.strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r} (use YYYY-MM-DD)")
