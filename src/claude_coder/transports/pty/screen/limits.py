"""Claude Code's usage-limit screens (2.1.331, TUI): what they say and when they reset.

A turn that hits the subscription's limit leaves, in the conversation,
``⎿  You've hit your 5-hour limit · resets 9:54am (UTC)`` (``session`` / ``weekly``
wordings too) and ``● Usage limit reached · set to continue automatically at 9:54am``;
and in the footer ``⚠ Usage limit reached · limit resets 9:54am`` over
``Continuing automatically at 9:54am · Esc to cancel`` while Claude Code means to send
``continue`` by itself at the reset (its auto-continue, a ``/config`` toggle since about
2.1.234). :func:`limit_screen` reads those lines; pure, no I/O.

The reset is shown to the minute (``reset`` keeps the wording, e.g. ``resets 9:54am
(UTC)``); a reader should take the END of that minute, never before the real reset.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LimitScreen", "limit_screen"]

_HIT = re.compile(r"You've hit your ([\w-]+) limit · (resets .*?\([^)]+\))")
_AUTO = re.compile(r"Continuing automatically at (\S+) · Esc to cancel")
_REACHED = "Usage limit reached"


@dataclass(frozen=True, slots=True)
class LimitScreen:
    """What the screen says about the login's usage limit."""

    window: str | None
    """``5-hour``, ``session``, ``weekly``, ... from ``You've hit your ... limit``."""
    reset: str | None
    """The reset as shown: ``resets 9:54am (UTC)``."""
    auto_continue: bool
    """Claude Code will continue by itself at the reset (``Esc to cancel`` is offered)."""


def limit_screen(lines: Sequence[str]) -> LimitScreen | None:
    """The limit the screen shows (the last ``You've hit`` line wins), else None."""
    window: str | None = None
    reset: str | None = None
    seen = False
    auto = False
    for line in lines:
        hit = _HIT.search(line)
        if hit is not None:
            seen, window, reset = True, hit.group(1), hit.group(2)
        elif _REACHED in line:
            seen = True
        if _AUTO.search(line):
            auto = True
    if not seen:
        return None
    return LimitScreen(window, reset, auto)
