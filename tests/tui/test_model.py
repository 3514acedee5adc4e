"""The TUI's pure parts: the view model, the formatting, the event batcher."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from claude_coder.events import (
    AssistantText,
    Boundary,
    Envelope,
    Event,
    PermissionDecided,
    PermissionRequested,
    SessionState,
    StateChanged,
    StreamGap,
    TextDelta,
    ToolCall,
    ToolResult,
    TurnEnded,
    TurnResult,
    UserText,
)
from claude_coder.tui.format import (
    format_cost,
    format_resets,
    format_tokens,
    log_text,
    member_status,
    tool_summary,
)
from claude_coder.tui.model import (
    AssistantItem,
    ConversationLog,
    FleetModel,
    NoticeItem,
    PendingPermission,
    ToolItem,
    UserItem,
)
from claude_coder.tui.pump import EventBatcher

T = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def envs(name: str, *events: Event) -> list[Envelope]:
    return [Envelope(name, "sid", i, T, e) for i, e in enumerate(events)]


def test_streamed_text_grows_one_block_then_the_whole_text_settles_it() -> None:
    log = ConversationLog()
    for event in (UserText("hi"), TextDelta("Hel"), TextDelta("lo"), AssistantText("Hello!")):
        assert log.apply(event)
    assert log.items == [UserItem("hi"), AssistantItem("Hello!", streaming=False)]
    log.apply(TextDelta("next"))
    assert log.items[-1] == AssistantItem("next", streaming=True)


def test_tool_result_lands_on_its_call_and_turn_end_adds_a_notice() -> None:
    log = ConversationLog()
    log.apply(ToolCall("t1", "Bash", {"command": "ls"}))
    log.apply(ToolResult("t1", "a.txt"))
    assert not log.apply(ToolResult("unknown", "x"))
    log.apply(TurnEnded(TurnResult(Boundary.INTERRUPTED)))
    assert log.items == [
        ToolItem("t1", "Bash", {"command": "ls"}, "a.txt", False),
        NoticeItem("turn interrupted", "warning"),
    ]


def test_conversation_is_bounded_with_stable_indexes() -> None:
    log = ConversationLog(max_items=3)
    for i in range(5):
        log.apply(UserText(str(i)))
    assert [i.text for i in log.items] == ["2", "3", "4"]  # type: ignore[union-attr]
    assert (log.offset, log.end) == (2, 5)


def test_pending_requests_follow_the_stream() -> None:
    model = FleetModel()
    got = model.ingest(envs("a", PermissionRequested("r1", "Bash", {"command": "x"})))
    assert got.new_pending == [PendingPermission("a", "r1", "Bash", {"command": "x"})]
    assert [p.member for p in model.pending()] == ["a"] and not model.pending("b")
    model.ingest(envs("a", PermissionDecided("r1", True, "person")))
    assert model.pending() == []


def test_a_request_settled_in_the_same_batch_never_reaches_a_person() -> None:
    model = FleetModel()
    got = model.ingest(
        envs("a", PermissionRequested("r1", "Read"), PermissionDecided("r1", True, "policy"))
    )
    assert got.new_pending == [] and model.pending() == []


@pytest.mark.parametrize(
    "ending",
    [
        TurnEnded(TurnResult(Boundary.INTERRUPTED)),
        StateChanged(SessionState.BUSY, SessionState.ERROR),
    ],
)
def test_a_turn_that_ends_drops_its_members_requests(ending: Event) -> None:
    model = FleetModel()
    model.ingest(
        envs("a", PermissionRequested("r1", "Bash")) + envs("b", PermissionRequested("r2", "Bash"))
    )
    model.ingest(envs("a", ending))
    assert [p.request_id for p in model.pending()] == ["r2"]


def test_deltas_are_not_structural_and_not_logged() -> None:
    model = FleetModel(max_log=2)
    got = model.ingest(envs("a", TextDelta("x"), TextDelta("y")))
    assert not got.structural and got.log == [] and got.touched == {"a"}
    got = model.ingest(envs("a", UserText("1"), UserText("2"), UserText("3")))
    assert got.structural and [e.text for e in model.log] == ["09:30:00 » 2", "09:30:00 » 3"]


def test_log_lines() -> None:
    def line(event: Event) -> str | None:
        return log_text(Envelope("a", None, 0, T, event))

    assert line(ToolCall("t", "Read", {"file_path": "src/x.py"})) == "09:30:00 ⚙ Read src/x.py"
    assert line(ToolResult("t", "boom\nmore", is_error=True)) == "09:30:00 ✗ boom"
    assert line(StreamGap(12)) == "09:30:00 … 12 events dropped (slow view)"
    assert line(TextDelta("x")) is None
    ended = TurnEnded(TurnResult(Boundary.ERROR, error="API Error: 500", duration_s=1.25))
    assert line(ended) == "09:30:00 turn error · 1.2s · API Error: 500"


def test_numbers() -> None:
    assert [format_tokens(n) for n in (950, 12_345, 120_500, 4_100_000)] == [
        "950",
        "12.3k",
        "120k",
        "4.1M",
    ]
    assert [format_cost(c) for c in (None, 0.01234, 12.345)] == ["-", "$0.0123", "$12.35"]
    assert tool_summary("Bash", {"command": "git status\nmore"}) == "Bash git status"
    assert tool_summary("Glob", {"x": 1}) == 'Glob {"x": 1}'
    assert tool_summary("Todo", {}) == "Todo"


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(minutes=52), "resets 10:22 (in 52m)"),
        (timedelta(seconds=20), "resets 09:30 (in 1m)"),
        (timedelta(hours=1, minutes=5), "resets 10:35 (in 1h05m)"),
        (timedelta(hours=20), "resets Thu 05:30 (in 20h00m)"),
        (timedelta(minutes=-5), "reset at 09:25 (now past)"),
    ],
)
def test_limit_reset_times(delta: timedelta, expected: str) -> None:
    assert format_resets(int((T + delta).timestamp()), T) == expected


def test_reset_time_unknown() -> None:
    assert format_resets(None, T) == "limit hit; reset time unknown"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((SessionState.BUSY, True, 2, None), ("waiting", "waiting")),
        ((SessionState.BUSY, False, 2, None), ("busy", "busy")),
        ((SessionState.IDLE, False, 0, "limit"), ("limit", "limit")),
        ((SessionState.IDLE, False, 1, "completed"), ("queued", "queued")),
        ((SessionState.IDLE, False, 0, "completed"), ("idle", "idle")),
        ((SessionState.ERROR, False, 0, "error"), ("error", "error")),
    ],
)
def test_member_status(args: tuple[SessionState, bool, int, str | None], expected: object) -> None:
    assert member_status(*args) == expected


def test_batcher_posts_once_per_open_batch() -> None:
    posted: list[list[Envelope]] = []
    batcher = EventBatcher(posted.append)
    a, b, c = envs("m", UserText("1"), UserText("2"), UserText("3"))
    batcher.add(a)
    batcher.add(b)
    assert len(posted) == 1 and posted[0] == [a, b]
    assert batcher.take(posted[0]) == [a, b]
    batcher.add(c)
    assert len(posted) == 2 and posted[1] == [c]
