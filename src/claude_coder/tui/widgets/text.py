"""Updating a text widget only when what it shows changed.

Every update of a :class:`~textual.widgets.Static` costs a layout of the whole screen,
and the status lines are re-shown on every event that touches a member: while one
streams, almost all of those updates would repaint the same text.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

__all__ = ["show_text"]


def show_text(widget: Static, text: Text, *, layout: bool = True) -> bool:
    """Show ``text`` in ``widget`` unless it already shows exactly that; True if updated.

    ``layout=False`` for a widget whose size cannot change with its text (fixed height).
    """
    current = widget.content
    if (
        isinstance(current, Text)
        and current.plain == text.plain
        and current.style == text.style
        and current.spans == text.spans
    ):
        return False
    widget.update(text, layout=layout)
    return True
