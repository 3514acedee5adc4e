"""Fleet limits without a child: one state per login, park/resume order and spacing,
not resuming, spend caps, the rate-limit event in full, the limit screen."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from claude_agent_sdk import RateLimitInfo
from tests.unit.fleet_helpers import DEADLINE, FakeFactory, open_fleet

from claude_coder.events import (
    Boundary,
    Event,
    Parked,
    RateLimited,
    Resumed,
    TurnEnded,
    TurnResult,
    event_from_json,
)
from claude_coder.fleet.limits import FleetLimits, LimitOptions, budget_refusal
from claude_coder.transports.pty.screen.limits import limit_screen
from claude_coder.transports.sdk._mapper import rate_limited

# The real screen of 2.1.331 after a 429 with the unified headers (captured, 120 columns).
LIMIT_SCREEN = [
    "❯ reply:b1",
    "  ⎿ \xa0You've hit your 5-hour limit · resets 9:54am (UTC)",
    "",
    "● Usage limit reached · set to continue automatically at 9:54am",
    "─" * 120,
    "❯",
    "─" * 120,
    "  ⚠ Usage limit reached · limit resets 9:54am",
    "    Continuing automatically at 9:54am · Esc to cancel",
    "  ⏸ manual mode on · ? for shortcuts · ← for agents",
]


class Clock:
    """A wall clock the fake ``sleep`` moves forward (no real waiting)."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds
        await asyncio.sleep(0)


def _limits(clock: Clock, **options: Any) -> tuple[FleetLimits, list[tuple[str, Event]]]:
    seen: list[tuple[str, Event]] = []

    def spawn(coro: Any, name: str = "") -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(coro, name=name)

    limits = FleetLimits(
        lambda n, e: seen.append((n, e)),
        spawn,
        lambda: None,
        LimitOptions(**options),
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: 0.5,
    )
    return limits, seen


async def test_a_rejection_parks_every_member_of_that_login_and_resumes_them_spaced() -> None:
    clock = Clock()
    limits, seen = _limits(clock)
    for name, login in (("a", "/l1"), ("b", "/l1"), ("c", "/l1"), ("x", "/l2")):
        limits.bind(name, login)
    limits.observe("b", RateLimited("rejected", resets_at=1010, rate_limit_type="five_hour"))
    assert [n for n, e in seen if isinstance(e, Parked)] == ["b", "a", "c"]
    assert all(limits.hold(n) is True for n in "abc") and limits.hold("x") is False
    state = limits.account("a")
    assert state is not None and state.task is not None
    await asyncio.wait_for(state.task, DEADLINE)
    resumed = [n for n, e in seen if isinstance(e, Resumed)]
    assert resumed == ["b", "a", "c"], "in the order they were parked"
    assert clock.sleeps[0] == 1010 + 1.0 - 1000, "waited to the reset plus a margin"
    spacing, jitter = limits.spacing, limits.jitter
    assert clock.sleeps[1:] == [0.5 * jitter, spacing + 0.5 * jitter, spacing + 0.5 * jitter]
    assert not any(limits.hold(n) for n in "abc")


async def test_a_turn_ended_at_a_rate_limit_parks_too_and_a_later_rejection_moves_the_reset() -> (
    None
):
    clock = Clock()
    limits, seen = _limits(clock)
    limits.bind("a", "/l1")
    limits.bind("b", "/l1")
    ended = TurnResult(Boundary.LIMIT, resets_at=1005, reason="rate_limit")
    limits.observe("a", TurnEnded(ended))
    limits.observe("b", RateLimited("rejected", resets_at=1020))
    state = limits.account("b")
    assert state is not None and state.resets_at == 1020
    assert sum(isinstance(e, Parked) for _, e in seen) == 2, "each member parked once"
    assert state.task is not None
    await asyncio.wait_for(state.task, DEADLINE)
    assert clock.t >= 1021


async def test_without_resume_the_parked_turns_end_at_once_unless_the_profile_resumes() -> None:
    clock = Clock()
    limits, _ = _limits(clock, resume_after_limit=False)
    limits.bind("a", "/l1")
    limits.bind("b", "/l1", resume=True)  # the profile's resumeAfterLimit
    limits.observe("a", RateLimited("rejected", resets_at=2000))
    verdict = limits.hold("a")
    assert isinstance(verdict, TurnResult) and verdict.boundary is Boundary.LIMIT
    assert verdict.reason == "rate_limit" and verdict.resets_at == 2000
    assert limits.hold("b") is True


def test_warning_and_utilization_are_kept_for_the_table() -> None:
    clock = Clock()
    limits, seen = _limits(clock)
    limits.bind("a", "/l1")
    limits.observe("a", RateLimited("allowed_warning", resets_at=1500, utilization=0.91))
    state = limits.account("a")
    assert state is not None and (state.status, state.utilization) == ("allowed_warning", 0.91)
    assert not seen and limits.hold("a") is False, "a warning parks nobody"


def test_budget_refusal_says_which_cap_and_why() -> None:
    assert budget_refusal(0.1, 0.2, 0.5, 1.0) is None
    member = budget_refusal(0.5, 0.6, 0.5, 1.0)
    assert member is not None and member.reason == "member_budget"
    assert "member spend $0.5000 reached its cap $0.5000" in (member.error or "")
    fleet = budget_refusal(0.1, 1.0, None, 1.0)
    assert fleet is not None and (fleet.boundary, fleet.reason) == (Boundary.LIMIT, "fleet_budget")


async def _run_turns(
    tmp_path: Path, turns: list[tuple[str, str]], **caps: Any
) -> tuple[list[TurnResult], FakeFactory]:
    factory = FakeFactory()
    fleet = await open_fleet(tmp_path / "fleet.json", factory, max_busy=1, **caps)
    try:
        await fleet.add("a")
        await fleet.add("b")
        handles = [fleet.submit(name, text) for name, text in turns]
        results = await asyncio.wait_for(asyncio.gather(*handles), DEADLINE)
    finally:
        await fleet.shutdown()
    return list(results), factory


async def test_a_member_cap_stops_only_that_member(tmp_path: Path) -> None:
    turns = [("a", "one"), ("a", "two"), ("b", "three")]
    (one, two, three), factory = await _run_turns(tmp_path, turns, member_budget_usd=1e-9)
    assert one.boundary is Boundary.COMPLETED and (one.cost_usd or 0) > 0
    assert (two.boundary, two.reason) == (Boundary.LIMIT, "member_budget")
    assert three.boundary is Boundary.COMPLETED, "b has its own cap"
    assert factory.transports["a"].sent == ["one"], "nothing was sent past a's cap"


async def test_the_fleet_cap_stops_every_member(tmp_path: Path) -> None:
    turns = [("a", "one"), ("b", "two"), ("a", "three")]
    (one, two, three), factory = await _run_turns(tmp_path, turns, budget_usd=1e-9)
    assert one.boundary is Boundary.COMPLETED
    assert [(r.boundary, r.reason) for r in (two, three)] == [(Boundary.LIMIT, "fleet_budget")] * 2
    assert factory.transports["b"].sent == [] and factory.transports["a"].sent == ["one"]


def test_the_rate_limit_event_is_read_in_full() -> None:
    raw = {
        "status": "rejected",
        "resetsAt": 1796118668,
        "rateLimitType": "five_hour",
        "overageStatus": "rejected",
        "overageDisabledReason": "org_level_disabled",
        "isUsingOverage": False,
        "unifiedWindows": {
            "five_hour": {"utilization": 1.0, "resetsAt": 1796118668},
            "seven_day": {"utilization": 0.4, "resetsAt": 1796600000},
        },
    }
    info = RateLimitInfo(
        status="rejected",
        resets_at=1796118668,
        rate_limit_type="five_hour",
        overage_status="rejected",
        overage_disabled_reason="org_level_disabled",
        raw=raw,
    )
    ev = rate_limited(info)
    assert (ev.utilization, ev.windows) == (1.0, {"five_hour": 1.0, "seven_day": 0.4})
    assert (ev.overage_status, ev.overage_disabled_reason) == ("rejected", "org_level_disabled")
    assert ev.using_overage is False
    assert event_from_json(ev.to_json()) == ev


def test_the_limit_screen_is_read() -> None:
    shown = limit_screen(LIMIT_SCREEN)
    assert shown is not None
    assert (shown.window, shown.reset, shown.auto_continue) == (
        "5-hour",
        "resets 9:54am (UTC)",
        True,
    )
    cancelled = limit_screen(LIMIT_SCREEN[:-2])
    assert cancelled is not None and not cancelled.auto_continue
    assert limit_screen(["❯ hello", "● Fake reply to: hello"]) is None
