"""The listing cache: transcript facts kept by (path, size, mtime), so a second listing
reads only what changed.

The cache is one JSON file in the user cache dir, per projects dir. It is an
optimisation and never an authority: an entry is used only when the file's size and
mtime (in nanoseconds) match exactly; a cache that cannot be read, has another format
or belongs to another projects dir is dropped and rebuilt; it is written to a temporary
file and renamed into place, so a reader never sees half of it.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_coder.catalog import cachefile
from claude_coder.catalog.paths import is_session_id
from claude_coder.catalog.reader import FileFacts, Skipped, read_transcript

__all__ = ["FORMAT", "Index", "Scan", "default_cache_file"]

FORMAT = "claude-coder-catalog/3"


def default_cache_file(projects: Path) -> Path:
    """The cache file for ``projects`` in the platform's user cache dir."""
    import platformdirs

    digest = hashlib.sha256(os.fsencode(projects)).hexdigest()[:16]
    return Path(platformdirs.user_cache_dir("claude-coder")) / f"catalog-{digest}.json"


@dataclass
class Scan:
    """The outcome of one pass over some project dirs."""

    found: list[tuple[str, FileFacts]] = field(default_factory=list)
    """(project dir, facts) for every listable transcript."""
    reasons: dict[str, int] = field(default_factory=dict)
    files: int = 0
    read: int = 0
    cached: int = 0
    cache_rebuilt: bool = False


def _row(item: FileFacts | Skipped) -> list[Any]:
    if isinstance(item, Skipped):
        return [item.size, item.mtime_ns, item.reason]
    return [
        item.size,
        item.mtime_ns,
        None,
        item.session_id,
        item.name,
        item.title,
        item.summary,
        item.cwd,
        item.git_branch,
        item.created_ms,
        item.prompt,
    ]


def _text_or_none(value: Any) -> bool:
    return value is None or type(value) is str


def _from_row(row: Any, size: int, mtime_ns: int) -> FileFacts | Skipped | None:
    """The cached answer if ``row`` is well-formed and matches the file, else None."""
    if type(row) is not list or len(row) < 3 or row[0] != size or row[1] != mtime_ns:
        return None
    if len(row) == 3:
        return Skipped(row[2], size, mtime_ns) if type(row[2]) is str else None
    if len(row) != 11 or row[2] is not None:
        return None
    _, _, _, sid, name, title, summary, cwd, branch, created, prompt = row
    if not (type(sid) is str and type(summary) is str and summary):
        return None
    if not (
        _text_or_none(name)
        and _text_or_none(title)
        and _text_or_none(cwd)
        and _text_or_none(branch)
        and _text_or_none(prompt)
        and (created is None or type(created) is int)
    ):
        return None
    return FileFacts(sid, name, title, summary, cwd, branch, created, size, mtime_ns, prompt)


class Index:
    """Scans project dirs, answering from the cache file where it still holds."""

    def __init__(self, projects: Path, cache_file: Path | None) -> None:
        self.projects = projects
        self.cache_file = cache_file

    def _load(self) -> dict[str, Any] | None:
        if self.cache_file is None:
            return {}
        return cachefile.load(self.cache_file, FORMAT, self.projects)

    def _save(self, files: dict[str, Any]) -> None:
        if self.cache_file is not None:
            cachefile.save(self.cache_file, FORMAT, self.projects, files)

    def scan(self, dirs: Iterable[Path], *, everything: bool = False) -> Scan:
        """List every ``<uuid>.jsonl`` directly inside ``dirs``.

        ``everything``: ``dirs`` are all the project dirs, so cached rows for any other
        path (a deleted project) are dropped; otherwise rows outside ``dirs`` are kept.
        """
        loaded = self._load()
        old: dict[str, Any] = loaded if loaded is not None else {}
        out = Scan(cache_rebuilt=loaded is None)
        new: dict[str, Any] = {}
        scanned: list[str] = []
        misses: list[tuple[str, str, str]] = []  # (folder, path, session id) to read
        for folder in dirs:
            scanned.append(os.fspath(folder) + os.sep)
            self._scan_dir(os.fspath(folder), old, new, out, misses)
        for where, path, sid in misses:
            item = read_transcript(path, sid)
            out.read += 1
            if item.size >= 0:
                new[path] = _row(item)
            _record(out, where, item)
        prefixes = tuple(scanned)
        kept = {} if everything else {p: r for p, r in old.items() if not p.startswith(prefixes)}
        if out.read or loaded is None or len(kept) + len(new) != len(old):
            self._save({**kept, **new})
        return out

    def _scan_dir(
        self,
        folder: str,
        old: dict[str, Any],
        new: dict[str, Any],
        out: Scan,
        misses: list[tuple[str, str, str]],
    ) -> None:
        try:
            with os.scandir(folder) as it:
                entries = [e for e in it if e.name.endswith(".jsonl")]
        except OSError:
            _count(out, "unreadable folder")
            return
        for entry in entries:
            sid = entry.name[:-6]
            if not is_session_id(sid):
                continue  # not a session transcript by Claude Code's naming
            item = self._cached(entry, old, new, out)
            if item is None:
                misses.append((folder, entry.path, sid))
            else:
                _record(out, folder, item)

    def _cached(
        self, entry: os.DirEntry[str], old: dict[str, Any], new: dict[str, Any], out: Scan
    ) -> FileFacts | Skipped | None:
        """What is known without reading the file (None: it must be read)."""
        out.files += 1
        try:
            if entry.is_dir():
                return Skipped("not a file")
            st = entry.stat()
        except OSError:
            return Skipped("unreadable")  # e.g. a dangling symlink
        if not stat.S_ISREG(st.st_mode):
            return Skipped("not a file")  # a FIFO would block an open()
        row = old.get(entry.path)
        item = _from_row(row, st.st_size, st.st_mtime_ns) if row is not None else None
        if item is not None:
            out.cached += 1
            new[entry.path] = row
        return item


def _record(out: Scan, folder: str, item: FileFacts | Skipped) -> None:
    if isinstance(item, Skipped):
        _count(out, item.reason)
    else:
        out.found.append((folder, item))


def _count(out: Scan, reason: str) -> None:
    out.reasons[reason] = out.reasons.get(reason, 0) + 1
