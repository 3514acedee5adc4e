"""The catalog's cache files: one JSON object per projects dir, read whole, replaced whole.

A cache is an optimisation and never an authority. :func:`load` returns its ``files``
map only when the file parses, has the expected ``format`` and names the same projects
dir (else None: rebuild); :func:`save` writes a temporary file in the same dir and
renames it into place, so a reader never sees half of it, and gives up quietly when it
cannot write (the caller still has its answer).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["load", "save"]


def load(path: Path, fmt: str, projects: Path) -> dict[str, Any] | None:
    """The ``files`` map of the cache at ``path``, or None if it is unusable."""
    try:
        with open(path, "rb") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    if (
        not isinstance(data, dict)
        or data.get("format") != fmt
        or data.get("projects") != os.fspath(projects)
        or not isinstance(data.get("files"), dict)
    ):
        return None
    files: dict[str, Any] = data["files"]
    return files


def save(path: Path, fmt: str, projects: Path, files: dict[str, Any]) -> None:
    """Replace the cache at ``path`` with ``files`` (atomically; errors are ignored)."""
    payload = {"format": fmt, "projects": os.fspath(projects), "files": files}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            # dumps (one C-encoder call) is several times faster than dump's chunks
            fh.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
