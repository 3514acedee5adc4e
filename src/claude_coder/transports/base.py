"""The Transport contract: raw driving of one Claude Code child, below the Session.

A transport starts the child, sends a turn's text, interrupts, and yields events in the
shared vocabulary (``claude_coder.events``), ending every turn with exactly one
``TurnEnded``. It asks the session (through :class:`TransportHooks`) whenever Claude
wants a permission or asks a question; it never decides those itself. States, queues,
redaction and envelopes belong to the Session above it.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from claude_coder.events import Event, Question

__all__ = [
    "PermissionDecision",
    "PermissionRequest",
    "QuestionRequest",
    "Transport",
    "TransportHooks",
    "content_text",
]


@dataclass(frozen=True, slots=True)
class PermissionRequest:
    """Claude wants to use a tool and the mode did not settle it."""

    request_id: str
    tool: str
    input: Mapping[str, Any] = field(default_factory=dict)
    tool_use_id: str | None = None


@dataclass(frozen=True, slots=True)
class PermissionDecision:
    """The answer to a :class:`PermissionRequest`."""

    allow: bool
    by: str = "policy"
    message: str | None = None
    """For a deny: what Claude is told, so it can act on it."""
    always: bool = False
    """Allow this tool for the rest of the session (a person's "always")."""


@dataclass(frozen=True, slots=True)
class QuestionRequest:
    """Claude asked the person something (AskUserQuestion)."""

    request_id: str
    questions: tuple[Question, ...]


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

    hooks: TransportHooks | None = None
    """Set by the session (``bind``) before ``start()``; asked for every decision."""

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
        """Stop the running turn; it still ends with one ``TurnEnded`` (interrupted)."""

    @abc.abstractmethod
    def events(self) -> AsyncIterator[Event]:
        """Every event, in order; ends when the child is gone."""

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
