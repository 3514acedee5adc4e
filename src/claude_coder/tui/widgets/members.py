"""The fleet table (one row per member) and the detail line for the highlighted member.

Columns follow their content as it changes (a state growing from ``idle`` to
``! waiting``, a cost gaining digits); names and profiles get the room the other columns
leave, and are cut only when that runs out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable, Static

from claude_coder.tui.format import (
    BOUNDARY_SHORT,
    format_cost,
    format_resets,
    format_tokens,
    member_status,
)
from claude_coder.tui.ports import MemberPort
from claude_coder.tui.widgets.text import show_text
from claude_coder.tui.widgets.theme import state_style, theme_style

__all__ = ["MemberDetail", "MemberTable"]

_COLUMNS = (
    ("name", "name"),
    ("state", "state"),
    ("via", "transport"),
    ("profile", "profile"),
    ("q", "queued"),
    ("last", "last"),
    ("tokens", "tokens"),
    ("cost", "cost"),
)


_CUT_KEYS = ("name", "profile")
MIN_CUT = 12
"""A name or profile is never cut shorter than this."""


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class MemberTable(DataTable[Text]):
    """Members of the fleet, live. Row keys are member names."""

    DEFAULT_CSS = """
    MemberTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._names: list[str] = []
        self._shown: tuple[Sequence[MemberPort], set[str]] = ((), set())
        self._room = (MIN_CUT, MIN_CUT)

    def on_mount(self) -> None:
        for label, key in _COLUMNS:
            self.add_column(label, key=key)

    @property
    def selected(self) -> str | None:
        """The name of the member under the cursor, if any."""
        if not self._names or not 0 <= self.cursor_row < len(self._names):
            return None
        return self._names[self.cursor_row]

    def show(self, members: Sequence[MemberPort], waiting: set[str]) -> None:
        """Render ``members``; ``waiting`` adds members the model knows wait on a person."""
        self._shown = (members, waiting)
        names = [m.name for m in members]
        room = self._name_room()
        if names != self._names or room != self._room:
            self._room = room
            keep = self.selected
            self.clear()
            self._names = names
            for m in members:
                self.add_row(*self._cells(m, m.name in waiting), key=m.name)
            if keep in names:
                self.move_cursor(row=names.index(keep))
            return
        for m in members:
            for (_, key), cell in zip(_COLUMNS, self._cells(m, m.name in waiting), strict=True):
                self.update_cell(m.name, key, cell, update_width=True)

    def on_resize(self) -> None:
        if self._names and self._name_room() != self._room:
            self.show(*self._shown)

    def _name_room(self) -> tuple[int, int]:
        """How wide names and profiles may be: what the other columns leave, 3:2."""
        other = sum(
            c.get_render_width(self) for k, c in self.columns.items() if k.value not in _CUT_KEYS
        )
        free = self.size.width - other - 2 * self.cell_padding * len(_CUT_KEYS) - 1
        return max(MIN_CUT, free * 3 // 5), max(MIN_CUT, free * 2 // 5)

    def _cells(self, m: MemberPort, waiting: bool) -> list[Text]:
        app = self.app
        is_waiting = waiting or m.waiting
        last = m.last_boundary.value if m.last_boundary is not None else None
        label, key = member_status(m.state, is_waiting, m.queued, last)
        tokens = f"{format_tokens(m.input_tokens)}/{format_tokens(m.output_tokens)}"
        last_style = theme_style(app, "text-error") if last in ("error", "limit") else ""
        shown = f"! {label}" if is_waiting else label
        return [  # Text everywhere: a name or profile is never read as markup
            Text(_cut(m.name, self._room[0])),
            Text(shown, style=state_style(app, key)),
            Text(m.transport),
            Text(_cut(m.profile, self._room[1])),
            Text(str(m.queued) if m.queued else ""),
            Text(BOUNDARY_SHORT.get(last, last) if last else "-", style=last_style),
            Text(tokens),
            Text(format_cost(m.cost_usd)),
        ]


class MemberDetail(Static):
    """One or two lines about the highlighted member: where it runs, its error or limit."""

    DEFAULT_CSS = """
    MemberDetail { height: auto; max-height: 4; padding: 0 1; background: $boost; }
    """

    def show(self, member: MemberPort | None, now: datetime) -> None:
        """Describe ``member`` (``now`` is the clock, for limit reset times)."""
        if member is None:
            show_text(self, Text("No members yet. Press n to add one, c to browse sessions."))
            return
        text = Text()
        text.append(member.name, style="bold")
        sid = member.session_id[:8] if member.session_id else "no id yet"
        text.append(f"  {member.transport} · {member.profile} · {member.cwd or '.'} · {sid}")
        if member.error:
            text.append("\nerror: ", style=theme_style(self.app, "text-error", bold=True))
            text.append(member.error)
            text.append("  (R restarts it)")
        elif member.last_boundary is not None and member.last_boundary.value == "limit":
            text.append("\n")
            text.append(
                format_resets(member.resets_at, now), style=theme_style(self.app, "text-error")
            )
        show_text(self, text)
