"""Reading many transcripts at once: in worker processes when a cold scan is big.

Finding fields in a transcript's two ends is CPU work under the GIL, so threads would
not help; a big cold scan (thousands of files, e.g. the first listing or after the
cache was dropped) is split across worker processes instead. Workers are spawned, not
forked (the caller may be a threaded application), and any failure of the pool falls
back to reading in this process: the answer is the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from claude_coder.catalog.reader import FileFacts, Skipped, read_transcript

__all__ = ["PARALLEL_FROM", "read_many"]

PARALLEL_FROM = 2000
"""Files to read before worker processes pay for their start-up (about 0.1 s)."""

_BATCH = 250


def _read_batch(batch: Sequence[tuple[str, str]]) -> list[FileFacts | Skipped]:
    return [read_transcript(path, sid) for path, sid in batch]


def _workers(count: int, workers: int | None) -> int:
    if workers is not None:
        return max(1, workers)
    if count < PARALLEL_FROM:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def read_many(
    files: Sequence[tuple[str, str]], workers: int | None = None
) -> list[FileFacts | Skipped]:
    """``read_transcript`` for each (path, session id), in order."""
    n = _workers(len(files), workers)
    if n <= 1 or len(files) <= _BATCH:
        return _read_batch(files)
    batches = [files[i : i + _BATCH] for i in range(0, len(files), _BATCH)]
    try:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=n, mp_context=context) as pool:
            return [item for part in pool.map(_read_batch, batches) for item in part]
    except (OSError, RuntimeError, ImportError):  # BrokenProcessPool is a RuntimeError
        return _read_batch(files)
