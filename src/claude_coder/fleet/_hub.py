"""The fleet's merged event stream: every member's envelopes fanned out to subscribers.

Each subscriber (``Fleet.events()``) has its own bounded queue. Publishing never waits:
when a subscriber's queue is full, its OLDEST envelope is dropped and counted, and the
next thing that subscriber reads is one ``StreamGap(dropped=n)`` envelope (name and
session id ``None``, seq 0) before the envelopes that were kept. So a slow or stalled
subscriber never blocks the members or the other subscribers, the envelopes it does
get are still in order (one member's events stay in their order), and it learns
exactly how many it missed. The queue and the fan-out are the session stream's
(``BoundedSubscription``, ``Fanout``); only the gap envelope differs.
"""

from __future__ import annotations

from claude_coder.events import Envelope, StreamGap, now
from claude_coder.session._stream import BoundedSubscription, Fanout

__all__ = ["FleetSubscription", "Hub"]


class FleetSubscription(BoundedSubscription):
    """One subscriber's bounded view of the merged stream; ends when the fleet closes."""

    def __repr__(self) -> str:
        return (
            f"<FleetSubscription queued={len(self._items)}/{self.maxsize} dropped={self.dropped}>"
        )

    @property
    def maxsize(self) -> int:
        return self._maxsize

    @property
    def dropped(self) -> int:
        """Envelopes this subscriber lost to the drop-oldest policy, in total."""
        return self._lost

    def _gap_envelope(self, dropped: int) -> Envelope:
        return Envelope(None, None, 0, now(), StreamGap(dropped))

    def put(self, env: Envelope) -> None:
        """Queue ``env``; never blocks (drops this subscriber's oldest when full)."""
        self._put(env)

    def end(self) -> None:
        self._end()


class Hub(Fanout):
    """Fans envelopes out to every subscription; knows nothing of members."""

    def subscribe(self, maxsize: int = 1000) -> FleetSubscription:
        sub = FleetSubscription(self, maxsize)
        self._attach(sub)
        return sub

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def publish(self, env: Envelope) -> None:
        self._deliver(env)

    def close(self) -> None:
        """End every subscription (each still yields what it holds)."""
        self._end_all()
