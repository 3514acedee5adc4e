"""History: a transcript turned into events along its main chain, in bounded memory."""

from __future__ import annotations

import os
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.unit.test_catalog_builders import Tx

from claude_coder.catalog import Catalog, read_history
from claude_coder.catalog.history import entry_events
from claude_coder.errors import SessionNotFoundError
from claude_coder.events import AssistantText, Event, ToolCall, ToolResult, UserText

MB = 1024 * 1024


def events(path: Path) -> list[Event]:
    return [e.event for e in read_history(path)]


def sdk_events(tx: Tx, config: Path) -> list[Event]:
    """What the official ``get_session_messages`` shows, in our vocabulary."""
    from claude_agent_sdk import get_session_messages

    before = os.environ["CLAUDE_CONFIG_DIR"]
    os.environ["CLAUDE_CONFIG_DIR"] = str(config)
    try:
        messages = get_session_messages(tx.sid)
    finally:
        os.environ["CLAUDE_CONFIG_DIR"] = before
    out: list[Event] = []
    for m in messages:
        out += entry_events({"type": m.type, "message": m.message})
    return out


def _tool(tid: str, name: str = "Bash") -> dict[str, object]:
    return {"type": "tool_use", "id": tid, "name": name, "input": {"command": f"echo {tid}"}}


def _result(tid: str, text: str, error: bool = False) -> list[dict[str, object]]:
    return [{"type": "tool_result", "tool_use_id": tid, "content": text, "is_error": error}]


def test_a_plain_conversation_with_tools_and_timestamps(tmp_path: Path) -> None:
    tx = Tx().user("list files", timestamp="2026-11-25T10:00:01.000Z")
    tx.assistant("Sure.", _tool("t1"), timestamp="2026-11-25T10:00:02.000Z")
    tx.user(_result("t1", "a\nb"), timestamp="2026-11-25T10:00:03.000Z")
    tx.assistant("Two files.", timestamp="2026-11-25T10:00:04.000Z")
    got = list(read_history(tx.write(tmp_path), session_id=tx.sid, name="n"))
    assert [e.event for e in got] == [
        UserText("list files"),
        AssistantText("Sure."),
        ToolCall("t1", "Bash", {"command": "echo t1"}),
        ToolResult("t1", "a\nb", False),
        AssistantText("Two files."),
    ]
    assert [e.seq for e in got] == list(range(5))
    assert {(e.name, e.session_id) for e in got} == {("n", tx.sid)}
    assert got[0].time == datetime(2026, 11, 25, 10, 0, 1, tzinfo=UTC)
    assert got[-1].time == datetime(2026, 11, 25, 10, 0, 4, tzinfo=UTC)


def test_sidechains_meta_and_abandoned_branches_are_left_out(tmp_path: Path) -> None:
    tx = Tx().user("start").assistant("answer one")
    fork_point = tx.last
    tx.user("caveat", isMeta=True).user("sub agent work", isSidechain=True)
    tx.assistant("sub agent answer", isSidechain=True)
    tx.user("abandoned question", parent=fork_point).assistant("abandoned answer")
    tx.user("rewound question", parent=fork_point).assistant("final answer")
    tx.record(type="custom-title", customTitle="x")
    path = tx.write(tmp_path)
    assert events(path) == [
        UserText("start"),
        AssistantText("answer one"),
        UserText("rewound question"),
        AssistantText("final answer"),
    ]
    assert events(path) == sdk_events(tx, tmp_path)


def test_parallel_tool_calls_are_all_shown(tmp_path: Path) -> None:
    """One response, three calls (one entry each), results parented to their own call."""
    tx = Tx().user("run three")
    tx.assistant(_tool("a"), mid="m1")
    call_a = tx.last
    tx.assistant(_tool("b"), mid="m1")
    call_b = tx.last
    tx.assistant(_tool("c"), mid="m1")
    call_c = tx.last
    tx.user(_result("a", "A"), parent=call_a)
    tx.user(_result("b", "B", error=True), parent=call_b)
    tx.user(_result("c", "C"), parent=call_c)
    tx.assistant("all done")
    path = tx.write(tmp_path)
    got = events(path)
    assert [type(e).__name__ for e in got] == [
        "UserText",
        "ToolCall",
        "ToolCall",
        "ToolCall",
        "ToolResult",
        "ToolResult",
        "ToolResult",
        "AssistantText",
    ]
    assert [e.id for e in got if isinstance(e, ToolResult)] == ["a", "b", "c"]
    assert ToolResult("b", "B", True) in got
    assert sorted(map(repr, got)) == sorted(map(repr, sdk_events(tx, tmp_path)))


def test_corrupt_lines_and_odd_content_are_survived(tmp_path: Path) -> None:
    tx = Tx().user("hello").raw("{broken\n").raw("\n").raw("[1, 2]\n")
    tx.assistant({"type": "thinking", "thinking": "hmm"}, "visible")
    tx.user([{"type": "image", "source": {}}, {"type": "text", "text": "look"}])
    tx.user(_result("z", [{"type": "text", "text": "x"}, {"type": "image"}]))  # type: ignore[arg-type]
    tx.raw('{"type":"assistant","message":{"content":"cut')
    assert events(tx.write(tmp_path)) == [
        UserText("hello"),
        AssistantText("visible"),
        UserText("look"),
        ToolResult("z", "x\n[image]", False),
    ]


def test_an_empty_or_metadata_only_transcript_has_no_history(tmp_path: Path) -> None:
    assert events(Tx().record(type="mode", mode="normal").write(tmp_path)) == []


def test_a_100_mb_transcript_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    tx = Tx()
    blob = "y" * (256 * 1024)
    for i in range(200):  # 200 turns of ~512 KB: ~100 MB
        tx.user(f"q{i} " + blob).assistant(f"a{i} " + blob)
    path = tx.write(tmp_path)
    assert path.stat().st_size > 100 * MB
    tracemalloc.start()
    try:
        count = 0
        for envelope in read_history(path):
            count += 1
            del envelope
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 400
    assert peak < 20 * MB, f"peak {peak / MB:.1f} MB"


def test_catalog_history_by_name_id_and_prefix(tmp_path: Path) -> None:
    tx = Tx().user("hi").assistant("hello").title("greet")
    tx.write(tmp_path)
    catalog = Catalog(tmp_path, cache=False)
    for query in ("greet", tx.sid, tx.sid[:6]):
        got = list(catalog.history(query))
        assert [e.event for e in got] == [UserText("hi"), AssistantText("hello")]
        assert {e.name for e in got} == {"greet"}
    with pytest.raises(SessionNotFoundError):
        catalog.history("nobody")
