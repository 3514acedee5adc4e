"""A session's published stream: sequence numbers, envelopes and bounded subscribers.

Every event a session publishes becomes one :class:`Envelope` (name, session id, seq,
time) and goes to every subscriber. Each ``events()`` subscriber has its own bounded
queue; when a subscriber falls behind, the oldest envelopes are dropped and it receives
one ``StreamGap(dropped=n)`` before the next envelope, so a slow reader never blocks the
session or its other readers. Callbacks (``subscribe``) are called inline, in order.

A subscription is an async context manager: leaving ``async with s.events() as sub``
(by ``break``, ``return`` or an exception) unregisters its queue at once.

:class:`BoundedSubscription` (the drop-oldest queue) and :class:`Fanout` (the set of
subscriptions) also serve the fleet's merged stream.
"""

from __future__ import annotations

import abc
import asyncio
import collections
import logging
from collections.abc import AsyncIterator, Callable
from typing import Self

from claude_coder.events import Envelope, Event, SessionClosed, StreamGap, now

__all__ = ["BoundedSubscription", "Broadcaster", "EventCallback", "Fanout", "Subscription"]

_log = logging.getLogger(__name__)

EventCallback = Callable[[Envelope], object]
"""Called inline with every envelope a session publishes (``on_event=``, ``subscribe``)."""


class BoundedSubscription(AsyncIterator[Envelope]):
    """A bounded queue of envelopes for one subscriber, ending after ``_end()``.

    Putting never waits: when the queue is full its oldest envelope is dropped and
    counted, and the next read is one ``StreamGap(dropped=n)`` envelope (made by
    ``_gap_envelope``) before the envelopes that were kept.
    """

    def __init__(self, owner: Fanout, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._owner = owner
        self._maxsize = maxsize
        self._items: collections.deque[Envelope] = collections.deque()
        self._gap = 0  # dropped since the last StreamGap was read
        self._lost = 0  # dropped in total
        self._wakeup = asyncio.Event()
        self._ended = False

    @abc.abstractmethod
    def _gap_envelope(self, dropped: int) -> Envelope:
        """The envelope that reports ``dropped`` lost envelopes (the queue is not empty)."""

    def _put(self, env: Envelope) -> None:
        if self._ended:
            return
        if len(self._items) >= self._maxsize:
            self._items.popleft()
            self._gap += 1
            self._lost += 1
        self._items.append(env)
        self._wakeup.set()

    def _end(self) -> None:
        self._ended = True
        self._wakeup.set()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Envelope:
        while not self._items:
            if self._ended:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()
        if self._gap:
            dropped, self._gap = self._gap, 0
            return self._gap_envelope(dropped)
        return self._items.popleft()

    async def aclose(self) -> None:
        """Stop receiving (the queue is released at once)."""
        self._owner.remove(self)
        self._items.clear()
        self._end()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class Subscription(BoundedSubscription):
    """One subscriber's view: an async iterator over envelopes, ending after close.

    Registered when created (``Session.events()``), so nothing published after that
    call is missed even if iteration starts later. A gap is reported just before the
    next kept envelope, with its name, session id and time and the seq before it.
    """

    def __repr__(self) -> str:
        return f"<Subscription queued={len(self._items)} dropped={self._gap}>"

    def _gap_envelope(self, dropped: int) -> Envelope:
        head = self._items[0]
        return Envelope(head.name, head.session_id, head.seq - 1, head.time, StreamGap(dropped))


class Fanout:
    """Holds bounded subscriptions: adds them, delivers to them, ends them all."""

    def __init__(self) -> None:
        self._subs: list[BoundedSubscription] = []
        self._closed = False

    def _attach(self, sub: BoundedSubscription) -> None:
        if self._closed:
            sub._end()
        else:
            self._subs.append(sub)

    def remove(self, sub: BoundedSubscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)

    def _deliver(self, env: Envelope) -> None:
        for sub in self._subs:
            sub._put(env)

    def _end_all(self) -> None:
        self._closed = True
        for sub in self._subs:
            sub._end()
        self._subs.clear()


class Broadcaster(Fanout):
    """Numbers events and hands them to subscribers; knows nothing of sessions."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = name
        self.session_id: str | None = None
        self.seq = 0
        self._callbacks: list[EventCallback] = []

    def subscription(self, maxsize: int) -> Subscription:
        sub = Subscription(self, maxsize)
        self._attach(sub)
        return sub

    def add_callback(self, callback: EventCallback) -> Callable[[], None]:
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    def publish(self, event: Event) -> Envelope:
        """Wrap ``event`` (already redacted) and deliver it to everyone."""
        self.seq += 1
        env = Envelope(self.name, self.session_id, self.seq, now(), event)
        self._deliver(env)
        for cb in list(self._callbacks):
            try:
                cb(env)
            except Exception:
                _log.exception("event callback %r failed; it stays subscribed", cb)
        if isinstance(event, SessionClosed):
            self.end()
        return env

    def end(self) -> None:
        """No more events: every subscription ends after what it holds."""
        self._end_all()
