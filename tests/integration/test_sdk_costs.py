"""Per-turn cost and tokens against the real Claude Code: the change of its running totals.

Claude Code's ``result.total_cost_usd`` and ``modelUsage`` count from the start of the
process, and a resumed process starts from the totals it restored. ``usage:IN:OUT``
makes the fake API report fixed tokens, so identical turns cost exactly the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.integration.sdk_support import Events, cli
from tests.support.fake_api import FakeApi

from claude_coder.events import Boundary, TextDelta, TurnResult
from claude_coder.session import Session

SAME = "usage:1000:100"


def _cost(result: TurnResult) -> float:
    assert result.cost_usd is not None and result.usage is not None
    assert result.usage.cost_usd == result.cost_usd
    return result.cost_usd


async def test_two_identical_turns_cost_the_same(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(cwd=str(tmp_path)) as s:
        first = await s.send(SAME)
        second = await s.send(SAME)
        third = await s.send(SAME)
    assert _cost(first) > 0
    assert _cost(second) == pytest.approx(_cost(first), rel=1e-6)
    assert _cost(third) == pytest.approx(_cost(first), rel=1e-6)
    for r in (first, second, third):
        assert r.usage is not None
        assert (r.usage.input_tokens, r.usage.output_tokens) == (1000, 100)
    assert s.usage.cost_usd == pytest.approx(_cost(first) * 3, rel=1e-6)
    assert (s.usage.input_tokens, s.usage.output_tokens) == (3000, 300)


def _run_json(launcher: Path, cwd: Path, *args: str) -> dict[str, object]:
    proc = cli(launcher, "run", SAME, "--json", *args, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert isinstance(out, dict)
    return out


def test_a_resumed_run_reports_one_turns_cost(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    first = _run_json(offline_claude, tmp_path, "--name", "spend")
    again = _run_json(offline_claude, tmp_path, "--resume", "spend")
    third = _run_json(offline_claude, tmp_path, "--resume", "spend")
    fork = _run_json(offline_claude, tmp_path, "--fork", "spend")
    cost = first["cost_usd"]
    assert isinstance(cost, float) and cost > 0
    for later in (again, third, fork):
        assert later["cost_usd"] == pytest.approx(cost, rel=1e-6)
        assert later["usage"] == {"input_tokens": 1000, "output_tokens": 100}
    assert again["session_id"] == first["session_id"] != fork["session_id"]


async def test_an_interrupted_turn_reports_what_it_used(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(cwd=str(tmp_path)) as s:
        rec = Events(s)
        before = await s.send(SAME)
        handle = s.submit("slow:100:0.5")
        # the reply has begun, so Claude Code has counted its input
        await rec.wait(lambda e: isinstance(e, TextDelta) and "chunk0" in e.text)
        stopped = await s.interrupt()
        after = await s.send(SAME)
        assert handle.done()
    assert stopped is not None and stopped.boundary is Boundary.INTERRUPTED
    assert stopped.usage is not None
    # The reply was cut short: its input counted, not the 0 tokens the result says.
    assert stopped.usage.input_tokens > 0
    assert stopped.cost_usd is not None and stopped.cost_usd > 0
    assert _cost(after) == pytest.approx(_cost(before), rel=1e-6)
    total = _cost(before) + stopped.cost_usd + _cost(after)
    assert s.usage.cost_usd == pytest.approx(total, rel=1e-6)
