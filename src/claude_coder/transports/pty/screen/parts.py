"""Small pure readers the recognisers share: rules, option lists, footers, titles."""

from __future__ import annotations

import re
from collections.abc import Sequence

from claude_coder.transports.pty.screen.model import Mode, Option, TitleSignal

__all__ = [
    "BUSY_TITLE_GLYPHS",
    "footer_mode",
    "is_dashed",
    "is_rule",
    "nonblank",
    "parse_options",
    "rule_indices",
    "title_signal",
]

_RULE_CHARS = "─▔"
BUSY_TITLE_GLYPHS = frozenset("◐◓◑◒")
_OPTION_RE = re.compile(r"^(?P<sel>❯\s*)?(?:(?P<num>\d{1,2})\.\s+)?(?P<label>\S.*?)\s*$")


def is_rule(line: str, columns: int) -> bool:
    """A full-width horizontal rule drawn by the TUI (it may carry a session name)."""
    s = line.rstrip()
    if len(s) < columns - 1 or s[:1] not in _RULE_CHARS:
        return False
    return s.count(s[0]) >= columns * 0.6 and s.endswith(s[0])


def is_dashed(line: str) -> bool:
    """The dashed line of a box around a command or a diff (``╌╌╌``)."""
    s = line.strip()
    return len(s) >= 20 and set(s) == {"╌"}


def rule_indices(lines: Sequence[str], columns: int) -> list[int]:
    """Indices of the full-width rules, top to bottom."""
    return [i for i, line in enumerate(lines) if is_rule(line, columns)]


def nonblank(lines: Sequence[str]) -> list[str]:
    """The non-empty lines, stripped."""
    return [s for s in (line.strip() for line in lines) if s]


def footer_mode(footer: str) -> Mode | None:
    """The permission mode the footer shows; None when the footer does not say."""
    if "accept edits on" in footer:
        return Mode.ACCEPT_EDITS
    if "plan mode on" in footer:
        return Mode.PLAN
    if "auto mode on" in footer:
        return Mode.AUTO
    if "bypass permissions on" in footer:
        return Mode.BYPASS
    if "manual mode on" in footer or "? for shortcuts" in footer:
        return Mode.DEFAULT
    return None


def title_signal(title: str) -> TitleSignal:
    """Idle (``✳``) or busy (a spinner glyph) from the window title."""
    glyph = title.strip()[:1]
    if not glyph:
        return TitleSignal.NONE
    if glyph == "✳":
        return TitleSignal.IDLE
    if glyph in BUSY_TITLE_GLYPHS or 0x2800 <= ord(glyph) <= 0x28FF:
        return TitleSignal.BUSY
    return TitleSignal.NONE


def parse_options(lines: Sequence[str], columns: int) -> tuple[Option, ...] | None:
    """Read a list of options (numbered or not); None unless it is exactly one list.

    Exactly one option must carry the ``❯`` cursor; numbered options must count 1, 2, 3...
    in order. Lines between numbered options that are not options are descriptions of the
    option above. Blank lines and rules inside the list are skipped.
    """
    opts: list[Option] = []
    numbered: bool | None = None
    for line in lines:
        if not line.strip() or is_rule(line, columns):
            continue
        m = _OPTION_RE.match(line.strip())
        if m is None:
            return None
        is_numbered = m.group("num") is not None
        if numbered and not is_numbered and opts and not m.group("sel"):
            last = opts[-1]
            desc = f"{last.description} {m.group('label')}".strip()
            opts[-1] = Option(last.label, last.number, last.selected, desc)
            continue
        if numbered is None:
            numbered = is_numbered
        if is_numbered != numbered:
            return None
        num = int(m.group("num")) if is_numbered else None
        opts.append(Option(m.group("label"), num, bool(m.group("sel"))))
    if len(opts) < 2 or sum(o.selected for o in opts) != 1:
        return None
    if numbered and [o.number for o in opts] != list(range(1, len(opts) + 1)):
        return None
    return tuple(opts)
