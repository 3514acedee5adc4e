"""Session permissions and questions on FakeTransport: policy, callbacks, a person, redaction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.unit.session_helpers import Recorder, start

from claude_coder.errors import SessionError
from claude_coder.events import (
    Boundary,
    PermissionDecided,
    PermissionRequested,
    QuestionAnswered,
    QuestionAsked,
    SessionState,
    ToolResult,
    TurnEnded,
)
from claude_coder.policy import Policy
from claude_coder.profiles import load_profiles
from claude_coder.security import Redactor
from claude_coder.transports.base import PermissionDecision, PermissionRequest, QuestionRequest
from claude_coder.transports.fake import Ask, FakeTransport, Say, Tool

TOUCH = Tool("Bash", {"command": "touch x"}, output="")
GIT = Tool("Bash", {"command": "git status"}, output="clean")


async def test_policy_allows_and_denies_in_protocol() -> None:
    policy = Policy(allow=["Bash(git *)"], deny=["Bash(touch *)"])
    s = await start(FakeTransport([[GIT, TOUCH, Say("done")]]), policy=policy)
    rec = Recorder(s)
    result = await s.send("go")
    assert result.boundary is Boundary.COMPLETED
    assert [c.name for c in result.tool_calls] == ["Bash", "Bash"]
    assert [d.input["command"] for d in result.denials] == ["touch x"]
    decided = rec.of(PermissionDecided)
    assert [(d.allow, d.by) for d in decided] == [(True, "policy"), (False, "policy")]
    assert "Bash(touch *)" in (decided[1].message or "")
    outputs = rec.of(ToolResult)
    assert outputs[0].output == "clean" and not outputs[0].is_error
    assert outputs[1].is_error and "permission policy" in outputs[1].output
    await s.close()


async def test_profile_policy_and_default_deny(tmp_path: Path) -> None:
    data = [{"name": "p", "permissionPolicy": {"allow": ["Read"], "default": "deny"}}]
    (tmp_path / "profiles.json").write_text(json.dumps(data))
    profile = load_profiles(tmp_path / "profiles.json").get("p")
    fake = FakeTransport([[Tool("Read", {"file_path": "/x"}), TOUCH]])
    s = await start(fake, profile=profile, policy=None)
    result = await s.send("go")
    assert [d.name for d in result.denials] == ["Bash"]
    await s.close()


async def test_callback_decides_when_policy_asks() -> None:
    seen: list[PermissionRequest] = []

    async def on_permission(req: PermissionRequest) -> PermissionDecision:
        seen.append(req)
        return PermissionDecision(False, message="not today")

    s = await start(FakeTransport([[TOUCH]]), on_permission=on_permission)
    rec = Recorder(s)
    result = await s.send("go")
    assert seen[0].tool == "Bash" and seen[0].input == {"command": "touch x"}
    assert len(result.denials) == 1
    decided = rec.of(PermissionDecided)[0]
    assert (decided.allow, decided.by, decided.message) == (False, "callback", "not today")
    assert rec.of(ToolResult)[0].output == "not today"
    await s.close()


async def test_plain_bool_callback_is_accepted() -> None:
    s = await start(FakeTransport([[TOUCH]]), on_permission=lambda req: True)
    result = await s.send("go")
    assert result.denials == () and len(result.tool_calls) == 1
    await s.close()


async def test_pending_request_waits_for_a_person_and_always_sticks() -> None:
    fake = FakeTransport([[TOUCH, Say("one")], [TOUCH, Say("two")]])
    s = await start(fake, stall_timeout=0.01)
    rec = Recorder(s)
    handle = s.submit("go")
    asked = await rec.wait(lambda e: isinstance(e, PermissionRequested))
    assert isinstance(asked, PermissionRequested)
    assert [p.request_id for p in s.pending] == [asked.request_id]
    assert "pending=1" in repr(s)
    assert s.state is SessionState.BUSY  # waiting on a person is not a stall
    with pytest.raises(SessionError, match="no pending question"):
        await s.answer(asked.request_id, {})
    await s.decide(asked.request_id, allow=True, always=True)
    assert (await handle).denials == ()
    assert s.pending == []
    second = await s.send("again")
    assert second.denials == () and second.text == "two"
    bys = [d.by for d in rec.of(PermissionDecided)]
    assert bys == ["person", "session"]
    assert SessionState.STALLED not in rec.states()
    await s.close()


async def test_person_denial_and_unknown_request_id() -> None:
    s = await start(FakeTransport([[TOUCH]]))
    rec = Recorder(s)
    handle = s.submit("go")
    asked = await rec.wait(lambda e: isinstance(e, PermissionRequested))
    with pytest.raises(SessionError, match="no pending permission request 'nope'"):
        await s.decide("nope", True)
    assert isinstance(asked, PermissionRequested)
    await s.decide(asked.request_id, allow=False)
    result = await handle
    assert len(result.denials) == 1
    assert rec.of(ToolResult)[0].output == "The user denied this tool use."
    await s.close()


async def test_interrupt_while_waiting_on_a_person_clears_pending() -> None:
    s = await start(FakeTransport([[TOUCH], [Say("next")]]))
    rec = Recorder(s)
    handle = s.submit("go")
    await rec.wait(lambda e: isinstance(e, PermissionRequested))
    result = await s.interrupt()
    assert result is not None and result.boundary is Boundary.INTERRUPTED
    assert (await handle).boundary is Boundary.INTERRUPTED
    assert s.pending == []
    assert (await s.send("b")).text == "next"
    await s.close()


async def test_questions_are_declined_unless_the_profile_enables_answers() -> None:
    asked: list[QuestionRequest] = []
    s = await start(
        FakeTransport([[Ask("Color?", ["Red", "Blue"])]]),
        on_question=lambda q: asked.append(q) or {"Color?": "Red"},
    )
    rec = Recorder(s)
    await s.send("q")
    assert asked == []  # the callback is never consulted when answering is off
    answered = rec.of(QuestionAnswered)[0]
    assert (answered.answers, answered.by) == (None, "policy")
    assert rec.of(ToolResult)[0].is_error
    await s.close()


async def test_question_answered_by_callback() -> None:
    async def on_question(q: QuestionRequest) -> dict[str, str]:
        assert [o.label for o in q.questions[0].options] == ["Red", "Blue"]
        return {q.questions[0].question: "Blue"}

    s = await start(
        FakeTransport([[Ask("Color?", ["Red", "Blue"])]]),
        on_question=on_question,
        answer_questions=True,
    )
    rec = Recorder(s)
    await s.send("q")
    assert rec.of(QuestionAsked)[0].questions[0].question == "Color?"
    answered = rec.of(QuestionAnswered)[0]
    assert (answered.answers, answered.by) == ({"Color?": "Blue"}, "callback")
    assert rec.of(ToolResult)[0].output == "User answered: Color?: Blue"
    await s.close()


async def test_question_waits_for_a_person() -> None:
    s = await start(FakeTransport([[Ask("Go?")]]), answer_questions=True)
    rec = Recorder(s)
    handle = s.submit("q")
    asked = await rec.wait(lambda e: isinstance(e, QuestionAsked))
    assert isinstance(asked, QuestionAsked)
    assert isinstance(s.pending[0], QuestionRequest)
    await s.answer(asked.request_id, {"Go?": "yes"})
    await handle
    assert rec.of(QuestionAnswered)[0].by == "person"
    await s.close()


async def test_a_secret_is_masked_in_every_event_and_the_result() -> None:
    secret = "sk-live-0123456789abcdef"
    redactor = Redactor([secret])
    script = [
        [Tool("Bash", {"command": f"echo {secret}"}, output=secret), Say(f"the key {secret}")]
    ]
    s = await start(FakeTransport(script), redactor=redactor, on_permission=lambda r: True)
    rec = Recorder(s)
    result = await s.send(f"repeat {secret}")
    await s.close()
    assert secret not in repr(result)
    assert result.text == "the key ***"
    assert result.boundary is Boundary.COMPLETED  # enums survive redaction
    assert rec.states()[:2] == [SessionState.BUSY, SessionState.IDLE]
    for env in rec.envelopes:
        assert secret not in repr(env), env
    assert any("***" in repr(e) for e in rec.of(PermissionRequested))
    assert rec.of(TurnEnded)[0].result == result
