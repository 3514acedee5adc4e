"""The fleet's control socket: a thin, versioned JSON-lines protocol over the Fleet API.

A running fleet listens on a UNIX socket in the user's runtime dir (the directory 0700,
the socket 0600; on Linux a peer of another uid is refused by ``SO_PEERCRED``), so
``claude-coder fleet send/approve/status/watch`` can drive it from another shell. One
JSON object per line each way. The client opens with ``{"op": "hello", "version": 1}``;
the server answers ``{"ok": true, "version": 1, ...}`` or, for a version it does not
speak, ``{"ok": false, "error": ...}`` and hangs up. Then one request per line:

- ``{"op": "status"}`` -> ``{"ok": true, "members": [MemberInfo...], "busy", "max_busy",
  "watchers"}``
- ``{"op": "send", "name", "text", "wait": bool}`` -> ``{"ok": true, "result": TurnResult}``
  (or ``{"ok": true, "queued": true}`` without ``wait``)
- ``{"op": "approve", "name", "allow": bool, "request_id"?}`` -> ``{"ok": true, "request_id"}``
- ``{"op": "watch"}`` -> ``{"ok": true}`` and then ``{"envelope": Envelope}`` lines until
  the fleet closes or the client hangs up.

A failed request answers ``{"ok": false, "error": "...", "type": "MemberNotFoundError",
"exit_code": 2}``. See ``docs/fleet.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_coder.errors import ClaudeCoderError, FleetRequestError
from claude_coder.events import PermissionRequest, to_jsonable
from claude_coder.security.private import ensure_private_dir, peer_uid, runtime_dir

if TYPE_CHECKING:
    from claude_coder.fleet._fleet import Fleet

__all__ = ["PROTOCOL_VERSION", "ControlServer", "peer_uid", "runtime_dir", "socket_path"]

PROTOCOL_VERSION = 1
"""The control protocol's version; a hello with another one is refused."""

_log = logging.getLogger(__name__)
_LINE_LIMIT = 1 << 20
Reply = dict[str, Any]


def socket_path(roster: Path) -> Path:
    """The socket of the fleet that holds ``roster`` (short: UNIX socket paths are bounded)."""
    digest = hashlib.sha256(str(roster.expanduser().resolve()).encode("utf-8")).hexdigest()
    return runtime_dir() / f"fleet-{digest[:16]}.sock"


def _error(exc: BaseException) -> Reply:
    code = exc.exit_code if isinstance(exc, ClaudeCoderError) else FleetRequestError.exit_code
    return {"ok": False, "error": str(exc), "type": type(exc).__name__, "exit_code": code}


async def _write(writer: asyncio.StreamWriter, obj: Reply) -> None:
    writer.write(json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n")
    await writer.drain()


class ControlServer:
    """Serves one fleet on its control socket; ``start()`` listens, ``close()`` removes it."""

    def __init__(self, fleet: Fleet, path: Path | None = None) -> None:
        self._fleet = fleet
        self.path = path or socket_path(fleet.roster_path)
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()
        self.watchers = 0
        """Clients following the stream (``watch``) right now."""
        self._ops: dict[str, Callable[[Reply, asyncio.StreamWriter], Awaitable[Reply | None]]] = {
            "status": self._status,
            "send": self._send,
            "approve": self._approve,
            "watch": self._watch,
        }

    def __repr__(self) -> str:
        return f"<ControlServer {self.path} listening={self._server is not None}>"

    async def start(self) -> None:
        """Listen (replacing a stale socket: the roster lock says no other fleet owns it)."""
        ensure_private_dir(self.path.parent)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._server = await asyncio.start_unix_server(
            self._client, path=str(self.path), limit=_LINE_LIMIT
        )
        os.chmod(self.path, 0o600)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def __aenter__(self) -> ControlServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- one client ----------------------------------------------------------------------

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            _log.debug("control client gone: %s", exc)
        finally:
            self._clients.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        uid = peer_uid(sock) if sock is not None else None
        if uid is not None and uid != os.getuid():
            _log.warning("control socket refused a peer of uid %d", uid)
            await _write(
                writer, {"ok": False, "error": f"refused: uid {uid} does not own this fleet"}
            )
            return
        if not await self._hello(reader, writer):
            return
        while line := await reader.readline():
            try:
                request = json.loads(line)
                if not isinstance(request, dict):
                    raise FleetRequestError("a request is one JSON object per line")
                reply = await self._dispatch(request, writer)
            except (ClaudeCoderError, ValueError, KeyError, TypeError) as exc:
                reply = _error(exc)
            if reply is not None:
                await _write(writer, reply)

    async def _hello(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        try:
            hello = json.loads(await reader.readline() or b"null")
        except ValueError:
            hello = None
        if not isinstance(hello, dict) or hello.get("op") != "hello":
            await _write(writer, {"ok": False, "error": 'start with {"op": "hello", "version": 1}'})
            return False
        version = hello.get("version")
        if version != PROTOCOL_VERSION:
            error = (
                f"control protocol version {version!r} is not supported: this fleet speaks "
                f"version {PROTOCOL_VERSION}; run the same claude-coder as the fleet"
            )
            await _write(writer, {"ok": False, "error": error, "version": PROTOCOL_VERSION})
            return False
        await _write(
            writer,
            {
                "ok": True,
                "version": PROTOCOL_VERSION,
                "roster": str(self._fleet.roster_path),
                "pid": os.getpid(),
            },
        )
        return True

    async def _dispatch(self, request: Reply, writer: asyncio.StreamWriter) -> Reply | None:
        op = request.get("op")
        handler = self._ops.get(op) if isinstance(op, str) else None
        if handler is None:
            raise FleetRequestError(
                f"unknown request {op!r}: use one of {', '.join(sorted(self._ops))}"
            )
        return await handler(request, writer)

    # -- the requests ----------------------------------------------------------------------

    async def _status(self, _request: Reply, _writer: asyncio.StreamWriter) -> Reply:
        members = [to_jsonable(m) | {"status": m.status} for m in self._fleet.members()]
        return {
            "ok": True,
            "roster": str(self._fleet.roster_path),
            "busy": self._fleet.busy,
            "max_busy": self._fleet.max_busy,
            "watchers": self.watchers,
            "members": members,
        }

    async def _send(self, request: Reply, _writer: asyncio.StreamWriter) -> Reply:
        name, text = str(request["name"]), str(request["text"])
        turn = self._fleet.submit(name, text)
        if not request.get("wait", True):
            return {"ok": True, "queued": True}
        result = await turn
        return {"ok": True, "result": result.to_json()}

    async def _approve(self, request: Reply, _writer: asyncio.StreamWriter) -> Reply:
        name = str(request["name"])
        wanted = request.get("request_id")
        pending = [
            r
            for r in self._fleet.session(name).pending
            if isinstance(r, PermissionRequest) and wanted in (None, r.request_id)
        ]
        if not pending:
            which = f"request {wanted}" if wanted else "permission request"
            raise FleetRequestError(f"{name} has no {which} waiting")
        req = pending[0]
        allow = bool(request.get("allow", True))
        await self._fleet.decide(name, req.request_id, allow, message=request.get("message"))
        return {"ok": True, "request_id": req.request_id, "tool": req.tool, "allow": allow}

    async def _watch(self, _request: Reply, writer: asyncio.StreamWriter) -> None:
        async with self._fleet.events() as sub:
            self.watchers += 1
            try:
                await _write(writer, {"ok": True})
                async for env in sub:
                    await _write(writer, {"envelope": env.to_json()})
            finally:
                self.watchers -= 1
        return None
