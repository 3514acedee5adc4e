"""Reading events back from their JSON form (``Event.to_json()``): :func:`event_from_json`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from claude_coder.events import (
    Boundary,
    Event,
    Question,
    QuestionAsked,
    QuestionOption,
    SessionState,
    StateChanged,
    ToolCall,
    TurnEnded,
    TurnResult,
    Usage,
)

__all__ = ["event_from_json"]

_EVENT_TYPES: dict[str, type[Event]] = {cls.kind: cls for cls in Event.__subclasses__()}
"""Every event kind defined above, for ``event_from_json``."""


def _usage(d: Mapping[str, Any] | None) -> Usage | None:
    if d is None:
        return None
    return Usage(**{k: v for k, v in d.items() if k != "kind"})


def _tool_call(d: Mapping[str, Any]) -> ToolCall:
    return ToolCall(id=d["id"], name=d["name"], input=dict(d.get("input") or {}))


def _turn_result(d: Mapping[str, Any]) -> TurnResult:
    return TurnResult(
        boundary=Boundary(d["boundary"]),
        session_id=d.get("session_id"),
        text=d.get("text", ""),
        tool_calls=tuple(_tool_call(t) for t in d.get("tool_calls", ())),
        denials=tuple(_tool_call(t) for t in d.get("denials", ())),
        usage=_usage(d.get("usage")),
        cost_usd=d.get("cost_usd"),
        duration_s=d.get("duration_s", 0.0),
        error=d.get("error"),
        resets_at=d.get("resets_at"),
        reason=d.get("reason"),
        structured=d.get("structured"),
    )


def _question(d: Mapping[str, Any]) -> Question:
    return Question(
        question=d["question"],
        header=d.get("header", ""),
        options=tuple(
            QuestionOption(o["label"], o.get("description", "")) for o in d.get("options", ())
        ),
        multi_select=bool(d.get("multi_select", False)),
    )


def event_from_json(data: Mapping[str, Any]) -> Event:
    """Read back an event written by ``to_json()``; raises ``ValueError`` on an unknown kind."""
    kind = data.get("kind")
    cls = _EVENT_TYPES.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown event kind {kind!r}")
    fields = {k: v for k, v in data.items() if k != "kind"}
    if cls is StateChanged:
        return StateChanged(SessionState(fields["old"]), SessionState(fields["new"]))
    if cls is TurnEnded:
        return TurnEnded(_turn_result(fields["result"]))
    if cls is QuestionAsked:
        return QuestionAsked(fields["request_id"], tuple(_question(q) for q in fields["questions"]))
    if cls is ToolCall:
        return _tool_call(fields)
    return cls(**fields)
