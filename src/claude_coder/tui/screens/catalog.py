"""The catalog browser: search past sessions, read one's history, resume or fork it.

The catalog reads files, so both screens call it from a worker thread and render what
comes back. With hosts (their catalogs asked over ssh), the table gains a host column
(``local`` for this machine's sessions); each host is read by its own worker with a
deadline, so a slow or unreachable host never holds up the rest: it shows one line
under the table saying why. Resuming or forking posts :class:`IntoFleet` for the app,
which asks for the member's name and adds it to the fleet (on the row's host).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label

from claude_coder.errors import ClaudeCoderError
from claude_coder.security import visible_line
from claude_coder.tui.format import first_line
from claude_coder.tui.model import ConversationLog
from claude_coder.tui.ports import CatalogPort, SessionInfoPort
from claude_coder.tui.widgets.conversation import Conversation

__all__ = ["CatalogScreen", "HistoryScreen", "IntoFleet", "session_matches"]

HISTORY_EVENTS = 20_000
"""At most this many events of a transcript are read into the history view."""

HOST_TIMEOUT = 30.0
"""Seconds a host's listing may take before the browser gives up on it."""

LOCAL = "local"
"""What the host column shows for this machine's sessions."""


def session_matches(info: SessionInfoPort, query: str, host: str | None = None) -> bool:
    """True if every word of ``query`` is in the session's name, summary, cwd or host."""
    parts = (info.name or "", info.summary, info.cwd or "", info.session_id, host or "")
    hay = " ".join(parts).lower()
    return all(word in hay for word in query.lower().split())


@dataclass(frozen=True)
class _Row:
    host: str | None
    """None: this machine."""
    info: SessionInfoPort


class IntoFleet(Message):
    """The person wants ``info`` in the fleet: resumed, or forked when ``fork``;
    ``host``: the session is on that host (None: this machine)."""

    def __init__(self, info: SessionInfoPort, fork: bool, host: str | None = None) -> None:
        super().__init__()
        self.info = info
        self.fork = fork
        self.host = host


class CatalogScreen(Screen[None]):
    """Past sessions, newest first, filtered as you type (by name, id, summary or cwd)."""

    DEFAULT_CSS = """
    CatalogScreen #search { margin: 0; }
    CatalogScreen #sessions { height: 1fr; }
    CatalogScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    CatalogScreen #hosts { height: auto; max-height: 4; padding: 0 1; color: $text-warning; }
    CatalogScreen #hosts.-empty { display: none; }
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
        self,
        catalog: CatalogPort,
        clock: Callable[[], datetime],
        *,
        hosts: Mapping[str, CatalogPort] | None = None,
        blink: bool = True,
    ) -> None:
        super().__init__()
        self._catalog = catalog
        self._hosts = dict(hosts or {})
        self._clock = clock
        self._blink = blink
        self._all = False
        self._sessions: dict[str | None, Sequence[SessionInfoPort]] = {}
        self._host_notes: dict[str, str] = {}
        self._shown: list[_Row] = []
        self._skipped = 0

    def compose(self) -> ComposeResult:
        fields = "name, id, summary, cwd or host" if self._hosts else "name, id, summary or cwd"
        yield Input(placeholder=f"/ search {fields}", id="search")
        yield DataTable[Text](id="sessions", cursor_type="row")
        yield Label("reading the catalog…", id="status")
        yield Label("", id="hosts").set_class(True, "-empty")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#search", Input).cursor_blink = self._blink
        table = self.query_one("#sessions", DataTable)
        host = ("host",) if self._hosts else ()
        table.add_columns("name", *host, "id", "summary", "cwd", "modified")
        table.focus()
        self.reload()

    def reload(self) -> None:
        """Read the catalog and every host's again (each in its own thread) and show them."""
        self.run_worker(self._load(), exclusive=True, group="catalog-list")
        for host in self._hosts:
            self._host_notes[host] = "reading…"
            self.run_worker(self._load_host(host), exclusive=True, group=f"catalog-host-{host}")
        self._show_hosts()

    async def _load(self) -> None:
        result = await asyncio.to_thread(self._catalog.list, self._all)
        self._sessions[None], self._skipped = list(result.sessions), result.skipped
        self._render_rows()

    async def _load_host(self, host: str) -> None:
        try:
            async with asyncio.timeout(HOST_TIMEOUT):
                result = await asyncio.to_thread(self._hosts[host].list, self._all)
        except TimeoutError:
            self._host_notes[host] = f"no answer within {HOST_TIMEOUT:g}s"
        except (ClaudeCoderError, OSError) as exc:
            self._host_notes[host] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        else:
            self._sessions[host] = list(result.sessions)
            self._host_notes.pop(host, None)
        self._show_hosts()
        self._render_rows()

    def _show_hosts(self) -> None:
        lines = [visible_line(f"{host}: {note}") for host, note in self._host_notes.items()]
        label = self.query_one("#hosts", Label)
        label.update(Text("\n".join(lines)))
        label.set_class(not lines, "-empty")

    def _rows(self) -> list[_Row]:
        rows = [_Row(host, info) for host, found in self._sessions.items() for info in found]
        rows.sort(key=lambda r: r.info.modified, reverse=True)
        return rows

    def _render_rows(self) -> None:
        query = self.query_one("#search", Input).value
        every = self._rows()
        self._shown = [r for r in every if session_matches(r.info, query, r.host)]
        table = self.query_one("#sessions", DataTable)
        table.clear()
        tz = self._clock().tzinfo
        for row in self._shown:
            s = row.info
            host = (Text(first_line(visible_line(row.host or LOCAL), 10)),) if self._hosts else ()
            table.add_row(  # Text: a summary or cwd with brackets is not markup
                Text(first_line(visible_line(s.name or "(unnamed)"), 12)),
                *host,
                Text(s.session_id[:8]),  # what `claude-coder resume` takes as a prefix
                Text(first_line(visible_line(s.summary), 24)),
                Text(first_line(visible_line(s.cwd or ""), 16)),
                Text(f"{s.modified.astimezone(tz):%b %d %H:%M}"),
                key=f"{row.host or ''}/{s.session_id}",
            )
        scope = "all sessions" if self._all else "named sessions"
        status = f"{len(self._shown)} of {len(every)} {scope}"
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

    def _selected(self) -> _Row | None:
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
        row = self._selected()
        if row is not None:
            catalog = self._catalog if row.host is None else self._hosts[row.host]
            self.app.push_screen(HistoryScreen(catalog, row.info, host=row.host))

    def action_into_fleet(self, fork: bool) -> None:
        row = self._selected()
        if row is not None:
            self.post_message(IntoFleet(row.info, fork, row.host))


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

    def __init__(
        self, catalog: CatalogPort, info: SessionInfoPort, *, host: str | None = None
    ) -> None:
        super().__init__()
        self._catalog = catalog
        self.info = info
        self.host = host
        self._expanded = False

    def compose(self) -> ComposeResult:
        on = f" · on {self.host}" if self.host else ""
        title = f"{self.info.name or '(unnamed)'} · {self.info.session_id[:8]}{on} · read-only"
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
        try:
            conversation.transcript = await asyncio.to_thread(read)
        except (ClaudeCoderError, OSError) as exc:
            self.notify(visible_line(str(exc)), severity="error", timeout=8, markup=False)
            return
        await conversation.sync()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_tools(self) -> None:
        self._expanded = not self._expanded
        self.query_one(Conversation).set_tools_expanded(self._expanded)

    def action_into_fleet(self, fork: bool) -> None:
        self.post_message(IntoFleet(self.info, fork, self.host))
