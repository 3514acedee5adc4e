"""The Transport contract: raw driving of one Claude Code child, below the Session.

A transport starts the child, sends a turn's text, interrupts, and reports what
happened as events in the shared vocabulary (``claude_coder.events``). It asks the
session (through :class:`TransportHooks`) whenever Claude wants a permission or asks a
question; it never decides those itself. The session owns everything else: states,
the queue, redaction, envelopes, deadlines and every turn's end.

What ``events()`` yields and raises (the contract every transport keeps):

- events as they happen, in order, from ``start()`` on;
- ``TurnEnded`` only when Claude Code itself reached a boundary (its ``result``, its
  transcript's end of turn, an API error or a limit it reported): one per turn, never
  made up for a child that died. The session completes that report (duration, id,
  redaction) and is the only one that publishes a ``TurnEnded``;
- when the child is gone or unusable (exited, killed, an unknown screen, a broken
  stream): it *raises* a :class:`~claude_coder.errors.TransportError` saying why (a
  :class:`~claude_coder.errors.ChildExited` for an exit). The session ends the running
  turn ``error`` with that message and goes to ``error``;
- after ``close()``: it simply ends.

Deadlines: the session owns the start deadline (around ``start()``) and the interrupt
deadline (around ``interrupt()`` *and* the wait for the boundary). A transport may bound
its own steps (a keystroke's echo, a control request) but never waits past the session's
deadline: on expiry the session cancels the call and calls ``close()``. ``interrupt()``
returns once the interrupt was delivered (or held, when Claude Code cannot take it yet);
it raises when it could not be delivered, and the session then stops the child.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from claude_coder.events import (
    Event,
    PermissionDecision,
    PermissionRequest,
    QuestionRequest,
)

__all__ = [
    "PermissionDecision",
    "PermissionRequest",
    "QuestionRequest",
    "Transport",
    "TransportHooks",
    "cancel_and_wait",
    "content_text",
]

_log = logging.getLogger(__name__)


PermissionHook = Callable[[PermissionRequest], Awaitable[PermissionDecision]]
QuestionHook = Callable[[QuestionRequest], Awaitable[Mapping[str, str] | None]]
"""Returns question -> chosen label, or None to decline."""


@dataclass(frozen=True, slots=True)
class TransportHooks:
    """How a transport asks its session to decide."""

    on_permission: PermissionHook
    on_question: QuestionHook


class Transport(abc.ABC):
    """Drives one Claude Code child. One consumer reads ``events()``."""

    name: ClassVar[str]
    """``sdk`` or ``pty``."""

    writes_transcript: ClassVar[bool] = True
    """Whether Claude Code keeps a transcript file for a persisted session."""

    hooks: TransportHooks | None = None
    """Set by the session (``bind``) before ``start()``; asked for every decision."""

    failure_detail: str | None = None
    """When ``start()`` failed: what the child said last (its stderr tail), if anything."""

    def bind(self, hooks: TransportHooks) -> None:
        """Give the transport its session's hooks; called once, before ``start()``."""
        self.hooks = hooks

    @property
    @abc.abstractmethod
    def session_id(self) -> str | None:
        """The Claude Code session id, once known (pre-assigned on SDK, late on PTY)."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Spawn the child and wait until it can take a turn. Raises on refusal."""

    @abc.abstractmethod
    async def send(self, text: str) -> None:
        """Begin a turn with ``text``. Events of the turn then flow from ``events()``."""

    @abc.abstractmethod
    async def interrupt(self) -> None:
        """Deliver an interrupt to the running turn (its ``TurnEnded`` follows in ``events()``)."""

    @abc.abstractmethod
    def events(self) -> AsyncIterator[Event]:
        """Every event, in order; raises ``TransportError`` if the child is lost, ends on close."""

    @abc.abstractmethod
    async def close(self) -> None:
        """End the child for good: bounded, shielded, leaves no process behind."""


def content_text(content: Any) -> str:
    """The text of a message's ``content``: a string as is, or the ``text`` blocks joined.

    Both transports read a tool result's output (and the PTY an API error's message)
    this way, so the same turn gives the same :class:`~claude_coder.events.ToolResult`
    whichever transport drove it.
    """
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return "\n".join(
        str(b.get("text", ""))
        for b in content
        if isinstance(b, Mapping) and b.get("type") == "text"
    )


async def cancel_and_wait(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel a transport's helper tasks, wait for them, and log any that had failed."""
    pending = [t for t in tasks if t is not None]
    for task in pending:
        task.cancel()
    if not pending:
        return
    await asyncio.wait(pending)
    for task in pending:
        if not task.cancelled() and task.exception() is not None:
            name = task.get_name() if isinstance(task, asyncio.Task) else repr(task)
            _log.error("transport task %s failed", name, exc_info=task.exception())
