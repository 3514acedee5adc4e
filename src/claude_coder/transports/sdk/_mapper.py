"""Pure mapping of claude-agent-sdk messages to claude-coder events, turn by turn.

:class:`TurnMapper` is fed every message the SDK client yields and returns the events
they mean. It knows which turn is running (by the ``uuid`` claude-coder stamped on the
user message) so a ``result`` that belongs to an earlier, interrupted turn is dropped
instead of closing the running one. Boundaries come from the ``result``: an abort is
``interrupted``; ``error_max_turns`` or a rejected rate limit is ``limit`` (with
``resets_at``); any other error is ``error``; else ``completed``. Usage and cost are
the turn's own: the change of the result's running totals (see
:mod:`~claude_coder.transports.sdk._cost`); a dropped stale result leaves the totals
unmetered, so its spend counts in the next turn and the turns still add up to what
Claude Code billed. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from claude_agent_sdk import (
    AssistantMessage,
    RateLimitEvent,
    RateLimitInfo,
    ResultMessage,
    StreamEvent,
    SystemMessage,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
    UserMessage,
)

from claude_coder.events import (
    ApiRetry,
    AssistantText,
    Boundary,
    Event,
    Question,
    QuestionOption,
    RateLimited,
    TextDelta,
    ToolCall,
    ToolResult,
    TurnEnded,
    TurnResult,
    Usage,
)
from claude_coder.security import check_system_init
from claude_coder.transports.base import content_text
from claude_coder.transports.sdk._cost import CostMeter, Totals

__all__ = ["TurnMapper", "api_retry", "questions_from_input", "usage_from_result"]

_ABORTED = frozenset({"aborted_streaming", "aborted_tools"})
_LIMIT_SUBTYPES = frozenset({"error_max_turns", "error_max_budget_usd"})


def usage_from_result(msg: ResultMessage, meter: CostMeter | None = None) -> Usage:
    """Tokens and cost of the turn a ``result`` ends (``meter``: the process's totals so far)."""
    return (meter or CostMeter()).turn(msg.total_cost_usd, msg.model_usage, msg.usage)


def questions_from_input(tool_input: Mapping[str, Any]) -> tuple[Question, ...]:
    """AskUserQuestion's ``input.questions`` as :class:`Question` values."""
    out: list[Question] = []
    for q in tool_input.get("questions") or ():
        if not isinstance(q, Mapping):
            continue
        options = tuple(
            QuestionOption(str(o.get("label", "")), str(o.get("description", "")))
            for o in q.get("options") or ()
            if isinstance(o, Mapping)
        )
        out.append(
            Question(
                str(q.get("question", "")),
                str(q.get("header", "")),
                options,
                bool(q.get("multiSelect", False)),
            )
        )
    return tuple(out)


@dataclass
class _Turn:
    uuid: str
    texts: list[str] = field(default_factory=list)
    tools: list[ToolCall] = field(default_factory=list)
    begun: bool = False
    interrupt_requested: bool = False
    interrupt_held: bool = False
    """Requested before the turn began streaming: to be sent once it has."""
    rejected: RateLimited | None = None
    error_text: str | None = None


def api_retry(data: Mapping[str, Any]) -> ApiRetry:
    """Claude Code's ``system/api_retry`` notice (attempt, max_retries, retry_delay_ms,
    error_status, error) as an event; missing or odd fields read as 0 / None / ``""``."""

    def number(key: str) -> int:
        value = data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    status = data.get("error_status")
    error = data.get("error")
    return ApiRetry(
        attempt=number("attempt"),
        max_attempts=number("max_retries"),
        status=status if isinstance(status, int) and not isinstance(status, bool) else None,
        message=error if isinstance(error, str) else "",
        delay_s=round(number("retry_delay_ms") / 1000, 3),
    )


def rate_limited(info: RateLimitInfo) -> RateLimited:
    """The event for one ``rate_limit_info``: every field Claude Code sends (camelCase in
    2.1.331), with ``utilization`` taken from the limiting window when not at the top."""
    raw = info.raw if isinstance(info.raw, Mapping) else {}
    windows: dict[str, float] = {}
    unified = raw.get("unifiedWindows")
    for name, window in (unified if isinstance(unified, Mapping) else {}).items():
        value = window.get("utilization") if isinstance(window, Mapping) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            windows[str(name)] = float(value)
    kind = info.rate_limit_type
    utilization = info.utilization
    if utilization is None and windows:
        utilization = windows.get(str(kind)) if kind in windows else max(windows.values())
    using = raw.get("isUsingOverage")
    return RateLimited(
        str(info.status),
        info.resets_at,
        kind,
        utilization=utilization,
        windows=windows,
        overage_status=info.overage_status,
        overage_resets_at=info.overage_resets_at,
        overage_disabled_reason=info.overage_disabled_reason,
        using_overage=using if isinstance(using, bool) else None,
    )


class TurnMapper:
    """Turns the SDK's message stream into events; one instance per session."""

    def __init__(self, restored: Totals | None = None, *, structured: bool = False) -> None:
        self.turn: _Turn | None = None
        self.structured = structured
        """Claude Code runs with ``--json-schema``: a completed turn must bring its value."""
        self.meter = CostMeter(restored)
        """The process's running totals; ``restored``: what a resumed process starts from."""
        self.session_id: str | None = None
        self.model: str | None = None
        self.claude_version: str | None = None
        self.stale_results = 0
        """Results dropped because they closed an earlier (interrupted) turn."""

    def begin(self, user_uuid: str) -> None:
        """A turn was sent with a user message stamped ``user_uuid``."""
        self.turn = _Turn(user_uuid)

    def request_interrupt(self) -> bool:
        """Mark the running turn interrupted; True when it can be sent now, False when
        there is no turn or it has not begun streaming (then it is held)."""
        turn = self.turn
        if turn is None:
            return False
        turn.interrupt_requested = True
        turn.interrupt_held = not turn.begun
        return turn.begun

    def held_interrupt_due(self) -> bool:
        """True once (the caller sends it) when a held interrupt's turn has begun."""
        turn = self.turn
        if turn is None or not turn.interrupt_held or not turn.begun:
            return False
        turn.interrupt_held = False
        return True

    def feed(self, msg: object) -> list[Event]:
        """The events ``msg`` means (raises ``LoginNotProven`` on a bad ``system/init``)."""
        if isinstance(msg, StreamEvent):
            return self._stream_event(msg)
        if isinstance(msg, AssistantMessage):
            return self._assistant(msg)
        if isinstance(msg, UserMessage):
            return self._user(msg)
        if isinstance(msg, ResultMessage):
            return self._result(msg)
        if isinstance(msg, RateLimitEvent):
            return self._rate_limit(msg)
        if isinstance(msg, SystemMessage):
            if msg.subtype == "api_retry":
                self._mark_begun()
                return [api_retry(msg.data)]
            self._system(msg)
        return []

    def _mark_begun(self) -> None:
        if self.turn is not None:
            self.turn.begun = True

    def _system(self, msg: SystemMessage) -> None:
        if msg.subtype != "init":
            return
        data = msg.data
        check_system_init(data)
        self.session_id = data.get("session_id") or self.session_id
        self.model = data.get("model") or self.model
        self.claude_version = data.get("claude_code_version") or self.claude_version
        self._mark_begun()

    def _stream_event(self, msg: StreamEvent) -> list[Event]:
        self._mark_begun()
        if msg.parent_tool_use_id is not None:
            return []
        ev = msg.event
        if ev.get("type") == "content_block_delta":
            delta = ev.get("delta") or {}
            if delta.get("type") == "text_delta" and delta.get("text"):
                return [TextDelta(str(delta["text"]))]
        return []

    def _assistant(self, msg: AssistantMessage) -> list[Event]:
        self._mark_begun()
        if msg.parent_tool_use_id is not None:
            return []
        out: list[Event] = []
        for block in msg.content:
            if isinstance(block, TextBlock):
                if msg.error is not None and self.turn is not None:
                    self.turn.error_text = block.text
                    continue
                out.append(AssistantText(block.text))
                if self.turn is not None:
                    self.turn.texts.append(block.text)
            elif isinstance(block, ToolUseBlock):
                call = ToolCall(block.id, block.name, dict(block.input))
                out.append(call)
                if self.turn is not None:
                    self.turn.tools.append(call)
        return out

    def _user(self, msg: UserMessage) -> list[Event]:
        if msg.parent_tool_use_id is not None or isinstance(msg.content, str):
            return []
        return [
            ToolResult(b.tool_use_id, content_text(b.content), bool(b.is_error))
            for b in msg.content
            if isinstance(b, ToolResultBlock)
        ]

    def _rate_limit(self, msg: RateLimitEvent) -> list[Event]:
        ev = rate_limited(msg.rate_limit_info)
        if ev.status == "rejected" and self.turn is not None:
            self.turn.rejected = ev
        return [ev]

    def _result(self, msg: ResultMessage) -> list[Event]:
        turn = self.turn
        if turn is None or (msg.user_message_uuid not in (None, turn.uuid)):
            self.stale_results += 1
            return []
        self.turn = None
        self.session_id = msg.session_id or self.session_id
        usage = usage_from_result(msg, self.meter)
        boundary, error, reason = self._boundary(msg, turn)
        if self.structured and boundary is Boundary.COMPLETED and msg.structured_output is None:
            boundary = Boundary.ERROR
            error = "Claude gave no output that matches the JSON schema"
        text = msg.result if (not msg.is_error and isinstance(msg.result, str)) else ""
        if not text and turn.texts:
            text = turn.texts[-1]
        denials = tuple(
            ToolCall(
                str(d.get("tool_use_id", "")),
                str(d.get("tool_name", "")),
                d.get("tool_input") or {},
            )
            for d in msg.permission_denials or ()
            if isinstance(d, Mapping)
        )
        result = TurnResult(
            boundary=boundary,
            session_id=msg.session_id,
            text=text,
            tool_calls=tuple(turn.tools),
            denials=denials,
            usage=usage,
            cost_usd=usage.cost_usd,
            duration_s=msg.duration_ms / 1000.0,
            error=error,
            resets_at=turn.rejected.resets_at if turn.rejected else None,
            reason=reason,
            structured=msg.structured_output,
        )
        return [usage, TurnEnded(result)]

    @staticmethod
    def _boundary(msg: ResultMessage, turn: _Turn) -> tuple[Boundary, str | None, str | None]:
        """The boundary, what went wrong, and for a ``limit`` why (``TurnResult.reason``)."""
        detail = msg.result if isinstance(msg.result, str) and msg.result.strip() else None
        detail = detail or "; ".join(msg.errors or ()) or turn.error_text
        if msg.terminal_reason in _ABORTED or (
            turn.interrupt_requested and msg.subtype == "error_during_execution"
        ):
            return Boundary.INTERRUPTED, None, None
        if msg.subtype == "error_max_budget_usd":
            why = "spend cap reached (the profile's maxBudgetUsd)"
            return Boundary.LIMIT, f"{why}: {detail}" if detail else why, "budget"
        if msg.subtype in _LIMIT_SUBTYPES or msg.terminal_reason == "max_turns":
            return Boundary.LIMIT, detail or msg.subtype, "max_turns"
        if turn.rejected is not None or msg.api_error_status == 429:
            return Boundary.LIMIT, detail or "rate limit reached", "rate_limit"
        if msg.is_error:
            detail = detail or msg.subtype
            status = msg.api_error_status
            if status is not None and str(status) not in detail:
                detail += f" (HTTP {status})"
            return Boundary.ERROR, detail, None
        return Boundary.COMPLETED, None, None
