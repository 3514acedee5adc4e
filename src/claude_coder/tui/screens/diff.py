"""A member's worktree diff, per file, syntax-highlighted and scrollable; and the
question asked before a member with a worktree leaves the fleet.

:class:`DiffScreen` is opened from the member view (``ctrl+b``) or the fleet table
(``d``); it reads the diff in a worker thread (git) and shows one section per file.
:class:`WorktreeChoiceDialog` dismisses with ``"keep"``, ``"remove"`` or None.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Label, Static

from claude_coder.errors import ClaudeCoderError
from claude_coder.fleet.landing import WorktreeDiff, worktree_diff
from claude_coder.fleet.worktrees import WorktreeRef
from claude_coder.tui.actions import FleetActions
from claude_coder.tui.ports import MemberPort
from claude_coder.tui.screens.confirm import ConfirmDialog, close_question

__all__ = ["DiffScreen", "WorktreeChoiceDialog", "close_member", "diff_sections", "open_diff"]


def diff_sections(diff: WorktreeDiff) -> list[tuple[str, Syntax | Text]]:
    """(heading, body) per changed file: the body is the file's patch, highlighted."""
    out: list[tuple[str, Syntax | Text]] = []
    for f in diff.files:
        counts = "binary" if f.added is None else f"+{f.added} -{f.deleted}"
        body: Syntax | Text = (
            Syntax(f.patch, "diff", theme="ansi_dark", word_wrap=True)
            if f.patch
            else Text("(no text diff)", style="dim")
        )
        out.append((f"{f.status} {f.path}  {counts}", body))
    return out


class DiffScreen(Screen[None]):
    """The changes of one member's worktree against its base."""

    DEFAULT_CSS = """
    DiffScreen #diff-title { text-style: bold; padding: 0 1; background: $boost; }
    DiffScreen .file { text-style: bold; margin: 1 0 0 0; color: $accent; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "app.pop_screen", "Back")]

    def __init__(self, member: str, ref: WorktreeRef) -> None:
        super().__init__()
        self.member = member
        self.ref = ref

    def compose(self) -> ComposeResult:
        title = Text(f"{self.member}: {self.ref.branch} against {self.ref.base}")
        yield Label(title, id="diff-title")
        yield VerticalScroll(Static(Text("reading the diff...", style="dim")), id="diff-body")
        yield Footer()

    async def on_mount(self) -> None:
        body = self.query_one("#diff-body", VerticalScroll)
        try:
            diff = await asyncio.to_thread(worktree_diff, self.ref)
        except ClaudeCoderError as exc:
            await body.remove_children()
            await body.mount(Static(Text(exc.message)))
            return
        await body.remove_children()
        sections = diff_sections(diff)
        if not sections:
            await body.mount(Static(Text(f"no changes against {self.ref.base}")))
        for heading, content in sections:
            await body.mount(Static(Text(heading), classes="file"), Static(content))
        body.focus()


class WorktreeChoiceDialog(ModalScreen[str | None]):
    """Keep the member's worktree, or remove it if merged (``k`` / ``r`` / escape)."""

    DEFAULT_CSS = """
    WorktreeChoiceDialog { align: center middle; }
    WorktreeChoiceDialog > Vertical {
        width: 70; max-width: 100%; height: auto; border: thick $warning;
        background: $panel; padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "choose('keep')", "Keep"),
        Binding("r", "choose('remove')", "Remove if merged"),
        Binding("escape", "choose(None)", "Cancel"),
    ]

    def __init__(self, member: str, ref: WorktreeRef) -> None:
        super().__init__()
        self.member = member
        self.ref = ref

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"{self.member} works in {self.ref.path} ({self.ref.branch})."))
            yield Label(Text("Keep the worktree, or remove it (only if merged and clean)?"))
            yield Label(Text("k: keep · r: remove if merged · escape: do not close", style="dim"))
        yield Footer()

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)


def open_diff(app: App[object], member: MemberPort | None) -> None:
    """Show the member's diff, or say why there is none."""
    if member is None:
        return
    if member.worktree is None:
        app.notify(f"{member.name} has no worktree (it works in {member.cwd or '.'})")
        return
    app.push_screen(DiffScreen(member.name, member.worktree))


def close_member(
    app: App[object],
    actions: FleetActions,
    name: str,
    member: MemberPort | None,
    after: Callable[[], None] | None = None,
) -> None:
    """Confirm, then (for a member with a worktree) ask what to do with it, then close."""
    ref = member.worktree if member is not None else None

    def close(choice: str | None) -> None:
        if choice is None:
            return
        actions.close(name, worktree="remove" if choice == "remove" else "keep")
        if after is not None:
            after()

    def confirmed(yes: bool | None) -> None:
        if not yes:
            return
        if ref is None:
            close("keep")
        else:
            app.push_screen(WorktreeChoiceDialog(name, ref), close)

    app.push_screen(ConfirmDialog(close_question(name)), confirmed)
