"""A conversation as it streams: user turns, Markdown answers, tool calls folded to one line.

:class:`Conversation` renders a :class:`~claude_coder.tui.model.ConversationLog` and is
told to :meth:`~Conversation.sync` when the log changed: it mounts widgets for new items
and updates the few that can still change (the answer that is streaming, tool calls
waiting for their result). It reads only the view model.
"""

from __future__ import annotations

import asyncio
import time
from typing import assert_never

from rich.text import Text
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from claude_coder.tui.format import tool_summary
from claude_coder.tui.model import (
    AssistantItem,
    ConversationItem,
    ConversationLog,
    NoticeItem,
    ToolItem,
    UserItem,
)
from claude_coder.tui.widgets.answer import AnswerBlock

__all__ = ["AnswerBlock", "Conversation", "ToolLine"]

_RESULT_LIMIT = 4000


class UserTurn(Static):
    DEFAULT_CSS = """
    UserTurn {
        margin: 1 0 0 0; padding: 0 1; background: $boost;
        border-left: outer $primary; color: $text;
    }
    """


class Notice(Static):
    DEFAULT_CSS = """
    Notice { padding: 0 1; color: $text-muted; }
    Notice.-warning { color: $text-warning; }
    Notice.-error { color: $text-error; }
    """


class ToolLine(Collapsible):
    """A tool call on one line; its result is inside, shown on demand (Enter)."""

    DEFAULT_CSS = """
    ToolLine { padding: 0; margin: 0; border-top: none; background: transparent; }
    ToolLine > Contents { padding: 0 0 0 4; }
    ToolLine.-error CollapsibleTitle { color: $text-error; }
    """

    def __init__(self, item: ToolItem) -> None:
        self.item = item
        self._body = Static(Text(""), classes="tool-result")
        super().__init__(self._body, title=self._heading(), collapsed=True)

    def _heading(self) -> str:
        item = self.item
        mark = "…" if item.result is None else ("✗" if item.is_error else "✓")
        return f"{escape(tool_summary(item.name, item.input, 56))}  {mark}"  # a str title is markup

    def catch_up(self) -> None:
        """Show the result once it arrived."""
        self.title = self._heading()
        if self.item.result is not None:
            output = self.item.result or "(no output)"
            if len(output) > _RESULT_LIMIT:
                output = output[:_RESULT_LIMIT] + f"\n… ({len(self.item.result)} chars)"
            self._body.update(Text(output))
            self.set_class(self.item.is_error, "-error")


def _is_live(widget: AnswerBlock | ToolLine) -> bool:
    """Can the widget still change (or has its item moved on while it was updating)?"""
    if isinstance(widget, AnswerBlock):
        return not widget.final
    return widget.item.result is None


class Conversation(VerticalScroll, can_focus=False):
    """The rendered conversation of one member (or of a transcript from the catalog)."""

    DEFAULT_CSS = """
    Conversation { height: 1fr; padding: 0 0 1 0; }
    """

    STREAM_INTERVAL = 0.1
    """A streaming answer is re-rendered at most this often (seconds); the person's keys
    are never kept waiting behind thousands of tiny updates."""

    def __init__(self, log: ConversationLog, *, max_widgets: int = 400, id: str | None = None):
        super().__init__(id=id)
        self.transcript = log
        self._next = 0
        self._live: list[AnswerBlock | ToolLine] = []
        self._max = max_widgets
        self._flush_pending = False
        self._synced_at = 0.0
        self._sync_lock = asyncio.Lock()

    async def on_mount(self) -> None:
        await self.sync()

    def sync_soon(self) -> None:
        """Sync soon: at once, or once :attr:`STREAM_INTERVAL` has passed since the last sync.

        Bursts of events then cost one layout per interval, not one per batch. The sync
        runs in this widget's own message queue, so the caller (the app's event
        handler, which also delivers the person's keys) never waits on its mounts.
        """
        if self._flush_pending:
            return
        self._flush_pending = True
        wait = self._synced_at + self.STREAM_INTERVAL - time.monotonic()
        if wait <= 0:
            self.call_later(self._flush)
        else:
            self.set_timer(wait, lambda: self.call_later(self._flush))

    async def sync(self) -> None:
        """Bring the widgets up to date with the log (one sync at a time)."""
        async with self._sync_lock:
            await self._sync()

    async def _sync(self) -> None:
        self._synced_at = time.monotonic()
        log = self.transcript
        at_end = self.scroll_y >= self.max_scroll_y - 1
        still: list[AnswerBlock | ToolLine] = []
        for live in self._live:
            if self._due(live):
                await self._catch_up(live)
            if _is_live(live):
                still.append(live)
        self._live = still
        start = max(self._next, log.offset)
        fresh = [self._widget(item) for item in log.items[start - log.offset :]]
        self._next = log.end
        if fresh:
            await self.mount_all(fresh)
            for widget in fresh:
                if isinstance(widget, AnswerBlock | ToolLine):
                    if isinstance(widget, ToolLine):
                        widget.catch_up()
                    if _is_live(widget):
                        self._live.append(widget)
            extra = len(self.children) - self._max
            if extra > 0:
                await self.remove_children(list(self.children[:extra]))
        if at_end:
            self.scroll_end(animate=False)

    def _due(self, widget: AnswerBlock | ToolLine) -> bool:
        """May ``widget`` be re-rendered now? If not, a later flush is scheduled."""
        if isinstance(widget, ToolLine) or not widget.item.streaming:
            return True
        wait = widget.shown_at + self.STREAM_INTERVAL - time.monotonic()
        if wait <= 0:
            return True
        self.sync_soon()
        return False

    async def _flush(self) -> None:
        self._flush_pending = False
        await self.sync()

    def set_tools_expanded(self, expanded: bool) -> None:
        """Open or fold every tool call's result."""
        for line in self.query(ToolLine):
            line.collapsed = not expanded

    @staticmethod
    async def _catch_up(widget: AnswerBlock | ToolLine) -> None:
        if isinstance(widget, AnswerBlock):
            await widget.catch_up()
        else:
            widget.catch_up()

    @staticmethod
    def _widget(item: ConversationItem) -> Widget:
        match item:
            case UserItem(text=text):
                return UserTurn(Text(text))
            case AssistantItem():
                return AnswerBlock(item)
            case ToolItem():
                return ToolLine(item)
            case NoticeItem(text=text, level=level):
                return Notice(Text(text), classes=f"-{level}")
            case _:
                assert_never(item)
