"""Real Claude Code TUI over the PTY transport, driven through Session, against the fake API.

The SDK issue's scenarios on the PTY: a text turn, a tool allowed and one denied by the
policy through the permission dialog, a question answered and one declined, an
interrupt mid-stream (and the next turn completes), an API error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from tests.integration.pty_support import pty_project
from tests.integration.sdk_support import Events
from tests.support.fake_api import FakeApi
from tests.support.procs import gone, session_pids

from claude_coder.events import (
    AssistantText,
    Boundary,
    PermissionDecided,
    PermissionRequested,
    QuestionAnswered,
    ScreenChanged,
    SessionStarted,
    SessionState,
    StateChanged,
    ToolCall,
    ToolResult,
)
from claude_coder.session import Session
from claude_coder.transports.base import QuestionRequest

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


async def test_text_turn_reads_text_and_usage_from_the_transcript(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    _, profiles = pty_project(tmp_path, seed_tui)
    async with Session.open("pty", profiles=profiles, persist=True) as s:
        rec = Events(s)
        assert s.transport_name == "pty" and s.state is SessionState.IDLE
        assert s.session_id is not None and UUID.match(s.session_id)
        pids = session_pids(s)
        first = await s.send("reply:hello from the pty")
        second = await s.send("reply:and again")
    assert first.boundary is Boundary.COMPLETED and first.text == "hello from the pty"
    assert second.boundary is Boundary.COMPLETED and second.text == "and again"
    assert first.session_id == s.session_id
    assert first.usage is not None and first.usage.input_tokens > 0
    assert first.usage.output_tokens > 0
    assert [a.text for a in rec.of(AssistantText)] == ["hello from the pty", "and again"]
    started = rec.of(SessionStarted)[0]
    assert (started.transport, started.claude_version) == ("pty", "2.1.331")
    assert any("hello from the pty" in e.text for e in rec.of(ScreenChanged))
    assert fake_api.prompts_seen() == ["reply:hello from the pty", "reply:and again"]
    transcripts = list((Path(s.transcript_path or "")).parent.glob("*.jsonl"))
    assert any(p.stem == s.session_id for p in transcripts)
    assert s.state is SessionState.CLOSED
    assert all(gone(pid) for pid in pids)


async def test_tools_allowed_and_denied_by_policy_through_the_dialog(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    work, profiles = pty_project(tmp_path, seed_tui)
    async with Session.open("pty", profiles=profiles, persist=True) as s:
        rec = Events(s)
        allowed = await s.send("bash:touch allowed.txt")
        denied = await s.send("bash:touch denied.txt")
        after = await s.send("reply:still here")
    assert allowed.boundary is Boundary.COMPLETED
    assert [(c.name, c.input.get("command")) for c in allowed.tool_calls] == [
        ("Bash", "touch allowed.txt")
    ]
    assert allowed.denials == () and "The Bash tool finished" in allowed.text
    assert (work / "allowed.txt").exists()
    assert denied.boundary is Boundary.COMPLETED
    assert [(d.name, d.input.get("command")) for d in denied.denials] == [
        ("Bash", "touch denied.txt")
    ]
    assert not (work / "denied.txt").exists()
    assert [(d.allow, d.by) for d in rec.of(PermissionDecided)] == [
        (True, "policy"),
        (False, "policy"),
    ]
    results = rec.of(ToolResult)
    assert not results[0].is_error and "doesn't want to proceed" in results[1].output
    assert [c.name for c in rec.of(ToolCall)] == ["Bash", "Bash"]
    assert after.boundary is Boundary.COMPLETED and after.text == "still here"


async def test_question_answered_then_declined(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    _, profiles = pty_project(tmp_path, seed_tui)
    asked: list[QuestionRequest] = []

    async def on_question(q: QuestionRequest) -> dict[str, str] | None:
        asked.append(q)
        return {q.questions[0].question: "Blue"} if len(asked) == 1 else None

    async with Session.open("pty", profiles=profiles, persist=True, on_question=on_question) as s:
        rec = Events(s)
        answered = await s.send("ask:Which color?|Red|Blue")
        declined = await s.send("ask:Which size?|Small|Large")
    assert [o.label for o in asked[0].questions[0].options] == ["Red", "Blue"]
    assert asked[0].questions[0].header == "Choice"
    assert answered.boundary is Boundary.COMPLETED
    assert "You answered: Blue" in answered.text and answered.denials == ()
    assert declined.boundary is Boundary.COMPLETED
    assert [d.name for d in declined.denials] == ["AskUserQuestion"]
    assert [a.answers for a in rec.of(QuestionAnswered)] == [{"Which color?": "Blue"}, None]


async def test_interrupt_while_a_dialog_waits_on_a_person_ends_the_turn_interrupted(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    """The REPL's and the TUI's case: a person has not answered the dialog yet and stops
    the turn. It ends interrupted (it ended ``error`` with InvalidStateError), nothing is
    left pending, the tool never ran, and the next turn works."""
    work, profiles = pty_project(tmp_path, seed_tui, permissionPolicy={"default": "ask"})
    async with Session.open("pty", profiles=profiles) as s:
        rec = Events(s)
        handle = s.submit("bash:touch waiting.txt")
        await rec.wait_kind(PermissionRequested)
        assert len(s.pending) == 1
        result = await s.interrupt()
        assert result is not None and result.boundary is Boundary.INTERRUPTED, result
        assert (await handle).boundary is Boundary.INTERRUPTED
        assert s.pending == []
        assert (await s.send("reply:next")).text == "next"
    assert not (work / "waiting.txt").exists()


async def test_interrupt_mid_stream_then_the_next_turn_completes(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    _, profiles = pty_project(tmp_path, seed_tui)
    async with Session.open("pty", profiles=profiles, persist=True) as s:
        rec = Events(s)
        handle = s.submit("slow:60:0.2")
        await rec.wait(lambda e: isinstance(e, ScreenChanged) and "chunk" in e.text, 30)
        await s.interrupt()
        stopped = await handle
        after = await s.send("reply:after the interrupt")
    assert stopped.boundary is Boundary.INTERRUPTED
    assert after.boundary is Boundary.COMPLETED and after.text == "after the interrupt"
    assert SessionState.BUSY in [e.new for e in rec.of(StateChanged)]


async def test_api_error_ends_the_turn_with_error(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    _, profiles = pty_project(tmp_path, seed_tui)
    async with Session.open("pty", profiles=profiles, persist=True) as s:
        failed = await s.send("error:400")
        after = await s.send("reply:recovered")
    assert failed.boundary is Boundary.ERROR
    assert failed.error is not None and "400" in failed.error
    assert after.boundary is Boundary.COMPLETED and after.text == "recovered"
