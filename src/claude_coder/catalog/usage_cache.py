"""The usage cache's layout: every file's facts in columns, numbers packed, one JSON file.

Its ``files`` map (see :mod:`cachefile`) holds, for the ``i``-th file at index ``i``:
``path`` (relative to the projects dir), ``session`` and ``cwd`` as JSON lists, and
``size``, ``mtime`` (ns), ``first`` (ms, :data:`_NO_TIME` for none), ``buckets`` and
``keys`` (how many of each the file has) as packed 64-bit integers. The buckets
themselves (:func:`usage_read.bucketize`) are 12 packed columns, file after file, with
the model as an index into ``models`` and the pool into :data:`usage_read.KINDS`; the
message keys are packed too (``key_bytes``). ``counted`` maps the index of a file that
shares messages with an earlier one to the buckets it counts once deduplicated; every
other file counts all of its own. Packed numbers are numbers by construction, so a
load checks lengths and ranges only; a cache that does not add up is rebuilt instead
of believed.
"""

from __future__ import annotations

import base64
import os
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from claude_coder.catalog.usage_read import KINDS, FileUsage

__all__ = ["LAYOUT", "CachedFiles", "decode", "encode"]

LAYOUT = f"packed-{sys.byteorder}"
"""Part of the cache's format: packed numbers are in this machine's byte order."""
_NO_TIME = -(2**63)
_LISTS = ("path", "session", "cwd")
_PACKED = ("size", "mtime", "first", "buckets", "keys")
_COLUMNS = 12
_FLOAT_COLUMN = 7
_MODEL, _KIND = 1, 2


@dataclass
class CachedFiles:
    """A loaded cache: look a file up by relative path, rebuild its usage."""

    lists: dict[str, list[Any]]
    packed: dict[str, array[int]]
    rows: list[list[Any]]
    starts: list[int]
    key_starts: list[int]
    key_bytes: bytes
    counted: dict[int, list[list[Any]]]
    index: dict[str, int]

    def find(self, rel: str, size: int, mtime_ns: int) -> int | None:
        """The file's index if the cache holds it at this size and mtime."""
        i = self.index.get(rel)
        if i is None or self.packed["size"][i] != size or self.packed["mtime"][i] != mtime_ns:
            return None
        return i

    def usage(self, i: int, project: str, path: str, mtime_ns: int) -> FileUsage:
        """File ``i`` as read when the cache was written (buckets before deduplication)."""
        first = self.packed["first"][i]
        return FileUsage(
            self.lists["session"][i],
            project,
            self.lists["cwd"][i],
            self.key_bytes[self.key_starts[i] * 8 : self.key_starts[i + 1] * 8],
            self.rows[self.starts[i] : self.starts[i + 1]],
            None if first == _NO_TIME else first,
            path,
            mtime_ns,
        )

    def holds_exactly(self, files: Sequence[tuple[str, int, int]], root: int) -> bool:
        """Whether ``files`` ((path, size, mtime in ns); ``path[root:]`` relative) are the
        files the cache holds, each at the size and mtime it was read at."""
        if len(files) != len(self.index):
            return False
        index, size, mtime = self.index, self.packed["size"], self.packed["mtime"]
        for path, s, m in files:
            i = index.get(path[root:])
            if i is None or size[i] != s or mtime[i] != m:
                return False
        return True

    def counted_files(self, prefix: str) -> list[FileUsage]:
        """Every file as counted when the cache was written, deduplicated, in its order."""
        out = []
        sessions, cwds, key_bytes = self.lists["session"], self.lists["cwd"], self.key_bytes
        rows, starts, ks, counted = self.rows, self.starts, self.key_starts, self.counted
        firsts, mtimes = self.packed["first"], self.packed["mtime"]
        for i, rel in enumerate(self.lists["path"]):
            buckets = counted.get(i)
            if buckets is None:
                buckets = rows[starts[i] : starts[i + 1]]
            first = firsts[i]
            out.append(
                FileUsage(
                    sessions[i],
                    rel.split(os.sep, 1)[0],
                    cwds[i],
                    key_bytes[ks[i] * 8 : ks[i + 1] * 8],
                    buckets,
                    None if first == _NO_TIME else first,
                    prefix + rel,
                    mtimes[i],
                )
            )
        return out


def _pack(values: Sequence[int] | Sequence[float], code: str = "q") -> str:
    return base64.b64encode(array(code, values).tobytes()).decode("ascii")


def _unpack(text: Any, code: str = "q") -> array[Any]:
    if type(text) is not str:
        raise ValueError("not packed numbers")
    out = array(code)
    out.frombytes(base64.b64decode(text))
    return out


def encode(
    files: Sequence[FileUsage],
    rels: Sequence[str],
    sizes: Sequence[int],
    raw: Sequence[list[list[Any]]],
    counted: dict[int, list[list[Any]]],
) -> dict[str, Any]:
    """The ``files`` map for ``files``: ``raw``, their buckets before deduplication;
    ``counted``, the deduplicated buckets of the files that differ, by index."""
    models: dict[str, int] = {}
    columns: list[list[Any]] = [[] for _ in range(_COLUMNS)]
    for buckets in raw:
        for b in buckets:
            for column, value in zip(columns, b, strict=True):
                column.append(value)
    columns[_MODEL] = [models.setdefault(m, len(models)) for m in columns[_MODEL]]
    columns[_KIND] = [KINDS.index(k) for k in columns[_KIND]]
    packed = [_pack(c, "d" if n == _FLOAT_COLUMN else "q") for n, c in enumerate(columns)]
    return {
        "path": list(rels),
        "session": [f.session_id for f in files],
        "cwd": [f.cwd for f in files],
        "size": _pack(sizes),
        "mtime": _pack([f.mtime_ns for f in files]),
        "first": _pack([_NO_TIME if f.first_ms is None else f.first_ms for f in files]),
        "buckets": _pack([len(b) for b in raw]),
        "keys": _pack([len(f.keys) // 8 for f in files]),
        "key_bytes": base64.b64encode(b"".join(f.keys for f in files)).decode("ascii"),
        "models": list(models),
        "columns": packed,
        "counted": {str(i): rows for i, rows in counted.items()},
    }


def decode(files: dict[str, Any]) -> CachedFiles:
    """The cache's contents; ValueError (or TypeError, KeyError) if it does not add up."""
    lists = {name: files[name] for name in _LISTS}
    packed = {name: _unpack(files[name]) for name in _PACKED}
    count = len(lists["path"])
    if any(type(v) is not list or len(v) != count for v in lists.values()):
        raise ValueError("columns of different lengths")
    if any(len(v) != count for v in packed.values()):
        raise ValueError("columns of different lengths")
    if not _texts(lists["path"]) or not _texts(lists["session"]) or not _texts(lists["cwd"], True):
        raise ValueError("a path, session or cwd that is not text")
    if min(packed["buckets"], default=0) < 0 or min(packed["keys"], default=0) < 0:
        raise ValueError("a negative count")
    starts = [0, *accumulate(packed["buckets"])]
    key_starts = [0, *accumulate(packed["keys"])]
    key_bytes = base64.b64decode(files["key_bytes"])
    if len(key_bytes) != key_starts[-1] * 8:
        raise ValueError("keys do not add up")
    rows = _rows(files["columns"], files["models"], starts[-1])
    index = {p: i for i, p in enumerate(lists["path"])}
    counted = _counted(files["counted"], count)
    return CachedFiles(lists, packed, rows, starts, key_starts, key_bytes, counted, index)


def _texts(values: list[Any], none: bool = False) -> bool:
    kinds = set(map(type, values))
    return kinds <= ({str, type(None)} if none else {str})


def _rows(columns: Any, models: Any, count: int) -> list[list[Any]]:
    if type(columns) is not list or len(columns) != _COLUMNS:
        raise ValueError("not the bucket columns")
    if type(models) is not list or not _texts(models):
        raise ValueError("not the model names")
    cols: list[Any] = [
        _unpack(c, "d" if n == _FLOAT_COLUMN else "q") for n, c in enumerate(columns)
    ]
    if any(len(c) != count for c in cols):
        raise ValueError("bucket columns of different lengths")
    if min(cols[_MODEL], default=0) < 0 or min(cols[_KIND], default=0) < 0:
        raise ValueError("no such model or pool")
    cols[_MODEL] = [models[i] for i in cols[_MODEL]]  # IndexError if past the end
    cols[_KIND] = [KINDS[i] for i in cols[_KIND]]
    return list(map(list, zip(*cols, strict=True)))


def _good_row(b: Any) -> bool:
    types = (int, str, str, int, int, int, int, float, int, int, int, int)
    return type(b) is list and tuple(map(type, b)) == types and b[_KIND] in KINDS


def _counted(raw: Any, files: int) -> dict[int, list[list[Any]]]:
    if type(raw) is not dict:
        raise ValueError("not the counted map")
    out: dict[int, list[list[Any]]] = {}
    for key, rows in raw.items():
        if not key.isdigit() or int(key) >= files or type(rows) is not list:
            raise ValueError("a counted entry for no file")
        if not all(map(_good_row, rows)):
            raise ValueError("a counted bucket of the wrong shape")
        out[int(key)] = rows
    return out
