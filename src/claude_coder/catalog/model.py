"""The catalog's answers: one listed session, and the result of a listing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from claude_coder.catalog.reader import FileFacts

__all__ = ["ListResult", "ScanStats", "SessionInfo"]


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One persisted session, as its transcript describes it."""

    session_id: str
    name: str | None
    """The last ``custom-title`` (``--name``, ``/rename``); an AI title is never a name."""
    summary: str
    """Title, else last prompt, else summary record, else first real prompt."""
    cwd: str | None
    git_branch: str | None
    created: datetime | None
    """The first timestamp in the transcript (UTC)."""
    modified: datetime
    """The transcript file's modification time (UTC)."""
    size: int
    """The transcript's size in bytes."""
    path: Path
    title: str | None = None
    """The name, else the last AI-generated title (what Claude Code shows)."""
    prompt: str | None = None
    """For a named session: its last prompt, else its first (its summary is its name)."""

    @classmethod
    def from_facts(cls, facts: FileFacts, path: Path, cwd: str | None = None) -> SessionInfo:
        """Build from what the reader found; ``cwd`` fills in when the file has none."""
        created = (
            datetime.fromtimestamp(facts.created_ms / 1000, UTC)
            if facts.created_ms is not None
            else None
        )
        return cls(
            session_id=facts.session_id,
            name=facts.name,
            summary=facts.summary,
            cwd=facts.cwd or cwd,
            git_branch=facts.git_branch,
            created=created,
            modified=datetime.fromtimestamp(facts.mtime_ns / 1e9, UTC),
            size=facts.size,
            path=path,
            title=facts.title,
            prompt=facts.prompt,
        )

    def to_json(self) -> dict[str, Any]:
        """The ``list --json`` form (times in ISO 8601 UTC)."""
        return {
            "session_id": self.session_id,
            "name": self.name,
            "title": self.title,
            "summary": self.summary,
            "prompt": self.prompt,
            "cwd": self.cwd,
            "git_branch": self.git_branch,
            "created": _iso(self.created),
            "modified": _iso(self.modified),
            "size": self.size,
            "path": str(self.path),
        }


@dataclass(frozen=True, slots=True)
class ScanStats:
    """What one listing cost: files seen, read from disk, and answered by the cache."""

    files: int = 0
    read: int = 0
    cached: int = 0
    cache_rebuilt: bool = False
    """The cache file was missing, stale or corrupt and was started afresh."""


@dataclass(frozen=True, slots=True)
class ListResult:
    """Sessions newest first, plus how many transcript files were skipped and why."""

    sessions: list[SessionInfo]
    skipped: int = 0
    reasons: Mapping[str, int] = field(default_factory=dict)
    """Skipped files by reason: ``unreadable``, ``empty``, ``sidechain``, ``no conversation``."""
    stats: ScanStats = field(default_factory=ScanStats)
