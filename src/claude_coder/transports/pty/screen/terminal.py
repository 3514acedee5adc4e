"""The virtual terminal: Claude Code's PTY bytes -> filter -> pyte -> lines, cursor, title.

:class:`TerminalScreen` is pure (no I/O): ``feed(bytes)`` renders, ``snapshot()`` gives
an immutable :class:`Snapshot` for the recognisers. It emulates the alternate screen that
pyte ignores: entering it saves the main screen and clears; leaving restores the main
screen, as a real terminal does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, NamedTuple

import pyte

from claude_coder.transports.pty.screen.filter import ScreenSwitch, TerminalFilter

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
    dim: tuple[tuple[int, int, int], ...] = ()
    """Spans drawn faint (SGR 2), as (row, start, end) string indices into ``lines``: a
    placeholder hint in an empty prompt is drawn this way and is not typed text."""

    def undimmed(self, row: int) -> str:
        """Line ``row`` with its faint text blanked out."""
        line = self.lines[row] if 0 <= row < len(self.lines) else ""
        for r, start, end in self.dim:
            if r == row:
                line = line[:start] + " " * (end - start) + line[end:]
        return line.rstrip()

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


class _Cell(NamedTuple):
    """pyte's Char plus the faint (SGR 2) attribute pyte 0.8 does not keep."""

    data: str
    fg: str = "default"
    bg: str = "default"
    bold: bool = False
    italics: bool = False
    underscore: bool = False
    strikethrough: bool = False
    reverse: bool = False
    blink: bool = False
    dim: bool = False


def _faint_after(attrs: tuple[int, ...], faint: bool) -> bool:
    """Whether text is faint after ``CSI attrs m`` (colour arguments are skipped)."""
    if not attrs:
        return False
    i = 0
    while i < len(attrs):
        a = attrs[i]
        if a in (38, 48):  # 38;5;n or 38;2;r;g;b: the 2 there is not "faint"
            mode = attrs[i + 1] if i + 1 < len(attrs) else None
            i += 3 if mode == 5 else 5 if mode == 2 else 2
            continue
        if a in (0, 22):
            faint = False
        elif a == 2:
            faint = True
        i += 1
    return faint


class _Screen(pyte.Screen):
    """A pyte screen whose cells remember faint text."""

    _faint: bool = False

    def select_graphic_rendition(self, *attrs: int, **kwargs: Any) -> None:
        faint = _faint_after(tuple(a for a in attrs if isinstance(a, int)), self._faint)
        super().select_graphic_rendition(*attrs, **kwargs)
        self._faint = faint
        a = self.cursor.attrs
        cell = _Cell(
            a.data,
            a.fg,
            a.bg,
            a.bold,
            a.italics,
            a.underscore,
            a.strikethrough,
            a.reverse,
            a.blink,
            faint,
        )
        self.cursor.attrs = cell  # type: ignore[assignment]  # a Char with one more field

    def reset(self) -> None:
        self._faint = False
        super().reset()


def _render(screen: pyte.Screen, y: int) -> tuple[str, list[tuple[int, int]]]:
    """Row ``y`` as text (as pyte's ``display`` draws it) and its faint spans.

    The TUI draws its own cursor (reverse video) over the first letter of a faint hint:
    a reverse cell right before faint text belongs to the faint span."""
    line = screen.buffer[y]
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    at = 0
    cursor: tuple[int, int] | None = None
    for x in range(screen.columns):
        cell = line[x]
        if not cell.data:
            continue  # the second half of a wide character
        out.append(cell.data)
        end = at + len(cell.data)
        if getattr(cell, "dim", False) and cell.data.strip():
            start = cursor[0] if cursor is not None and cursor[1] == at else at
            if spans and spans[-1][1] == start:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        cursor = (at, end) if cell.reverse and not getattr(cell, "dim", False) else None
        at = end
    return "".join(out), spans


class TerminalScreen:
    """A pyte screen behind the byte filter, with the alternate screen emulated."""

    def __init__(self, columns: int = DEFAULT_COLUMNS, lines: int = DEFAULT_LINES) -> None:
        self._screen = _Screen(columns, lines)
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
        screen = self._screen
        rows: list[str] = []
        dim: list[tuple[int, int, int]] = []
        for y in range(screen.lines):
            text, spans = _render(screen, y)
            rows.append(text.rstrip())
            dim += [(y, a, b) for a, b in spans]
        cur = screen.cursor
        title = str(screen.title)
        return Snapshot(tuple(rows), (int(cur.y), int(cur.x)), title, self.columns, tuple(dim))

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
