"""A yes/no question before something that cannot be undone from the UI."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label

__all__ = ["ConfirmDialog", "close_question", "quit_question"]


def close_question(member: str) -> str:
    """What the person is asked before a member is closed."""
    return (
        f"Close {member}? Its running turn stops and it leaves the fleet; "
        "its session stays in the catalog and can be resumed."
    )


def quit_question(busy: list[str]) -> str:
    """What the person is asked before quitting while members run turns."""
    who = ", ".join(busy[:3]) + (f" and {len(busy) - 3} more" if len(busy) > 3 else "")
    verb = "is" if len(busy) == 1 else "are"
    return (
        f"Quit? {who} {verb} still working: the running turns are interrupted "
        "(recorded as interrupted) and queued ones dropped."
    )


class ConfirmDialog(ModalScreen[bool]):
    """Dismisses True on ``y``, False on ``n`` or escape."""

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 60; max-width: 100%; height: auto; border: thick $error;
        background: $panel; padding: 0 1;
    }
    ConfirmDialog Label { width: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.question))
            yield Label(Text("y: yes · n: no", style="dim"))
        yield Footer()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
