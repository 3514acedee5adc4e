"""Helpers for SDK-transport integration tests: profiles files, event recording, reaping."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psutil
from tests.support.recorder import EventRecorder

DEADLINE = 60.0


def write_profiles(where: Path, *profiles: dict[str, Any]) -> Path:
    """A profiles file holding ``profiles`` (camelCase JSON keys)."""
    path = where / "profiles.json"
    path.write_text(json.dumps(list(profiles)))
    return path


class Events(EventRecorder):
    """Every envelope a session publishes, with waits that have deadlines."""

    deadline = DEADLINE


def gone(pid: int) -> bool:
    """True when ``pid`` is reaped: no process, not even a zombie, has it."""
    try:
        psutil.Process(pid)
    except psutil.NoSuchProcess:
        return True
    return False
