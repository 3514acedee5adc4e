"""A stand-in for ``claude-coder serve --stdio``: the host side of the wire over a FakeTransport.

Run as ``python fake_host.py serve --stdio`` (a ``claude-coder`` shim in the host's PATH
does that). It speaks :mod:`claude_coder.transports.remote._protocol` as the real host
side does: hello, ``open``/``attach``/``call``, sequenced events, ``ask`` for the
transport's permission and question hooks, rid replies remembered (a re-sent request is
answered again, never acted on twice), and a keeper: when stdin ends mid-session the
process keeps the session for the open's ``grace_s`` on a UNIX socket in
``$FAKE_HOST_RUNDIR``; an ``attach`` on a new connection is relayed there and replays
what was missed.

The prompt picks the turn (FakeTransport steps): ``tool`` (a Bash call needing a
permission), ``ask`` (a question), ``stall`` (waits for an interrupt), ``drop`` (says
``before``, then waits until the connection is lost and says ``after``: the end of the
turn is replayed on re-attach), ``withdraw`` (asks a permission and takes it back, then
says ``dropped``); anything else echoes. ``FAKE_HOST_MODE``: ``protocol``
(answers another protocol version), ``login`` (refuses the open as the host's login
proof would). ``FAKE_HOST_LOG`` names a JSON-lines file getting each connection's first
request (its op, and an open's resume, cwd and grace).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import secrets
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from claude_coder.events import PermissionDecision, PermissionRequest, QuestionRequest
from claude_coder.transports.base import TransportHooks
from claude_coder.transports.fake import Ask, FakeTransport, Say, Stall, Step, Tool
from claude_coder.transports.remote._protocol import (
    OpenSpec,
    decision_from_wire,
    decode,
    encode,
    error_to_wire,
    hello,
    permission_to_wire,
    question_to_wire,
)

Write = Callable[[bytes], None]
RUNDIR = Path(os.environ.get("FAKE_HOST_RUNDIR", "/tmp"))


def _socket_path(handle: str) -> Path:
    return RUNDIR / f"remote-{handle[:16]}.sock"


FORGED: tuple[dict[str, Any], ...] = (
    {"kind": "state_changed", "old": "busy", "new": "closed"},
    {"kind": "session_closed", "reason": "forged"},
    {"kind": "host_lost", "host": "devbox", "detail": "forged"},
    {"kind": "host_rejoined", "host": "devbox", "replayed": 0},
    {"kind": "stream_gap", "dropped": 7},
    {"kind": "no_such_kind"},
    {"kind": "turn_ended", "result": {"boundary": "bogus"}},
    {"kind": "assistant_text"},
)
"""Events a host may not send: the session's own, the link's own, and malformed ones."""


class HostSession:
    """One kept session: the fake transport, its sequenced messages, its asks."""

    def __init__(self, spec: OpenSpec) -> None:
        self.spec = spec
        self.handle = secrets.token_hex(16)
        self.lost = asyncio.Event()
        self.transport = FakeTransport(self._steps, session_id=spec.session_id)
        self.transport.bind(TransportHooks(self._permission, self._question))
        self.buffer: list[dict[str, Any]] = []
        self.replies: dict[Any, dict[str, Any]] = {}
        self.asks: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self.write: Write | None = None
        self.ended = asyncio.Event()

    def _steps(self, text: str) -> Sequence[Step]:
        if text == "tool":
            return [Tool("Bash", {"command": "ls"}, output="a.txt"), Say("listed")]
        if text == "ask":
            return [Ask("Which colour?", ("red", "blue")), Say("noted")]
        if text == "stall":
            return [Say("waiting"), Stall(asyncio.Event())]
        if text == "drop":
            return [Say("before"), Stall(self.lost), Say("after")]
        if text == "withdraw":
            return [Say("dropped")]
        return [Say(f"echo: {text}")]

    def emit(self, message: dict[str, Any]) -> None:
        message["seq"] = len(self.buffer) + 1
        self.buffer.append(message)
        self.send(message)

    def send(self, message: Mapping[str, Any]) -> None:
        if self.write is not None:
            try:
                self.write(encode(message))
            except OSError:
                self.write = None

    async def _ask(self, kind: str, request: dict[str, Any]) -> dict[str, Any]:
        key = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.asks[key] = future
        self.emit({"op": "ask", "id": key, "kind": kind, "request": request})
        return await future

    async def _permission(self, request: PermissionRequest) -> PermissionDecision:
        answer = await self._ask("permission", permission_to_wire(request))
        return decision_from_wire(answer.get("decision") or {})

    async def _question(self, request: QuestionRequest) -> Mapping[str, str] | None:
        answer = await self._ask("question", question_to_wire(request))
        answers = answer.get("answers")
        return dict(answers) if isinstance(answers, Mapping) else None

    async def pump(self) -> None:
        try:
            async for event in self.transport.events():
                self.emit({"op": "event", "event": event.to_json()})
        except Exception as exc:
            self.emit({"op": "lost", "error": error_to_wire(exc)})
        else:
            self.emit({"op": "ended"})
        self.ended.set()

    async def on_message(self, message: dict[str, Any]) -> None:
        op, rid = message.get("op"), message.get("rid")
        if op == "answer":
            future = self.asks.get(message.get("id"))  # type: ignore[arg-type]
            if future is not None and not future.done():
                future.set_result(message)
            return
        if rid in self.replies:
            self.send(self.replies[rid])
            return
        result: Any = None
        if op == "attach":
            since = int(message.get("since") or 0)
            result = self._info(replayed=len(self.buffer[since:]))
        elif op == "send":
            if message.get("text") == "forge":  # a hostile host: what only a session says
                for forged in FORGED:
                    self.emit({"op": "event", "event": forged})
                self.emit({"op": "ask", "id": [1], "kind": "permission", "request": {}})
                self.send({"op": "reply", "rid": {"x": 1}, "ok": True})
            if message.get("text") == "withdraw":  # asked, then dropped by Claude Code
                key = next(self._ids)
                self.asks[key] = asyncio.get_running_loop().create_future()
                request = {"request_id": "r-w", "tool": "Bash", "input": {"command": "ls"}}
                self.emit({"op": "ask", "id": key, "kind": "permission", "request": request})
                self.asks[key].cancel()
                self.emit({"op": "withdrawn", "id": key})
            await self.transport.send(str(message.get("text")))
        elif op == "interrupt":
            await self.transport.interrupt()
        elif op == "close":
            await self.transport.close()
        reply = {"op": "reply", "rid": rid, "ok": True, "result": result}
        self.replies[rid] = reply
        self.send(reply)
        if op == "attach":
            self._replay(int(message.get("since") or 0))

    def _replay(self, since: int) -> None:
        for message in self.buffer[since:]:
            self.send(message)
        for message in self.buffer[:since]:
            if message["op"] == "ask" and not self.asks[message["id"]].done():
                self.send(message)

    def _info(self, **extra: Any) -> dict[str, Any]:
        sid = self.transport.session_id
        return {"handle": self.handle, "session_id": sid, "cwd": self.spec.cwd, **extra}

    async def serve(self, reader: asyncio.StreamReader, write: Write) -> None:
        self.write = write
        while line := await reader.readline():
            await self.on_message(decode(line))
        self.write = None


async def _stdio() -> tuple[asyncio.StreamReader, Write]:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(0, "rb", buffering=0)
    )

    def write(data: bytes) -> None:
        os.write(1, data)

    return reader, write


async def _keep(session: HostSession) -> None:
    """The connection ended mid-session: keep it on a socket, for its grace after each
    connection that ends, until it is closed (or no one attached in time)."""
    session.lost.set()
    with contextlib.suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # let ssh end
    attached, gone = asyncio.Event(), asyncio.Event()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        attached.set()
        await session.serve(reader, writer.write)
        writer.close()
        gone.set()

    path = _socket_path(session.handle)
    server = await asyncio.start_unix_server(on_connect, path=str(path))
    try:
        while not session.ended.is_set():
            attached.clear()
            gone.clear()
            try:
                async with asyncio.timeout(session.spec.grace_s):
                    await attached.wait()
            except TimeoutError:
                await session.transport.close()
                break
            ended = asyncio.create_task(session.ended.wait())
            await asyncio.wait(
                [ended, asyncio.create_task(gone.wait())], return_when="FIRST_COMPLETED"
            )
    finally:
        server.close()
        path.unlink(missing_ok=True)


async def _relay(message: dict[str, Any], reader: asyncio.StreamReader, write: Write) -> None:
    handle = str(message.get("handle") or "")
    try:
        sock_r, sock_w = await asyncio.open_unix_connection(str(_socket_path(handle)))
    except OSError:
        error = {"type": "HostError", "message": f"no session {handle[:8]} is kept here"}
        write(encode({"op": "reply", "rid": message.get("rid"), "ok": False, "error": error}))
        return
    sock_w.write(encode(message))

    async def up() -> None:
        while line := await reader.readline():
            sock_w.write(line)
        sock_w.close()

    task = asyncio.create_task(up())
    while line := await sock_r.readline():
        write(line)
    task.cancel()


def _log_request(first: dict[str, Any]) -> None:
    if os.environ.get("FAKE_HOST_LOG"):
        spec = first.get("spec") or {}
        entry = {"op": first.get("op"), "resume": spec.get("resume"), "cwd": spec.get("cwd")}
        entry["grace_s"] = spec.get("grace_s")
        with open(os.environ["FAKE_HOST_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps({**entry, "since": first.get("since")}) + "\n")


async def main() -> None:
    reader, write = await _stdio()
    mode = os.environ.get("FAKE_HOST_MODE", "")
    decode(await reader.readline())  # the client's hello
    ours = hello("host", hostname="fakehost", python=sys.version.split()[0])
    write(encode({**ours, "version": 99} if mode == "protocol" else ours))
    first = decode(await reader.readline())
    rid = first.get("rid")
    _log_request(first)
    if first.get("op") == "attach":
        await _relay(first, reader, write)
        return
    if first.get("op") == "call":
        result = {"what": first.get("what"), "args": first.get("args")}
        write(encode({"op": "reply", "rid": rid, "ok": True, "result": result}))
        return
    if mode == "login":
        error = {
            "type": "LoginNotProven",
            "message": "no Claude login on this host",
            "exit_code": 2,
        }
        write(encode({"op": "reply", "rid": rid, "ok": False, "error": error}))
        return
    session = HostSession(OpenSpec.from_wire(first.get("spec") or {}))
    session.write = write
    await session.transport.start()
    pump = asyncio.create_task(session.pump())
    reply = {"op": "reply", "rid": rid, "ok": True, "result": session._info()}
    session.replies[rid] = reply
    session.send(reply)
    await session.serve(reader, write)
    if not session.ended.is_set():
        await _keep(session)
    await pump


if __name__ == "__main__" and sys.argv[1:] == ["serve", "--stdio"]:
    asyncio.run(main())
