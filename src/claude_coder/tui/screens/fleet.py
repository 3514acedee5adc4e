"""The fleet view: every member in a live table, the merged event log beside it.

Wide terminals put the log to the right of the table; narrow ones (80 columns) put it
below. The app pushes new members and log lines in; this screen only renders them and
turns keys into requests to the app and to :class:`FleetActions`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from claude_coder.tui.actions import FleetActions
from claude_coder.tui.format import format_cost
from claude_coder.tui.keys import ShownKeys
from claude_coder.tui.model import FleetModel
from claude_coder.tui.ports import MemberPort
from claude_coder.tui.screens.diff import close_member, open_diff
from claude_coder.tui.widgets.eventlog import EventLog
from claude_coder.tui.widgets.members import MemberDetail, MemberTable
from claude_coder.tui.widgets.text import show_text
from claude_coder.tui.widgets.theme import state_style

__all__ = ["FleetScreen", "OpenMember"]


class OpenMember(Message):
    """The person wants to talk to ``name``."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class FleetScreen(Screen[None]):
    """The home screen."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 (Textual's API)
    DEFAULT_CSS = """
    FleetScreen #title { height: 1; padding: 0 1; background: $boost; width: 1fr; }
    FleetScreen #body { layout: vertical; height: 1fr; }
    FleetScreen.-wide #body { layout: horizontal; }
    FleetScreen #left { height: 1fr; }
    FleetScreen.-wide #left { width: 3fr; }
    FleetScreen.-narrow #left { height: 11; }
    FleetScreen EventLog { border-top: solid $primary-muted; }
    FleetScreen.-wide EventLog { width: 2fr; border-top: none; border-left: solid $primary-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=True),
        Binding("n", "app.new_member", "New"),
        Binding("c", "app.catalog", "Catalog"),
        Binding("f", "filter", "Filter log"),
        Binding("i", "interrupt(False)", "Stop"),
        Binding("I", "interrupt(True)", "Stop+drop", show=False),
        Binding("x", "close_member", "Close"),
        Binding("R", "restart", "Restart"),
        Binding("d", "diff", "Diff"),
    ]

    def __init__(
        self, model: FleetModel, actions: FleetActions, clock: Callable[[], datetime]
    ) -> None:
        super().__init__()
        self._model = model
        self._actions = actions
        self._clock = clock
        self._members: dict[str, MemberPort] = {}
        self._keys = ShownKeys(self, ("open", "interrupt", "close_member", "restart"))

    def compose(self) -> ComposeResult:
        yield Label("", id="title")
        with Container(id="body"):
            with Vertical(id="left"):
                yield MemberTable(id="members")
                yield MemberDetail(id="detail")
            yield EventLog(id="log")
        yield Footer()

    def on_mount(self) -> None:
        with contextlib.suppress(NoMatches):  # the app may be exiting already (SIGTERM)
            self.table.focus()

    @property
    def table(self) -> MemberTable:
        return self.query_one("#members", MemberTable)

    @property
    def event_log(self) -> EventLog:
        return self.query_one("#log", EventLog)

    @property
    def selected(self) -> str | None:
        return self.table.selected

    def show_members(self, members: Sequence[MemberPort]) -> None:
        """Render the fleet's members (and what waits on a person)."""
        self._members = {m.name: m for m in members}
        waiting = {p.member for p in self._model.pending()}
        self.table.show(members, waiting)
        self._show_detail()
        self._show_title(members, waiting)
        self._keys.refresh()

    def _show_title(self, members: Sequence[MemberPort], waiting: set[str]) -> None:
        busy = sum(1 for m in members if m.state.value == "busy")
        errors = sum(1 for m in members if m.state.value == "error")
        waits = len(waiting | {m.name for m in members if m.waiting})
        title = Text("claude-coder fleet", style="bold")
        title.append(f" · {len(members)} member{'s' if len(members) != 1 else ''}")
        title.append(f" · {busy} busy")
        if waits:
            title.append(" · ")
            title.append(f"{waits} waiting on you", style=state_style(self.app, "waiting"))
        if errors:
            title.append(" · ")
            title.append(f"{errors} in error", style=state_style(self.app, "error"))
        parked = sum(1 for m in members if getattr(m, "parked", False))
        if parked:
            title.append(" · ")
            title.append(f"{parked} parked at a limit", style=state_style(self.app, "limit"))
        spent = sum(m.cost_usd or 0.0 for m in members)
        if spent:
            title.append(f" · {format_cost(spent)} spent")
        show_text(self.query_one("#title", Label), title, layout=False)  # one row

    def _show_detail(self) -> None:
        name = self.selected
        member = self._members.get(name) if name is not None else None
        self.query_one("#detail", MemberDetail).show(member, self._clock())

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        self._keys.refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only keys that do something for the highlighted member are shown (and work)."""
        name = self.selected
        member = self._members.get(name) if name is not None else None
        if action in ("open", "close_member"):
            return member is not None
        if action == "interrupt":
            return member is not None and (
                member.state.value in ("busy", "stalled") or member.queued > 0
            )
        if action == "restart":
            return member is not None and member.state.value in ("error", "closed")
        if action == "diff":
            return member is not None and member.worktree is not None
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        if self.selected is not None:
            self.post_message(OpenMember(self.selected))

    def action_filter(self) -> None:
        log = self.event_log
        target = self.selected if log.member is None else None
        log.member = target
        log.reset(self._model.log_for(target))

    def action_interrupt(self, drain: bool) -> None:
        if self.selected is not None:
            self._actions.interrupt(self.selected, drain)

    def action_restart(self) -> None:
        if self.selected is not None:
            self._actions.restart(self.selected)

    def action_diff(self) -> None:
        if self.selected is not None:
            open_diff(self.app, self._members.get(self.selected))

    def action_close_member(self) -> None:
        name = self.selected
        if name is not None:
            close_member(self.app, self._actions, name, self._members.get(name))
