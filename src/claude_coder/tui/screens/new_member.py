"""The new-member dialog: a name, a profile from the picker and a working directory.

Also used to resume or fork a catalog session into the fleet (then it names the
session it starts from). It checks the form and dismisses with a
:class:`NewMemberRequest`; the app asks the fleet to add the member.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select

from claude_coder.fleet import MemberNameError
from claude_coder.fleet.roster._file import validate_member_name
from claude_coder.security import visible_line

__all__ = ["NewMemberDialog", "NewMemberRequest", "check_member_name"]


@dataclass(frozen=True)
class NewMemberRequest:
    """What the person asked for."""

    name: str
    profile: str
    cwd: str | None
    resume: str | None = None
    """Resume this session id (same conversation)."""
    fork_from: str | None = None
    """Fork this session id (a new conversation carrying its history)."""
    worktree: bool = False
    """Work in its own git worktree of the repository at ``cwd``."""
    host: str | None = None
    """Run it on this host (the resumed or forked session is there; ``cwd`` too)."""


def check_member_name(name: str, taken: Collection[str]) -> str | None:
    """Why ``name`` cannot be a new member's name, or None if it can."""
    if not name:
        return "a member needs a name"
    try:
        validate_member_name(name)  # the fleet's own rule, so the dialog never disagrees
    except MemberNameError as exc:
        return exc.message
    if name in taken:
        return f"a member named {name!r} is already in the fleet"
    return None


class NewMemberDialog(ModalScreen[NewMemberRequest | None]):
    """Name, profile and cwd for a new member (or a resumed or forked session)."""

    DEFAULT_CSS = """
    NewMemberDialog { align: center middle; }
    NewMemberDialog > Vertical {
        width: 70; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $panel; padding: 0 1;
    }
    NewMemberDialog .title { text-style: bold; }
    NewMemberDialog Input, NewMemberDialog Select { margin: 0 0 0 0; }
    NewMemberDialog #problem { color: $text-error; height: auto; }
    NewMemberDialog Horizontal { height: auto; align: right middle; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Add", priority=True),
    ]

    def __init__(
        self,
        profiles: Sequence[str],
        taken: Collection[str],
        *,
        name: str = "",
        cwd: str | None = None,
        resume: str | None = None,
        fork_from: str | None = None,
        host: str | None = None,
        blink: bool = True,
    ) -> None:
        super().__init__()
        self._profiles = list(profiles) or ["claude-code-expert"]
        self._taken = taken
        self._name = name
        self._cwd = cwd or ""
        self._resume = resume
        self._fork_from = fork_from
        self._host = host
        self._blink = blink

    def _title(self) -> str:
        on = f" on {self._host}" if self._host else ""
        if self._resume:
            return f"Resume session {self._resume[:8]}{on} into the fleet"
        if self._fork_from:
            return f"Fork session {self._fork_from[:8]}{on} into the fleet"
        return "New member"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(visible_line(self._title())), classes="title")
            yield Label("name")
            yield Input(self._name, placeholder="agent1", id="name")
            yield Label("profile")
            yield Select(
                [(p, p) for p in self._profiles],
                value=self._profiles[0],
                allow_blank=False,
                id="profile",
            )
            yield Label("working directory (empty: the profile's)")
            yield Input(self._cwd, placeholder="~/src/project", id="cwd")
            yield Checkbox("own git worktree (branch worktree-NAME)", id="worktree")
            yield Label("", id="problem")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button(Text("Add [ctrl+s]"), id="add", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = self._blink
        self.query_one("#name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "name":
            self.query_one("#profile", Select).focus()
        else:
            self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "add":
            self.action_submit()
        else:
            self.action_cancel()

    def action_submit(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        problem = check_member_name(name, self._taken)
        if problem is not None:
            self.query_one("#problem", Label).update(Text(problem))
            self.query_one("#name", Input).focus()
            return
        profile = self.query_one("#profile", Select).value
        cwd = self.query_one("#cwd", Input).value.strip() or None
        worktree = self.query_one("#worktree", Checkbox).value
        self.dismiss(
            NewMemberRequest(
                name,
                str(profile),
                cwd,
                resume=self._resume,
                fork_from=self._fork_from,
                worktree=worktree,
                host=self._host,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
