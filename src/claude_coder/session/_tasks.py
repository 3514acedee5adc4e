"""Who owns background tasks: one :class:`asyncio.TaskGroup` per session (and per fleet).

A :class:`TaskOwner` runs a TaskGroup inside one runner task. ``spawn`` starts a task in
the group; ``aclose`` cancels every task still running (after an optional grace) and
waits for them, so nothing outlives its owner. A task that raises is logged with its
name and handed to ``on_crash`` (the session then goes to ``error`` with that reason);
it never cancels its siblings, and no exception disappears without a log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

__all__ = ["CrashHandler", "TaskOwner"]

_log = logging.getLogger(__name__)

CrashHandler = Callable[[str, Exception], Awaitable[None]]
"""Called (and awaited) with a task's name and the exception it raised."""


class TaskOwner:
    """Owns a set of tasks through one TaskGroup; see the module docstring."""

    def __init__(self, name: str, on_crash: CrashHandler | None = None) -> None:
        self.name = name
        self._on_crash = on_crash
        self._group: asyncio.TaskGroup | None = None
        self._runner: asyncio.Task[None] | None = None
        self._children: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def open(self) -> bool:
        """True between ``start()`` and ``aclose()``: ``spawn`` works."""
        return self._group is not None and not self._closed

    async def start(self) -> None:
        """Open the task group (in its runner task) and return once ``spawn`` works."""
        if self._runner is not None:
            return
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._runner = asyncio.get_running_loop().create_task(
            self._run(ready), name=f"{self.name}-tasks"
        )
        await ready

    async def _run(self, ready: asyncio.Future[None]) -> None:
        try:
            async with asyncio.TaskGroup() as group:
                self._group = group
                ready.set_result(None)
                await asyncio.Event().wait()  # open until aclose() cancels this task
        finally:
            self._group = None

    def spawn(self, coro: Coroutine[Any, Any, None], *, name: str) -> asyncio.Task[None]:
        """Run ``coro`` as a task of this owner (raises RuntimeError once closed)."""
        group = self._group
        if group is None or self._closed:
            coro.close()
            raise RuntimeError(f"{self.name}: no more tasks can be started (closed)")
        task = group.create_task(self._guard(coro, name), name=name)
        self._children.add(task)
        task.add_done_callback(self._children.discard)
        return task

    async def _guard(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        try:
            await coro
        except Exception as exc:
            _log.error("%s: task %s failed: %s", self.name, name, exc, exc_info=exc)
            if self._on_crash is not None:
                try:
                    await self._on_crash(name, exc)
                except Exception:
                    _log.exception("%s: handling the failure of %s failed", self.name, name)

    async def aclose(self, grace: float = 0.0) -> None:
        """Stop: let running tasks finish for ``grace`` seconds, cancel the rest, wait."""
        self._closed = True
        if grace > 0 and self._children:
            await asyncio.wait(set(self._children), timeout=grace)
        runner = self._runner
        if runner is None or runner.done():
            return
        runner.cancel()
        await asyncio.wait({runner})
        if not runner.cancelled() and runner.exception() is not None:
            _log.error("%s: the task group failed", self.name, exc_info=runner.exception())
