"""Keeping the roster file in step with the fleet without blocking the event loop.

Membership changes are flushed at once (``await sync.flush()``); state and usage
changes only mark the roster dirty and a background task writes it, so a burst of
changes becomes one atomic write. Writes run in a worker thread (they fsync). A failed
background write is logged and reported (``on_failure``: the fleet publishes a
``SaveFailed`` event), once per run of failures; the next change retries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from claude_coder.fleet.roster._roster import Roster

__all__ = ["RosterSync"]

_log = logging.getLogger(__name__)


class RosterSync:
    """Writes an open :class:`Roster` (opened with ``autosave=False``) when it changes."""

    def __init__(self, roster: Roster, on_failure: Callable[[str], None] | None = None) -> None:
        self.roster = roster
        self._on_failure = on_failure
        """Told (once per run of failures) why a background write failed."""
        self._failing = False
        self._dirty = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.failures = 0
        """Background writes that failed (each is logged; the next change retries)."""

    def start(self, spawn: Callable[..., asyncio.Task[None]] | None = None) -> None:
        """Start the background writer (as a task of ``spawn``'s group when given)."""
        if self._task is None:
            coro: Coroutine[Any, Any, None] = self._run()
            if spawn is not None:
                self._task = spawn(coro, name="fleet-roster-sync")
            else:
                self._task = asyncio.get_running_loop().create_task(coro, name="fleet-roster-sync")

    def mark(self) -> None:
        """Something changed: write it soon."""
        self._dirty.set()

    async def flush(self) -> None:
        """Write every change made so far, now (raises if the write fails)."""
        await asyncio.to_thread(self.roster.save)

    async def _run(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                await asyncio.to_thread(self.roster.save)
            except OSError as exc:
                self.failures += 1
                _log.warning("could not write the fleet roster %s: %s", self.roster.path, exc)
                if not self._failing and self._on_failure is not None:
                    self._on_failure(exc.strerror or str(exc))
                self._failing = True
            else:
                self._failing = False

    async def stop(self) -> None:
        """Stop the background writer and release the roster (last write, unlock)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task})
        await asyncio.to_thread(self.roster.close)
