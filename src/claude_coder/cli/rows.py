"""Columns for long listings, laid out in one pass (``list --all`` at 50,000 sessions).

rich's ``Table`` measures and wraps every cell through its renderables, about half a
millisecond a row: 25 s for 50,000 sessions. :func:`layout` does what a listing needs
and no more: each column as wide as its widest cell (in terminal cells, so wide
characters count double), capped, the ``flex`` columns cut with an ellipsis when the
row is wider than the terminal, control characters shown as ``?`` (a summary read
from a transcript must never move the cursor). One line per row, always.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size

__all__ = ["layout"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_GAP = " "


def _clean(text: str) -> str:
    return _CONTROL.sub("?", text) if _CONTROL.search(text) else text


def _fit(text: str, width: int) -> str:
    """``text`` in exactly ``width`` cells: padded, or cut with an ellipsis."""
    size = cell_len(text)
    if size <= width:
        return text + " " * (width - size)
    if width <= 1:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def layout(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    width: int | None,
    flex: Sequence[int] = (),
    cap: int = 60,
) -> list[str]:
    """The header line and one line per row, columns separated by one space.

    ``width``: the terminal's width (None: no limit). ``flex``: indexes of the columns
    that give up room when the row is too wide, the last one first; every other column
    keeps its natural width (at most ``cap`` cells). The last column is never padded.
    """
    clean = [[_clean(cell) for cell in row] for row in rows]
    widths = [cell_len(h) for h in header]
    for row in clean:
        for i, cell in enumerate(row):
            size = cell_len(cell)
            if size > widths[i]:
                widths[i] = size
    widths = [min(w, cap) if i not in flex else w for i, w in enumerate(widths)]
    if width is not None:
        excess = sum(widths) + len(_GAP) * (len(widths) - 1) - width
        for i in reversed(flex):
            if excess <= 0:
                break
            give = min(excess, max(0, widths[i] - max(8, cell_len(header[i]))))
            widths[i] -= give
            excess -= give
    last = len(widths) - 1
    lines = []
    for row in [list(header), *clean]:
        cells = [_fit(cell, widths[i]) for i, cell in enumerate(row)]
        cells[last] = cells[last].rstrip()
        lines.append(_GAP.join(cells).rstrip())
    return lines
