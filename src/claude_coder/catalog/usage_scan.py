"""Reading many transcripts for ``usage``: one file at a time, on every core when there
is enough to read.

:func:`scan` reduces each file to what the cache keeps (see :class:`Scanned`). Below
:data:`POOL_BYTES` (or on one core) it reads in this process; above, it hands
contiguous batches of files to a process pool (``fork`` on Linux when this process runs
no other thread, ``spawn`` elsewhere, which costs more to start and so needs more work
to pay for it) and puts the answers back in the order asked, so the result is the same
list either way. A pool that cannot start, or loses a worker, is given up for a plain
read.
"""

from __future__ import annotations

import os
import struct
import sys
import threading
from collections.abc import Sequence
from typing import Any, NamedTuple

from claude_coder.catalog.usage_read import Reader, bucketize

__all__ = ["POOL_BYTES", "SPAWN_POOL_BYTES", "Scanned", "pack_keys", "scan", "scan_one"]

POOL_BYTES = 48 * 1024 * 1024
"""Bytes to read above which a forked pool pays for itself."""
SPAWN_POOL_BYTES = 384 * 1024 * 1024
"""The same for spawned workers, which import the reader before their first file."""
_BATCHES_PER_WORKER = 4


class Scanned(NamedTuple):
    """What one file contributes, before deduplication across files."""

    cwd: str | None
    keys: bytes
    """The message keys, packed (:func:`pack_keys`)."""
    first_ms: int | None
    buckets: list[list[Any]]


def pack_keys(keys: Sequence[int]) -> bytes:
    """Message keys (63-bit ints) as 8 little-endian bytes each."""
    return struct.pack(f"<{len(keys)}Q", *keys)


def scan_one(path: str, reader: Reader | None = None) -> Scanned | None:
    """One file's contribution, or None if it cannot be read."""
    try:
        rows, cwd = (reader or Reader()).read_rows(path)
    except OSError:
        return None
    keys = [r.key for r in rows if r.key is not None]
    first = min((r.ts_ms for r in rows), default=None)
    return Scanned(cwd, pack_keys(keys), first, bucketize(rows))


def _batch(paths: list[str]) -> list[Scanned | None]:
    reader = Reader()
    return [scan_one(p, reader) for p in paths]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _start_method() -> str:
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"  # nothing else runs here that a child could inherit half-done
    return "spawn"


def _batches(paths: Sequence[str], sizes: Sequence[int], count: int) -> list[list[str]]:
    """Contiguous runs of ``paths`` of about equal total size, at most ``count``."""
    target = max(sum(sizes) / count, 1)
    out: list[list[str]] = [[]]
    held = 0
    for path, size in zip(paths, sizes, strict=True):
        if held >= target and len(out) < count:
            out.append([])
            held = 0
        out[-1].append(path)
        held += size
    return out


def scan(
    paths: Sequence[str], sizes: Sequence[int], workers: int | None = None
) -> list[Scanned | None]:
    """:func:`scan_one` of every path, in order; ``sizes`` (bytes, per path) decide
    whether a pool is worth starting. ``workers``: processes to use (None: one per
    core; 1: never a pool)."""
    count = _cores() if workers is None else workers
    method = _start_method()
    floor = POOL_BYTES if method == "fork" else SPAWN_POOL_BYTES
    if count < 2 or len(paths) < 2 or sum(sizes) < floor:
        return _batch(list(paths))
    import multiprocessing  # here: a warm report never starts a pool
    from concurrent.futures import ProcessPoolExecutor

    batches = _batches(paths, sizes, count * _BATCHES_PER_WORKER)
    try:
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(min(count, len(batches)), mp_context=context) as pool:
            done = list(pool.map(_batch, batches))
    except (OSError, RuntimeError, multiprocessing.ProcessError):  # incl. a worker that died
        return _batch(list(paths))
    return [item for batch in done for item in batch]
