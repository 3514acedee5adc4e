"""The PTY transport's transcript reading: JSONL split at every byte, records -> events.

The records are shaped like those Claude Code 2.1.331's TUI wrote in this project's
captures (text, tool use, tool result, rejection, interrupt, API error, rate limit).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from claude_coder.events import AssistantText, Boundary, TextDelta, ToolCall, ToolResult
from claude_coder.transports.pty._transcript import (
    JsonlSplitter,
    TranscriptFile,
    TurnReader,
    learn_session_id,
    read_session_id,
    transcript_ids,
)
from claude_coder.transports.pty._watcher import _single_answer
from claude_coder.transports.pty.screen import keys

REJECTED = (
    "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if "
    "it was a file edit, the new_string was NOT written to the file)."
)


def _assistant(mid: str, block: dict[str, Any], **extra: Any) -> dict[str, Any]:
    usage = {"input_tokens": 100, "output_tokens": 7, "cache_read_input_tokens": 3}
    msg = {"id": mid, "role": "assistant", "content": [block], "usage": usage}
    return {"type": "assistant", "message": msg, "timestamp": "2026-11-25T11:10:45.083Z", **extra}


def _user(content: Any) -> dict[str, Any]:
    return {"type": "user", "message": {"role": "user", "content": content}}


TOOL_TURN = [
    {"type": "mode", "mode": "normal"},
    _user("bash:touch a.txt"),
    _assistant("m1", {"type": "text", "text": "Running a command."}),
    _assistant(
        "m1", {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "touch a.txt"}}
    ),
    _user(
        [{"type": "tool_result", "tool_use_id": "t1", "content": "(no output)", "is_error": False}]
    ),
    _assistant("m2", {"type": "text", "text": "The Bash tool finished."}),
    {"type": "system", "subtype": "turn_duration", "durationMs": 345},
    {"type": "last-prompt", "lastPrompt": "bash:touch a.txt"},
]


def test_splitter_gives_the_same_records_at_every_split() -> None:
    data = b"".join(json.dumps(r).encode() + b"\n" for r in TOOL_TURN) + b"not json\n"
    whole = JsonlSplitter().feed(data)
    assert len(whole) == len(TOOL_TURN)
    for cut in range(len(data) + 1):
        split = JsonlSplitter()
        assert split.feed(data[:cut]) + split.feed(data[cut:]) == whole


def test_a_tool_turn_becomes_events_and_a_completed_result() -> None:
    reader = TurnReader()
    events = [e for r in TOOL_TURN for e in reader.feed(r)]
    assert [type(e) for e in events] == [
        TextDelta,
        AssistantText,
        ToolCall,
        ToolResult,
        TextDelta,
        AssistantText,
    ]
    assert events[2] == ToolCall("t1", "Bash", {"command": "touch a.txt"})
    assert reader.end is Boundary.COMPLETED and reader.final_text == "The Bash tool finished."
    usage = reader.usage()
    assert usage is not None and (usage.input_tokens, usage.output_tokens) == (200, 14)
    assert usage.cache_read_input_tokens == 6 and usage.cost_usd is None
    assert reader.pending_call() is None


def test_a_rejected_tool_marks_an_interrupt_for_tool_use() -> None:
    reader = TurnReader()
    reader.feed(_assistant("m1", {"type": "tool_use", "id": "t9", "name": "Write", "input": {}}))
    assert reader.pending_call(("Write",)) is not None and reader.pending_call(("Bash",)) is None
    reader.feed(_user([{"type": "tool_result", "tool_use_id": "t9", "content": REJECTED}]))
    reader.feed(_user([{"type": "text", "text": "[Request interrupted by user for tool use]"}]))
    assert reader.end is Boundary.INTERRUPTED and reader.interrupted_for_tool


def test_an_escape_interrupt() -> None:
    reader = TurnReader()
    reader.feed(_user([{"type": "text", "text": "[Request interrupted by user]"}]))
    assert reader.end is Boundary.INTERRUPTED and not reader.interrupted_for_tool


@pytest.mark.parametrize(
    ("extra", "boundary"),
    [({"error": "unknown"}, Boundary.ERROR), ({"error": "rate_limit"}, Boundary.LIMIT)],
)
def test_api_errors_end_the_turn(extra: dict[str, str], boundary: Boundary) -> None:
    reader = TurnReader()
    text = {"type": "text", "text": "API Error: 400 Fake API error 400"}
    assert reader.feed(_assistant("e", text, isApiErrorMessage=True, **extra)) == []
    assert reader.end is boundary and reader.error == "API Error: 400 Fake API error 400"


def test_records_older_than_the_turn_are_skipped() -> None:
    reader = TurnReader()
    reader.since = 1795605100.0  # later than the records' 2026-11-25T11:10:45Z stamp
    old = _assistant("m0", {"type": "text", "text": "from the forked history"})
    assert reader.feed(old) == [] and reader.final_text == ""


def test_transcript_file_is_found_by_id_and_read_as_it_grows(tmp_path: Path) -> None:
    sid = "82e7dbc6-3ffe-4e4e-affc-9888dfae221e"
    folder = tmp_path / "projects" / "-tmp-x"
    folder.mkdir(parents=True)
    tf = TranscriptFile(tmp_path, sid)
    assert tf.read_new() == []
    path = folder / f"{sid}.jsonl"
    path.write_text(json.dumps(TOOL_TURN[1]) + "\n" + '{"type": "ass')
    assert [r["type"] for r in tf.read_new()] == ["user"]
    with path.open("a") as fh:
        fh.write('istant"}\n')
    assert [r["type"] for r in tf.read_new()] == ["assistant"]
    tf2 = TranscriptFile(tmp_path, sid)
    tf2.skip_existing()
    assert tf2.read_new() == []


def test_session_id_comes_from_the_pid_file(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    (sessions / "4242.json").write_text(json.dumps({"sessionId": "abc", "cwd": "/w"}))
    assert read_session_id(tmp_path, 4242, "/w", 0) == "abc"
    (sessions / "7.json").write_text(
        json.dumps({"sessionId": "def", "cwd": "/other", "startedAt": 5000})
    )
    assert read_session_id(tmp_path, 999, "/other", 4000) == "def"
    assert read_session_id(tmp_path, 999, "/nowhere", 0) is None


async def test_a_forks_id_is_learned_from_its_new_transcript_or_not_at_all(
    tmp_path: Path,
) -> None:
    project = tmp_path / "projects" / "-w"
    project.mkdir(parents=True)
    (project / "old.jsonl").write_text("{}\n")
    before = transcript_ids(tmp_path)
    assert await learn_session_id(tmp_path, 999, "/w", 0, before, 0.3) is None  # deadline
    (project / "forked.jsonl").write_text("{}\n")
    assert await learn_session_id(tmp_path, 999, "/w", 0, before, 5) == "forked"
    (project / "another.jsonl").write_text("{}\n")
    assert await learn_session_id(tmp_path, 999, "/w", 0, before, 0.3) is None  # not one


def test_paste_wraps_text_and_cannot_be_broken_out_of() -> None:
    assert keys.paste("hi\r\nthere") == b"\x1b[200~hi\nthere\x1b[201~"
    assert keys.paste("a\x1b[201~b") == "\x1b[200~a␛[201~b\x1b[201~".encode()
    assert keys.digit(4) == b"4"
    with pytest.raises(ValueError):
        keys.digit(10)


def test_only_a_single_choice_question_is_answered_on_the_pty() -> None:
    from claude_coder.events import Question, QuestionOption

    one = (Question("Which?", "H", (QuestionOption("A"), QuestionOption("B"))),)
    multi = (Question("Which?", "H", (QuestionOption("A"),), multi_select=True),)
    assert _single_answer(one, {"Which?": "B"}) == "B"
    assert _single_answer(one, None) is None
    assert _single_answer(multi, {"Which?": "A"}) is None
    assert _single_answer(one + one, {"Which?": "A"}) is None


def test_resets_at_reads_the_limit_wording() -> None:
    from datetime import UTC, datetime

    from claude_coder.transports.pty._transcript import resets_at

    now = datetime(2026, 11, 25, 11, 5, tzinfo=UTC)
    text = "You've hit your 5-hour limit · resets 11:13am (UTC)"
    assert resets_at(text, now) == int(datetime(2026, 11, 25, 11, 13, tzinfo=UTC).timestamp())
    late = datetime(2026, 11, 25, 23, 50, tzinfo=UTC)
    assert resets_at("resets 1am (UTC)", late) == int(
        datetime(2026, 11, 26, 1, 0, tzinfo=UTC).timestamp()
    )
    assert resets_at("resets 3pm (Nowhere/Atlantis)", now) is None
    assert resets_at("no limit here", now) is None
