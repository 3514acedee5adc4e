"""The dated price table ``usage`` prices tokens with, and the pricing of one message.

Source: the model catalog built into Claude Code 2.1.331 (the binary bundled in
claude-agent-sdk 0.2.188), read on :data:`PRICES_AS_OF`; the same rates reproduce the
``costUSD`` that binary reports in its results and ``cost-state`` records. Rates are
USD per million tokens, per token kind: input, output, cache write for 5 minutes,
cache write for 1 hour, cache read. Some models also have a long-prompt rate (the whole
request is priced at it once input + cache read + cache write tokens pass a threshold)
and a ``fast`` rate (``usage.speed == "fast"``); web searches cost $0.01 each and
requests served in the US (``usage.inference_geo == "us"``) cost 1.1 times as much, as
in Claude Code.

A model not in the table has no price: :func:`message_cost` returns None and the
report says the cost is unknown, never 0.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "PRICES",
    "PRICES_AS_OF",
    "PRICES_SOURCE",
    "Rates",
    "UsageFields",
    "canonical_model",
    "message_cost",
    "tokens_cost",
]

PRICES_AS_OF = "2026-12-01"
PRICES_SOURCE = "Claude Code 2.1.331 built-in model catalog (pricing_tiers)"


class UsageFields(Protocol):
    """A response's ``usage`` as read from a transcript: a dict, or the reader's decoded
    object; a field it does not have is None."""

    def get(self, key: str, /) -> Any: ...


@dataclass(frozen=True)
class Rates:
    """USD per million tokens of each kind."""

    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float
    long_prompt_above: int | None = None
    long_prompt: Rates | None = None
    fast: Rates | None = None


def _tier(i: float, o: float, w5: float, w1: float, r: float, **extra: Any) -> Rates:
    return Rates(i, o, w5, w1, r, **extra)


_T2_10 = _tier(2, 10, 2.5, 4, 0.2)
_T2_10_R010 = _tier(2, 10, 2.5, 4, 0.1)
_T3_15 = _tier(3, 15, 3.75, 6, 0.3)
_T5_25 = _tier(5, 25, 6.25, 10, 0.5)
_T15_75 = _tier(15, 75, 18.75, 30, 1.5)
_T10_50 = _tier(10, 50, 12.5, 20, 1)
_T10_50_R025 = _tier(10, 50, 12.5, 20, 0.25)
_T8_40_R020 = _tier(8, 40, 10, 16, 0.2)
_T4_20_R020 = _tier(4, 20, 5, 8, 0.2)
_HAIKU_35 = _tier(0.8, 4, 1, 1.6, 0.08)
_HAIKU_45 = _tier(1, 5, 1.25, 2, 0.1)
_HAIKU_55 = _tier(
    0.1,
    0.5,
    0.125,
    0.2,
    0.01,
    long_prompt_above=100_000,
    long_prompt=_tier(0.5, 2.5, 0.625, 1, 0.05),
)
# Fast-mode rates Claude Code applies to the models that have them.
_FAST_30_150 = _tier(30, 150, 37.5, 60, 3)
_FAST_10_50 = _tier(10, 50, 12.5, 20, 1)
_FAST_8_40 = _tier(8, 40, 10, 16, 0.4)
_FAST_16_80 = _tier(16, 80, 20, 32, 0.4)


def _fast(rates: Rates, fast: Rates) -> Rates:
    return Rates(**{**rates.__dict__, "fast": fast})


PRICES: Mapping[str, Rates] = {
    "claude-3-5-haiku": _HAIKU_35,
    "claude-haiku-4-5": _HAIKU_45,
    "claude-haiku-5-5": _HAIKU_55,
    "claude-3-5-sonnet": _T3_15,
    "claude-3-7-sonnet": _T3_15,
    "claude-sonnet-4-0": _T3_15,
    "claude-sonnet-4-5": _T3_15,
    "claude-sonnet-4-6": _T3_15,
    "claude-sonnet-5": _T2_10,
    "claude-sonnet-5-5": _T2_10_R010,
    "claude-opus-4-0": _T15_75,
    "claude-opus-4-1": _T15_75,
    "claude-opus-4-5": _T5_25,
    "claude-opus-4-6": _fast(_T5_25, _FAST_30_150),
    "claude-opus-4-7": _fast(_T5_25, _FAST_30_150),
    "claude-opus-4-8": _fast(_T5_25, _FAST_10_50),
    "claude-opus-5": _fast(_T5_25, _FAST_10_50),
    "claude-opus-5-5": _fast(_T4_20_R020, _FAST_8_40),
    "claude-fable-5": _T10_50,
    "claude-fable-5-1": _T10_50_R025,
    "claude-fable-5-2": _fast(_T8_40_R020, _FAST_16_80),
    "claude-mythos-5": _T10_50,
    "claude-mythos-5-1": _T10_50_R025,
    "claude-mythos-5-2": _fast(_T8_40_R020, _FAST_16_80),
}
"""Rates per canonical model id (see :func:`canonical_model`)."""

_WEB_SEARCH_USD = 0.01
_US_GEO_MULTIPLIER = 1.1
_SHORT = {"claude-sonnet-4": "claude-sonnet-4-0", "claude-opus-4": "claude-opus-4-0"}
_PROVIDER_PREFIX = re.compile(r"^(?:[a-z]{2,4}\.)?anthropic\.")
_SUFFIX = re.compile(r"(?:\[1m\]|-latest|-v\d+(?::\d+)?|[-@]\d{8})+$")


@functools.lru_cache(maxsize=256)
def canonical_model(model: str) -> str:
    """A model id as the table keys it: provider prefixes, dates, versions and the
    ``[1m]`` context suffix dropped (``us.anthropic.claude-sonnet-4-5-20250929-v1:0``
    and ``claude-sonnet-4-5@20250929`` are both ``claude-sonnet-4-5``)."""
    name = _PROVIDER_PREFIX.sub("", model.strip().lower())
    name = _SUFFIX.sub("", name)
    return _SHORT.get(name, name)


def _int(usage: Mapping[str, Any], key: str) -> int:
    value = usage.get(key)
    return value if type(value) is int and value > 0 else 0


@functools.lru_cache(maxsize=256)
def _rates(model: str) -> Rates | None:
    return PRICES.get(canonical_model(model))


def message_cost(model: str, usage: UsageFields) -> float | None:
    """The USD cost of one API response's ``usage`` on ``model``, or None if unpriced."""
    get = usage.get
    tokens_in, tokens_out, read = (
        get("input_tokens"),
        get("output_tokens"),
        get("cache_read_input_tokens"),
    )
    return tokens_cost(
        model,
        tokens_in if type(tokens_in) is int and tokens_in > 0 else 0,
        tokens_out if type(tokens_out) is int and tokens_out > 0 else 0,
        read if type(read) is int and read > 0 else 0,
        cache_written(usage),
        (get("cache_creation"), get("speed"), get("inference_geo"), get("server_tool_use")),
    )


def tokens_cost(
    model: str, tokens_in: int, tokens_out: int, read: int, written: int, extra: tuple[Any, ...]
) -> float | None:
    """:func:`message_cost` for what was read from a ``usage`` already: token counts
    (each >= 0, ``written`` as :func:`cache_written` gives it) and ``extra``, its
    ``cache_creation``, ``speed``, ``inference_geo`` and ``server_tool_use``."""
    rates = _rates(model)
    if rates is None:
        return None
    split, speed, geo, server = extra
    if speed == "fast":
        if rates.fast is None:
            return None
        rates = rates.fast
    above = rates.long_prompt_above
    if above is not None and rates.long_prompt is not None and tokens_in + read + written > above:
        rates = rates.long_prompt
    hour = min(_int(split, "ephemeral_1h_input_tokens"), written) if isinstance(split, dict) else 0
    cost = (
        tokens_in * rates.input
        + tokens_out * rates.output
        + read * rates.cache_read
        + hour * rates.cache_write_1h
        + (written - hour) * rates.cache_write_5m
    ) / 1e6
    if geo == "us":
        cost *= _US_GEO_MULTIPLIER
    if isinstance(server, dict):
        cost += _int(server, "web_search_requests") * _WEB_SEARCH_USD
    return cost


def cache_written(usage: UsageFields) -> int:
    """Cache-write tokens: the plain total, else the sum of the per-duration split."""
    total = usage.get("cache_creation_input_tokens")
    if type(total) is int:
        return max(total, 0)
    split = usage.get("cache_creation")
    if isinstance(split, dict):
        return _int(split, "ephemeral_5m_input_tokens") + _int(split, "ephemeral_1h_input_tokens")
    return 0
