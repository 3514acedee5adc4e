"""Dialogs for a member waiting on a person: a permission to decide, a question to answer.

Each dialog only collects the person's choice and dismisses with it; the app passes the
choice to the fleet. Escape closes a dialog without answering (the member keeps waiting
and its marker stays on).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from claude_coder.security import visible, visible_line
from claude_coder.tui.format import tool_summary
from claude_coder.tui.model import Pending, PendingPermission, PendingQuestion

__all__ = [
    "PermissionChoice",
    "PermissionDialog",
    "QuestionDialog",
    "QuestionReply",
    "WaitingList",
    "describe_pending",
]

_DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 76; max-width: 100%; height: auto; max-height: 100%;
    border: thick $warning; background: $panel; padding: 0 1;
}}
{name} .title {{ text-style: bold; color: $text-warning; width: 1fr; }}
{name} .detail {{ height: auto; max-height: 10; background: $boost; padding: 0 1; }}
{name} Horizontal {{ height: auto; align: center middle; }}
{name} Button {{ margin: 0 1; min-width: 10; }}
"""


class PermissionChoice(StrEnum):
    ALLOW = "allow"
    ALWAYS = "always"
    DENY = "deny"


def _describe_input(tool_input: object) -> str:
    if isinstance(tool_input, dict):
        command = tool_input.get("command")
        if isinstance(command, str) and len(tool_input) <= 2:
            return command
    return json.dumps(tool_input, indent=2, sort_keys=True, default=str)


class PermissionDialog(ModalScreen[PermissionChoice | None]):
    """Allow once, always allow for the session, or deny one tool use."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="PermissionDialog")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "choose('allow')", "Allow once"),
        Binding("a", "choose('always')", "Always (session)"),
        Binding("n", "choose('deny')", "Deny"),
        Binding("escape", "later", "Later"),
    ]

    def __init__(self, request: PendingPermission) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        req = self.request
        with Vertical():
            yield Label(Text(visible_line(f"{req.member} asks to use {req.tool}")), classes="title")
            with VerticalScroll(classes="detail"):
                yield Static(Text(visible(_describe_input(dict(req.input)))))
            with Horizontal():
                yield Button(Text("Allow once [y]"), id="allow", variant="success")
                yield Button(Text("Always [a]"), id="always", variant="primary")
                yield Button(Text("Deny [n]"), id="deny", variant="error")
        yield Footer()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id is not None:
            self.action_choose(event.button.id)

    def action_choose(self, choice: str) -> None:
        self.dismiss(PermissionChoice(choice))

    def action_later(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class QuestionReply:
    """The person's answer: question -> chosen label, or None to decline."""

    answers: dict[str, str] | None


class QuestionDialog(ModalScreen[QuestionReply | None]):
    """Pick an option for each question in turn, or decline them all."""

    DEFAULT_CSS = (
        _DIALOG_CSS.format(name="QuestionDialog")
        + """
    QuestionDialog OptionList { height: auto; max-height: 10; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "decline", "Decline"),
        Binding("escape", "later", "Later"),
    ]

    def __init__(self, request: PendingQuestion) -> None:
        super().__init__()
        self.request = request
        self._index = 0
        self._answers: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("", id="q-title", classes="title")
            yield Static("", id="q-text", classes="detail")
            yield OptionList(id="q-options")
            yield Label(Text("enter picks · d declines · escape answers later", style="dim"))
        yield Footer()

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        questions = self.request.questions
        q = questions[self._index]
        head = f"{self.request.member} asks"
        if len(questions) > 1:
            head += f" ({self._index + 1}/{len(questions)})"
        self.query_one("#q-title", Label).update(
            Text(visible_line(head + (f": {q.header}" if q.header else "")))
        )
        self.query_one("#q-text", Static).update(Text(visible(q.question)))
        options = self.query_one("#q-options", OptionList)
        options.clear_options()
        options.add_options(
            Option(Text(visible(o.label + (f" — {o.description}" if o.description else ""))))
            for o in q.options
        )
        options.highlighted = 0 if q.options else None
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        q = self.request.questions[self._index]
        self._answers[q.question] = q.options[event.option_index].label
        self._index += 1
        if self._index >= len(self.request.questions):
            self.dismiss(QuestionReply(dict(self._answers)))
        else:
            self._show()

    def action_decline(self) -> None:
        self.dismiss(QuestionReply(None))

    def action_later(self) -> None:
        self.dismiss(None)


def describe_pending(request: Pending, width: int = 50) -> str:
    """``asks to use Bash rm -rf build`` / ``asks a question``."""
    if isinstance(request, PendingPermission):
        return "asks to use " + tool_summary(request.tool, request.input, width)
    return "asks a question"


class WaitingList(ModalScreen[Pending | None]):
    """Every request that waits on the person; enter opens one, escape closes the list."""

    DEFAULT_CSS = (
        _DIALOG_CSS.format(name="WaitingList")
        + """
    WaitingList OptionList { height: auto; max-height: 12; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "later", "Later")]

    def __init__(self, requests: list[Pending]) -> None:
        super().__init__()
        self.requests = requests

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text("Waiting on you"), classes="title")
            yield OptionList(
                *(Option(Text(f"{r.member} {describe_pending(r)}")) for r in self.requests),
                id="waiting",
            )
            yield Label(Text("enter opens · escape closes", style="dim"))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.requests[event.option_index])

    def action_later(self) -> None:
        self.dismiss(None)
