"""The bytes a person's keys send to Claude Code's TUI, named.

Text is never typed raw: :func:`paste` wraps it in bracketed paste (the TUI turns on
``CSI ? 2004 h``) so newlines and long text land in the prompt as one paste and are not
taken as Enter; :data:`ENTER` then submits, sent separately.
"""

from __future__ import annotations

__all__ = [
    "CTRL_C",
    "CTRL_D",
    "CTRL_U",
    "DOWN",
    "ENTER",
    "ESC",
    "LEFT",
    "PASTE_END",
    "PASTE_START",
    "RIGHT",
    "SHIFT_TAB",
    "UP",
    "digit",
    "paste",
]

ESC = b"\x1b"
ENTER = b"\r"
CTRL_C = b"\x03"
CTRL_D = b"\x04"
CTRL_U = b"\x15"
UP = b"\x1b[A"
DOWN = b"\x1b[B"
RIGHT = b"\x1b[C"
LEFT = b"\x1b[D"
SHIFT_TAB = b"\x1b[Z"
PASTE_START = b"\x1b[200~"
PASTE_END = b"\x1b[201~"


def paste(text: str) -> bytes:
    """``text`` as one bracketed paste. An embedded end marker is removed (it would end
    the paste early and let the rest be read as keys)."""
    body = text.replace("\x1b[201~", "").replace("\x1b[200~", "")
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    return PASTE_START + body.encode("utf-8") + PASTE_END


def digit(n: int) -> bytes:
    """The key for option ``n`` of a numbered dialog (1-9)."""
    if not 1 <= n <= 9:
        raise ValueError(f"no single key selects option {n}")
    return str(n).encode()
