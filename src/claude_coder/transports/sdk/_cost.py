"""Per-turn spend from Claude Code's running totals (pure; no I/O).

Claude Code's ``result.total_cost_usd`` and ``result.modelUsage`` are running totals of
the process, and a resumed or forked process starts from the total it restored from the
transcript's last ``cost-state`` record (so the first result of ``--resume X`` already
includes every earlier turn of X). :class:`CostMeter` keeps the last total seen and
turns each result into the spend of that turn alone: cost = the change of
``total_cost_usd``; tokens = the change of ``modelUsage`` summed over models. The change
is used for tokens too because an interrupted turn's ``result.usage`` says 0 tokens
while the tokens it did use are counted in the totals. Without a ``modelUsage`` the
result's own ``usage`` (per turn in 2.1.x) is used for tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from claude_coder.events import Usage

__all__ = ["CostMeter", "Totals"]

_FIELDS = (
    ("inputTokens", "input_tokens"),
    ("outputTokens", "output_tokens"),
    ("cacheCreationInputTokens", "cache_creation_input_tokens"),
    ("cacheReadInputTokens", "cache_read_input_tokens"),
)


@dataclass(frozen=True, slots=True)
class Totals:
    """A process's running totals: cost and tokens summed over every model."""

    cost_usd: float = 0.0
    tokens: tuple[int, int, int, int] = (0, 0, 0, 0)
    """input, output, cache creation, cache read."""

    @classmethod
    def from_model_usage(cls, cost: float | None, model_usage: Any) -> Totals:
        """From ``total_cost_usd`` and ``modelUsage`` (a result's or a ``cost-state``'s)."""
        sums = [0, 0, 0, 0]
        if isinstance(model_usage, Mapping):
            for per_model in model_usage.values():
                if not isinstance(per_model, Mapping):
                    continue
                for i, (key, _) in enumerate(_FIELDS):
                    value = per_model.get(key)
                    sums[i] += int(value) if isinstance(value, int | float) else 0
        total = float(cost) if isinstance(cost, int | float) else 0.0
        return cls(total, (sums[0], sums[1], sums[2], sums[3]))


class CostMeter:
    """Turns running totals into per-turn usage; ``restored`` is where the process began."""

    def __init__(self, restored: Totals | None = None) -> None:
        self.seen = restored or Totals()

    def turn(
        self, total_cost_usd: float | None, model_usage: Any, usage: Mapping[str, Any] | None
    ) -> Usage:
        """The spend of the turn whose result reports these totals; advances the meter."""
        before = self.seen
        now = Totals.from_model_usage(total_cost_usd, model_usage)
        has_tokens = isinstance(model_usage, Mapping) and bool(model_usage)
        self.seen = Totals(
            now.cost_usd if total_cost_usd is not None else before.cost_usd,
            now.tokens if has_tokens else before.tokens,
        )
        cost = None
        if total_cost_usd is not None:
            cost = round(max(0.0, now.cost_usd - before.cost_usd), 9)
        if has_tokens:
            delta = [max(0, a - b) for a, b in zip(now.tokens, before.tokens, strict=True)]
            return Usage(delta[0], delta[1], cost, delta[2], delta[3])
        u = usage or {}
        return Usage(
            input_tokens=int(u.get("input_tokens") or 0),
            output_tokens=int(u.get("output_tokens") or 0),
            cost_usd=cost,
            cache_creation_input_tokens=int(u.get("cache_creation_input_tokens") or 0),
            cache_read_input_tokens=int(u.get("cache_read_input_tokens") or 0),
        )
