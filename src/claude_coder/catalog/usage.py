"""Token usage and cost from the transcripts on disk, cached like the catalog's listing.

Every ``*.jsonl`` under ``<config>/projects/<project>/`` counts: the session
transcripts and the subagent transcripts under ``<session id>/subagents/`` (their
tokens are billed like any other; they are filed under the parent session). This is
what ccusage reads too.

Each file is reduced to per-quarter-hour sums (see :mod:`usage_read`) plus the digests
of its message keys, on every core when there is much to read (:mod:`usage_scan`). The
cache (:mod:`usage_cache`) keeps that per file by (path, size, mtime in ns); only
changed files are read again. A message whose key was already counted in another file
(a fork copies its history) is counted once, in the file that starts earliest; the
cache keeps that outcome too, so when no file changed the answer comes from stat()
and the cache alone. A cache that cannot be read, has another format or price table,
or does not add up is dropped and rebuilt; it is written to a temporary file and
renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_coder.catalog import cachefile, usage_cache
from claude_coder.catalog.paths import projects_dir
from claude_coder.catalog.pricing import PRICES, PRICES_AS_OF
from claude_coder.catalog.usage_read import FileUsage, bucketize, read_rows
from claude_coder.catalog.usage_scan import scan

__all__ = ["FORMAT", "UsageData", "default_usage_cache", "load_usage"]

_TABLE = hashlib.sha256(repr(sorted(PRICES.items())).encode()).hexdigest()[:12]
FORMAT = f"claude-coder-usage/2+{usage_cache.LAYOUT}+{PRICES_AS_OF}+{_TABLE}"


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


_Entry = tuple[str, str, str, int, int]
"""(path, project, session id, size, mtime in ns) of one transcript file."""


def _walk(projects: Path) -> list[_Entry]:
    out: list[_Entry] = []
    try:
        with os.scandir(projects) as it:
            dirs = [e for e in it if e.is_dir(follow_symlinks=False)]
    except OSError:
        return out
    for project in dirs:
        _walk_dir(project.path, project.name, None, out)
    return out


def _walk_dir(folder: str, project: str, session: str | None, out: list[_Entry]) -> None:
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
                out.append((e.path, project, sid, st.st_size, st.st_mtime_ns))
        elif e.is_dir(follow_symlinks=False):
            _walk_dir(e.path, project, session if session is not None else e.name, out)


def load_usage(
    config: str | Path | None = None, cache_file: Path | None = None, *, workers: int | None = None
) -> UsageData:
    """Usage of every transcript under ``config``'s projects dir (default: Claude Code's
    config dir), answered from ``cache_file`` where it still holds (None: no cache).
    ``workers``: processes that may read files (None: one per core, when there is
    enough to read; 1: this process only)."""
    projects = projects_dir(config)
    entries = _walk(projects)
    loaded = _load_cache(cache_file, projects)
    try:
        return _load(projects, entries, cache_file, loaded, workers)
    except (TypeError, ValueError, KeyError, IndexError, struct.error):
        return _load(projects, entries, cache_file, None, workers)  # a lie found late


def _load_cache(cache_file: Path | None, projects: Path) -> usage_cache.CachedFiles | None:
    if cache_file is None:
        return None
    files = cachefile.load(cache_file, FORMAT, projects)
    if files is None:
        return None
    try:
        return usage_cache.decode(files)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return None  # it parsed but does not add up: rebuilt


def _load(
    projects: Path,
    entries: list[_Entry],
    cache_file: Path | None,
    loaded: usage_cache.CachedFiles | None,
    workers: int | None,
) -> UsageData:
    out = UsageData(projects, cache_rebuilt=cache_file is not None and loaded is None)
    root = len(os.fspath(projects)) + 1
    if loaded is not None and loaded.holds_exactly([(e[0], e[3], e[4]) for e in entries], root):
        out.cached = len(entries)  # nothing changed: the cache's answer, deduplicated
        out.files = loaded.counted_files(os.fspath(projects) + os.sep)
        return out
    found, hits, missing = _match(entries, loaded, root)
    _read_missing(entries, missing, found, workers)
    kept = [(e, f) for e, f in zip(entries, found, strict=True) if f is not None]
    out.unreadable = len(entries) - len(kept)
    out.read, out.cached = len(missing) - out.unreadable, len(hits)
    if loaded is not None and not out.read and len(hits) == len(loaded.index):
        out.files = _as_cached(loaded, hits, [f for _, f in kept])
        return out
    files = [f for _, f in kept]
    raw = [f.buckets for f in files]
    order, counted = _dedupe(files)
    out.files = [files[i] for i in order]
    if cache_file is not None:
        rels = [kept[i][0][0][root:] for i in order]
        sizes = [kept[i][0][3] for i in order]
        payload = usage_cache.encode(out.files, rels, sizes, [raw[i] for i in order], counted)
        cachefile.save(cache_file, FORMAT, projects, payload)
    return out


def _match(
    entries: list[_Entry], loaded: usage_cache.CachedFiles | None, root: int
) -> tuple[list[FileUsage | None], list[int], list[int]]:
    """Each entry's usage from the cache where it holds (else None), the cache indices
    used, and the entries (by position) to read."""
    found: list[FileUsage | None] = []
    hits: list[int] = []
    missing: list[int] = []
    for n, (path, project, _, size, mtime) in enumerate(entries):
        i = loaded.find(path[root:], size, mtime) if loaded is not None else None
        if i is None or loaded is None:
            missing.append(n)
            found.append(None)
        else:
            hits.append(i)
            found.append(loaded.usage(i, project, path, mtime))
    return found, hits, missing


def _as_cached(
    loaded: usage_cache.CachedFiles, hits: list[int], files: list[FileUsage]
) -> list[FileUsage]:
    """The same files as when the cache was written: in its order (the order they were
    deduplicated in) with the buckets they counted then."""
    slots: list[FileUsage] = files[:]
    for i, f in zip(hits, files, strict=True):
        slots[i] = f
        f.buckets = loaded.counted.get(i, f.buckets)
    return slots


def _read_missing(
    entries: list[_Entry], missing: list[int], found: list[FileUsage | None], workers: int | None
) -> None:
    scanned = scan([entries[n][0] for n in missing], [entries[n][3] for n in missing], workers)
    for n, got in zip(missing, scanned, strict=True):
        if got is not None:
            path, project, sid, _, mtime = entries[n]
            found[n] = FileUsage(
                sid, project, got.cwd, got.keys, got.buckets, got.first_ms, path, mtime
            )


def _keys(f: FileUsage) -> tuple[int, ...]:
    return struct.unpack(f"<{len(f.keys) // 8}Q", f.keys)


def _dedupe(files: list[FileUsage]) -> tuple[list[int], dict[int, list[list[Any]]]]:
    """Count a message key once across files: the earliest-starting file keeps it (on a
    tie, the file written first: a fork that kept its history's times is the newer).
    Returns that order (indices into ``files``) and the new buckets of the files that
    changed, by their place in it."""
    order = sorted(range(len(files)), key=lambda i: _age(files[i]))
    seen: set[int] = set()
    changed: dict[int, list[list[Any]]] = {}
    for place, i in enumerate(order):
        f = files[i]
        keys = _keys(f)
        if not seen.isdisjoint(keys):
            try:
                rows, _ = read_rows(f.path)
            except OSError:
                rows = []  # gone since the scan: nothing of it is counted twice
            f.buckets = changed[place] = bucketize(rows, skip=seen)
        seen.update(keys)
    return order, changed


def _age(f: FileUsage) -> tuple[int, int, str]:
    return (f.first_ms or 0, f.mtime_ns, f.path)
