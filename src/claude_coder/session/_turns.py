"""Turns as a session queues them: the TurnHandle a caller holds and awaits.

:class:`TurnFuture` is the awaitable, cancellable core that ``TurnHandle`` and the
fleet's ``FleetTurn`` share.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Generator
from typing import Any, Self

from claude_coder.events import TurnResult, Usage

__all__ = ["TurnFuture", "TurnHandle", "TurnStatus", "add_usage"]


class TurnStatus(enum.StrEnum):
    """Where one submitted turn is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


class TurnFuture:
    """The awaitable, cancellable core of a turn handle (the session's and the fleet's).

    Awaiting gives the :class:`TurnResult` through a shield, so cancelling one awaiting
    task does not cancel the turn. ``cancel()`` asks the owner (its ``canceller``) to
    drop or interrupt the turn; the owner settles it with ``_resolve``, ``_fail`` or
    ``_cancel``, each of which also sets ``status``.
    """

    def __init__(self, number: int, text: str, canceller: Callable[[Self], None]) -> None:
        self.number = number
        self.text = text
        self.status = TurnStatus.QUEUED
        self._future: asyncio.Future[TurnResult] = asyncio.get_running_loop().create_future()
        self._canceller = canceller

    def __await__(self) -> Generator[Any, None, TurnResult]:
        return asyncio.shield(self._future).__await__()

    def done(self) -> bool:
        """True once the turn reached a boundary, failed or was cancelled."""
        return self._future.done()

    def cancelled(self) -> bool:
        return self._future.cancelled()

    def result(self) -> TurnResult:
        """The TurnResult (raises if not done, cancelled or failed)."""
        return self._future.result()

    def cancel(self: Self) -> bool:
        """Drop the turn if queued, interrupt it if running. False if already done."""
        if self._future.done():
            return False
        self._canceller(self)
        return True

    # -- for the owner ---------------------------------------------------------------

    def _resolve(self, result: TurnResult) -> None:
        if not self._future.done():
            self.status = TurnStatus.DONE
            self._future.set_result(result)

    def _fail(self, exc: BaseException) -> None:
        if not self._future.done():
            self.status = TurnStatus.FAILED
            self._future.set_exception(exc)
            self._future.exception()  # mark retrieved: nobody may be awaiting

    def _cancel(self) -> None:
        if not self._future.done():
            self.status = TurnStatus.CANCELLED
            self._future.cancel()


class TurnHandle(TurnFuture):
    """A submitted turn: awaitable (gives the :class:`TurnResult`) and cancellable.

    ``cancel()`` on a queued turn removes it from the queue; on the running turn it
    interrupts Claude Code. Either way, awaiting the handle then raises
    ``asyncio.CancelledError`` (the interrupted result is still published as a
    ``TurnEnded`` event and kept as the session's ``last_result``). Several tasks may
    await one handle; cancelling one awaiting task does not cancel the turn.

    ``number`` is 1 for the session's first submitted turn, then 2, 3, ...; the session
    settles the handle with ``_resolve``, ``_fail`` and ``_cancel``.
    """

    def __repr__(self) -> str:
        return f"<TurnHandle #{self.number} {self.status.value}>"


def add_usage(total: Usage, result: TurnResult) -> Usage:
    """``total`` plus one turn's tokens and cost (cost stays None until one is known)."""
    u = result.usage
    if u is None:
        return total
    cost = total.cost_usd
    if result.cost_usd is not None:
        cost = (cost or 0.0) + result.cost_usd
    return Usage(
        total.input_tokens + u.input_tokens,
        total.output_tokens + u.output_tokens,
        cost,
        total.cache_creation_input_tokens + u.cache_creation_input_tokens,
        total.cache_read_input_tokens + u.cache_read_input_tokens,
    )
