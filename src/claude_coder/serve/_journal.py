"""The keeper's journal: every sequenced message, numbered and kept for a replay.

Pure (no I/O). Messages get ``seq`` 1, 2, 3 ... with no gaps. The journal keeps the
current turn's messages (from the last ``turn_started()``) plus the last ``keep``
ones; ``since(n)`` gives back those after ``n`` (what a re-attaching client missed),
or refuses when some of them were already dropped.
"""

from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import Any

__all__ = ["Journal"]

Message = dict[str, Any]


class Journal:
    """Numbered messages kept for replay (see the module docstring)."""

    def __init__(self, keep: int = 1000) -> None:
        self.keep = keep
        self._items: collections.deque[Message] = collections.deque()
        self._next = 1
        self._turn_from: int | None = None
        """The first ``seq`` of the current turn (None before the first turn)."""

    def __repr__(self) -> str:
        return f"<Journal last={self.last} kept={len(self._items)}>"

    @property
    def last(self) -> int:
        """The last ``seq`` given (0 before the first message)."""
        return self._next - 1

    @property
    def first_kept(self) -> int:
        """The oldest ``seq`` still kept (``last + 1`` when none is)."""
        return self._items[0]["seq"] if self._items else self._next

    def add(self, message: Mapping[str, Any]) -> Message:
        """``message`` with the next ``seq``, kept."""
        numbered = {**message, "seq": self._next}
        self._next += 1
        self._items.append(numbered)
        while len(self._items) > self.keep and not self._in_turn(self._items[0]):
            self._items.popleft()
        return numbered

    def _in_turn(self, message: Message) -> bool:
        return self._turn_from is not None and message["seq"] >= self._turn_from

    def turn_started(self) -> None:
        """A turn begins: keep everything from the next message on until the next turn."""
        self._turn_from = self._next

    def since(self, seq: int) -> list[Message]:
        """The kept messages after ``seq``; ``ValueError`` when some were dropped or
        ``seq`` was never given."""
        if seq < 0 or seq > self.last:
            raise ValueError(f"seq {seq} was never sent (the last one is {self.last})")
        if seq + 1 < self.first_kept:
            raise ValueError(
                f"the messages after seq {seq} are no longer kept "
                f"(the oldest kept is {self.first_kept})"
            )
        return [m for m in self._items if m["seq"] > seq]
