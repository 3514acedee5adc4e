"""The screen-fixture file format: one rendered screen with a one-line header.

``<run>__<step>.txt`` holds ``# <run> / <step>  t=<s>s cursor=(<row>, <col>) title='<t>'``
(plus ``dim=<row>:<start>-<end>,...`` when faint text is on screen)
then the screen's lines (trailing blanks stripped). The capture script writes it, the
golden tests and error dumps read it. Pure text in, text out.
"""

from __future__ import annotations

import re

from claude_coder.transports.pty.screen.terminal import DEFAULT_COLUMNS, Snapshot

__all__ = ["format_fixture", "parse_fixture"]

_HEADER_RE = re.compile(
    r"^# (?P<run>\S+) / (?P<step>\S+)\s+t=(?P<t>[\d.]+)s\s+cursor=\((?P<row>\d+), (?P<col>\d+)\)"
    r"(?:\s+title='(?P<title>.*?)')?(?:\s+dim=(?P<dim>[\d:,-]+))?\s*$"
)


def format_fixture(snap: Snapshot, run: str, step: str, elapsed: float) -> str:
    """The fixture text of ``snap`` (title quoted as captured; newlines never occur)."""
    row, col = snap.cursor
    title = snap.title.replace("'", "’")
    head = f"# {run} / {step}  t={elapsed:.2f}s cursor=({row}, {col}) title='{title}'"
    if snap.dim:
        head += " dim=" + ",".join(f"{r}:{a}-{b}" for r, a, b in snap.dim)
    return head + "\n" + "\n".join(snap.lines) + "\n"


def parse_fixture(text: str, *, columns: int = DEFAULT_COLUMNS) -> Snapshot:
    """Read a fixture back into a :class:`Snapshot` (header optional)."""
    head, _sep, body = text.partition("\n")
    match = _HEADER_RE.match(head)
    if match is None:
        return Snapshot.from_text(text, columns=columns)
    lines = tuple(line.rstrip() for line in body.split("\n"))
    cursor = (int(match.group("row")), int(match.group("col")))
    dim = tuple(_span(part) for part in (match.group("dim") or "").split(",") if part)
    return Snapshot(lines, cursor, match.group("title") or "", columns, dim)


def _span(text: str) -> tuple[int, int, int]:
    row, _sep, cols = text.partition(":")
    start, _sep, end = cols.partition("-")
    return int(row), int(start), int(end)
