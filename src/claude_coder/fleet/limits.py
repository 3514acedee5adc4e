"""Usage limits and spend caps in a fleet: one limit state per login, park, resume, budgets.

Members that share a login (the same Claude Code config dir, ``CLAUDE_CONFIG_DIR`` of
their profile, else the fleet's own) share one subscription limit. When one of them
is told ``rejected`` (a ``rate_limit_event``, a limit screen, or a turn that ended
``limit`` for a rate limit), :class:`FleetLimits` parks every member of that login:
their waiting turns stay queued, in order, and none is dispatched. After the reset
(``resets_at`` plus a margin) the members resume one by one, spaced like boots
(``spacing`` plus a random 0..``jitter``), in the order they were parked. With
``resume=False`` (the fleet's ``resume_after_limit`` or the profile's
``resumeAfterLimit``) a parked member's waiting turns end ``limit`` at once instead.

Spend: :func:`budget_refusal` is the answer for a turn that may not start because the
member's or the fleet's spend reached its cap (``reason`` ``member_budget`` or
``fleet_budget``). ``allowed_warning`` and the utilization of the window are kept per
login so the fleet table can show them before the wall is hit.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from claude_coder.events import (
    Boundary,
    Event,
    Parked,
    RateLimited,
    Resumed,
    TurnEnded,
    TurnResult,
)

if TYPE_CHECKING:
    from claude_coder.fleet._member import MemberInfo
    from claude_coder.fleet._pacing import BootPacer
    from claude_coder.profiles import Profile

__all__ = ["AccountState", "FleetLimits", "LimitOptions", "budget_refusal", "login_of"]

_log = logging.getLogger(__name__)

RESUME_MARGIN = 1.0
"""Seconds after ``resets_at`` before the first member resumes."""
UNKNOWN_RESET = 300.0
"""When a limit says no reset time: try again after this many seconds."""


@dataclass(frozen=True, slots=True)
class LimitOptions:
    """A fleet's choices about limits and spend (``Fleet.open``'s arguments)."""

    resume_after_limit: bool = True
    budget_usd: float | None = None
    """Fleet-wide spend cap (USD): no new turn starts once the members' total reaches it."""
    member_budget_usd: float | None = None
    """Per-member spend cap (USD)."""

    def __post_init__(self) -> None:
        for cap in (self.budget_usd, self.member_budget_usd):
            if cap is not None and not cap > 0:
                raise ValueError("a spend cap must be a positive number of US dollars")


def login_of(profile: Profile | None) -> str:
    """The login a member runs on: its profile's ``CLAUDE_CONFIG_DIR``, else the
    fleet's own Claude Code config dir (members with the same one share a limit)."""
    from claude_coder.catalog.paths import config_dir

    configured = profile.env.get("CLAUDE_CONFIG_DIR") if profile is not None else None
    if isinstance(configured, str) and configured:
        return os.path.abspath(os.path.expanduser(configured))
    return str(config_dir())


@dataclass
class AccountState:
    """What the fleet knows of one login's limit."""

    key: str
    members: list[str] = field(default_factory=list)
    status: str = "allowed"
    """The last ``rate_limit_event`` status (``allowed``, ``allowed_warning``, ``rejected``)."""
    utilization: float | None = None
    resets_at: int | None = None
    parked: list[str] = field(default_factory=list)
    """Members held for the limit, in the order they resume."""
    task: asyncio.Task[None] | None = None


class FleetLimits:
    """The fleet's limit states by login; ``hold(name)`` is asked before each dispatch."""

    def __init__(
        self,
        publish: Callable[[str, Event], None],
        spawn: Callable[..., asyncio.Task[None]],
        kick: Callable[[], None],
        options: LimitOptions | None = None,
        pacer: BootPacer | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._publish = publish
        self._spawn = spawn
        self._kick = kick
        self.options = options or LimitOptions()
        self.resume = self.options.resume_after_limit
        self.spacing = pacer.spacing if pacer is not None else 0.5
        self.jitter = pacer.jitter if pacer is not None else 0.25
        self._clock, self._sleep, self._rng = clock, sleep, rng
        self._accounts: dict[str, AccountState] = {}
        self._of: dict[str, str] = {}
        self._resume: dict[str, bool] = {}

    def bind(self, name: str, account: str, resume: bool | None = None) -> None:
        """``name`` runs on login ``account``; ``resume`` overrides the fleet's choice."""
        self.forget(name)
        state = self._accounts.setdefault(account, AccountState(account))
        state.members.append(name)
        self._of[name] = account
        if resume is not None:
            self._resume[name] = resume

    def forget(self, name: str) -> None:
        account = self._of.pop(name, None)
        self._resume.pop(name, None)
        state = self._accounts.get(account) if account is not None else None
        if state is not None:
            for group in (state.members, state.parked):
                if name in group:
                    group.remove(name)

    def account(self, name: str) -> AccountState | None:
        """The limit state of ``name``'s login."""
        key = self._of.get(name)
        return self._accounts.get(key) if key is not None else None

    def parked(self, name: str) -> bool:
        state = self.account(name)
        return state is not None and name in state.parked

    def observe(self, name: str, event: Event) -> None:
        """Learn from one of ``name``'s events (a rate-limit event or a turn's end)."""
        state = self.account(name)
        if state is None:
            return
        if isinstance(event, RateLimited):
            state.status = event.status
            if event.utilization is not None:
                state.utilization = event.utilization
            if event.status == "rejected":
                self._park(state, name, event.resets_at)
            elif event.status == "allowed_warning" and event.resets_at is not None:
                state.resets_at = event.resets_at
        elif isinstance(event, TurnEnded) and event.result.reason == "rate_limit":
            state.status = "rejected"
            self._park(state, name, event.result.resets_at)

    def hold(self, name: str) -> TurnResult | bool:
        """For the ceiling: True to keep ``name``'s next turn waiting, a result to end it
        now (parked without resuming), False to let it run."""
        state = self.account(name)
        if state is None or name not in state.parked:
            return False
        if self._resume.get(name, self.resume):
            return True
        if state.resets_at is not None and self._clock() >= state.resets_at:
            self._unpark(state, name)
            return False
        return _limit_result(state)

    def gate(self, name: str, spend: Mapping[str, float]) -> TurnResult | bool:
        """For the ceiling: a spend cap's refusal, else :meth:`hold`; ``spend`` is each
        member's spend so far (USD)."""
        opts = self.options
        total = sum(spend.values())
        caps = (opts.member_budget_usd, opts.budget_usd)
        refusal = budget_refusal(spend.get(name, 0.0), total, *caps)
        return refusal if refusal is not None else self.hold(name)

    def decorate(self, info: MemberInfo) -> MemberInfo:
        """``info`` with its login's limit state (parked, status, utilization, reset)."""
        login = self.account(info.name)
        if login is None:
            return info
        return dataclasses.replace(
            info,
            parked=info.name in login.parked,
            limit_status=login.status,
            utilization=login.utilization,
            resets_at=login.resets_at if login.status != "allowed" else info.resets_at,
        )

    def _park(self, state: AccountState, first: str, resets_at: int | None) -> None:
        if resets_at is not None:
            state.resets_at = max(resets_at, state.resets_at or 0)
        order = [first, *(m for m in state.members if m != first)]
        for name in order:
            if name not in state.parked:
                state.parked.append(name)
                resume = self._resume.get(name, self.resume)
                self._publish(name, Parked(state.key, state.resets_at, resume))
        if state.task is None or state.task.done():
            state.task = self._spawn(self._resume_later(state), name=f"fleet-resume-{first}")
        self._kick()

    async def _resume_later(self, state: AccountState) -> None:
        while state.parked:
            due = (state.resets_at + RESUME_MARGIN) if state.resets_at else None
            wait = (due - self._clock()) if due is not None else UNKNOWN_RESET
            if wait > 0:
                await self._sleep(wait)
                continue  # a later rejection may have moved the reset
            state.status = "allowed"
            for i, name in enumerate(list(state.parked)):
                await self._sleep(self._rng() * self.jitter + (self.spacing if i else 0.0))
                if name in state.parked:
                    self._unpark(state, name)
            _log.info("login %s resumed after its usage limit", state.key)

    def _unpark(self, state: AccountState, name: str) -> None:
        state.parked.remove(name)
        self._publish(name, Resumed(state.key))
        self._kick()


def _limit_result(state: AccountState) -> TurnResult:
    when = f" (resets at {state.resets_at})" if state.resets_at else ""
    return TurnResult(
        Boundary.LIMIT,
        error=f"usage limit of login {state.key} reached{when}; the fleet does not resume",
        resets_at=state.resets_at,
        reason="rate_limit",
    )


def budget_refusal(
    member: float, total: float, member_cap: float | None, fleet_cap: float | None
) -> TurnResult | None:
    """The ``limit`` answer for a turn that may not start: the member's spend (``member``)
    or the fleet's (``total``) reached its cap; None when both are under."""
    if member_cap is not None and member >= member_cap:
        why, reason = f"member spend ${member:.4f} reached its cap ${member_cap:.4f}", "member"
    elif fleet_cap is not None and total >= fleet_cap:
        why, reason = f"fleet spend ${total:.4f} reached its cap ${fleet_cap:.4f}", "fleet"
    else:
        return None
    return TurnResult(
        Boundary.LIMIT, error=f"{why}; no new turn is sent", reason=f"{reason}_budget"
    )
