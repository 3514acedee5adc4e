"""Text from outside made inert for a terminal: only claude-coder's own styling reaches one.

Text that claude-coder did not write itself (the model's answers, tool output, transcript
titles, session and member names) is shown through :func:`visible` (a block of lines)
or :func:`visible_line` (a table cell, a one-line summary). Both turn every character
that a terminal would act on into a visible stand-in, so a model cannot write the
clipboard (``ESC]52``), retitle the window (``ESC]0``), clear the screen (``ESC[2J``) or
fake a row of a table:

- C0 controls and DEL become the Unicode control pictures (``␛`` for ESC, ``␇`` for
  BEL, ``␡`` for DEL, ...): one column wide each, so tables keep their shape;
- C1 controls (U+0080..U+009F, among them the 8-bit CSI U+009B) become ``\\x9b``;
- characters that reorder or break what is shown without being controls, the bidi
  embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069) and the line and
  paragraph separators (U+2028, U+2029), become ``\\u202e``;
- ``\\r\\n`` is a newline; a lone ``\\r`` (which would overwrite the line) becomes ``␍``;
- a lone surrogate (what undecodable bytes become) becomes U+FFFD, so the text can be
  written as UTF-8 at all.

:func:`visible` keeps newlines and tabs; :func:`visible_line` shows them as ``␤`` and
``␉``. :func:`typed` is the same rule for text claude-coder types into Claude Code's
TUI (it keeps newlines and tabs and does not touch bidi characters, which are text to
the model, not keys to the TUI). :func:`json_text` escapes the same characters inside a
JSON document, which stays equal as JSON. :func:`visible_obj` applies :func:`visible`
to every string inside an event or any other value.
"""

from __future__ import annotations

import re
from typing import Any

from claude_coder.security.walk import map_strings

__all__ = ["json_text", "typed", "visible", "visible_line", "visible_obj"]

_C0 = {c: chr(0x2400 + c) for c in range(0x20)}
_C0[0x7F] = "\u2421"  # ␡
_C1 = {c: f"\\x{c:02x}" for c in range(0x80, 0xA0)}
_LAYOUT = {
    c: f"\\u{c:04x}" for c in (0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
}

_SURROGATE = dict.fromkeys(range(0xD800, 0xE000), "\ufffd")
"""A lone surrogate (from undecodable bytes) cannot be written as UTF-8: shown as U+FFFD."""
_KEEP = (0x09, 0x0A)

_TYPED = str.maketrans({**{c: v for c, v in _C0.items() if c not in _KEEP}, **_C1, **_SURROGATE})
_BLOCK = str.maketrans(
    {**{c: v for c, v in _C0.items() if c not in _KEEP}, **_C1, **_LAYOUT, **_SURROGATE}
)
_LINE = str.maketrans({**_C0, 0x0A: "\u2424", **_C1, **_LAYOUT, **_SURROGATE})  # newline: ␤
_JSON_ESCAPE = re.compile("[\u007f-\u009f\u2028-\u202e\u2066-\u2069]")


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n")


def visible(text: str) -> str:
    """``text`` with every control and layout character made visible (newlines and tabs kept)."""
    return _newlines(text).translate(_BLOCK)


def visible_line(text: str) -> str:
    """:func:`visible` for one line: newlines and tabs are shown too (``␤``, ``␉``)."""
    return _newlines(text).translate(_LINE)


def typed(text: str) -> str:
    """``text`` as it may be typed into a terminal program: no control character but
    newline and tab (``\\r\\n`` and a lone ``\\r`` become a newline), so no key, no
    sequence and no end of a bracketed paste can be formed from it."""
    return _newlines(text).replace("\r", "\n").translate(_TYPED)


def json_text(document: str) -> str:
    """A JSON document with DEL, C1 and layout characters written as ``\\uXXXX`` escapes.

    ``json.dumps(..., ensure_ascii=False)`` already escapes C0 and ``"``; these characters
    can only stand inside strings, where the escape means the same character.
    """
    return _JSON_ESCAPE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", document)


def visible_obj(x: Any) -> Any:
    """A copy of ``x`` (an event, a mapping, ...) with :func:`visible` applied to every string."""
    return map_strings(x, visible)
