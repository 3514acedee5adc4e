"""Token usage and cost from the transcripts on disk, cached like the catalog's listing.

Every ``*.jsonl`` under ``<config>/projects/<project>/`` counts: the session
transcripts and the subagent transcripts under ``<session id>/subagents/`` (their
tokens are billed like any other; they are filed under the parent session). This is
what ccusage reads too.

Each file is reduced to per-quarter-hour sums (see :mod:`usage_read`) plus the digests
of its message keys. The cache keeps that per file by (path, size, mtime in ns); only
changed files are read again. A message whose key was already counted in another file
(a fork copies its history) is counted once, in the file that starts earliest. A cache
that cannot be read, has another format or price table, or does not add up is dropped
and rebuilt; it is written to a temporary file and renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_coder.catalog import cachefile
from claude_coder.catalog.paths import projects_dir
from claude_coder.catalog.pricing import PRICES, PRICES_AS_OF
from claude_coder.catalog.usage_read import KINDS, FileUsage, bucketize, read_rows

__all__ = ["FORMAT", "UsageData", "default_usage_cache", "load_usage"]

_TABLE = hashlib.sha256(repr(sorted(PRICES.items())).encode()).hexdigest()[:12]
FORMAT = f"claude-coder-usage/1+{PRICES_AS_OF}+{_TABLE}"
_BUCKET_TYPES = (int, str, str, int, int, int, int, float, int, int, int, int)


def default_usage_cache(projects: Path) -> Path:
    """The usage cache file for ``projects`` in the platform's user cache dir."""
    import platformdirs

    digest = hashlib.sha256(os.fsencode(projects)).hexdigest()[:16]
    return Path(platformdirs.user_cache_dir("claude-coder")) / f"usage-{digest}.json"


@dataclass
class UsageData:
    """Every file's usage, deduplicated across files, and how it was got."""

    projects: Path
    files: list[FileUsage] = field(default_factory=list)
    read: int = 0
    cached: int = 0
    unreadable: int = 0
    cache_rebuilt: bool = False


@dataclass(frozen=True)
class _Entry:
    path: str
    project: str
    session_id: str
    size: int
    mtime_ns: int


def _walk(projects: Path) -> Iterator[_Entry]:
    try:
        with os.scandir(projects) as it:
            dirs = [e for e in it if e.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for project in dirs:
        yield from _walk_dir(project.path, project.name, None)


def _walk_dir(folder: str, project: str, session: str | None) -> Iterator[_Entry]:
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError:
        return
    for e in entries:
        if e.name.endswith(".jsonl"):
            try:
                st = e.stat()
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                sid = session if session is not None else e.name[:-6]
                yield _Entry(e.path, project, sid, st.st_size, st.st_mtime_ns)
        elif e.is_dir(follow_symlinks=False):
            yield from _walk_dir(e.path, project, session if session is not None else e.name)


def _to_row(entry: _Entry, f: FileUsage) -> list[Any]:
    return [entry.size, entry.mtime_ns, f.session_id, f.cwd, f.first_ms, f.keys, f.buckets]


def _from_row(entry: _Entry, row: Any) -> FileUsage | None:
    if type(row) is not list or len(row) != 7 or row[0] != entry.size or row[1] != entry.mtime_ns:
        return None
    _, _, sid, cwd, first, keys, buckets = row
    if type(sid) is not str or type(keys) is not list or type(buckets) is not list:
        return None
    if not (cwd is None or type(cwd) is str) or not (first is None or type(first) is int):
        return None
    if not all(map(_good_bucket, buckets)):
        return None  # keys are only hashed: a bad one cannot miscount, an unhashable one
        # raises TypeError, and load_usage then rebuilds the cache
    return FileUsage(sid, entry.project, cwd, keys, buckets, first, entry.path, entry.mtime_ns)


def _good_bucket(b: Any) -> bool:
    return type(b) is list and tuple(map(type, b)) == _BUCKET_TYPES and b[2] in KINDS


def _read(entry: _Entry) -> FileUsage | None:
    try:
        rows, cwd = read_rows(entry.path)
    except OSError:
        return None
    keys = [r.key for r in rows if r.key is not None]
    first = min((r.ts_ms for r in rows), default=None)
    buckets = bucketize(rows)
    path, mtime = entry.path, entry.mtime_ns
    return FileUsage(entry.session_id, entry.project, cwd, keys, buckets, first, path, mtime, rows)


class _Cache:
    def __init__(self, projects: Path, cache_file: Path | None) -> None:
        self.projects = projects
        self.file = cache_file

    def load(self) -> dict[str, Any] | None:
        if self.file is None:
            return {}
        return cachefile.load(self.file, FORMAT, self.projects)

    def save(self, files: dict[str, Any]) -> None:
        if self.file is not None:
            cachefile.save(self.file, FORMAT, self.projects, files)


def load_usage(config: str | Path | None = None, cache_file: Path | None = None) -> UsageData:
    """Usage of every transcript under ``config``'s projects dir (default: Claude Code's
    config dir), answered from ``cache_file`` where it still holds (None: no cache)."""
    projects = projects_dir(config)
    cache = _Cache(projects, cache_file)
    loaded = cache.load()
    try:
        return _load(projects, cache, loaded)
    except (TypeError, ValueError, KeyError, IndexError):
        return _load(projects, cache, None)  # the cache parsed but did not add up


def _load(projects: Path, cache: _Cache, loaded: dict[str, Any] | None) -> UsageData:
    old = loaded if loaded is not None else {}
    out = UsageData(projects, cache_rebuilt=loaded is None)
    new: dict[str, Any] = {}
    for entry in _walk(projects):
        f = _from_row(entry, old.get(entry.path))
        if f is None:
            f = _read(entry)
            if f is None:
                out.unreadable += 1
                continue
            out.read += 1
        else:
            out.cached += 1
        new[entry.path] = _to_row(entry, f)
        out.files.append(f)
    _dedupe(out.files)
    if out.read or loaded is None or len(new) != len(old):
        cache.save(new)
    return out


def _dedupe(files: list[FileUsage]) -> None:
    """Count a message key once across files: the earliest-starting file keeps it (on a
    tie, the file written first: a fork that kept its history's times is the newer)."""
    files.sort(key=lambda f: (f.first_ms or 0, f.mtime_ns, f.path))
    seen: set[int] = set()
    for f in files:
        if not seen.isdisjoint(f.keys):
            rows = f.rows
            if rows is None:
                try:
                    rows, _ = read_rows(f.path)
                except OSError:
                    rows = []  # gone since the scan: nothing of it is counted twice
            f.buckets = bucketize(rows, skip=seen)
        seen.update(f.keys)
        f.rows = None
