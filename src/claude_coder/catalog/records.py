"""Single records of one transcript: the last ``cost-state`` and ``tag``, and a recap.

What a resume needs from the session it continues: the running totals Claude Code
restores (its last ``cost-state``), the profile it was started with (a ``tag`` record
``profile:<name>``, written with claude_agent_sdk's ``tag_session``), and the last few
turns to show. Files are found by session id under every project dir.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from claude_coder.catalog.history import read_history
from claude_coder.catalog.paths import config_dir, projects_dir
from claude_coder.events import AssistantText, UserText

__all__ = [
    "PROFILE_TAG",
    "find_transcript",
    "last_record",
    "profile_of",
    "recap_lines",
]

PROFILE_TAG = "profile:"
"""The prefix of the ``tag`` record that names a session's profile."""


def find_transcript(session_id: str, config: str | Path | None = None) -> Path | None:
    """The transcript of ``session_id`` in any project dir, or None."""
    root = projects_dir(config if config is not None else config_dir())
    try:
        with os.scandir(root) as entries:
            dirs = [e.path for e in entries if e.is_dir()]
    except OSError:
        return None
    for folder in dirs:
        candidate = Path(folder) / f"{session_id}.jsonl"
        if candidate.is_file():
            return candidate
    return None


def _records(path: Path, needle: bytes) -> Iterator[dict[str, Any]]:
    try:
        with path.open("rb") as f:
            for line in f:
                if needle not in line:
                    continue
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict):
                    yield rec
    except OSError:
        return


def last_record(path: Path | None, kind: str) -> dict[str, Any] | None:
    """The last record of type ``kind`` (e.g. ``cost-state``) in a transcript, or None."""
    if path is None:
        return None
    found = None
    for rec in _records(path, f'"{kind}"'.encode()):
        if rec.get("type") == kind:
            found = rec
    return found


def profile_of(path: Path | None) -> str | None:
    """The profile a session was started with (its last ``profile:`` tag), or None."""
    rec = last_record(path, "tag")
    tag = rec.get("tag") if rec else None
    if isinstance(tag, str) and tag.startswith(PROFILE_TAG):
        return tag[len(PROFILE_TAG) :] or None
    return None


def recap_lines(path: Path | None, turns: int = 3, width: int = 100) -> list[str]:
    """The last ``turns`` exchanges of a session, one short line per message."""
    if path is None:
        return []
    lines: list[tuple[bool, str]] = []
    try:
        for env in read_history(path):
            ev = env.event
            if isinstance(ev, UserText):
                lines.append((True, f"you     {_one_line(ev.text, width)}"))
            elif isinstance(ev, AssistantText):
                lines.append((False, f"claude  {_one_line(ev.text, width)}"))
    except OSError:
        return []
    starts = [i for i, (is_user, _) in enumerate(lines) if is_user]
    keep = lines[starts[-turns] :] if len(starts) >= turns else lines
    return [text for _, text in keep]


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."
