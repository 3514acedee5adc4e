"""The keeper: one remote member's Claude Code, kept alive across dropped connections.

The ``serve --stdio`` process that got an ``open`` becomes the member's keeper. It
holds the inner transport (started as a local session starts one) and speaks for it:

- every event, redacted by the member's Redactor through the session's own
  :class:`~claude_coder.security.EventRedactor`, goes out as a sequenced ``event``; a
  ``TransportError`` from the events as ``lost``; their end as ``ended``;
- the transport's permission and question hooks become sequenced ``ask`` messages,
  each waiting for the client's ``answer`` (an unknown or repeated ``id`` is ignored);
  a hook the transport cancels (Claude Code dropped the question) becomes ``withdrawn``;
- ``send``/``interrupt``/``close`` run once per ``rid`` (``_requests.Requests``).

Sequenced messages are kept in a :class:`~claude_coder.serve._journal.Journal`. When
the connection ends the keeper waits ``grace_s`` for an ``attach`` on its UNIX socket
(``keeper_dir()/remote-<handle[:16]>.sock``: directory 0700, socket 0600, a peer of
another uid refused) from a second ``serve --stdio``, which relays; the attach gets
the messages after its ``since``, and every ask it saw that is still unanswered is
asked again (a new ``seq``, the same ``id``). No attach within the grace, a ``close``,
or a SIGTERM/SIGINT: the inner transport is closed (bounded) and the keeper exits.
Everything written passes the member's Redactor once more on its way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import secrets
import signal
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claude_coder.errors import ClaudeCoderError, SessionError, TransportError
from claude_coder.events import PermissionDecision, PermissionRequest, QuestionRequest
from claude_coder.security import EventRedactor, Redactor
from claude_coder.security.private import ensure_private_dir, keeper_dir, peer_uid
from claude_coder.serve._journal import Journal
from claude_coder.serve._lines import BadLine, Lines, RawBytes, error_message, reply, reply_error
from claude_coder.serve._requests import Requests
from claude_coder.transports.base import Transport
from claude_coder.transports.remote._protocol import (
    LINE_LIMIT,
    PROTOCOL_VERSION,
    OpenSpec,
    decision_from_wire,
    error_to_wire,
    hello,
    permission_to_wire,
    question_to_wire,
)

__all__ = ["CLOSE_S", "Keeper", "socket_for"]

_log = logging.getLogger(__name__)

CLOSE_S = 30.0
"""The longest the keeper waits for the inner transport to close."""
_NO_ANSWER = "claude-coder: the client's answer carried no decision; denied"

_STOPS = (signal.SIGTERM, signal.SIGINT)
"""What makes a keeper close its member and exit (from the ``open``'s reply on)."""

Message = dict[str, Any]


def socket_for(handle: str) -> Path:
    """The keeper socket of ``handle`` (short: UNIX socket paths are bounded)."""
    return keeper_dir() / f"remote-{handle[:16]}.sock"


@dataclass(eq=False)
class _Ask:
    message: Message
    answer: asyncio.Future[Message]
    seq: int = 0


class Keeper:
    """Holds one member's inner transport and serves its connections."""

    def __init__(self, transport: Transport, redactor: Redactor, spec: OpenSpec, cwd: str):
        self.handle = secrets.token_hex(16)
        self.socket_path = socket_for(self.handle)
        self.transport = transport
        self.redactor = redactor
        self.spec = spec
        self.cwd = cwd
        self._out = EventRedactor(redactor)
        self._journal = Journal()
        self._conn: Lines | None = None
        self._changed = asyncio.Event()
        self._done = False
        self._busy = False
        """A turn was sent and its end has not come yet (an attach's ``busy``)."""
        self._asks: dict[int, _Ask] = {}
        self._ask_ids = itertools.count(1)
        self._requests = Requests(
            {"send": self._send, "interrupt": self._interrupt, "close": self._close},
            error=self._error,
            spawn=self._spawn,
            done=self._replied,
        )
        self._tasks: set[asyncio.Task[Any]] = set()
        self._server: asyncio.Server | None = None
        self._pump: asyncio.Task[None] | None = None
        self._closed: asyncio.Task[None] | None = None
        self._closing = False
        self._raw_stop: Callable[[], None] | None = None
        self._raw = RawBytes(redactor)

    def __repr__(self) -> str:
        attached = self._conn is not None
        return f"<Keeper {self.handle[:16]} seq={self._journal.last} attached={attached}>"

    # -- the life of a keeper --------------------------------------------------------------

    async def listen(self) -> None:
        """Open the keeper's socket and take SIGTERM (before the ``open`` is answered)."""
        ensure_private_dir(self.socket_path.parent)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        self._server = await asyncio.start_unix_server(
            self._on_socket, path=str(self.socket_path), limit=LINE_LIMIT + 1
        )
        os.chmod(self.socket_path, 0o600)
        loop = asyncio.get_running_loop()
        for signum in _STOPS:
            loop.add_signal_handler(signum, self._finish)

    def opened(self) -> Message:
        """The result of the ``open``: what a later ``attach`` names."""
        result = {"handle": self.handle, "session_id": self.transport.session_id}
        out: Message = self.redactor.obj({**result, "cwd": self.cwd})
        return out

    async def serve(self, lines: Lines) -> None:
        """Run the member from its first connection on, until it is closed or the grace
        for a re-attach ran out; then stop Claude Code and the socket."""
        self._pump = asyncio.create_task(self._events(), name="serve-events")
        add_raw = getattr(self.transport, "add_raw_listener", None)
        if self.spec.raw and callable(add_raw):
            self._raw_stop = add_raw(self._on_raw)
        self._adopt(lines)
        self._spawn(self._read(lines))
        try:
            await self._supervise()
        finally:
            await self._shutdown()

    async def _supervise(self) -> None:
        while not self._done:
            self._changed.clear()
            if self._conn is not None:
                await self._changed.wait()
                continue
            try:
                async with asyncio.timeout(self.spec.grace_s):
                    await self._changed.wait()
            except TimeoutError:
                if self._conn is None and not self._done:
                    _log.info("no client re-attached within %gs; closing", self.spec.grace_s)
                    self._finish()

    def _finish(self) -> None:
        self._done = True
        self._changed.set()

    async def _shutdown(self) -> None:
        self._done = True
        for signum in _STOPS:
            asyncio.get_running_loop().remove_signal_handler(signum)
        if self._raw_stop is not None:
            self._raw_stop()
        await self._close_transport()
        if self._pump is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5.0):
                    await asyncio.shield(self._pump)
            self._pump.cancel()
        if self._server is not None:
            self._server.close()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        if self._conn is not None:
            await self._conn.aclose()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _close_transport(self) -> None:
        """Close the inner transport once (bounded; every caller waits for the same)."""
        self._closing = True
        if self._closed is None:
            self._closed = asyncio.create_task(self._close_once(), name="serve-close")
        await asyncio.shield(self._closed)

    async def _close_once(self) -> None:
        try:
            async with asyncio.timeout(CLOSE_S):
                await self.transport.close()
        except Exception as exc:
            _log.warning("closing Claude Code failed: %s", self.redactor.text(str(exc)))

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- writing ---------------------------------------------------------------------------

    def _emit(self, message: Message) -> Message:
        """Number ``message``, keep it, and send it to the client if one is attached."""
        numbered = self._journal.add(message)
        if self._conn is not None:
            self._conn.send(numbered)
        return numbered

    def _error(self, exc: BaseException) -> BaseException:
        if not isinstance(exc, ClaudeCoderError):
            exc = TransportError(f"{type(exc).__name__}: {exc}")
        return self.redactor.exception(exc)

    # -- events, asks and raw bytes from the inner transport ----------------------------------

    async def _events(self) -> None:
        try:
            async for event in self.transport.events():
                for redacted in self._out.feed(event):
                    if redacted.kind == "turn_ended":
                        self._busy = False
                    self._emit({"op": "event", "event": redacted.to_json()})
                if self._conn is not None:
                    await self._conn.drain()
        except Exception as exc:
            if not isinstance(exc, ClaudeCoderError):
                exc = TransportError(f"Claude Code's stream failed: {exc}")
            self._emit({"op": "lost", "error": error_to_wire(self._error(exc))})
            self._spawn(self._close_transport())
            return
        if not self._closing:
            self._emit({"op": "ended"})

    async def on_permission(self, request: PermissionRequest) -> PermissionDecision:
        answer = await self._ask("permission", permission_to_wire(self.redactor.obj(request)))
        decision = answer.get("decision")
        if not isinstance(decision, Mapping):
            return PermissionDecision(False, message=_NO_ANSWER)
        return decision_from_wire(decision)

    async def on_question(self, request: QuestionRequest) -> Mapping[str, str] | None:
        answer = await self._ask("question", question_to_wire(self.redactor.obj(request)))
        answers = answer.get("answers")
        if not isinstance(answers, Mapping):
            return None
        return {str(k): str(v) for k, v in answers.items()}

    async def _ask(self, kind: str, request: Message) -> Message:
        ask_id = next(self._ask_ids)
        message = {"op": "ask", "id": ask_id, "kind": kind, "request": request}
        ask = _Ask(message, asyncio.get_running_loop().create_future())
        self._asks[ask_id] = ask
        try:
            ask.seq = self._emit(message)["seq"]
            return await ask.answer
        except asyncio.CancelledError:  # Claude Code dropped the question (an interrupt)
            if not self._closing:
                self._emit({"op": "withdrawn", "id": ask_id})
            raise
        finally:
            self._asks.pop(ask_id, None)

    def _on_raw(self, data: bytes) -> None:
        message = self._raw.feed(data)
        if message is not None and self._conn is not None:
            self._conn.send(message)

    # -- requests --------------------------------------------------------------------------

    async def _read(self, lines: Lines) -> None:
        """Take requests from ``lines`` until it ends (then the grace starts)."""
        try:
            while not self._done:
                try:
                    message = await lines.read()
                except BadLine as exc:
                    lines.send(error_message(exc))
                    if exc.fatal:
                        break
                    continue
                if message is None or lines.closed:
                    break
                if message["op"] == "answer":
                    self._answer(message)
                else:
                    self._requests.dispatch(message, lines)
        finally:
            if self._conn is lines:
                self._conn = None
                self._changed.set()
            await lines.aclose()

    async def _replied(self, request: Message, answer: Message) -> None:
        if request["op"] == "close" and answer["ok"]:
            self._emit({"op": "ended"})
            if self._conn is not None:
                await self._conn.drain()
            self._finish()

    def _live(self) -> None:
        if self._closing:
            raise SessionError("Claude Code on this host was closed or lost")

    async def _send(self, message: Message) -> None:
        text = message.get("text")
        if not isinstance(text, str):
            raise TransportError("a send request needs a text")
        self._live()
        self._journal.turn_started()
        self._busy = True
        await self.transport.send(text)

    async def _interrupt(self, message: Message) -> None:
        self._live()
        await self.transport.interrupt()

    async def _close(self, message: Message) -> None:
        await self._close_transport()
        if self._pump is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5.0):
                    await asyncio.shield(self._pump)

    def _answer(self, message: Message) -> None:
        ask_id = message.get("id")
        ask = self._asks.get(ask_id) if isinstance(ask_id, int) else None
        if ask is None or ask.answer.done():
            _log.debug("an answer to no open question (id %r) was ignored", message.get("id"))
            return
        ask.answer.set_result(message)

    # -- re-attaching ------------------------------------------------------------------------

    async def _on_socket(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        lines = Lines(reader, writer)
        try:
            if await self._greet(lines) and await self._attach(lines):
                await self._read(lines)
                return
        except BadLine as exc:
            lines.send(error_message(exc))
        except Exception:
            _log.exception("a re-attach failed")
        await lines.aclose()

    async def _greet(self, lines: Lines) -> bool:
        sock = lines.writer.get_extra_info("socket")
        uid = peer_uid(sock) if sock is not None else None
        if uid is not None and uid != os.getuid():
            _log.warning("the keeper socket refused a peer of uid %d", uid)
            return False
        first = await lines.read()
        if first is None or first.get("op") != "hello":
            return False
        if first.get("version") != PROTOCOL_VERSION:
            lines.send(error_message(TransportError("the relay speaks another protocol")))
            return False
        lines.send(hello("host", handle=self.handle[:16]))
        return True

    async def _attach(self, lines: Lines) -> bool:
        request = await lines.read()
        if request is None:
            return False
        rid, since = request.get("rid"), request.get("since", 0)
        try:
            if request.get("op") != "attach" or request.get("handle") != self.handle:
                raise TransportError("this keeper takes only an attach with its handle")
            if self._done:
                raise TransportError("the session on this host is closing")
            if not isinstance(since, int) or isinstance(since, bool):
                raise TransportError("attach needs since: the last seq the client saw")
            missed = self._journal.since(since)
        except (ValueError, TransportError) as exc:
            lines.send(reply_error(rid, self._error(TransportError(str(exc)))))
            return False
        lines.redact = self.redactor.text
        # From the reply to the adoption nothing awaits: no message can slip in between.
        lines.send(reply(rid, {**self.opened(), "replayed": len(missed), "busy": self._busy}))
        for message in missed:
            lines.send(message)
        self._adopt(lines)
        for ask in list(self._asks.values()):
            if ask.seq <= since and not ask.answer.done():
                ask.seq = self._emit(ask.message)["seq"]
        await lines.drain()
        return True

    def _adopt(self, lines: Lines) -> None:
        """``lines`` is now the client's connection (an older one is closed)."""
        lines.redact = self.redactor.text
        old, self._conn = self._conn, lines
        if old is not None and old is not lines:
            old.close()
        self._changed.set()
