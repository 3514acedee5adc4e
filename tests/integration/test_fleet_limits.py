"""Usage limits and spend caps of a fleet on the real Claude Code against the fake API.

The fake answers every request with the subscription's 429 (unified headers, status
``rejected``) until a reset a few seconds ahead; Claude Code turns that into a
``rate_limit_event``. The fleet parks every member of the login and resumes them after
the reset; the fake's request log shows what was sent when.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.integration.pty_support import pty_project
from tests.integration.sdk_support import write_profiles
from tests.support.fake_api import FakeApi

from claude_coder.events import Boundary, Parked, RateLimited, Resumed
from claude_coder.fleet import Fleet
from claude_coder.transports.pty.screen.limits import limit_screen

pytestmark = pytest.mark.timeout(240)
DEADLINE = 120.0
AHEAD = 4


async def _collect(fleet: Fleet, kinds: tuple[type, ...], want: int, out: list) -> None:
    async for env in fleet.events(maxsize=100_000):
        if isinstance(env.event, kinds):
            out.append((time.time(), env.name, env.event))
            if sum(isinstance(e, Resumed) for _, _, e in out) >= want:
                return


async def test_three_members_on_one_login_park_together_and_resume_in_order(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    names = ["a", "b", "c"]
    async with Fleet.open(
        tmp_path / "fleet.json", max_busy=3, boot_spacing=0.05, boot_jitter=0.05
    ) as fleet:
        for name in names:
            await fleet.add(name, cwd=str(tmp_path))
        seen: list[tuple[float, str | None, object]] = []
        watcher = asyncio.create_task(_collect(fleet, (Parked, Resumed, RateLimited), 3, seen))
        await asyncio.sleep(0)  # the watcher subscribes before the turns start
        fake_api.reset()
        reset_at = int(time.time()) + AHEAD
        reset_mono = time.monotonic() + (reset_at - time.time())
        fake_api.limit_until(reset_at)
        first = [fleet.submit(n, f"reply:{n}1") for n in names]
        later = [fleet.submit(n, f"reply:{n}{i}") for i in (2, 3) for n in names]
        hit = await asyncio.wait_for(asyncio.gather(*first), DEADLINE)
        assert [r.boundary for r in hit] == [Boundary.LIMIT] * 3, hit
        assert {(r.reason, r.resets_at) for r in hit} == {("rate_limit", reset_at)}
        assert all(m.status == "parked" for m in fleet.members()), fleet.members()
        assert all(m.resets_at == reset_at for m in fleet.members())
        done = await asyncio.wait_for(asyncio.gather(*later), DEADLINE)
        assert [r.boundary for r in done] == [Boundary.COMPLETED] * 6, done
        assert [r.text for r in done] == [t.text.removeprefix("reply:") for t in later]
        await asyncio.wait_for(watcher, 10)
    limited = [e for _, _, e in seen if isinstance(e, RateLimited) and e.status == "rejected"]
    assert limited and all(e.resets_at == reset_at for e in limited)
    assert all(e.rate_limit_type == "five_hour" and e.utilization == 1.0 for e in limited)
    assert all(e.windows.get("five_hour") == 1.0 for e in limited), "from unifiedWindows"
    parked = [(n, e) for _, n, e in seen if isinstance(e, Parked)]
    assert sorted(n for n, _ in parked) == names, "the whole login parked, each member once"
    assert all(e.resets_at == reset_at and e.resume for _, e in parked)
    resumed = [(t, n) for t, n, e in seen if isinstance(e, Resumed)]
    assert sorted(n for _, n in resumed) == names
    assert all(t >= reset_at for t, _ in resumed), "nobody resumed before the reset"
    recs = fake_api.messages_requests()
    rejected = sorted(r.prompt or "" for r in recs if r.status == 429)
    assert rejected == ["reply:a1", "reply:b1", "reply:c1"], "one request each, no retry"
    served = [r for r in recs if r.status == 200]
    assert all(r.started >= reset_mono for r in served), "nothing was sent during the park"
    prompts = [r.prompt for r in served]
    assert sorted(prompts) == sorted(t.text for t in later), "every queued turn once"
    for n in names:  # each member's queued turns ran in the order they were queued
        assert [p for p in prompts if p and p.startswith(f"reply:{n}")] == [
            f"reply:{n}2",
            f"reply:{n}3",
        ]


async def test_a_fleet_that_does_not_resume_ends_the_parked_turns(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Fleet.open(
        tmp_path / "fleet.json", boot_spacing=0.05, resume_after_limit=False
    ) as fleet:
        await fleet.add("a", cwd=str(tmp_path))
        await fleet.add("b", cwd=str(tmp_path))
        fake_api.reset()
        reset_at = int(time.time()) + 600
        fake_api.limit_until(reset_at)
        hit = await asyncio.wait_for(fleet.send("a", "reply:a1"), DEADLINE)
        assert hit.boundary is Boundary.LIMIT and hit.reason == "rate_limit"
        queued = await asyncio.wait_for(fleet.send("b", "reply:b1"), DEADLINE)
        assert queued.boundary is Boundary.LIMIT and queued.resets_at == reset_at
        assert "does not resume" in (queued.error or "")
    assert fake_api.prompts_seen() == ["reply:a1"], "b's turn was never sent"


async def test_a_fleet_budget_stops_dispatch_at_the_cap(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Fleet.open(
        tmp_path / "fleet.json", max_busy=1, boot_spacing=0.05, budget_usd=0.000001
    ) as fleet:
        await fleet.add("a", cwd=str(tmp_path))
        await fleet.add("b", cwd=str(tmp_path))
        fake_api.reset()
        turns = [fleet.submit("a", "reply:one"), fleet.submit("b", "reply:two")]
        turns.append(fleet.submit("a", "reply:three"))
        first, *refused = await asyncio.wait_for(asyncio.gather(*turns), DEADLINE)
        assert first.boundary is Boundary.COMPLETED and (first.cost_usd or 0) > 0
        assert [(r.boundary, r.reason) for r in refused] == [(Boundary.LIMIT, "fleet_budget")] * 2
        assert all("reached its cap" in (r.error or "") for r in refused)
        spent = sum(m.cost_usd or 0 for m in fleet.members())
        assert spent == pytest.approx(first.cost_usd)
    assert fake_api.prompts_seen() == ["reply:one"], "nothing was sent past the cap"


async def test_max_budget_usd_refuses_the_turn_that_would_pass_it(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    from claude_coder import Session

    profiles = write_profiles(tmp_path, {"name": "p", "maxBudgetUsd": 0.000001})
    async with Session.open("p", profiles=profiles, cwd=str(tmp_path)) as s:
        first = await asyncio.wait_for(s.send("reply:one"), DEADLINE)
        second = await asyncio.wait_for(s.send("reply:two"), DEADLINE)
    # the turn that passes the cap still gets its answer, and ends ``limit`` for it
    assert (first.boundary, first.reason, first.text) == (Boundary.LIMIT, "budget", "one")
    assert second.boundary is Boundary.LIMIT and second.reason == "budget", second
    assert "maxBudgetUsd" in (second.error or "") and not second.text
    assert fake_api.prompts_seen() == ["reply:one"], "the turn past the cap was not sent"


def _lines(fleet: Fleet, name: str) -> list[str]:
    process = getattr(fleet.session(name).transport, "process", None)
    assert process is not None
    return list(process.snapshot().lines)


async def test_pty_members_on_one_login_park_at_the_limit_screen_and_resume(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    work, profiles = pty_project(tmp_path, seed_tui)
    names = ["a", "b", "c"]
    async with Fleet.open(
        tmp_path / "fleet.json", max_busy=3, boot_spacing=0.05, profiles=profiles
    ) as fleet:
        for name in names:
            await fleet.add(name, profile="pty", cwd=str(work))
        seen: list[tuple[float, str | None, object]] = []
        watcher = asyncio.create_task(_collect(fleet, (Parked, Resumed), 3, seen))
        await asyncio.sleep(0)
        fake_api.reset()
        reset_at = int(time.time()) + 3 * AHEAD  # three TUIs take a while to type
        reset_mono = time.monotonic() + (reset_at - time.time())
        fake_api.limit_until(reset_at)
        first = [fleet.submit(n, f"reply:{n}1") for n in names]
        later = [fleet.submit(n, f"reply:{n}2") for n in names]
        hit = await asyncio.wait_for(asyncio.gather(*first), DEADLINE)
        assert [(r.boundary, r.reason) for r in hit] == [(Boundary.LIMIT, "rate_limit")] * 3, hit
        # the screen shows the reset to the minute: the fleet waits to the minute's end
        assert all(reset_at <= (r.resets_at or 0) < reset_at + 60 for r in hit), hit
        for n in names:
            screen = limit_screen(_lines(fleet, n))
            assert screen is not None and screen.window == "5-hour", _lines(fleet, n)
            assert not screen.auto_continue, "Claude Code's own auto-continue was cancelled"
        assert all(m.status == "parked" for m in fleet.members())
        done = await asyncio.wait_for(asyncio.gather(*later), DEADLINE)
        assert [r.boundary for r in done] == [Boundary.COMPLETED] * 3, done
        await asyncio.wait_for(watcher, 10)
    recs = fake_api.messages_requests()
    served = [r for r in recs if r.status == 200]
    assert sorted(r.prompt or "" for r in recs if r.status == 429) == [f"reply:{n}1" for n in names]
    assert all(r.started >= reset_mono for r in served), "nothing was sent during the park"
    assert sorted(r.prompt or "" for r in served) == [f"reply:{n}2" for n in names], "once each"
