"""The bytes a person's keys send to Claude Code's TUI, named.

Text is never typed raw: :func:`paste` wraps it in bracketed paste (the TUI turns on
``CSI ? 2004 h``) so newlines and long text land in the prompt as one paste and are not
taken as Enter; :data:`ENTER` then submits, sent separately. What goes inside the paste
has passed :func:`claude_coder.security.typed`: no ESC, no other control character but
newline and tab, so nothing in it can end the paste or press a key.
"""

from __future__ import annotations

from claude_coder.security.terminal import typed

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
    "pasted_text",
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
    """``text`` as exactly one bracketed paste with no sequence inside it.

    Control characters (ESC among them, so also any paste marker in ``text``) become
    visible stand-ins (:func:`claude_coder.security.typed`), and a leading ``!`` gets a
    space before it: pasted first into an empty prompt, ``!`` switches the TUI to shell
    mode, where a command runs with no permission check at all. The prompt box then
    shows what :func:`pasted_text` returns.
    """
    return PASTE_START + pasted_text(text).encode("utf-8") + PASTE_END


def pasted_text(text: str) -> str:
    """What the prompt box holds after :func:`paste` of ``text``."""
    body = typed(text)
    return " " + body if body.startswith("!") else body


def digit(n: int) -> bytes:
    """The key for option ``n`` of a numbered dialog (1-9)."""
    if not 1 <= n <= 9:
        raise ValueError(f"no single key selects option {n}")
    return str(n).encode()
