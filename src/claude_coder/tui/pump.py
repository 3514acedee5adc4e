"""The one event worker's plumbing: the fleet's merged stream, batched into typed messages.

The worker reads ``fleet.events()`` and hands each envelope to an :class:`EventBatcher`.
The first envelope of a batch posts one :class:`EnvelopesArrived` message holding a
list; later envelopes join that same list until the app takes it. A burst of 5,000
text deltas thus costs a handful of messages and repaints, not 5,000, and events of
one member stay in order.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message

from claude_coder.events import Envelope

__all__ = ["EnvelopesArrived", "EventBatcher", "FleetStreamEnded"]


class EnvelopesArrived(Message):
    """A batch of envelopes from the fleet's merged stream, in order."""

    def __init__(self, envelopes: list[Envelope]) -> None:
        super().__init__()
        self.envelopes = envelopes


class FleetStreamEnded(Message):
    """The merged stream ended (the fleet closed) or failed with ``error``."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__()
        self.error = error


class EventBatcher:
    """Collects envelopes into the open batch; posts a message when a batch opens."""

    def __init__(self, post: Callable[[list[Envelope]], object]) -> None:
        self._post = post
        self._open: list[Envelope] | None = None

    def add(self, envelope: Envelope) -> None:
        """Add to the open batch, opening (and posting) a new one if needed."""
        if self._open is None:
            self._open = []
            self._post(self._open)
        self._open.append(envelope)

    def take(self, batch: list[Envelope]) -> list[Envelope]:
        """Close ``batch`` (if still open) so later envelopes start a new one; return it."""
        if self._open is batch:
            self._open = None
        return batch
