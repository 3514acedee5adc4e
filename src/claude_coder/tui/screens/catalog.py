"""The catalog browser: search past sessions, read one's history, resume or fork it.

The catalog reads files, so both screens call it from a worker thread and render what
comes back. Resuming or forking posts :class:`IntoFleet` for the app, which asks for
the member's name and adds it to the fleet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import islice
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label

from claude_coder.security import visible_line
from claude_coder.tui.format import first_line
from claude_coder.tui.model import ConversationLog
from claude_coder.tui.ports import CatalogPort, SessionInfoPort
from claude_coder.tui.widgets.conversation import Conversation

__all__ = ["CatalogScreen", "HistoryScreen", "IntoFleet", "session_matches"]

HISTORY_EVENTS = 20_000
"""At most this many events of a transcript are read into the history view."""


def session_matches(info: SessionInfoPort, query: str) -> bool:
    """True if every word of ``query`` is in the session's name, summary or cwd."""
    hay = " ".join((info.name or "", info.summary, info.cwd or "", info.session_id)).lower()
    return all(word in hay for word in query.lower().split())


class IntoFleet(Message):
    """The person wants ``info`` in the fleet: resumed, or forked when ``fork``."""

    def __init__(self, info: SessionInfoPort, fork: bool) -> None:
        super().__init__()
        self.info = info
        self.fork = fork


class CatalogScreen(Screen[None]):
    """Past sessions, newest first, filtered as you type (by name, id, summary or cwd)."""

    DEFAULT_CSS = """
    CatalogScreen #search { margin: 0; }
    CatalogScreen #sessions { height: 1fr; }
    CatalogScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("slash", "search", "Search"),
        Binding("enter", "open", "History", show=True),
        Binding("r", "into_fleet(False)", "Resume"),
        Binding("f", "into_fleet(True)", "Fork"),
        Binding("a", "toggle_all", "All/named"),
    ]

    def __init__(
        self, catalog: CatalogPort, clock: Callable[[], datetime], *, blink: bool = True
    ) -> None:
        super().__init__()
        self._catalog = catalog
        self._clock = clock
        self._blink = blink
        self._all = False
        self._sessions: Sequence[SessionInfoPort] = ()
        self._shown: list[SessionInfoPort] = []
        self._skipped = 0

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ search name, id, summary or cwd", id="search")
        yield DataTable[Text](id="sessions", cursor_type="row")
        yield Label("reading the catalog…", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#search", Input).cursor_blink = self._blink
        table = self.query_one("#sessions", DataTable)
        table.add_columns("name", "id", "summary", "cwd", "modified")
        table.focus()
        self.reload()

    def reload(self) -> None:
        """Read the catalog again (in a thread) and show it."""
        self.run_worker(self._load(), exclusive=True, group="catalog-list")

    async def _load(self) -> None:
        result = await asyncio.to_thread(self._catalog.list, self._all)
        self._sessions, self._skipped = list(result.sessions), result.skipped
        self._render_rows()

    def _render_rows(self) -> None:
        query = self.query_one("#search", Input).value
        self._shown = [s for s in self._sessions if session_matches(s, query)]
        table = self.query_one("#sessions", DataTable)
        table.clear()
        tz = self._clock().tzinfo
        for s in self._shown:
            table.add_row(  # Text: a summary or cwd with brackets is not markup
                Text(first_line(visible_line(s.name or "(unnamed)"), 12)),
                Text(s.session_id[:8]),  # what `claude-coder resume` takes as a prefix
                Text(first_line(visible_line(s.summary), 24)),
                Text(first_line(visible_line(s.cwd or ""), 16)),
                Text(f"{s.modified.astimezone(tz):%b %d %H:%M}"),
                key=s.session_id,
            )
        scope = "all sessions" if self._all else "named sessions"
        status = f"{len(self._shown)} of {len(self._sessions)} {scope}"
        if self._skipped:
            status += f" · {self._skipped} unreadable files skipped"
        self.query_one("#status", Label).update(status)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._render_rows()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#sessions", DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def _selected(self) -> SessionInfoPort | None:
        table = self.query_one("#sessions", DataTable)
        if not self._shown or not 0 <= table.cursor_row < len(self._shown):
            return None
        return self._shown[table.cursor_row]

    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus:
            self.query_one("#sessions", DataTable).focus()
        else:
            self.dismiss(None)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_toggle_all(self) -> None:
        self._all = not self._all
        self.reload()

    def action_open(self) -> None:
        info = self._selected()
        if info is not None:
            self.app.push_screen(HistoryScreen(self._catalog, info))

    def action_into_fleet(self, fork: bool) -> None:
        info = self._selected()
        if info is not None:
            self.post_message(IntoFleet(info, fork))


class HistoryScreen(Screen[None]):
    """One past session, read-only."""

    DEFAULT_CSS = """
    HistoryScreen #title { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("r", "into_fleet(False)", "Resume"),
        Binding("f", "into_fleet(True)", "Fork"),
        Binding("ctrl+o", "tools", "Tool results"),
    ]

    def __init__(self, catalog: CatalogPort, info: SessionInfoPort) -> None:
        super().__init__()
        self._catalog = catalog
        self.info = info
        self._expanded = False

    def compose(self) -> ComposeResult:
        title = f"{self.info.name or '(unnamed)'} · {self.info.session_id[:8]} · read-only"
        yield Label(Text(visible_line(title)), id="title")
        yield Conversation(ConversationLog(), id="history")
        yield Footer()

    def on_mount(self) -> None:
        self.run_worker(self._load(), exclusive=True, group="catalog-history")

    async def _load(self) -> None:
        def read() -> ConversationLog:
            log = ConversationLog(max_items=2000)
            for env in islice(self._catalog.history(self.info.session_id), HISTORY_EVENTS):
                log.apply(env.event)
            return log

        conversation = self.query_one(Conversation)
        conversation.transcript = await asyncio.to_thread(read)
        await conversation.sync()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_tools(self) -> None:
        self._expanded = not self._expanded
        self.query_one(Conversation).set_tools_expanded(self._expanded)

    def action_into_fleet(self, fork: bool) -> None:
        self.post_message(IntoFleet(self.info, fork))
