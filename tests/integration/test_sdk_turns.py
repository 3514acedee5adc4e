"""Real Claude Code over the SDK transport: text and tool turns, policy, questions, usage."""

from __future__ import annotations

from pathlib import Path

from tests.integration.sdk_support import Events, write_profiles
from tests.support.fake_api import FakeApi

from claude_coder.events import (
    AssistantText,
    Boundary,
    PermissionDecided,
    QuestionAnswered,
    QuestionAsked,
    SessionStarted,
    SessionState,
    TextDelta,
    ToolCall,
    ToolResult,
)
from claude_coder.session import Session
from claude_coder.transports.base import QuestionRequest


async def test_text_turn_with_exact_usage(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(cwd=str(tmp_path)) as s:
        rec = Events(s)
        assert s.state is SessionState.IDLE and s.transport_name == "sdk"
        assert s.session_id is not None  # pre-assigned before any turn
        first = await s.send("reply:hello there")
        second = await s.send("reply:again")
    assert first.boundary is Boundary.COMPLETED and first.text == "hello there"
    assert first.session_id == second.session_id == s.session_id
    assert first.usage is not None and first.usage.input_tokens > 0
    assert first.usage.output_tokens > 0
    assert first.cost_usd is not None and first.cost_usd > 0
    assert second.cost_usd is not None
    assert s.usage.cost_usd is not None
    assert abs(s.usage.cost_usd - (first.cost_usd + second.cost_usd)) < 1e-9
    assert "".join(d.text for d in rec.of(TextDelta)).startswith("hello there")
    assert [a.text for a in rec.of(AssistantText)] == ["hello there", "again"]
    started = rec.of(SessionStarted)
    assert started and started[0].claude_version and started[0].transport == "sdk"
    assert fake_api.prompts_seen() == ["reply:hello there", "reply:again"]
    assert s.state is SessionState.CLOSED


async def test_tool_turn_allowed_by_policy(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    profiles = write_profiles(
        tmp_path, {"name": "p", "permissionPolicy": {"allow": ["Bash(touch *)"]}}
    )
    async with Session.open("p", profiles=profiles, cwd=str(work)) as s:
        rec = Events(s)
        result = await s.send("bash:touch made.txt")
    assert result.boundary is Boundary.COMPLETED
    assert [c.name for c in result.tool_calls] == ["Bash"]
    assert result.denials == ()
    assert (work / "made.txt").exists()
    decided = rec.of(PermissionDecided)
    assert [(d.allow, d.by) for d in decided] == [(True, "policy")]
    assert rec.of(ToolCall)[0].input["command"] == "touch made.txt"
    assert not rec.of(ToolResult)[0].is_error


async def test_tool_turn_denied_by_policy(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    profiles = write_profiles(
        tmp_path,
        {"name": "p", "permissionPolicy": {"allow": ["Bash"], "deny": ["Bash(touch *)"]}},
    )
    async with Session.open("p", profiles=profiles, cwd=str(work)) as s:
        rec = Events(s)
        result = await s.send("bash:touch nope.txt")
    assert result.boundary is Boundary.COMPLETED
    assert [(d.name, d.input.get("command")) for d in result.denials] == [
        ("Bash", "touch nope.txt")
    ]
    assert not (work / "nope.txt").exists()
    tool_result = rec.of(ToolResult)[0]
    assert tool_result.is_error and "permission policy" in tool_result.output
    assert "failed" in result.text  # Claude was told, and said so


async def test_question_answered_by_callback(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    profiles = write_profiles(tmp_path, {"name": "q", "experimentalAskUserQuestionAnswering": True})
    asked: list[QuestionRequest] = []

    async def on_question(q: QuestionRequest) -> dict[str, str]:
        asked.append(q)
        return {q.questions[0].question: "Blue"}

    async with Session.open(
        "q", profiles=profiles, cwd=str(tmp_path), on_question=on_question
    ) as s:
        rec = Events(s)
        result = await s.send("ask:Which color?|Red|Blue")
    assert asked[0].questions[0].question == "Which color?"
    assert [o.label for o in asked[0].questions[0].options] == ["Red", "Blue"]
    assert rec.of(QuestionAsked)[0].questions[0].header == "Choice"
    assert rec.of(QuestionAnswered)[0].answers == {"Which color?": "Blue"}
    assert result.boundary is Boundary.COMPLETED
    assert "You answered: Blue" in result.text
    assert result.denials == ()


async def test_question_declined_when_answering_is_off(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(cwd=str(tmp_path), on_question=lambda q: {"x": "y"}) as s:
        rec = Events(s)
        result = await s.send("ask:Which color?|Red|Blue")
    answered = rec.of(QuestionAnswered)[0]
    assert (answered.answers, answered.by) == (None, "policy")
    tool_result = rec.of(ToolResult)[0]
    assert tool_result.is_error and "question answering is off" in tool_result.output
    assert result.boundary is Boundary.COMPLETED
    assert [d.name for d in result.denials] == ["AskUserQuestion"]
