"""The usage cache's layout: every file's facts in columns, one JSON file in all.

Its ``files`` map (see :mod:`cachefile`) holds one list per field, index ``i`` for the
``i``-th file: ``path`` (relative to the projects dir), ``size``, ``mtime`` (ns),
``session``, ``cwd``, ``first`` (ms), ``keys`` (the packed message keys, in hex) and
``buckets`` (how many buckets the file has); the buckets themselves are 12 columns
(``columns``, see :func:`usage_read.bucketize`), file after file. ``counted`` maps the
index of a file that shares messages with an earlier one to the buckets it counts
once deduplicated, kept as rows; every other file counts all of its own. The columns
are checked by type as a whole when loaded, so a cache that does not hold what it
claims is rebuilt instead of believed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from claude_coder.catalog.usage_read import KINDS, FileUsage

__all__ = ["CachedFiles", "decode", "encode"]

_FIELDS = ("path", "size", "mtime", "session", "cwd", "first", "keys", "buckets")
_NONE = type(None)
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "path": (str,),
    "size": (int,),
    "mtime": (int,),
    "session": (str,),
    "cwd": (str, _NONE),
    "first": (int, _NONE),
    "keys": (str,),
    "buckets": (int,),
}
_COLUMN_TYPES: tuple[type, ...] = (int, str, str, int, int, int, int, float, int, int, int, int)


@dataclass
class CachedFiles:
    """A loaded cache: look a file up by relative path, rebuild its usage."""

    fields: dict[str, list[Any]]
    rows: list[list[Any]]
    starts: list[int]
    counted: dict[int, list[list[Any]]]
    index: dict[str, int]

    def find(self, rel: str, size: int, mtime_ns: int) -> int | None:
        """The file's index if the cache holds it at this size and mtime."""
        i = self.index.get(rel)
        f = self.fields
        if i is None or f["size"][i] != size or f["mtime"][i] != mtime_ns:
            return None
        return i

    def usage(self, i: int, project: str, path: str, mtime_ns: int) -> FileUsage:
        """File ``i`` as read when the cache was written (buckets before deduplication)."""
        f = self.fields
        buckets = self.rows[self.starts[i] : self.starts[i + 1]]
        keys = bytes.fromhex(f["keys"][i])
        return FileUsage(
            f["session"][i], project, f["cwd"][i], keys, buckets, f["first"][i], path, mtime_ns
        )


def _all(values: Sequence[Any], *types: type) -> bool:
    return set(map(type, values)) <= set(types)


def decode(files: dict[str, Any]) -> CachedFiles | None:
    """The cache's columns, or None if any does not have the promised shape and types."""
    fields: dict[str, list[Any]] = {}
    for name in _FIELDS:
        value = files.get(name)
        if type(value) is not list:
            return None
        fields[name] = value
    if len({len(v) for v in fields.values()}) != 1:
        return None
    for name, types in _FIELD_TYPES.items():
        if not _all(fields[name], *types):
            return None
    if any(len(k) % 16 for k in fields["keys"]) or any(n < 0 for n in fields["buckets"]):
        return None
    rows = _rows(files.get("columns"), sum(fields["buckets"]))
    counted = _counted(files.get("counted"), len(fields["path"]))
    if rows is None or counted is None:
        return None
    starts = [0, *accumulate(fields["buckets"])]
    return CachedFiles(fields, rows, starts, counted, {p: i for i, p in enumerate(fields["path"])})


def _rows(columns: Any, count: int) -> list[list[Any]] | None:
    if type(columns) is not list or len(columns) != len(_COLUMN_TYPES) or count < 0:
        return None
    for column, kind in zip(columns, _COLUMN_TYPES, strict=True):
        if type(column) is not list or len(column) != count or not _all(column, kind):
            return None
    if not set(columns[2]) <= set(KINDS):
        return None
    return list(map(list, zip(*columns, strict=True)))


def _good_row(b: Any) -> bool:
    return type(b) is list and tuple(map(type, b)) == _COLUMN_TYPES and b[2] in KINDS


def _counted(raw: Any, files: int) -> dict[int, list[list[Any]]] | None:
    if type(raw) is not dict:
        return None
    out: dict[int, list[list[Any]]] = {}
    for key, rows in raw.items():
        if not key.isdigit() or int(key) >= files or type(rows) is not list:
            return None
        if not all(map(_good_row, rows)):
            return None
        out[int(key)] = rows
    return out


def encode(
    files: Sequence[FileUsage],
    rels: Sequence[str],
    sizes: Sequence[int],
    raw: Sequence[list[list[Any]]],
    counted: dict[int, Any],
) -> dict[str, Any]:
    """The ``files`` map for ``files``: ``raw``, their buckets before deduplication;
    ``counted``, the deduplicated buckets of the files that differ, by index."""
    columns: list[list[Any]] = [[] for _ in _COLUMN_TYPES]
    for buckets in raw:
        for b in buckets:
            for column, value in zip(columns, b, strict=True):
                column.append(value)
    return {
        "path": list(rels),
        "size": list(sizes),
        "mtime": [f.mtime_ns for f in files],
        "session": [f.session_id for f in files],
        "cwd": [f.cwd for f in files],
        "first": [f.first_ms for f in files],
        "keys": [f.keys.hex() for f in files],
        "buckets": [len(b) for b in raw],
        "columns": columns,
        "counted": {str(i): rows for i, rows in counted.items()},
    }
