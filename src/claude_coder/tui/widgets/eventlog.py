"""The merged event log of every member, filterable to one member."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import RichLog

from claude_coder.tui.model import LogEntry

__all__ = ["EventLog"]


class EventLog(RichLog):
    """Log lines (``HH:MM:SS member text``) from the view model; ``member`` filters them."""

    DEFAULT_CSS = """
    EventLog { height: 1fr; overflow-x: hidden; border-title-color: $text-muted; }
    """

    member: reactive[str | None] = reactive(None, init=False)
    """Show only this member's lines (None: every member)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=1000, wrap=False, markup=False, auto_scroll=True)
        self.border_title = "events: all"

    def add(self, entries: Iterable[LogEntry]) -> None:
        """Append the entries that pass the filter."""
        for entry in entries:
            if self.member is None or entry.member == self.member:
                self.write(self._line(entry))

    def reset(self, entries: Iterable[LogEntry]) -> None:
        """Replace everything shown with ``entries`` (after a filter change)."""
        self.clear()
        self.add(entries)

    def watch_member(self, member: str | None) -> None:
        self.border_title = f"events: {member or 'all'}"

    @staticmethod
    def _line(entry: LogEntry) -> Text:
        stamp, _, rest = entry.text.partition(" ")
        line = Text(stamp + " ", style="dim")
        line.append(entry.member or "-", style="bold")
        line.append(" " + rest)
        return line
