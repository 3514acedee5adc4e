"""The fleet's merged event stream: every member's envelopes fanned out to subscribers.

Each subscriber (``Fleet.events()``) has its own bounded queue. Publishing never waits:
when a subscriber's queue is full, its OLDEST envelope is dropped and counted, and the
next thing that subscriber reads is one ``StreamGap(dropped=n)`` envelope (name and
session id ``None``, seq 0) before the envelopes that were kept. So a slow or stalled
subscriber never blocks the members or the other subscribers, the envelopes it does
get are still in order (one member's events stay in their order), and it learns
exactly how many it missed.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator

from claude_coder.events import Envelope, StreamGap, now

__all__ = ["FleetSubscription", "Hub"]


class FleetSubscription(AsyncIterator[Envelope]):
    """One subscriber's bounded view of the merged stream; ends when the fleet closes."""

    def __init__(self, hub: Hub, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._hub = hub
        self.maxsize = maxsize
        self._items: collections.deque[Envelope] = collections.deque()
        self._gap = 0
        self.dropped = 0
        """Envelopes this subscriber lost to the drop-oldest policy, in total."""
        self._wakeup = asyncio.Event()
        self._ended = False

    def __repr__(self) -> str:
        return (
            f"<FleetSubscription queued={len(self._items)}/{self.maxsize} dropped={self.dropped}>"
        )

    def put(self, env: Envelope) -> None:
        """Queue ``env``; never blocks (drops this subscriber's oldest when full)."""
        if self._ended:
            return
        if len(self._items) >= self.maxsize:
            self._items.popleft()
            self._gap += 1
            self.dropped += 1
        self._items.append(env)
        self._wakeup.set()

    def end(self) -> None:
        self._ended = True
        self._wakeup.set()

    def __aiter__(self) -> FleetSubscription:
        return self

    async def __anext__(self) -> Envelope:
        while not self._items:
            if self._ended:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()
        if self._gap:
            dropped, self._gap = self._gap, 0
            return Envelope(None, None, 0, now(), StreamGap(dropped))
        return self._items.popleft()

    async def aclose(self) -> None:
        """Stop receiving; the queue is released at once."""
        self._hub.remove(self)
        self._items.clear()
        self.end()


class Hub:
    """Fans envelopes out to every subscription; knows nothing of members."""

    def __init__(self) -> None:
        self._subs: list[FleetSubscription] = []
        self._closed = False

    def subscribe(self, maxsize: int = 1000) -> FleetSubscription:
        sub = FleetSubscription(self, maxsize)
        if self._closed:
            sub.end()
        else:
            self._subs.append(sub)
        return sub

    def remove(self, sub: FleetSubscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def publish(self, env: Envelope) -> None:
        for sub in self._subs:
            sub.put(env)

    def close(self) -> None:
        """End every subscription (each still yields what it holds)."""
        self._closed = True
        for sub in self._subs:
            sub.end()
        self._subs.clear()
