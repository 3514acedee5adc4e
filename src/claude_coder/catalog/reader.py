"""Listing one transcript from its head and tail: what a session is called and about.

Only the first and last 64 KiB of a file are read, as bytes; fields are found by
their JSON key (which works on cut and corrupt lines alike) and only the values found
are decoded. The rules follow Claude Code's own session listing:

- a file whose first line is a sidechain record is a subagent's, not a session;
- the *name* is the last ``customTitle`` (tail, else head); the *title* is the name,
  else the last ``aiTitle``;
- the *summary* is the title, else the last ``lastPrompt`` in the tail, else the last
  ``summary``, else the first real prompt in the head (tool results, meta entries,
  compact summaries, slash commands and generated text left out; cut to 200
  characters). A file with none of these holds no conversation and is skipped;
- a named session also gets its *prompt* (last ``lastPrompt``, else the first real
  prompt), for listings that show the name and want what was said besides;
- ``cwd`` and the created time come from the first ``cwd`` / ``timestamp`` in the
  head; the git branch is the last one in the tail, else the first in the head.

Nothing here raises for a bad file: :func:`read_transcript` returns a
:class:`Skipped` with the reason instead.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "WINDOW",
    "FileFacts",
    "Skipped",
    "read_transcript",
]

WINDOW = 64 * 1024
"""Bytes read from each end of a transcript."""

_CUT = 200
_STRING_REST = re.compile(rb'([^"\\]*(?:\\.[^"\\]*)*)"', re.S)
_COMMAND_NAME = re.compile(r"<command-name>(.*?)</command-name>")
_GENERATED = re.compile(
    r"<local-command-stdout>|<session-start-hook>|<tick>|<goal>"
    r"|\[Request interrupted by user[^\]]*\]"
)
_WHOLE_TAG = re.compile(r"\s*<(ide_opened_file|ide_selection)>.*</\1>\s*", re.S)
_USER_KEYS = (b'"type":', b'"type": ')
_NOT_A_PROMPT = (
    b'"tool_result"',
    b'"isMeta":true',
    b'"isMeta": true',
    b'"isCompactSummary":true',
    b'"isCompactSummary": true',
)


class FileFacts(NamedTuple):
    """What the head and tail of one transcript say (before any cache or sorting).

    A tuple, not a dataclass: a warm listing builds ten thousand of these from the cache.
    """

    session_id: str
    name: str | None
    title: str | None
    summary: str
    cwd: str | None
    git_branch: str | None
    created_ms: int | None
    size: int
    mtime_ns: int
    prompt: str | None = None
    """For a named session: its last prompt, else its first (the summary is the name)."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file that is not listed, and why (``unreadable``, ``empty``, ``sidechain``...)."""

    reason: str
    size: int = -1
    mtime_ns: int = -1


def _read_ends(path: str) -> tuple[bytes, bytes, int, int] | Skipped:
    """Head, tail, size and mtime of a file, as of one ``fstat``."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return Skipped("unreadable")
    try:
        st = os.fstat(fd)
        size = st.st_size
        if size == 0:
            return Skipped("empty", 0, st.st_mtime_ns)
        # A file growing while it is read is described as of the fstat: bytes past
        # ``size`` are left for the next listing, which sees the new size.
        head = os.pread(fd, min(WINDOW, size), 0)
        tail = head if size <= WINDOW else os.pread(fd, WINDOW, size - WINDOW)
    except OSError:
        return Skipped("unreadable")
    finally:
        os.close(fd)
    if not head:
        return Skipped("empty", 0, st.st_mtime_ns)
    return head, tail, size, st.st_mtime_ns


def _decode(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    if "\\" not in text:
        return text
    try:
        value = json.loads(f'"{text}"')
    except ValueError:
        return text
    return value if isinstance(value, str) else text


class _Buffer:
    """A window of bytes searched for ``"key":"value"`` pairs (a space after the colon too)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def _value_at(self, at: int) -> str | None:
        """The string value starting after the colon at ``at`` (None: not a complete string)."""
        buf = self.data
        if buf[at : at + 1] == b" ":
            at += 1
        if buf[at : at + 1] != b'"':
            return None
        m = _STRING_REST.match(buf, at + 1)
        return _decode(m.group(1)) if m is not None else None

    def last(self, key: str) -> str | None:
        """The last complete string value of ``key`` (None if there is none)."""
        needle = b'"' + key.encode() + b'":'
        end = len(self.data)
        while (at := self.data.rfind(needle, 0, end)) >= 0:
            value = self._value_at(at + len(needle))
            if value is not None:
                return value
            end = at
        return None

    def first(self, key: str) -> str | None:
        """The first complete string value of ``key``."""
        needle = b'"' + key.encode() + b'":'
        start = 0
        while (at := self.data.find(needle, start)) >= 0:
            value = self._value_at(at + len(needle))
            if value is not None:
                return value
            start = at + 1
        return None


def _prompt_texts(line: bytes) -> list[str]:
    try:
        entry = json.loads(line.decode("utf-8", "replace"))
    except ValueError:
        return []
    if not isinstance(entry, dict) or entry.get("type") != "user":
        return []
    message = entry.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        return []
    return [
        b["text"]
        for b in content
        if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)
    ]


def _user_lines(head: _Buffer) -> Iterator[bytes]:
    """Lines of ``head`` that look like user records (``"type":"user"``), in order."""
    buf = head.data
    pos = 0
    while (at := buf.find(b'"user"', pos)) >= 0:
        pos = at + 1
        if not buf.endswith(_USER_KEYS, max(0, at - 8), at):
            continue
        start = buf.rfind(b"\n", 0, at) + 1
        end = buf.find(b"\n", at)
        end = len(buf) if end < 0 else end
        yield buf[start:end]
        pos = end + 1


def first_prompt(head: bytes | _Buffer) -> str | None:
    """The first real prompt in ``head`` (else the first slash command's name)."""
    command: str | None = None
    if isinstance(head, bytes):
        head = _Buffer(head)
    for line in _user_lines(head):
        if any(marker in line for marker in _NOT_A_PROMPT):
            continue
        for raw in _prompt_texts(line):
            text = raw.replace("\n", " ").strip()
            if not text:
                continue
            found = _COMMAND_NAME.search(text)
            if found is not None:
                command = command or found.group(1)
                continue
            if _GENERATED.match(text) or _WHOLE_TAG.fullmatch(text):
                continue
            return text if len(text) <= _CUT else text[:_CUT].rstrip() + "\u2026"
    return command or None


def _epoch_ms(stamp: str | None) -> int | None:
    if not stamp:
        return None
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def _is_sidechain(head: bytes) -> bool:
    nl = head.find(b"\n")
    first = head if nl < 0 else head[:nl]
    return b'"isSidechain":true' in first or b'"isSidechain": true' in first


_TITLE_KEY_END = b'Title":'  # ends both "customTitle": and "aiTitle":


def _titles(tail: _Buffer, head: _Buffer, size: int) -> tuple[str | None, str | None]:
    """(name, title): the last ``customTitle``, else the last ``aiTitle``; tail first."""
    # Most transcripts have neither key, so one scan per window for the keys' common
    # end replaces four. Where the windows overlap, a tail without it clears the head's
    # overlapping part too.
    in_tail = _TITLE_KEY_END in tail.data
    windows = [tail] if in_tail else []
    if head is not tail:
        unseen = len(head.data) if in_tail else size - WINDOW + len(_TITLE_KEY_END) - 1
        if head.data.find(_TITLE_KEY_END, 0, unseen) >= 0:
            windows.append(head)
    name = next((v for w in windows if (v := w.last("customTitle"))), None)
    if name:
        return name, name
    return None, next((v for w in windows if (v := w.last("aiTitle"))), None)


def read_transcript(path: str | Path, session_id: str) -> FileFacts | Skipped:
    """List one transcript from its two ends; never raises for a bad file."""
    ends = _read_ends(os.fspath(path))
    if isinstance(ends, Skipped):
        return ends
    head_bytes, tail_bytes, size, mtime_ns = ends
    if _is_sidechain(head_bytes):
        return Skipped("sidechain", size, mtime_ns)
    head = _Buffer(head_bytes)
    tail = head if tail_bytes is head_bytes else _Buffer(tail_bytes)
    name, title = _titles(tail, head, size)
    # the first prompt is the last resort, and the costliest: only looked for if needed
    summary = title or tail.last("lastPrompt") or tail.last("summary") or first_prompt(head)
    if not summary:
        return Skipped("no conversation", size, mtime_ns)
    prompt = (tail.last("lastPrompt") or first_prompt(head)) if name else None
    return FileFacts(
        session_id=session_id,
        name=name or None,
        title=title or None,
        summary=summary,
        cwd=head.first("cwd") or None,
        git_branch=tail.last("gitBranch") or head.first("gitBranch") or None,
        created_ms=_epoch_ms(head.first("timestamp")),
        size=size,
        mtime_ns=mtime_ns,
        prompt=prompt or None,
    )
