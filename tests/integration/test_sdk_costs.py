"""Per-turn cost and tokens against the real Claude Code: the change of its running totals.

Claude Code's ``result.total_cost_usd`` and ``modelUsage`` count from the start of the
process, and a resumed process starts from the totals it restored. ``usage:IN:OUT``
makes the fake API report fixed tokens, so identical turns cost exactly the same.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from tests.integration.sdk_support import Events, cli, cli_json
from tests.support.fake_api import FakeApi

from claude_coder.events import Boundary, TextDelta, TurnResult
from claude_coder.fleet import Fleet
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


def _run_json(launcher: Path, cwd: Path, *args: str) -> dict[str, Any]:
    return cli_json(launcher, "run", SAME, *args, cwd=cwd)


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


def test_the_repl_prints_each_turns_own_cost(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    proc = cli(offline_claude, "repl", "--cwd", str(tmp_path), cwd=tmp_path, stdin=f"{SAME}\n" * 3)
    assert proc.returncode == 0, proc.stderr
    summaries = [line for line in proc.stdout.splitlines() if "[completed ·" in line]
    assert len(summaries) == 3
    costs = {s.split("$")[1].split()[0] for s in summaries}
    assert len(costs) == 1 and "1,000 in / 100 out" in summaries[2]


async def test_fleet_totals_are_the_sum_of_turns_across_a_restart(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    roster = tmp_path / "fleet.json"
    async with Fleet.open(roster, boot_spacing=0) as fleet:
        await fleet.add("m", cwd=str(tmp_path))
        one = _cost(await fleet.send("m", SAME))
        await fleet.send("m", SAME)
        assert fleet.member("m").cost_usd == pytest.approx(2 * one, rel=1e-6)
    async with Fleet.open(roster, boot_spacing=0) as fleet:
        await asyncio.wait_for(fleet.wait_ready(), 120)
        again = _cost(await fleet.send("m", SAME))
        info = fleet.member("m")
    assert again == pytest.approx(one, rel=1e-6)
    assert info.cost_usd == pytest.approx(3 * one, rel=1e-6)
    assert (info.input_tokens, info.output_tokens) == (3000, 300)
    status = cli(offline_claude, "fleet", "status", "--roster", str(roster), "--json", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    [member] = json.loads(status.stdout)["members"]
    assert member["cost_usd"] == pytest.approx(3 * one, rel=1e-6)
