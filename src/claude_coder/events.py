"""The one event vocabulary: what every transport, the catalog's history and the fleet speak.

Every type here is a frozen dataclass with a JSON form (``to_json()``), read back by
``event_from_json``. Events say what happened in a session; an :class:`Envelope` tags one
with the session's name, id, a sequence number and a time. Nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

__all__ = [
    "ApiRetry",
    "AssistantText",
    "Boundary",
    "Envelope",
    "Event",
    "HostLost",
    "HostRejoined",
    "Parked",
    "PermissionDecided",
    "PermissionDecision",
    "PermissionRequest",
    "PermissionRequested",
    "Question",
    "QuestionAnswered",
    "QuestionAsked",
    "QuestionOption",
    "QuestionRequest",
    "RateLimited",
    "Resumed",
    "SaveFailed",
    "ScreenChanged",
    "SessionClosed",
    "SessionStarted",
    "SessionState",
    "StateChanged",
    "StreamGap",
    "TextDelta",
    "ToolCall",
    "ToolResult",
    "TurnEnded",
    "TurnResult",
    "Usage",
    "UserText",
    "event_from_json",
    "now",
    "to_jsonable",
]


class SessionState(enum.StrEnum):
    """Where a session is in its life.

    ``starting -> idle <-> busy``; ``busy -> stalled -> busy`` (no event for the stall
    window; recoverable, never killed for it); ``busy -> retrying -> busy`` (Claude Code
    is retrying a failed API request: see :class:`ApiRetry`; never marked stalled while
    it waits); ``-> reconnecting ->`` back (a remote member's ssh connection dropped and
    is being re-attached: see :class:`HostLost`; never marked stalled meanwhile); any ->
    ``error``; any -> ``closed``.
    """

    STARTING = "starting"
    IDLE = "idle"
    BUSY = "busy"
    STALLED = "stalled"
    RETRYING = "retrying"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"
    ERROR = "error"


class Boundary(enum.StrEnum):
    """How a turn ended."""

    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    LIMIT = "limit"
    ERROR = "error"


def to_jsonable(value: Any) -> Any:
    """Turn dataclasses, enums, tuples and datetimes into plain JSON values."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        kind = getattr(value, "kind", None)
        if isinstance(kind, str):
            out["kind"] = kind
        for f in dataclasses.fields(value):
            out[f.name] = to_jsonable(getattr(value, f.name))
        return out
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


class _Json:
    def to_json(self) -> dict[str, Any]:
        """This object as a JSON-ready dict (events carry their ``kind``)."""
        out = to_jsonable(self)
        assert isinstance(out, dict)
        return out


class Event(_Json):
    """Base of every event; ``kind`` is the snake_case name used in JSON."""

    kind: ClassVar[str] = "event"


@dataclass(frozen=True, slots=True)
class Usage(Event):
    """Tokens and cost of a turn (exact on the SDK transport)."""

    kind: ClassVar[str] = "usage"
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0


@dataclass(frozen=True, slots=True)
class ToolCall(Event):
    """Claude asked to run a tool."""

    kind: ClassVar[str] = "tool_call"
    id: str
    name: str
    input: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TurnResult(_Json):
    """What one turn came to, from input to boundary."""

    boundary: Boundary
    session_id: str | None = None
    text: str = ""
    """The final assistant text of the turn."""
    tool_calls: tuple[ToolCall, ...] = ()
    denials: tuple[ToolCall, ...] = ()
    """Tool calls refused by the permission policy, a callback or a person."""
    usage: Usage | None = None
    cost_usd: float | None = None
    duration_s: float = 0.0
    error: str | None = None
    """What went wrong, for ``error`` and ``limit`` boundaries (redacted)."""
    resets_at: int | None = None
    """For a ``limit`` from a rate-limit rejection: when it resets (Unix seconds)."""
    reason: str | None = None
    """Why a ``limit``: ``rate_limit``, ``max_turns``, ``budget`` (the profile's
    ``maxBudgetUsd``), ``member_budget`` or ``fleet_budget`` (the fleet's caps)."""
    structured: Any = None
    """With an output schema: the value Claude Code validated against it (else None)."""


@dataclass(frozen=True, slots=True)
class SessionStarted(Event):
    kind: ClassVar[str] = "session_started"
    session_id: str | None
    transport: str
    model: str | None = None
    cwd: str | None = None
    claude_version: str | None = None


@dataclass(frozen=True, slots=True)
class StateChanged(Event):
    kind: ClassVar[str] = "state_changed"
    old: SessionState
    new: SessionState


@dataclass(frozen=True, slots=True)
class UserText(Event):
    """Input a person (or a script) sent as a turn."""

    kind: ClassVar[str] = "user_text"
    text: str


@dataclass(frozen=True, slots=True)
class TextDelta(Event):
    """A piece of assistant text as it streams."""

    kind: ClassVar[str] = "text_delta"
    text: str


@dataclass(frozen=True, slots=True)
class AssistantText(Event):
    """A whole block of assistant text."""

    kind: ClassVar[str] = "assistant_text"
    text: str


@dataclass(frozen=True, slots=True)
class ToolResult(Event):
    kind: ClassVar[str] = "tool_result"
    id: str
    output: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class PermissionRequested(Event):
    kind: ClassVar[str] = "permission_requested"
    request_id: str
    tool: str
    input: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PermissionDecided(Event):
    kind: ClassVar[str] = "permission_decided"
    request_id: str
    allow: bool
    by: str
    """Who decided: ``policy``, ``callback``, ``person`` or ``session`` (always-allow)."""
    message: str | None = None


@dataclass(frozen=True, slots=True)
class QuestionOption(_Json):
    label: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Question(_Json):
    question: str
    header: str = ""
    options: tuple[QuestionOption, ...] = ()
    multi_select: bool = False


@dataclass(frozen=True, slots=True)
class QuestionAsked(Event):
    """Claude asked the person a question (AskUserQuestion)."""

    kind: ClassVar[str] = "question_asked"
    request_id: str
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class QuestionAnswered(Event):
    """A question was answered (``answers`` maps question to label) or declined (None)."""

    kind: ClassVar[str] = "question_answered"
    request_id: str
    answers: Mapping[str, str] | None
    by: str
    error: str | None = None
    """Why it was declined when the answering callback failed."""


@dataclass(frozen=True, slots=True)
class PermissionRequest:
    """Claude wants to use a tool and the mode did not settle it (asked of the session)."""

    request_id: str
    tool: str
    input: Mapping[str, Any] = field(default_factory=dict)
    tool_use_id: str | None = None


@dataclass(frozen=True, slots=True)
class PermissionDecision:
    """The answer to a :class:`PermissionRequest`; ``message`` is what Claude is told on a
    deny; ``always`` allows this tool for the rest of the session (a person's "always")."""

    allow: bool
    by: str = "policy"
    message: str | None = None
    always: bool = False


@dataclass(frozen=True, slots=True)
class QuestionRequest:
    """Claude asked the person something (AskUserQuestion)."""

    request_id: str
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class RateLimited(Event):
    """Claude Code's ``rate_limit_event`` (SDK) or a limit screen (PTY) for the login."""

    kind: ClassVar[str] = "rate_limited"
    status: str
    """``allowed``, ``allowed_warning`` or ``rejected``."""
    resets_at: int | None = None
    rate_limit_type: str | None = None
    utilization: float | None = None
    """0..1 of the limiting window (top level, else its ``unifiedWindows`` entry)."""
    windows: Mapping[str, float] = field(default_factory=dict)
    """Utilization by window (``five_hour``, ``seven_day``, ...)."""
    overage_status: str | None = None
    overage_resets_at: int | None = None
    overage_disabled_reason: str | None = None
    using_overage: bool | None = None


@dataclass(frozen=True, slots=True)
class Parked(Event):
    """The fleet holds this member's turns: its login hit a limit until ``resets_at``."""

    kind: ClassVar[str] = "parked"
    account: str
    """The login (Claude Code config dir) the members share."""
    resets_at: int | None
    resume: bool
    """The fleet resumes the member after the reset (else its waiting turns end)."""


@dataclass(frozen=True, slots=True)
class Resumed(Event):
    """The limit of this member's login reset; its waiting turns run again."""

    kind: ClassVar[str] = "resumed"
    account: str


@dataclass(frozen=True, slots=True)
class ApiRetry(Event):
    """Claude Code's API request failed and it will try again (``system/api_retry``)."""

    kind: ClassVar[str] = "api_retry"
    attempt: int
    max_attempts: int
    status: int | None
    """The HTTP status of the failure (None for a connection error)."""
    message: str
    """Claude Code's short name for the error (e.g. ``overloaded``)."""
    delay_s: float
    """How long Claude Code waits before the next attempt."""

    def describe(self) -> str:
        """``retrying 3/10: 529 overloaded`` (what the REPL, TUI and ``fleet status`` show)."""
        what = " ".join(p for p in (str(self.status or ""), self.message) if p) or "error"
        return f"retrying {self.attempt}/{self.max_attempts}: {what}"


@dataclass(frozen=True, slots=True)
class HostLost(Event):
    """A remote member's connection to its host dropped; it is trying to re-attach."""

    kind: ClassVar[str] = "host_lost"
    host: str
    detail: str
    """Why (ssh's last words, an exit status), already redacted."""

    def describe(self) -> str:
        """What the REPL, the TUI's log and ``run`` say."""
        return f"lost the connection to host {self.host!r} ({self.detail}); re-attaching"


@dataclass(frozen=True, slots=True)
class HostRejoined(Event):
    """A remote member re-attached to its host; ``replayed`` events it had missed followed."""

    kind: ClassVar[str] = "host_rejoined"
    host: str
    replayed: int

    def describe(self) -> str:
        return f"re-attached to host {self.host!r} ({self.replayed} missed messages replayed)"


@dataclass(frozen=True, slots=True)
class SaveFailed(Event):
    """Something that should be on disk is not: a turn missing from its transcript
    (``what="transcript"``) or a roster write that failed (``what="roster"``)."""

    kind: ClassVar[str] = "save_failed"
    what: str
    path: str
    reason: str

    def describe(self) -> str:
        return f"{self.what} not saved ({self.path}): {self.reason}"


@dataclass(frozen=True, slots=True)
class ScreenChanged(Event):
    """PTY: the rendered screen after a change."""

    kind: ClassVar[str] = "screen_changed"
    text: str


@dataclass(frozen=True, slots=True)
class TurnEnded(Event):
    kind: ClassVar[str] = "turn_ended"
    result: TurnResult


@dataclass(frozen=True, slots=True)
class SessionClosed(Event):
    kind: ClassVar[str] = "session_closed"
    reason: str


@dataclass(frozen=True, slots=True)
class StreamGap(Event):
    """A slow subscriber missed ``dropped`` events (the oldest were dropped)."""

    kind: ClassVar[str] = "stream_gap"
    dropped: int


@dataclass(frozen=True, slots=True)
class Envelope(_Json):
    """One published event, tagged with its session and place in the stream."""

    name: str | None
    session_id: str | None
    seq: int
    time: datetime
    event: Event


def now() -> datetime:
    """The current time in UTC (one place, so tests and envelopes agree)."""
    return datetime.now(UTC)


from claude_coder.events_json import event_from_json  # noqa: E402  (reads the types above)
