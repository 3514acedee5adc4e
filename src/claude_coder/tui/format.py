"""Pure text formatting for the TUI: numbers, times, one-line summaries of events.

Nothing here touches Textual or the clock; the current time is always passed in, so
every string is a function of its arguments (snapshot tests depend on that).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from claude_coder.events import (
    AssistantText,
    Envelope,
    Event,
    HostLost,
    HostRejoined,
    PermissionDecided,
    PermissionRequested,
    QuestionAnswered,
    QuestionAsked,
    RateLimited,
    SaveFailed,
    SessionClosed,
    SessionStarted,
    SessionState,
    StateChanged,
    StreamGap,
    ToolCall,
    ToolResult,
    TurnEnded,
    Usage,
    UserText,
)

__all__ = [
    "BOUNDARY_SHORT",
    "STATE_STYLE",
    "first_line",
    "format_cost",
    "format_resets",
    "format_tokens",
    "limit_warning",
    "log_text",
    "member_status",
    "member_via",
    "tool_summary",
]

STATE_STYLE: Mapping[str, str] = {
    SessionState.STARTING: "text-accent",
    SessionState.IDLE: "text-success",
    SessionState.BUSY: "text-primary",
    SessionState.STALLED: "text-warning",
    SessionState.RETRYING: "text-warning",
    SessionState.RECONNECTING: "text-warning",
    SessionState.ERROR: "text-error",
    SessionState.CLOSED: "foreground-muted",
    "waiting": "text-warning",
    "queued": "text-secondary",
    "limit": "text-error",
}
"""Theme variable (without ``$``) that colours each state, so it reads on any theme."""

_TOOL_KEYS = ("command", "file_path", "path", "pattern", "url", "query", "description")


def first_line(text: str, width: int = 60) -> str:
    """The first non-empty line of ``text``, cut to ``width`` with an ellipsis."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"


def format_tokens(count: int) -> str:
    """``950``, ``12.3k``, ``120k``, ``4.1M``."""
    if count < 1000:
        return str(count)
    if count < 100_000:
        return f"{count / 1000:.1f}k"
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count / 1_000_000:.1f}M"


def format_cost(cost: float | None) -> str:
    """``$0.0123`` (four places under a dollar), ``$12.34``, or ``-`` when unknown."""
    if cost is None:
        return "-"
    return f"${cost:.4f}" if cost < 1 else f"${cost:.2f}"


def format_resets(resets_at: int | None, now: datetime) -> str:
    """When a limit resets, in ``now``'s time zone: ``resets 14:05 (in 52m)``."""
    if resets_at is None:
        return "limit hit; reset time unknown"
    at = datetime.fromtimestamp(resets_at, tz=now.tzinfo)
    seconds = int((at - now).total_seconds())
    if seconds <= 0:
        return f"reset at {at:%H:%M} (now past)"
    hours, rest = divmod(seconds, 3600)
    minutes = max(rest // 60, 1) if not hours else rest // 60
    left = f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"
    day = "" if at.date() == now.date() else f"{at:%a} "
    return f"resets {day}{at:%H:%M} (in {left})"


def tool_summary(name: str, tool_input: Mapping[str, Any], width: int = 60) -> str:
    """A tool call on one line: ``Bash git status`` or ``Read src/app.py``."""
    for key in _TOOL_KEYS:
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            return first_line(f"{name} {value}", width)
    if not tool_input:
        return name
    return first_line(f"{name} {json.dumps(tool_input, sort_keys=True)}", width)


def _turn_ended(event: TurnEnded) -> str:
    result = event.result
    parts = [f"turn {result.boundary.value}"]
    if result.duration_s:
        parts.append(f"{result.duration_s:.1f}s")
    if result.cost_usd is not None:
        parts.append(format_cost(result.cost_usd))
    if result.error:
        parts.append(first_line(result.error, 50))
    return " · ".join(parts)


def _event_text(event: Event) -> str | None:
    match event:
        case SessionStarted(transport=transport, model=model):
            return f"started ({transport}{', ' + model if model else ''})"
        case StateChanged(old=old, new=new):
            return f"{old.value} → {new.value}"
        case UserText(text=text):
            return "» " + first_line(text)
        case AssistantText(text=text):
            return "« " + first_line(text)
        case ToolCall(name=name, input=tool_input):
            return "⚙ " + tool_summary(name, tool_input)
        case ToolResult(output=output, is_error=is_error):
            return ("✗ " if is_error else "✓ ") + first_line(output, 50)
        case PermissionRequested(tool=tool, input=tool_input):
            return "? asks to use " + tool_summary(tool, tool_input, 50)
        case PermissionDecided(allow=allow, by=by):
            return f"{'allowed' if allow else 'denied'} by {by}"
        case QuestionAsked(questions=questions):
            return "? asks: " + first_line(questions[0].question if questions else "", 50)
        case QuestionAnswered(answers=answers, by=by):
            return f"{'declined' if answers is None else 'answered'} by {by}"
        case Usage(input_tokens=i, output_tokens=o, cost_usd=cost):
            return f"usage {format_tokens(i)} in / {format_tokens(o)} out {format_cost(cost)}"
        case RateLimited(status=status, rate_limit_type=kind):
            return f"rate limit {status}" + (f" ({kind})" if kind else "")
        case TurnEnded():
            return _turn_ended(event)
        case SessionClosed(reason=reason):
            return f"closed: {reason}"
        case SaveFailed() | HostLost() | HostRejoined():
            return "! " + event.describe()
        case StreamGap(dropped=dropped):
            return f"… {dropped} events dropped (slow view)"
    return None


def log_text(envelope: Envelope) -> str | None:
    """One log line for an envelope (``HH:MM:SS text``), or None for events not logged.

    Text deltas and screen changes are not logged: the member view shows them.
    """
    text = _event_text(envelope.event)
    if text is None:
        return None
    return f"{envelope.time:%H:%M:%S} {text}"


def limit_warning(limit_status: str | None, utilization: float | None) -> str:
    """`` ⚠ 85%`` when the login nears its limit (``allowed_warning`` or 80% used), else ``""``."""
    high = utilization is not None and utilization >= 0.8
    if limit_status != "allowed_warning" and not high:
        return ""
    return f" ⚠ {utilization:.0%}" if utilization is not None else " ⚠"


def member_via(member: object) -> str:
    """A member's transport, with the host a remote member runs on (``sdk@devbox``)."""
    transport = str(getattr(member, "transport", ""))
    host = getattr(member, "host", None)
    return f"{transport}@{host}" if host else transport


def member_status(
    state: SessionState,
    waiting: bool,
    queued: int,
    last_boundary: str | None,
    parked: bool = False,
) -> tuple[str, str]:
    """The state label a member shows and the key of its colour in :data:`STATE_STYLE`.

    Waiting on a person wins over everything; a member held at its login's usage limit
    shows ``parked``; a member idle after a limit shows ``limit``; an idle member whose
    turns wait for the ceiling shows ``queued``.
    """
    if waiting:
        return "waiting", "waiting"
    if parked and state in (SessionState.IDLE, SessionState.BUSY):
        return "parked", "limit"
    if state is not SessionState.IDLE:
        return state.value, state.value
    if last_boundary == "limit":
        return "limit", "limit"
    if queued:
        return "queued", "queued"
    return "idle", "idle"


BOUNDARY_SHORT: Mapping[str, str] = {
    "completed": "done",
    "interrupted": "stopped",
    "limit": "limit",
    "error": "error",
}
"""How the fleet table names a member's last boundary (narrow enough for 80 columns)."""
