"""An ``attach``: this connection relayed, both ways, to the keeper that holds the handle.

The relay connects to the keeper's socket (a keeper of another uid is refused by
``SO_PEERCRED``), says hello, forwards the client's ``attach`` and then copies bytes
each way until either side ends. A handle no keeper answers to (it was closed, its
grace ran out, or it never existed) is the ``attach``'s error reply, naming what to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from typing import Any

from claude_coder.errors import TransportError
from claude_coder.security.private import peer_uid
from claude_coder.serve._keeper import socket_for
from claude_coder.serve._lines import BadLine, Lines, reply_error
from claude_coder.transports.remote._protocol import LINE_LIMIT, hello

__all__ = ["relay"]

_HANDLE = re.compile(r"^[0-9a-f]{32}$")
_CHUNK = 1 << 16


def _gone(handle: str) -> TransportError:
    return TransportError(
        f"no session with handle {handle[:16]} is kept on this host (it was closed or its "
        "grace ran out): resume it by its session id"
    )


async def _connect(handle: str) -> Lines:
    try:
        reader, writer = await asyncio.open_unix_connection(
            str(socket_for(handle)), limit=LINE_LIMIT + 1
        )
    except OSError:
        raise _gone(handle) from None
    keeper = Lines(reader, writer)
    sock = writer.get_extra_info("socket")
    uid = peer_uid(sock) if sock is not None else None
    if uid is not None and uid != os.getuid():
        keeper.close()
        raise TransportError(f"the keeper socket of {handle[:16]} belongs to uid {uid}")
    keeper.send(hello("relay"))
    try:
        answer = await keeper.read()
    except BadLine:
        answer = None
    if answer is None or answer.get("op") != "hello":
        keeper.close()
        raise _gone(handle)
    return keeper


async def _copy(src: Lines, dst: Lines) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await src.reader.read(_CHUNK):
            dst.write(data)
            await dst.drain()


async def relay(lines: Lines, request: dict[str, Any]) -> int:
    """Relay ``lines`` (whose first request is ``request``) to its keeper."""
    handle = request.get("handle")
    if not isinstance(handle, str) or not _HANDLE.match(handle):
        error = TransportError("attach needs the handle its open returned (32 hex digits)")
        lines.send(reply_error(request.get("rid"), error))
        return 2
    try:
        keeper = await _connect(handle)
    except TransportError as exc:
        lines.send(reply_error(request.get("rid"), exc))
        return 1
    keeper.send(request)
    legs = [
        asyncio.create_task(_copy(lines, keeper), name="relay-in"),
        asyncio.create_task(_copy(keeper, lines), name="relay-out"),
    ]
    try:
        await asyncio.wait(legs, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for leg in legs:
            leg.cancel()
        await asyncio.gather(*legs, return_exceptions=True)
        await keeper.aclose()
    return 0
