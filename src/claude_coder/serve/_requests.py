"""The keeper's requests: each ``rid`` acted on once, its reply remembered.

A request re-sent with a ``rid`` already seen (a client that lost its connection
before the reply came) gets the first request's reply, waiting for it if it is still
running; it is never acted on twice. The same ``rid`` with another ``op`` is refused.
The last :data:`REMEMBERED` replies are kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from claude_coder.errors import TransportError
from claude_coder.serve._lines import Lines, error_message, reply, reply_error

__all__ = ["REMEMBERED", "Requests"]

REMEMBERED = 10_000
"""How many replies are kept for repeated rids."""

Message = dict[str, Any]
Handler = Callable[[Message], Awaitable[Any]]
Done = Callable[[Message, Message], Awaitable[None]]
"""Called with (request, reply) once the reply was sent."""


class Requests:
    """Runs a connection's requests through ``handlers`` (see the module docstring)."""

    def __init__(
        self,
        handlers: Mapping[str, Handler],
        *,
        error: Callable[[BaseException], BaseException],
        spawn: Callable[[Awaitable[Any]], None],
        done: Done,
    ) -> None:
        self._handlers = dict(handlers)
        self._error = error
        self._spawn = spawn
        self._done = done
        self._replies: dict[int, tuple[str, asyncio.Future[Message]]] = {}

    def __repr__(self) -> str:
        return f"<Requests remembered={len(self._replies)}>"

    def dispatch(self, message: Message, lines: Lines) -> None:
        """Start ``message`` (a request with a ``rid``); its reply goes to ``lines``."""
        op, rid = message["op"], message.get("rid")
        if not isinstance(rid, int) or isinstance(rid, bool):
            lines.send(error_message(TransportError(f"a {op[:40]!r} request needs an integer rid")))
            return
        handler = self._handlers.get(op)
        if handler is None:
            names = ", ".join(self._handlers)
            error = TransportError(f"unknown request {op[:40]!r} here: {names} or answer")
            lines.send(reply_error(rid, error))
            return
        known = self._replies.get(rid)
        if known is not None:
            self._spawn(self._again(known, op, rid, lines))
            return
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._replies[rid] = (op, future)
        while len(self._replies) > REMEMBERED:
            del self._replies[next(iter(self._replies))]
        self._spawn(self._run(handler, message, future, lines))

    async def _again(
        self, known: tuple[str, asyncio.Future[Message]], op: str, rid: int, lines: Lines
    ) -> None:
        first_op, future = known
        if first_op != op:
            error = TransportError(f"rid {rid} was already used by a {first_op!r} request")
            lines.send(reply_error(rid, error))
            return
        lines.send(await asyncio.shield(future))

    async def _run(
        self, handler: Handler, message: Message, future: asyncio.Future[Message], lines: Lines
    ) -> None:
        rid = message["rid"]
        try:
            answer = reply(rid, await handler(message))
        except Exception as exc:
            answer = reply_error(rid, self._error(exc))
        future.set_result(answer)
        lines.send(answer)  # a client that lost it re-sends the rid and gets it again
        await self._done(message, answer)
