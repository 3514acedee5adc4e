"""The virtual terminal: Claude Code's PTY bytes -> filter -> pyte -> lines, cursor, title.

:class:`TerminalScreen` is pure (no I/O): ``feed(bytes)`` renders, ``snapshot()`` gives
an immutable :class:`Snapshot` for the recognisers. It emulates the alternate screen that
pyte ignores: entering it saves the main screen and clears; leaving restores the main
screen, as a real terminal does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pyte

from claude_coder.transports.screen.filter import ScreenSwitch, TerminalFilter

__all__ = ["DEFAULT_COLUMNS", "DEFAULT_LINES", "Snapshot", "TerminalScreen"]

DEFAULT_COLUMNS = 120
DEFAULT_LINES = 40


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One rendered screen: lines without trailing blanks, cursor (row, col), title."""

    lines: tuple[str, ...]
    cursor: tuple[int, int] = (0, 0)
    title: str = ""
    columns: int = DEFAULT_COLUMNS

    @property
    def text(self) -> str:
        """The screen as text, trailing empty lines dropped."""
        lines = list(self.lines)
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines)

    @classmethod
    def from_text(cls, text: str, *, title: str = "", columns: int = DEFAULT_COLUMNS) -> Snapshot:
        """A snapshot from rendered text (tests, goldens)."""
        return cls(tuple(line.rstrip() for line in text.split("\n")), title=title, columns=columns)


class TerminalScreen:
    """A pyte screen behind the byte filter, with the alternate screen emulated."""

    def __init__(self, columns: int = DEFAULT_COLUMNS, lines: int = DEFAULT_LINES) -> None:
        self._screen = pyte.Screen(columns, lines)
        self._stream = pyte.ByteStream(self._screen)
        self._filter = TerminalFilter()
        self._saved: tuple[dict[int, dict[int, Any]], Any] | None = None
        self.bytes_fed = 0
        self.version = 0
        """Bumped whenever a feed changed what is on screen (or the title)."""

    @property
    def columns(self) -> int:
        return int(self._screen.columns)

    @property
    def lines(self) -> int:
        return int(self._screen.lines)

    @property
    def alternate(self) -> bool:
        """True while the program is on the alternate screen."""
        return self._saved is not None

    def feed(self, data: bytes) -> bool:
        """Render a chunk of PTY output; returns True if the screen (or title) changed."""
        self.bytes_fed += len(data)
        title = self._screen.title
        self._screen.dirty.clear()
        switched = False
        for seg in self._filter.feed(data):
            if isinstance(seg, ScreenSwitch):
                switched |= self._switch(seg.alternate)
            else:
                self._stream.feed(seg)
        changed = switched or bool(self._screen.dirty) or self._screen.title != title
        if changed:
            self.version += 1
        return changed

    def resize(self, columns: int, lines: int) -> None:
        """Follow a terminal resize (the child is told through the PTY)."""
        self._screen.resize(lines, columns)
        self.version += 1

    def snapshot(self) -> Snapshot:
        """The current screen, immutable."""
        rows = tuple(line.rstrip() for line in self._screen.display)
        cur = self._screen.cursor
        return Snapshot(rows, (int(cur.y), int(cur.x)), str(self._screen.title), self.columns)

    def _switch(self, alternate: bool) -> bool:
        screen = self._screen
        if alternate == self.alternate:
            return False
        if alternate:
            saved = {y: dict(line) for y, line in screen.buffer.items()}
            self._saved = (saved, copy.copy(screen.cursor))
            screen.erase_in_display(2)
            return True
        assert self._saved is not None
        saved, cursor = self._saved
        self._saved = None
        screen.buffer.clear()
        for y, line in saved.items():
            screen.buffer[y].update(line)
        screen.cursor = cursor
        screen.dirty.update(range(screen.lines))
        return True
