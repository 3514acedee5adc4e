"""A remote member's asks: the host's permission and question prompts, answered here.

Each ``ask`` (an integer ``id``) is decided once by the session's hooks, so the local
policy and the local person decide. The same ``id`` asked again (the host re-asks what
a re-attach may have missed) gets the answer already given, never a second decision. An
ask the host takes back (``withdrawn``: Claude Code dropped it on an interrupt), or still
open when its turn ends, has its decision cancelled, so the session no longer holds it
pending.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from claude_coder.transports.base import TransportHooks
from claude_coder.transports.remote._protocol import (
    decision_to_wire,
    permission_from_wire,
    question_from_wire,
)

__all__ = ["HostAsks"]

_log = logging.getLogger(__name__)


class HostAsks:
    """The asks of one remote session: ``on_ask``, ``withdraw``, ``withdraw_all``."""

    def __init__(
        self,
        host: str,
        hooks: Callable[[], TransportHooks | None],
        send: Callable[[Mapping[str, Any]], Coroutine[Any, Any, None]],
    ) -> None:
        self.host = host
        self._hooks = hooks
        self._send = send
        self._answers: dict[int, dict[str, Any]] = {}
        self._deciding: dict[int, asyncio.Task[None]] = {}
        self._resending: set[asyncio.Task[None]] = set()

    def tasks(self) -> list[asyncio.Task[None]]:
        """What is running: decisions and re-sent answers (to cancel on close)."""
        return [*self._deciding.values(), *self._resending]

    def on_ask(self, message: Mapping[str, Any]) -> None:
        key = message.get("id")
        if not isinstance(key, int) or isinstance(key, bool):
            _log.warning("host %s asked with an id this side cannot use", self.host)
            return
        if key in self._answers:  # asked again after a re-attach: the same answer
            task = asyncio.create_task(self._send(self._answers[key]))
            self._resending.add(task)
            task.add_done_callback(self._resending.discard)
        elif key not in self._deciding:
            task = asyncio.create_task(self._answer(key, message), name=f"remote-ask-{key}")
            self._deciding[key] = task
            task.add_done_callback(lambda _t: self._deciding.pop(key, None))

    def withdraw(self, key: object) -> None:
        """The host took ask ``key`` back: its local decision is cancelled."""
        task = self._deciding.get(key) if isinstance(key, int) else None
        if task is not None:
            task.cancel()

    def withdraw_all(self) -> None:
        """The turn ended: whatever it still asks is moot."""
        for key in list(self._deciding):
            self.withdraw(key)

    async def _answer(self, key: int, message: Mapping[str, Any]) -> None:
        hooks = self._hooks()
        assert hooks is not None, "bind() the transport before start()"
        request = message.get("request") or {}
        reply: dict[str, Any] = {"op": "answer", "id": key}
        if message.get("kind") == "permission":
            decision = await hooks.on_permission(permission_from_wire(request))
            reply["decision"] = decision_to_wire(decision)
        else:
            answers = await hooks.on_question(question_from_wire(request))
            reply["answers"] = dict(answers) if answers is not None else None
        self._answers[key] = reply
        await self._send(reply)
