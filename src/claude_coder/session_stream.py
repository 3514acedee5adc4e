"""A session's published stream: sequence numbers, envelopes and bounded subscribers.

Every event a session publishes becomes one :class:`Envelope` (name, session id, seq,
time) and goes to every subscriber. Each ``events()`` subscriber has its own bounded
queue; when a subscriber falls behind, the oldest envelopes are dropped and it receives
one ``StreamGap(dropped=n)`` before the next envelope, so a slow reader never blocks the
session or its other readers. Callbacks (``subscribe``) are called inline, in order.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import AsyncIterator, Callable

from claude_coder.events import Envelope, Event, SessionClosed, StreamGap, now

__all__ = ["Broadcaster", "Subscription"]

_log = logging.getLogger(__name__)

Callback = Callable[[Envelope], object]


class Subscription(AsyncIterator[Envelope]):
    """One subscriber's view: an async iterator over envelopes, ending after close.

    Registered when created (``Session.events()``), so nothing published after that
    call is missed even if iteration starts later.
    """

    def __init__(self, owner: Broadcaster, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._owner = owner
        self._maxsize = maxsize
        self._items: collections.deque[Envelope] = collections.deque()
        self._dropped = 0
        self._wakeup = asyncio.Event()
        self._ended = False

    def __repr__(self) -> str:
        return f"<Subscription queued={len(self._items)} dropped={self._dropped}>"

    def _put(self, env: Envelope) -> None:
        if self._ended:
            return
        if len(self._items) >= self._maxsize:
            self._items.popleft()
            self._dropped += 1
        self._items.append(env)
        self._wakeup.set()

    def _end(self) -> None:
        self._ended = True
        self._wakeup.set()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Envelope:
        while not self._items:
            if self._ended:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()
        if self._dropped:
            dropped, self._dropped = self._dropped, 0
            head = self._items[0]
            gap = StreamGap(dropped)
            return Envelope(head.name, head.session_id, head.seq - 1, head.time, gap)
        return self._items.popleft()

    async def aclose(self) -> None:
        """Stop receiving (the queue is released at once)."""
        self._owner.remove(self)
        self._items.clear()
        self._end()


class Broadcaster:
    """Numbers events and hands them to subscribers; knows nothing of sessions."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name
        self.session_id: str | None = None
        self.seq = 0
        self._subs: list[Subscription] = []
        self._callbacks: list[Callback] = []
        self._closed = False

    def subscription(self, maxsize: int) -> Subscription:
        sub = Subscription(self, maxsize)
        if self._closed:
            sub._end()
        else:
            self._subs.append(sub)
        return sub

    def remove(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)

    def add_callback(self, callback: Callback) -> Callable[[], None]:
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    def publish(self, event: Event) -> Envelope:
        """Wrap ``event`` (already redacted) and deliver it to everyone."""
        self.seq += 1
        env = Envelope(self.name, self.session_id, self.seq, now(), event)
        for sub in self._subs:
            sub._put(env)
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
        self._closed = True
        for sub in self._subs:
            sub._end()
        self._subs.clear()
