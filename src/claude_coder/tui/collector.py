"""Pacing of Python's garbage collector for the TUI: full collections wait for a quiet moment.

A full collection walks every object alive and holds the event loop while it does (tens
of milliseconds once a few conversations are on screen), which a person feels as a key
press shown late. While the app runs, :class:`CollectorPacer` freezes what was alive at
start (modules, the app's skeleton: they live as long as the app), lets the young
generations be collected as usual, and defers full collections to a moment without
fleet events; a cap still forces one during a very long burst, so memory stays bounded.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["Collector", "CollectorPacer"]


class Collector(Protocol):
    """The part of the :mod:`gc` module the pacer uses."""

    def freeze(self) -> None: ...
    def unfreeze(self) -> None: ...
    def get_threshold(self) -> tuple[int, int, int]: ...
    def set_threshold(
        self, threshold0: int, threshold1: int = ..., threshold2: int = ...
    ) -> None: ...
    def get_count(self) -> tuple[int, int, int]: ...
    def collect(self, generation: int = 2) -> int: ...


class CollectorPacer:
    """Defers full garbage collections to quiet moments between :meth:`start` and :meth:`stop`."""

    QUIET = 1.0
    """Seconds without :meth:`activity` before a deferred full collection may run."""
    CAP = 200
    """Young-generation collections after which Python runs a full one anyway."""

    def __init__(
        self, collector: Collector = gc, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._gc = collector
        self._clock = clock
        self._saved: tuple[int, int, int] | None = None
        self._last = clock()

    @property
    def running(self) -> bool:
        return self._saved is not None

    def start(self) -> None:
        """Freeze what is alive now and take full collections over (idempotent)."""
        if self._saved is not None:
            return
        self._saved = self._gc.get_threshold()
        self._gc.freeze()
        young, middle, _full = self._saved
        self._gc.set_threshold(young, middle, self.CAP)

    def activity(self) -> None:
        """Something is streaming: not a moment for a full collection."""
        self._last = self._clock()

    def tick(self) -> bool:
        """Run a deferred full collection if it is due and the app is quiet; True if it ran."""
        if self._saved is None or self._clock() - self._last < self.QUIET:
            return False
        if self._gc.get_count()[2] < self._saved[2]:
            return False  # Python would not have run one yet either
        self._gc.collect()
        return True

    def stop(self) -> None:
        """Hand the collector back as it was (idempotent)."""
        if self._saved is None:
            return
        self._gc.set_threshold(*self._saved)
        self._gc.unfreeze()
        self._saved = None
