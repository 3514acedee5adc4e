"""Spaced boots: how the fleet starts members so a shared login is not raced.

Members that share one subscription login share its single-use OAuth refresh token;
several Claude Code processes starting in the same instant can each try to refresh it
and lock one another out. The :class:`BootPacer` lets at most ``concurrency`` members
start at once and spaces successive starts by ``spacing`` seconds plus a random
``jitter`` (0 .. jitter), in the order the boots were asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable

__all__ = ["BootPacer"]


class BootPacer:
    """Grants boot slots: ``async with pacer.slot(): await start_member()``."""

    def __init__(
        self,
        spacing: float = 0.5,
        *,
        jitter: float | None = None,
        concurrency: int = 2,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if spacing < 0 or (jitter is not None and jitter < 0):
            raise ValueError("boot spacing and jitter must not be negative")
        if concurrency < 1:
            raise ValueError("boot concurrency must be at least 1")
        self.spacing = spacing
        self.jitter = spacing / 2 if jitter is None else jitter
        self.concurrency = concurrency
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._next_start: float | None = None
        self._order = asyncio.Lock()
        self._slots = asyncio.Semaphore(concurrency)
        self.starting = 0
        """How many boots hold a slot right now."""

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a boot slot (FIFO) and the spacing since the previous start."""
        async with self._slots:
            async with self._order:
                if self._next_start is not None:
                    wait = self._next_start - self._now()
                    if wait > 0:
                        await self._sleep(wait)
                gap = self.spacing + (self._rng() * self.jitter if self.jitter else 0.0)
                self._next_start = self._now() + gap
            self.starting += 1
            try:
                yield
            finally:
                self.starting -= 1
