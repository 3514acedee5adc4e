"""One member up close: its conversation as it streams, a prompt, and its controls.

PTY members also offer the live terminal view (the screen Claude Code rendered, from
``ScreenChanged`` events). The app tells this screen when the member's conversation or
row changed; the screen reads the view model and asks :class:`FleetActions` to act.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Input, Label, Static

from claude_coder.security import visible_line
from claude_coder.tui.actions import FleetActions
from claude_coder.tui.format import (
    format_cost,
    format_resets,
    format_tokens,
    member_status,
    member_via,
)
from claude_coder.tui.keys import ShownKeys
from claude_coder.tui.model import FleetModel, ToolItem
from claude_coder.tui.ports import MemberPort
from claude_coder.tui.screens.approval import describe_pending
from claude_coder.tui.screens.diff import close_member, open_diff
from claude_coder.tui.widgets.conversation import Conversation
from claude_coder.tui.widgets.prompt import PromptInput
from claude_coder.tui.widgets.text import show_text
from claude_coder.tui.widgets.theme import state_style, theme_style

__all__ = ["MemberScreen"]


class MemberScreen(Screen[None]):
    """Talk to one member."""

    DEFAULT_CSS = """
    MemberScreen #status { height: 1; padding: 0 1; background: $boost; }
    MemberScreen #attention { height: auto; padding: 0 1; display: none; }
    MemberScreen #attention.-shown { display: block; background: $warning-muted; }
    MemberScreen #attention.-error { display: block; background: $error-muted; }
    MemberScreen #views { height: 1fr; }
    MemberScreen #terminal-view { height: 1fr; background: $surface; }
    MemberScreen #prompt { margin: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Fleet", priority=True),
        Binding("ctrl+t", "interrupt(False)", "Stop turn", priority=True),
        Binding("ctrl+g", "interrupt(True)", "Stop + drop queue", priority=True),
        Binding("ctrl+o", "tools", "Tool results", priority=True),
        Binding("ctrl+s", "terminal", "Terminal", priority=True),
        Binding("ctrl+r", "restart", "Restart", priority=True),
        Binding("ctrl+l", "close_member", "Close member", priority=True),
        Binding("ctrl+b", "diff", "Diff", priority=True),
    ]

    def __init__(
        self,
        name: str,
        model: FleetModel,
        actions: FleetActions,
        clock: Callable[[], datetime],
        *,
        blink: bool = True,
    ) -> None:
        super().__init__()
        self.member = name
        self._model = model
        self._actions = actions
        self._clock = clock
        self._blink = blink
        self._info: MemberPort | None = None
        self._tools_open = False
        self._keys = ShownKeys(self, ("terminal", "restart", "interrupt", "tools"))

    def compose(self) -> ComposeResult:
        yield Label("", id="status")
        yield Label("", id="attention")
        with ContentSwitcher(initial="conversation", id="views"):
            yield Conversation(self._model.conversation(self.member), id="conversation")
            with VerticalScroll(id="terminal-view"):
                yield Static("", id="terminal")
        yield PromptInput(placeholder=f"message {self.member} (enter sends)", id="prompt")
        yield Footer()

    def on_mount(self) -> None:
        prompt = self.query_one("#prompt", Input)
        prompt.cursor_blink = self._blink
        prompt.focus()
        self._show_screen()

    @property
    def conversation(self) -> Conversation:
        return self.query_one("#conversation", Conversation)

    def refresh_conversation(self) -> None:
        """The member's conversation (or PTY screen) changed."""
        self.conversation.sync_soon()
        self._show_screen()
        self._keys.refresh()

    def _show_screen(self) -> None:
        screen = self._model.conversation(self.member).screen
        if screen is not None:
            show_text(self.query_one("#terminal", Static), Text(screen))

    def show_member(self, info: MemberPort | None) -> None:
        """Update the status line and the attention line from the member's row."""
        self._info = info
        status = self.query_one("#status", Label)
        if info is None:
            show_text(status, Text(f"{self.member} · not in the fleet", style="bold"))
            return
        last = info.last_boundary.value if info.last_boundary is not None else None
        pending = self._model.pending(self.member)
        label, key = member_status(info.state, info.waiting or bool(pending), info.queued, last)
        line = Text(info.name, style="bold")
        line.append(" · ")
        line.append(info.retry or label, style=state_style(self.app, key))
        queued = f" · {info.queued} queued" if info.queued else ""
        line.append(
            f"{queued} · {member_via(info)} · {info.profile} · "
            f"{format_tokens(info.input_tokens)}/{format_tokens(info.output_tokens)}"
            f" · {format_cost(info.cost_usd)}"
        )
        show_text(status, line)
        self._show_attention(info, last)
        self._keys.refresh()

    def _show_attention(self, info: MemberPort, last: str | None) -> None:
        attention = self.query_one("#attention", Label)
        pending = self._model.pending(self.member)
        others = sorted({p.member for p in self._model.pending()} - {self.member})
        attention.set_class(False, "-shown", "-error")
        if pending:
            what = describe_pending(pending[0], 40)
            attention.update(Text(f"! waiting on you: {what} — ctrl+y to answer"))
            attention.add_class("-shown")
        elif info.error:
            attention.update(Text(visible_line(f"error: {info.error} — ctrl+r restarts")))
            attention.add_class("-error")
        elif last == "limit":
            style = theme_style(self.app, "text-error")
            attention.update(Text(format_resets(info.resets_at, self._clock()), style=style))
            attention.add_class("-error")
        elif others:
            who = ", ".join(others[:3]) + (f" +{len(others) - 3}" if len(others) > 3 else "")
            verb = "is" if len(others) == 1 else "are"
            attention.update(Text(f"! {who} {verb} waiting on you — ctrl+y to see"))
            attention.add_class("-shown")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only keys that do something now are shown (and work)."""
        info = self._info
        if action == "terminal":
            return info is not None and info.transport == "pty"
        if action == "restart":
            return info is not None and info.state.value in ("error", "closed")
        if action == "interrupt":
            return info is not None and (info.state.value in ("busy", "stalled") or info.queued > 0)
        if action == "diff":
            return info is not None and info.worktree is not None
        if action == "tools":
            items = self._model.conversation(self.member).items
            return any(isinstance(item, ToolItem) for item in items)
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()  # the prompt has cleared itself (PromptInput)
        if text:
            self._actions.submit(self.member, text)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_interrupt(self, drain: bool) -> None:
        self._actions.interrupt(self.member, drain)
        self.notify(
            f"interrupting {self.member}" + (" and dropping queued turns" if drain else ""),
            timeout=2,
        )

    def action_tools(self) -> None:
        self._tools_open = not self._tools_open
        self.conversation.set_tools_expanded(self._tools_open)

    def action_terminal(self) -> None:
        views = self.query_one("#views", ContentSwitcher)
        views.current = "terminal-view" if views.current == "conversation" else "conversation"

    def action_restart(self) -> None:
        self._actions.restart(self.member)

    def action_diff(self) -> None:
        open_diff(self.app, self._info)

    def action_close_member(self) -> None:
        close_member(self.app, self._actions, self.member, self._info, after=self._leave)

    def _leave(self) -> None:
        self.dismiss(None)
