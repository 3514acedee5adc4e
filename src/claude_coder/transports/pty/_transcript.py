"""The PTY transport's second pair of eyes: the session transcript, read as it grows.

The TUI draws streamed text late and tool calls collapsed; the transcript JSONL has them
exactly. :class:`JsonlSplitter` is a pure ``feed()`` object (bytes -> whole records, any
chunking); :class:`TurnReader` turns one turn's records into events (text, tool calls,
tool results, usage) and says how the turn ended; :class:`TranscriptFile` finds the file
of a session id under the config dir and reads what was appended since last time.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from claude_coder.events import (
    AssistantText,
    Boundary,
    Event,
    TextDelta,
    ToolCall,
    ToolResult,
    Usage,
)
from claude_coder.transports.base import content_text

__all__ = [
    "JsonlSplitter",
    "TranscriptFile",
    "TurnReader",
    "learn_session_id",
    "read_session_id",
    "resets_at",
    "transcript_ids",
]

INTERRUPTED = "[Request interrupted by user]"
INTERRUPTED_FOR_TOOL = "[Request interrupted by user for tool use]"
_RESETS = re.compile(r"resets (\d{1,2})(?::(\d{2}))?\s*([ap]m)\s*\(([^)]+)\)", re.I)


def resets_at(text: str, now: datetime | None = None) -> int | None:
    """When a usage limit resets, from Claude Code's ``resets 11:13am (UTC)`` wording.

    The next such wall-clock time in that zone, as Unix seconds; None if unreadable.
    """
    found = _RESETS.search(text)
    if found is None:
        return None
    hour, minute = int(found.group(1)) % 12, int(found.group(2) or 0)
    hour += 12 if found.group(3).lower() == "pm" else 0
    try:
        zone = ZoneInfo(found.group(4).strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None
    here = (now or datetime.now(zone)).astimezone(zone)
    when = here.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if when < here - timedelta(minutes=1):
        when += timedelta(days=1)
    return int(when.timestamp())


class JsonlSplitter:
    """Bytes in, parsed JSON objects out; a partial last line waits for the rest."""

    def __init__(self) -> None:
        self._partial = b""
        self.bad_lines = 0

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        buf = self._partial + data
        *lines, self._partial = buf.split(b"\n")
        out: list[dict[str, Any]] = []
        for line in lines:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                self.bad_lines += 1
                continue
            if isinstance(obj, dict):
                out.append(obj)
        return out


class TurnReader:
    """One turn's records -> events; knows the turn's end marker when it has come."""

    def __init__(self) -> None:
        self.tool_calls: list[ToolCall] = []
        self.results: dict[str, ToolResult] = {}
        self.texts: list[tuple[str, str]] = []
        """(message id, text) of every assistant text block, in order."""
        self._usage: dict[str, Mapping[str, Any]] = {}
        self.end: Boundary | None = None
        self.error: str | None = None
        self.limit_reason: str | None = None
        """``rate_limit`` when the turn ended at the login's usage limit."""
        self.interrupted_for_tool = False
        self.started = False
        self.since: float | None = None
        """Records stamped more than a second before this time (Unix seconds) belong to
        earlier turns (a forked session's copied history) and are skipped."""

    def feed(self, record: Mapping[str, Any]) -> list[Event]:
        """Events for one transcript record (none for bookkeeping records)."""
        kind = record.get("type")
        if record.get("isSidechain") or self._before(record.get("timestamp")):
            return []
        if kind == "assistant":
            return self._assistant(record)
        if kind == "user":
            return self._user(record)
        if kind == "system" and record.get("subtype") == "turn_duration":
            self.end = self.end or Boundary.COMPLETED
        return []

    def _before(self, stamp: object) -> bool:
        if self.since is None or not isinstance(stamp, str):
            return False
        try:
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return False
        return when < self.since - 1.0

    def _assistant(self, record: Mapping[str, Any]) -> list[Event]:
        msg = record.get("message") or {}
        mid = str(msg.get("id") or record.get("uuid") or "")
        if isinstance(msg.get("usage"), Mapping):
            self._usage[mid] = msg["usage"]
        if record.get("isApiErrorMessage"):
            self.error = content_text(msg.get("content")) or "API error"
            limited = record.get("error") == "rate_limit"
            self.end = Boundary.LIMIT if limited else Boundary.ERROR
            self.limit_reason = "rate_limit" if limited else None
            return []
        out: list[Event] = []
        for block in msg.get("content") or []:
            if not isinstance(block, Mapping):
                continue
            if block.get("type") == "text" and block.get("text"):
                self.texts.append((mid, str(block["text"])))
                out += [TextDelta(str(block["text"])), AssistantText(str(block["text"]))]
            elif block.get("type") == "tool_use":
                call = ToolCall(
                    str(block.get("id")), str(block.get("name")), block.get("input") or {}
                )
                self.tool_calls.append(call)
                out.append(call)
        return out

    def _user(self, record: Mapping[str, Any]) -> list[Event]:
        content = (record.get("message") or {}).get("content")
        if isinstance(content, str):
            self.started = True
            return []
        out: list[Event] = []
        for block in content if isinstance(content, list) else []:
            if not isinstance(block, Mapping):
                continue
            if block.get("type") == "tool_result":
                res = ToolResult(
                    str(block.get("tool_use_id")),
                    content_text(block.get("content")),
                    bool(block.get("is_error")),
                )
                self.results[res.id] = res
                out.append(res)
            elif block.get("type") == "text":
                text = str(block.get("text", ""))
                if text.startswith(INTERRUPTED_FOR_TOOL):
                    self.interrupted_for_tool = True
                    self.end = self.end or Boundary.INTERRUPTED
                elif text.startswith(INTERRUPTED):
                    self.end = self.end or Boundary.INTERRUPTED
                else:
                    self.started = True
        return out

    def pending_call(self, names: tuple[str, ...] = ()) -> ToolCall | None:
        """The latest tool call without a result (optionally of one of ``names``)."""
        for call in reversed(self.tool_calls):
            if call.id not in self.results and (not names or call.name in names):
                return call
        return None

    @property
    def final_text(self) -> str:
        """The text of the turn's last assistant message that had text."""
        if not self.texts:
            return ""
        last = self.texts[-1][0]
        return "\n\n".join(t for mid, t in self.texts if mid == last)

    def usage(self) -> Usage | None:
        """Tokens summed over the turn's API calls (each message counted once)."""
        if not self._usage:
            return None
        total: dict[str, int] = {}
        keys = (
            "input_tokens",
            "output_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
        )
        for u in self._usage.values():
            for key in keys:
                value = u.get(key)
                total[key] = total.get(key, 0) + (value if isinstance(value, int) else 0)
        return Usage(
            total["input_tokens"],
            total["output_tokens"],
            None,
            total["cache_creation_input_tokens"],
            total["cache_read_input_tokens"],
        )


def read_session_id(config_dir: Path, pid: int | None, cwd: str, since_ms: float) -> str | None:
    """The session id an interactive Claude Code wrote in ``sessions/<pid>.json``.

    Falls back to the one record for ``cwd`` started after ``since_ms`` (a launcher that
    forks instead of ``exec``-ing has another pid); None when there is no single answer.
    """
    folder = config_dir / "sessions"
    if pid is not None:
        found = _session_id(folder / f"{pid}.json")
        if found:
            return found
    candidates = []
    for path in folder.glob("*.json") if folder.is_dir() else ():
        data = _read_json(path)
        if data.get("cwd") == cwd and float(data.get("startedAt") or 0) >= since_ms - 2000:
            candidates.append(str(data.get("sessionId") or ""))
    return candidates[0] if len(candidates) == 1 and candidates[0] else None


def transcript_ids(config_dir: Path) -> set[str]:
    """The session ids that have a transcript under ``projects/`` now."""
    return {p.stem for p in (config_dir / "projects").glob("*/*.jsonl")}


async def learn_session_id(
    config_dir: Path,
    pid: int | None,
    cwd: str,
    since_ms: float,
    before: set[str],
    within: float,
) -> str | None:
    """The id of a session Claude Code named itself (a fork): ``sessions/<pid>.json``,
    else the one transcript that appeared since ``before`` was taken; polled until
    ``within`` seconds have passed. None when there is no single answer by then."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        found = read_session_id(config_dir, pid, cwd, since_ms)
        if found is None:
            new = transcript_ids(config_dir) - before
            found = next(iter(new)) if len(new) == 1 else None
        if found is not None or loop.time() >= deadline:
            return found
        await asyncio.sleep(0.1)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _session_id(path: Path) -> str | None:
    sid = _read_json(path).get("sessionId")
    return str(sid) if sid else None


class TranscriptFile:
    """The transcript of one session id: found by id under ``projects/``, read as it grows."""

    def __init__(self, config_dir: Path, session_id: str) -> None:
        self.config_dir = config_dir
        self.session_id = session_id
        self.path: Path | None = None
        self.offset = 0
        self._splitter = JsonlSplitter()

    def locate(self) -> Path | None:
        if self.path is None:
            found = sorted((self.config_dir / "projects").glob(f"*/{self.session_id}.jsonl"))
            self.path = found[0] if found else None
        return self.path

    def skip_existing(self) -> None:
        """Start reading at the current end (a resumed session's history is not news)."""
        path = self.locate()
        if path is not None:
            try:
                self.offset = path.stat().st_size
            except OSError:
                self.offset = 0

    def read_new(self) -> list[dict[str, Any]]:
        """Records appended since the last call (whole lines only)."""
        path = self.locate()
        if path is None:
            return []
        try:
            with path.open("rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except OSError:
            return []
        self.offset += len(data)
        return self._splitter.feed(data)
