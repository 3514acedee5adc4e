"""The TUI's view model: conversations, pending approvals and the merged log, built from events.

Pure and synchronous: :class:`FleetModel` ingests batches of envelopes from the fleet's
merged stream and keeps, per member, the conversation as items a widget can render
(user turns, assistant text that grows while it streams, tool calls with their
results), the requests waiting on a person, the last PTY screen, and one bounded log of
every member's events. Widgets read it; only the app's event worker writes it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from claude_coder.events import (
    AssistantText,
    Envelope,
    Event,
    PermissionDecided,
    PermissionRequested,
    Question,
    QuestionAnswered,
    QuestionAsked,
    ScreenChanged,
    SessionClosed,
    SessionState,
    StateChanged,
    TextDelta,
    ToolCall,
    ToolResult,
    TurnEnded,
    UserText,
)
from claude_coder.security import visible_line, visible_obj
from claude_coder.tui.format import format_cost, log_text

__all__ = [
    "AssistantItem",
    "ConversationItem",
    "ConversationLog",
    "FleetModel",
    "IngestResult",
    "LogEntry",
    "NoticeItem",
    "Pending",
    "PendingPermission",
    "PendingQuestion",
    "ToolItem",
    "UserItem",
]


@dataclass
class UserItem:
    text: str


@dataclass
class AssistantItem:
    text: str
    streaming: bool = True
    """True while text deltas are still arriving for this block."""


@dataclass
class ToolItem:
    id: str
    name: str
    input: Mapping[str, Any]
    result: str | None = None
    is_error: bool = False


@dataclass
class NoticeItem:
    """A line about the turn itself: a boundary, an error, a limit."""

    text: str
    level: str = "info"
    """``info``, ``warning`` or ``error``."""


ConversationItem = UserItem | AssistantItem | ToolItem | NoticeItem


@dataclass(frozen=True)
class PendingPermission:
    member: str
    request_id: str
    tool: str
    input: Mapping[str, Any]


@dataclass(frozen=True)
class PendingQuestion:
    member: str
    request_id: str
    questions: tuple[Question, ...]


Pending = PendingPermission | PendingQuestion


@dataclass(frozen=True)
class LogEntry:
    member: str
    text: str


@dataclass
class IngestResult:
    """What a batch changed, so the app refreshes only what it must."""

    log: list[LogEntry] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    """Members whose conversation or screen changed."""
    structural: bool = False
    """Something the member table shows may have changed (state, usage, approvals)."""
    new_pending: list[Pending] = field(default_factory=list)


class ConversationLog:
    """One member's conversation as renderable items, bounded to ``max_items``.

    ``offset`` counts items dropped from the front, so ``offset + i`` is a stable index.
    """

    def __init__(self, max_items: int = 500) -> None:
        self.items: list[ConversationItem] = []
        self.offset = 0
        self.screen: str | None = None
        self._max = max_items
        self._tools: dict[str, ToolItem] = {}

    @property
    def end(self) -> int:
        """The stable index one past the last item."""
        return self.offset + len(self.items)

    def apply(self, event: Event) -> bool:
        """Fold one event in; True if the conversation or screen changed.

        What the event carries is kept with its control characters made visible: the
        widgets show it as it is, and a terminal must never receive the model's ESC.
        """
        match visible_obj(event):
            case TextDelta(text=text):
                self._assistant().text += text
            case AssistantText(text=text):
                self._finish_text(text)
            case UserText(text=text):
                self._close_text()
                self._add(UserItem(text))
            case ToolCall(id=tool_id, name=name, input=tool_input):
                self._close_text()
                item = ToolItem(tool_id, name, tool_input)
                self._tools[tool_id] = item
                self._add(item)
            case ToolResult(id=tool_id, output=output, is_error=is_error):
                tool = self._tools.pop(tool_id, None)
                if tool is None:
                    return False
                tool.result, tool.is_error = output, is_error
            case TurnEnded(result=result):
                self._close_text()
                self._add(_boundary_notice(result.boundary.value, result.error, result.cost_usd))
            case ScreenChanged(text=text):
                self.screen = text
            case _:
                return False
        return True

    def _assistant(self) -> AssistantItem:
        last = self.items[-1] if self.items else None
        if isinstance(last, AssistantItem) and last.streaming:
            return last
        item = AssistantItem("")
        self._add(item)
        return item

    def _finish_text(self, text: str) -> None:
        last = self.items[-1] if self.items else None
        if isinstance(last, AssistantItem) and last.streaming:
            last.text = text
            last.streaming = False
        else:
            self._add(AssistantItem(text, streaming=False))

    def _close_text(self) -> None:
        last = self.items[-1] if self.items else None
        if isinstance(last, AssistantItem):
            last.streaming = False

    def _add(self, item: ConversationItem) -> None:
        self.items.append(item)
        if len(self.items) > self._max:
            dropped = self.items.pop(0)
            self.offset += 1
            if isinstance(dropped, ToolItem):
                self._tools.pop(dropped.id, None)


def _boundary_notice(boundary: str, error: str | None, cost: float | None) -> NoticeItem:
    if boundary == "completed":
        return NoticeItem(f"turn completed · {format_cost(cost)}", "info")
    level = "warning" if boundary == "interrupted" else "error"
    return NoticeItem(f"turn {boundary}" + (f": {error}" if error else ""), level)


class FleetModel:
    """Everything the TUI shows that comes from the event stream."""

    def __init__(self, *, max_items: int = 500, max_log: int = 2000) -> None:
        self._max_items = max_items
        self._conversations: dict[str, ConversationLog] = {}
        self._pending: dict[str, Pending] = {}
        self.log: deque[LogEntry] = deque(maxlen=max_log)

    def conversation(self, member: str) -> ConversationLog:
        """The member's conversation (created empty on first use)."""
        conv = self._conversations.get(member)
        if conv is None:
            conv = self._conversations[member] = ConversationLog(self._max_items)
        return conv

    def pending(self, member: str | None = None) -> list[Pending]:
        """Requests waiting on a person, oldest first (all members, or one)."""
        return [p for p in self._pending.values() if member is None or p.member == member]

    def resolve(self, request_id: str) -> None:
        """Forget a request the person just answered (the stream confirms it later)."""
        self._pending.pop(request_id, None)

    def forget(self, member: str) -> None:
        """Drop what is kept for a member that left the fleet."""
        self._conversations.pop(member, None)
        for req in self.pending(member):
            self._pending.pop(req.request_id, None)

    def log_for(self, member: str | None) -> list[LogEntry]:
        """The log, all members or one."""
        return [e for e in self.log if member is None or e.member == member]

    def ingest(self, envelopes: Iterable[Envelope]) -> IngestResult:
        """Fold a batch of envelopes in, returning what changed."""
        result = IngestResult()
        for env in envelopes:
            member = env.name or ""
            if self.conversation(member).apply(env.event):
                result.touched.add(member)
            if not isinstance(env.event, TextDelta | ScreenChanged):
                result.structural = True
            self._track_pending(member, env.event, result)
            text = log_text(env)
            if text is not None:
                entry = LogEntry(member, visible_line(text))
                self.log.append(entry)
                result.log.append(entry)
        # a request the policy settled within the same batch never reaches a person
        result.new_pending = [p for p in result.new_pending if p.request_id in self._pending]
        return result

    def _track_pending(self, member: str, event: Event, result: IngestResult) -> None:
        match event:
            case PermissionRequested(request_id=rid, tool=tool, input=tool_input):
                req: Pending = PendingPermission(member, rid, tool, tool_input)
            case QuestionAsked(request_id=rid, questions=questions):
                req = PendingQuestion(member, rid, questions)
            case PermissionDecided(request_id=rid) | QuestionAnswered(request_id=rid):
                self._pending.pop(rid, None)
                return
            case TurnEnded() | SessionClosed():
                self._drop_member_pending(member)
                return
            case StateChanged(new=new) if new in (SessionState.ERROR, SessionState.CLOSED):
                self._drop_member_pending(member)
                return
            case _:
                return
        self._pending[rid] = req
        result.new_pending.append(req)

    def _drop_member_pending(self, member: str) -> None:
        for req in self.pending(member):
            self._pending.pop(req.request_id, None)
