"""Did the transcript get the turn? The SDK transport's check against silent loss.

Claude Code appends each turn's records to ``<session id>.jsonl`` before it reports the
turn's result. When it cannot (a full disk, an unwritable directory) it says nothing
and the turn still completes, so the conversation would be missing on ``resume``
without anyone knowing. For a persisted session (the PTY transport reads every turn
from the transcript, so it cannot miss one) :class:`TurnRecord` notes the transcript's
size when a turn starts; when the turn completes, the file must exist, have grown,
and end with a whole record (a newline). Otherwise :func:`unrecorded` turns the result
into an ``error`` boundary (its text kept) and gives the
:class:`~claude_coder.events.SaveFailed` event to publish before it.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING

from claude_coder.catalog.paths import config_dir, transcript_path
from claude_coder.events import Boundary, SaveFailed, TurnResult

if TYPE_CHECKING:
    from claude_coder.launch import LaunchSpec

__all__ = ["TurnRecord", "transcript_of", "unrecorded"]


def transcript_of(spec: LaunchSpec, session_id: str | None) -> Path | None:
    """Where Claude Code writes this session's transcript; None when it writes none."""
    if session_id is None or "--no-session-persistence" in spec.argv:
        return None
    return transcript_path(session_id, spec.cwd, config_dir(spec.env))


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _ends_whole(path: Path, size: int) -> bool:
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, size - 1))
            return fh.read(1) == b"\n"
    except OSError:
        return False


class TurnRecord:
    """The transcript's size at the start of one turn."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.start = (_size(path) or 0) if path is not None else 0

    def problem(self) -> str | None:
        """Why the turn is not in the transcript, or None when it is (or is not kept)."""
        if self.path is None:
            return None
        size = _size(self.path)
        if size is None:
            where = self.path.parent
            why = "" if os.access(where, os.W_OK) else f" ({where} is not writable)"
            return f"the transcript was not written{why}"
        if size <= self.start:
            return "the transcript did not grow (is the disk full?)"
        if not _ends_whole(self.path, size):
            return "the transcript ends in a torn record (is the disk full?)"
        return None


def unrecorded(
    result: TurnResult, record: TurnRecord | None
) -> tuple[TurnResult, SaveFailed | None]:
    """``result`` flagged when a completed turn is missing from its transcript."""
    if record is None or record.path is None or result.boundary is not Boundary.COMPLETED:
        return result, None
    problem = record.problem()
    if problem is None:
        return result, None
    event = SaveFailed("transcript", str(record.path), problem)
    error = f"the turn completed but was not saved: {problem}; {record.path} will miss it on resume"
    return dataclasses.replace(result, boundary=Boundary.ERROR, error=error), event
