"""RemoteTransport: a member's Claude Code on another host, driven as one more Transport.

``start()`` connects (:class:`~._link.HostLink`) and ``open``s the session on the host
(or ``attach``es to one a host keeps, by its handle); the host's transport events come
back as ``event`` messages and its permission and question prompts as ``ask`` messages,
answered here with the session's hooks (so the local policy decides). ``send``,
``interrupt`` and ``close`` are requests with a ``rid``.

A connection that drops mid-session is re-attached: :class:`~claude_coder.events.HostLost`,
then ``attach since=<last seq>`` with backoff within the host's grace, then
:class:`~claude_coder.events.HostRejoined` and the replay of what was missed; requests
still unanswered are re-sent with their rid (the host never acts on one twice). Past the
grace, ``events()`` raises :class:`~claude_coder.errors.HostError` naming the session id
and the ``resume --host`` command.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, ClassVar

from claude_coder.errors import ClaudeCoderError, HostError
from claude_coder.events import Event, HostLost, HostRejoined, event_from_json
from claude_coder.security import Redactor
from claude_coder.transports.base import Transport, cancel_and_wait
from claude_coder.transports.remote._asks import HostAsks
from claude_coder.transports.remote._link import HostLink
from claude_coder.transports.remote._protocol import OpenSpec, error_from_wire

__all__ = ["RemotePtyTransport", "RemoteTransport", "remote_transport"]

_log = logging.getLogger(__name__)
NOT_FROM_HOST = frozenset(
    {"state_changed", "session_closed", "stream_gap", "host_lost", "host_rejoined"}
)
"""Event kinds only the local session (states, close, gaps) or this link says; a host's
transport never makes one, so one from a host is dropped, never published."""
_CLOSE_WAIT = 10.0
_BACKOFF_MAX = 5.0

_Item = Event | BaseException | None
_Pending = tuple[dict[str, Any], "asyncio.Future[Any]"]


class RemoteTransport(Transport):
    """The local side of a remote member; ``name`` is the transport it drives on the host."""

    name: ClassVar[str] = "sdk"
    writes_transcript: ClassVar[bool] = True
    """Claude Code keeps the transcript, on the host."""

    def __init__(
        self,
        host: str,
        spec: OpenSpec,
        *,
        remote_command: str | None = None,
        redactor: Redactor | None = None,
        handle: str | None = None,
        since: int = 0,
        connect_timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.spec = spec
        self.remote_command = remote_command
        self.connect_timeout = connect_timeout
        self.handle = handle
        """The host's handle for this session (re-attach with it); set by ``start()``."""
        self.last_seq = since
        """The last sequenced message seen (what a re-attach asks to replay after)."""
        self.remote_cwd: str | None = spec.cwd
        self.turn_running = False
        self._host_busy: bool | None = None
        """After a fresh attach: a turn runs on the host (the session adopts it)."""
        self._history: list[dict[str, Any]] | None = None
        self._history_end = 0
        self._ready = asyncio.Event()
        """Set once the session is open here (a drop then re-attaches, never earlier)."""
        self._session_id = spec.session_id
        self._redactor = redactor or Redactor()
        self._link: HostLink | None = None
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        # Each instance numbers its requests from a random start: the host remembers the
        # rids a session was sent, and a new client attaching by handle (a restarted
        # fleet) must not reuse one the previous client did.
        self._rids = itertools.count(secrets.randbelow(1 << 40) + 1)
        self._pending: dict[int, _Pending] = {}
        self._asks = HostAsks(host, lambda: self.hooks, self._send_quietly)
        self._raw_listeners: list[Callable[[bytes], None]] = []
        self._reader: asyncio.Task[None] | None = None
        self._ended = asyncio.Event()
        self._closing = False

    def __repr__(self) -> str:
        return f"<RemoteTransport {self.name} on {self.host!r} handle={(self.handle or '?')[:8]}>"

    @property
    def session_id(self) -> str | None:
        return self._session_id

    @property
    def pid(self) -> int | None:
        """The local ssh child (the fleet's reaper stops it if this process dies)."""
        return self._link.pid if self._link is not None else None

    def add_raw_listener(self, callback: Callable[[bytes], None]) -> Callable[[], None]:
        """PTY members: ``callback`` gets the host's raw terminal bytes (``raw`` messages)."""
        self._raw_listeners.append(callback)
        return lambda: self._raw_listeners.remove(callback)

    # -- the Transport contract --------------------------------------------------------

    async def start(self) -> None:
        self._link = await self._connect(self.connect_timeout)
        self._reader = asyncio.create_task(self._read(), name=f"remote-read-{self.host}")
        if self.handle is not None:
            result = await self._call("attach", handle=self.handle, since=self.last_seq)
            await self._ready.wait()
            if self._ended.is_set():
                raise HostError(f"host {self.host!r} hung up during the attach", host=self.host)
        else:
            result = await self._call("open", spec=self.spec.to_wire())
        self._adopt(result)

    async def send(self, text: str) -> None:
        await self._call("send", text=text)

    async def interrupt(self) -> None:
        await self._call("interrupt")

    async def events(self) -> AsyncIterator[Event]:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    async def close(self) -> None:
        """Ask the host to close the session (bounded), then end the link."""
        if self._closing:
            return
        self._closing = True
        await asyncio.shield(self._close())

    async def _close(self) -> None:
        if self._link is not None and self.handle is not None and not self._ended.is_set():
            with contextlib.suppress(ClaudeCoderError, TimeoutError):
                async with asyncio.timeout(_CLOSE_WAIT):
                    await self._call("close")
                    await self._ended.wait()
        await cancel_and_wait([*self._asks.tasks(), *([self._reader] if self._reader else [])])
        if self._link is not None:
            await self._link.close()
        self._fail_pending(
            HostError(f"the session on host {self.host!r} was closed", host=self.host)
        )
        self._queue.put_nowait(None)

    # -- requests ----------------------------------------------------------------------

    async def _call(self, op: str, **fields: Any) -> Any:
        """A request with its own rid; re-sent after a re-attach until it is answered."""
        rid = next(self._rids)
        message = {"op": op, "rid": rid, **fields}
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[rid] = (message, future)
        link = self._link
        if link is not None:
            with contextlib.suppress(HostError):  # a dropped link: re-sent on re-attach
                await link.send(message)
        try:
            return await future
        finally:
            self._pending.pop(rid, None)

    def _adopt(self, result: Any) -> None:
        data = result if isinstance(result, Mapping) else {}
        self.handle = str(data.get("handle") or self.handle or "") or None
        self._session_id = data.get("session_id") or self._session_id
        self.remote_cwd = data.get("cwd") or self.remote_cwd

    def _fail_pending(self, error: BaseException) -> None:
        for _, future in list(self._pending.values()):
            if not future.done():
                future.set_exception(error)

    # -- reading -------------------------------------------------------------------------

    async def _read(self) -> None:
        while True:
            link = self._link
            assert link is not None
            message = await link.receive()
            if message is not None:
                self._dispatch(message)
                continue
            if self._closing or self._ended.is_set() or not self._ready.is_set():
                self._hung_up(link)
                self._ready.set()
                return
            if not await self._rejoin(link):
                return

    def _hung_up(self, link: HostLink) -> None:
        said = link.last_stderr()
        error = HostError(
            f"host {self.host!r} hung up{': ' + said if said else ''}", host=self.host
        )
        self._fail_pending(error)
        if not self._ended.is_set():
            self._ended.set()
            self._queue.put_nowait(None if self._closing else error)

    def _dispatch(self, message: dict[str, Any]) -> None:
        op, seq = message.get("op"), message.get("seq")
        if op in ("reply", "raw"):
            (self._on_reply if op == "reply" else self._on_raw)(message)
            return
        if self._history is not None and isinstance(seq, int) and seq <= self._history_end:
            self._history.append(message)
            if seq == self._history_end:
                self._end_history()
            return
        old = isinstance(seq, int) and seq <= self.last_seq  # seen: only an ask still counts
        if isinstance(seq, int) and not old:
            self.last_seq = seq
        if op == "event" and not old:
            self._on_event(message)
        elif op == "ask":  # asked again after a re-attach: still answered once
            self._asks.on_ask(message)
        elif op == "withdrawn" and not old:
            self._asks.withdraw(message.get("id"))
        elif op == "lost":
            self._finish(error_from_wire(message.get("error") or {}, self.host))
        elif op == "ended":
            self._finish(None)

    def _on_reply(self, message: Mapping[str, Any]) -> None:
        rid = message.get("rid")
        pending = self._pending.get(rid) if isinstance(rid, int) else None
        if pending is None or pending[1].done():
            return
        if message.get("ok"):
            if pending[0]["op"] == "attach":
                self._begin_history(message.get("result"))
            elif pending[0]["op"] == "open":
                self._adopt(message.get("result"))
                self._ready.set()
            pending[1].set_result(message.get("result"))
        else:
            pending[1].set_exception(error_from_wire(message.get("error") or {}, self.host))

    def _begin_history(self, result: Any) -> None:
        """A fresh attach (a new process): what the host replays is history."""
        busy = result.get("busy") if isinstance(result, Mapping) else None
        self._host_busy = busy if isinstance(busy, bool) else None
        if n := _replayed(result):
            self._history, self._history_end = [], self.last_seq + n
        else:
            self.turn_running = bool(self._host_busy)
            self._ready.set()

    def _end_history(self) -> None:
        """Of the history, only the turn still running counts: its events so far and its
        asks go on; the turns that ended before this process came are left out."""
        history, self._history = self._history or [], None
        ends = [i for i, m in enumerate(history) if _event_kind(m) == "turn_ended"]
        current = history[ends[-1] + 1 :] if ends else history
        if self._host_busy is not None:  # the host knows: a turn sent and not ended
            self.turn_running = self._host_busy
        else:  # an older host: judge by the events
            self.turn_running = any(_event_kind(m) not in ("session_started", "") for m in current)
        for message in current:
            self._dispatch(message)
        self.last_seq = max(self.last_seq, self._history_end)
        self._ready.set()

    def _on_event(self, message: Mapping[str, Any]) -> None:
        data = message.get("event")
        try:
            event = event_from_json(data if isinstance(data, Mapping) else {})
        except (KeyError, TypeError, ValueError) as exc:
            _log.warning("host %s sent an event this version cannot read: %s", self.host, exc)
            return
        if event.kind in NOT_FROM_HOST:
            _log.warning(
                "host %s sent a %s event, which only this side says", self.host, event.kind
            )
            return
        if self._session_id is None:
            self._session_id = getattr(event, "session_id", None) or None
        if event.kind == "turn_ended":  # what the turn still asks is moot: dropped first
            self._asks.withdraw_all()
        self._queue.put_nowait(event)

    def _on_raw(self, message: Mapping[str, Any]) -> None:
        try:
            data = base64.b64decode(str(message.get("data", "")), validate=True)
        except ValueError:
            return
        for listener in list(self._raw_listeners):
            listener(data)

    def _finish(self, error: ClaudeCoderError | None) -> None:
        if self._ended.is_set():
            return
        self._ended.set()
        self._fail_pending(
            error or HostError(f"the session on {self.host!r} ended", host=self.host)
        )
        self._queue.put_nowait(error)

    # -- answers -------------------------------------------------------------------------

    async def _send_quietly(self, message: Mapping[str, Any]) -> None:
        link = self._link
        if link is not None:
            with contextlib.suppress(HostError):  # lost: the host asks again on replay
                await link.send(message)

    # -- reconnecting --------------------------------------------------------------------

    async def _connect(self, within: float) -> HostLink:
        return await HostLink.connect(
            self.host,
            remote_command=self.remote_command,
            connect_timeout=within,
            redactor=self._redactor,
        )

    async def _rejoin(self, old: HostLink) -> bool:
        """Re-attach after the link dropped; False (the error queued) past the grace."""
        await old.close()
        detail = old.last_stderr() or f"ssh exited with {old.returncode}"
        self._queue.put_nowait(HostLost(self.host, self._redactor.text(detail)))
        loop = asyncio.get_running_loop()
        deadline, delay = loop.time() + self.spec.grace_s, 0.25
        why = detail
        while (left := deadline - loop.time()) > 0:
            try:
                link = await self._connect(min(left, self.connect_timeout))
                replayed = await self._attach(link)
            except _Refused as refused:  # the host answered: the session is not there
                why = refused.error.message
                break
            except HostError as exc:  # not reachable yet: try again within the grace
                why = exc.message
                await asyncio.sleep(min(delay, max(0.0, deadline - loop.time())))
                delay = min(delay * 2, _BACKOFF_MAX)
                continue
            self._link = link
            self._queue.put_nowait(HostRejoined(self.host, replayed))
            for message, _ in sorted(self._pending.values(), key=lambda p: p[0]["rid"]):
                await self._send_quietly(message)
            return True
        self._give_up(why)
        return False

    async def _attach(self, link: HostLink) -> int:
        """``attach`` on a fresh link; returns how many messages the host will replay."""
        rid = next(self._rids)
        try:
            await link.send(
                {"op": "attach", "rid": rid, "handle": self.handle, "since": self.last_seq}
            )
            while True:
                message = await link.receive()
                if message is None:
                    raise HostError(f"host {self.host!r} hung up again", host=self.host)
                if message.get("op") == "reply" and message.get("rid") == rid:
                    break
                self._dispatch(message)
        except BaseException:
            await link.close()
            raise
        if not message.get("ok"):
            await link.close()
            raise _Refused(error_from_wire(message.get("error") or {}, self.host))
        self._adopt(message.get("result"))
        return _replayed(message.get("result"))

    def _give_up(self, why: str) -> None:
        sid, host = self._session_id, self.host
        kept = f"see `claude-coder list --host {host}`"
        if sid:
            kept = f"resume it with `claude-coder resume --host {host} {sid}`"
            kept = f"the session is kept there as {sid}: {kept}"
        why = self._redactor.text(why)
        self._finish(HostError(f"lost host {host!r} ({why}); {kept}", host=host))


def _event_kind(message: Mapping[str, Any]) -> str:
    """An event message's kind, ``ask`` for an ask, ``""`` for anything else."""
    if message.get("op") == "ask":
        return "ask"
    event = message.get("event")
    return str(event.get("kind", "")) if isinstance(event, Mapping) else ""


def _replayed(result: Any) -> int:
    """How many messages an ``attach`` reply says the host replays after it."""
    n = result.get("replayed", 0) if isinstance(result, Mapping) else 0
    return n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 0


class _Refused(Exception):
    """The host answered an ``attach`` with an error (it no longer keeps the session)."""

    def __init__(self, error: ClaudeCoderError) -> None:
        super().__init__(error.message)
        self.error = error


class RemotePtyTransport(RemoteTransport):
    """A remote member whose host drives Claude Code's terminal UI."""

    name: ClassVar[str] = "pty"


def remote_transport(host: str, spec: OpenSpec, **kwargs: Any) -> RemoteTransport:
    """The RemoteTransport for ``spec`` (its ``name`` says the transport on the host)."""
    cls = RemotePtyTransport if spec.transport == "pty" else RemoteTransport
    return cls(host, spec, **kwargs)
