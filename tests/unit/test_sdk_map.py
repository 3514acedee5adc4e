"""SDK message -> event mapping, on stream-json shapes recorded from Claude Code 2.1.331.

The recordings (``data/sdk_shapes/*.jsonl``) were made by driving the real bundled
binary against the fake Messages API (their ``system/init`` carries
``served_by_anthropic: true``, as 2.1.331 reports in the first-party offline world); each
is parsed by claude-agent-sdk's own parser (the same one
``ClaudeSDKClient.receive_messages`` uses) and fed to TurnMapper.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from claude_agent_sdk._internal.message_parser import parse_message  # the SDK's own parser

from claude_coder.errors import CredentialRefused, LoginNotProven
from claude_coder.events import (
    AssistantText,
    Boundary,
    Event,
    RateLimited,
    TextDelta,
    ToolCall,
    ToolResult,
    TurnEnded,
    TurnResult,
    Usage,
)
from claude_coder.security import check_account
from claude_coder.transports.sdk._mapper import TurnMapper, questions_from_input

SHAPES = Path(__file__).parent / "data" / "sdk_shapes"


def frames(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (SHAPES / f"{name}.jsonl").read_text().splitlines()]


def play(name: str, *, interrupt: bool = False) -> tuple[list[Event], TurnResult]:
    mapper = TurnMapper()
    mapper.begin("turn-1")
    if interrupt:
        mapper.request_interrupt()
    events: list[Event] = []
    for frame in frames(name):
        if frame["type"] in ("control_request", "control_response"):
            continue
        msg = parse_message(frame)
        if msg is not None:
            events += mapper.feed(msg)
    ended = [e for e in events if isinstance(e, TurnEnded)]
    assert len(ended) == 1, events
    assert mapper.turn is None
    return events, ended[0].result


def of(events: list[Event], kind: type[Event]) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def test_text_turn() -> None:
    events, result = play("text")
    assert "".join(d.text for d in of(events, TextDelta)) == "hello world"
    assert [a.text for a in of(events, AssistantText)] == ["hello world"]
    assert result.boundary is Boundary.COMPLETED and result.text == "hello world"
    assert result.usage == of(events, Usage)[0]
    assert result.usage is not None and result.usage.input_tokens == 2674
    assert result.cost_usd == result.usage.cost_usd == pytest.approx(0.005368)
    assert result.duration_s == pytest.approx(0.078)
    assert events[-2:] == [result.usage, TurnEnded(result)]


def test_tool_turn_allowed() -> None:
    events, result = play("bash_allowed")
    call = of(events, ToolCall)[0]
    assert (call.name, call.input["command"]) == ("Bash", "touch made.txt")
    assert result.tool_calls == (call,)
    output = of(events, ToolResult)[0]
    assert output.id == call.id and not output.is_error
    assert result.denials == () and result.boundary is Boundary.COMPLETED


def test_tool_turn_denied_lists_the_denial() -> None:
    events, result = play("bash_denied")
    assert of(events, ToolResult)[0].is_error
    assert [(d.name, d.input["command"]) for d in result.denials] == [("Bash", "touch made.txt")]
    assert result.boundary is Boundary.COMPLETED


def test_questions_answered_and_declined() -> None:
    _, answered = play("ask_answered")
    assert "You answered: Blue" in answered.text
    assert [c.name for c in answered.tool_calls] == ["AskUserQuestion"]
    events, declined = play("ask_declined")
    assert of(events, ToolResult)[0].is_error
    assert [d.name for d in declined.denials] == ["AskUserQuestion"]
    questions = questions_from_input(answered.tool_calls[0].input)
    assert questions[0].question == "Which color?" and questions[0].header == "Choice"
    assert [o.label for o in questions[0].options] == ["Red", "Blue"]


def test_api_error_is_an_error_boundary() -> None:
    events, result = play("api_error")
    assert result.boundary is Boundary.ERROR
    assert result.error is not None and result.error.startswith("API Error: 500")
    assert of(events, AssistantText) == []  # the synthetic error text is not model output


def test_rejected_rate_limit_is_a_limit_with_resets_at() -> None:
    events, result = play("ratelimit")
    rejected = of(events, RateLimited)[0]
    assert (rejected.status, rejected.rate_limit_type) == ("rejected", "five_hour")
    assert result.boundary is Boundary.LIMIT
    assert result.resets_at == rejected.resets_at == 1795608580
    assert result.error is not None and "limit" in result.error


def test_max_turns_is_a_limit() -> None:
    _, result = play("max_turns")
    assert result.boundary is Boundary.LIMIT
    assert result.error == "Reached maximum number of turns (1)"


def test_interrupted_stream() -> None:
    events, result = play("interrupt_stream", interrupt=True)
    assert result.boundary is Boundary.INTERRUPTED and result.error is None
    assert "".join(d.text for d in of(events, TextDelta)).startswith("chunk0")


def test_a_result_for_another_turn_is_dropped() -> None:
    mapper = TurnMapper()
    result = next(f for f in frames("text") if f["type"] == "result")
    mapper.begin("new-turn")
    stale = parse_message({**result, "user_message_uuid": "old-turn"})
    assert mapper.feed(stale) == []
    assert mapper.stale_results == 1 and mapper.turn is not None
    fresh = parse_message({**result, "user_message_uuid": "new-turn"})
    assert isinstance(mapper.feed(fresh)[-1], TurnEnded)
    assert mapper.feed(fresh) == []  # no turn running: nothing to close


def test_init_with_an_api_key_source_is_refused() -> None:
    init = next(f for f in frames("text") if f.get("subtype") == "init")
    mapper = TurnMapper()
    mapper.feed(parse_message(init))
    assert mapper.claude_version == "2.1.331"
    with pytest.raises(CredentialRefused, match="ANTHROPIC_API_KEY"):
        mapper.feed(parse_message({**init, "apiKeySource": "ANTHROPIC_API_KEY"}))


def test_init_served_elsewhere_is_refused() -> None:
    init = next(f for f in frames("text") if f.get("subtype") == "init")
    mapper = TurnMapper()
    with pytest.raises(LoginNotProven, match="served_by_anthropic"):
        mapper.feed(parse_message({**init, "served_by_anthropic": False}))


def test_recorded_initialize_answer_passes_the_login_proof() -> None:
    check_account(frames("text")[0]["response"]["response"])
