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

from claude_coder.security import visible_line
from claude_coder.tui.format import (
    BOUNDARY_SHORT,
    format_cost,
    format_resets,
    format_tokens,
    limit_warning,
    member_status,
    member_via,
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
_FILES = ("files", "files")
"""Shown once a member has a worktree: files it changed against its base."""


_CUT_KEYS = ("name", "profile")
MIN_CUT = 12
"""A name or profile is never cut shorter than this."""


Room = tuple[int, int] | None
"""How wide a name and a profile may be (None: as wide as they are)."""


def _cut(text: Text, width: int) -> Text:
    if text.cell_len <= width:
        return text
    cut = text[: width - 1]
    cut.append("…")
    return cut


def _fit(cells: list[Text], room: Room) -> list[Text]:
    """``cells`` with the name and the profile cut to ``room``."""
    if room is None:
        return cells
    name, profile = room
    return [_cut(cells[0], name), *cells[1:3], _cut(cells[3], profile), *cells[4:]]


class MemberTable(DataTable[Text]):
    """Members of the fleet, live. Row keys are member names."""

    DEFAULT_CSS = """
    MemberTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._names: list[str] = []
        self._shown: tuple[Sequence[MemberPort], set[str]] = ((), set())
        self._room: Room = None
        self._columns: tuple[tuple[str, str], ...] = _COLUMNS
        self.files: dict[str, int | None] = {}
        """Changed-file counts of members with a worktree (the app fills it in)."""

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for label, key in self._columns:
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
        wide = any(m.worktree is not None for m in members)
        columns = (*_COLUMNS, _FILES) if wide else _COLUMNS
        changed, self._columns = columns != self._columns, columns
        rows = [(m.name, self._cells(m, m.name in waiting)) for m in members]
        room = self._room_for([cells for _, cells in rows])
        names = [name for name, _ in rows]
        if changed or names != self._names or room != self._room:
            self._rebuild(rows, room)
            return
        for name, cells in rows:
            for (_, key), cell in zip(self._columns, _fit(cells, room), strict=True):
                self.update_cell(name, key, cell, update_width=True)

    def _rebuild(self, rows: list[tuple[str, list[Text]]], room: Room) -> None:
        """All rows anew, columns too: a column never shrinks otherwise."""
        keep = self.selected
        self._room = room
        self.clear(columns=True)
        self._add_columns()
        self._names = [name for name, _ in rows]
        for name, cells in rows:
            self.add_row(*_fit(cells, room), key=name)
        if keep in self._names:
            self.move_cursor(row=self._names.index(keep))

    def on_resize(self) -> None:
        members, waiting = self._shown
        if self._names:
            self.show(members, waiting)

    def _room_for(self, rows: list[list[Text]]) -> Room:
        """None when every name and profile fits; else how wide each may be (3:2)."""
        widths = [
            max([len(label), *(row[i].cell_len for row in rows)])
            for i, (label, _) in enumerate(self._columns)
        ]
        pad = 2 * self.cell_padding
        cut = [i for i, (_, key) in enumerate(self._columns) if key in _CUT_KEYS]
        other = sum(w + pad for i, w in enumerate(widths) if i not in cut)
        scrollbar = 2 if len(rows) + 1 > self.size.height else 0
        free = self.size.width - other - pad * len(cut) - scrollbar
        name_need, profile_need = (widths[i] for i in cut)
        if self.size.width == 0 or name_need + profile_need <= free:
            return None
        name = max(MIN_CUT, min(name_need, free * 3 // 5))
        return name, max(MIN_CUT, min(profile_need, free - name))

    def _cells(self, m: MemberPort, waiting: bool) -> list[Text]:
        app = self.app
        is_waiting = waiting or m.waiting
        last = m.last_boundary.value if m.last_boundary is not None else None
        parked = bool(getattr(m, "parked", False))
        label, key = member_status(m.state, is_waiting, m.queued, last, parked)
        label += limit_warning(getattr(m, "limit_status", None), getattr(m, "utilization", None))
        tokens = f"{format_tokens(m.input_tokens)}/{format_tokens(m.output_tokens)}"
        last_style = theme_style(app, "text-error") if last in ("error", "limit") else ""
        shown = f"! {label}" if is_waiting else label
        cells = [  # Text everywhere: a name or profile is never read as markup
            Text(m.name),
            Text(shown, style=state_style(app, key)),
            Text(visible_line(member_via(m))),
            Text(visible_line(m.profile)),
            Text(str(m.queued) if m.queued else ""),
            Text(BOUNDARY_SHORT.get(last, last) if last else "-", style=last_style),
            Text(tokens),
            Text(format_cost(m.cost_usd)),
        ]
        if self._columns is not _COLUMNS:
            count = self.files.get(m.name)
            cells.append(Text("-" if m.worktree is None else "?" if count is None else str(count)))
        return cells


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
        host = getattr(member, "host", None)
        where = f"{host}:{member.cwd or '~'}" if host else member.cwd or "."
        text.append(visible_line(f"  {member_via(member)} · {member.profile} · {where} · {sid}"))
        if member.error:
            text.append("\nerror: ", style=theme_style(self.app, "text-error", bold=True))
            text.append(visible_line(member.error))
            text.append("  (R restarts it)")
        elif member.last_boundary is not None and member.last_boundary.value == "limit":
            text.append("\n")
            text.append(
                format_resets(member.resets_at, now), style=theme_style(self.app, "text-error")
            )
        show_text(self, text)
