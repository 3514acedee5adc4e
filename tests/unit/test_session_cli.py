"""The session commands' pure parts: the ``run --json`` object, exit codes, the REPL line."""

from __future__ import annotations

import json

from claude_coder.cli.session_cmds import EXIT_CODES, turn_json
from claude_coder.cli.session_repl import summary_line
from claude_coder.events import Boundary, ToolCall, TurnResult, Usage


def test_exit_codes_by_boundary() -> None:
    assert EXIT_CODES == {
        Boundary.COMPLETED: 0,
        Boundary.ERROR: 1,
        Boundary.INTERRUPTED: 3,
        Boundary.LIMIT: 4,
    }


def test_turn_json_has_the_documented_keys() -> None:
    result = TurnResult(
        Boundary.LIMIT,
        "sid",
        text="partial",
        tool_calls=(ToolCall("t1", "Bash", {"command": "ls"}),),
        usage=Usage(10, 2, 0.5, 7, 8),
        cost_usd=0.5,
        duration_s=1.25,
        error="rate limit reached",
        resets_at=123,
    )
    out = turn_json(result)
    assert json.loads(json.dumps(out)) == {
        "session_id": "sid",
        "boundary": "limit",
        "text": "partial",
        "tool_calls": [{"name": "Bash", "input": {"command": "ls"}}],
        "denials": [],
        "usage": {"input_tokens": 10, "output_tokens": 2},
        "cost_usd": 0.5,
        "duration_s": 1.25,
        "error": "rate limit reached",
        "resets_at": 123,
        "structured": None,
    }
    assert turn_json(TurnResult(Boundary.ERROR))["usage"] == {"input_tokens": 0, "output_tokens": 0}


def test_summary_line() -> None:
    done = TurnResult(
        Boundary.COMPLETED, usage=Usage(2673, 12, 0.0054), cost_usd=0.0054, duration_s=0.14
    )
    assert summary_line(done) == "[completed · 2,673 in / 12 out · $0.0054 · 0.14s]"
    limited = TurnResult(Boundary.LIMIT, error="five-hour limit", resets_at=99)
    assert summary_line(limited) == "[limit · 0.00s] five-hour limit (resets at 99)"
