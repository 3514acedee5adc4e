"""The fake API's front door: makes the offline world look like first-party Anthropic.

claude-coder starts a session only when Claude Code itself reports the subscription
login served by Anthropic (``served_by_anthropic: true`` in ``system/init``), which is
false whenever ``ANTHROPIC_BASE_URL`` points elsewhere. So the offline launcher sets no
base URL: Claude Code talks to ``https://api.anthropic.com`` through ``HTTPS_PROXY`` =
this front, which

- answers ``CONNECT api.anthropic.com:443`` itself, terminates TLS with a throwaway
  certificate for that host (signed by the test CA in ``certs/``, trusted only by the
  test child through ``NODE_EXTRA_CA_CERTS``) and relays the plain HTTP to the fake API;
- relays every other connection unchanged to the fake API (so a CONNECT to any other
  host still meets the refusing, logging sink, and plain requests and
  ``ANTHROPIC_BASE_URL`` = the front keep working).

Nothing here leaves 127.0.0.1. The CA's private key was discarded after signing: the
certificate can vouch for ``api.anthropic.com`` only, and only in a test child.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from pathlib import Path
from typing import Any

CERTS = Path(__file__).parent / "certs"
CA_FILE = CERTS / "ca.pem"
"""The test CA (``NODE_EXTRA_CA_CERTS`` of the test child)."""
FIRST_PARTY_HOST = "api.anthropic.com"

_HEAD_LIMIT = 64 * 1024


def server_context() -> ssl.SSLContext:
    """TLS server context presenting the test certificate for ``api.anthropic.com``."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(CERTS / "api.pem", CERTS / "api.key")
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError, ssl.SSLError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


async def _relay(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, backend_port: int, first: bytes
) -> None:
    """Relay both ways until either side closes, then close both (no half-close)."""
    b_reader, b_writer = await asyncio.open_connection("127.0.0.1", backend_port)
    try:
        if first:
            b_writer.write(first)
        pipes = {
            asyncio.ensure_future(_pipe(reader, b_writer)),
            asyncio.ensure_future(_pipe(b_reader, writer)),
        }
        _, pending = await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    finally:
        b_writer.close()
        with contextlib.suppress(Exception):
            await b_writer.wait_closed()


def _connect_target(head: bytes) -> str | None:
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split()
    if len(parts) == 3 and parts[0].upper() == "CONNECT":
        return parts[1].lower()
    return None


class Front:
    """One listening front: ``handle`` is the per-connection callback."""

    def __init__(self, backend_port: int) -> None:
        self.backend_port = backend_port
        self._tls = server_context()
        self.tunnels = 0
        """``CONNECT api.anthropic.com:443`` tunnels served so far."""
        self._active: set[asyncio.Task[Any]] = set()

    async def close(self) -> None:
        """End every open connection (the server itself is closed by the caller)."""
        for task in list(self._active):
            task.cancel()
        await asyncio.gather(*self._active, return_exceptions=True)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._active.add(task)
            task.add_done_callback(self._active.discard)
        try:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                return
            if _connect_target(head) == f"{FIRST_PARTY_HOST}:443":
                self.tunnels += 1
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                await writer.drain()
                await writer.start_tls(self._tls)
                head = b""
            await _relay(reader, writer, self.backend_port, head)
        except (ConnectionError, OSError, ssl.SSLError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()


async def start_front(sock: object, backend_port: int) -> tuple[asyncio.Server, Front]:
    """Serve the front on the listening socket ``sock``, relaying to ``backend_port``."""
    front = Front(backend_port)
    server = await asyncio.start_server(front.handle, sock=sock, limit=_HEAD_LIMIT)
    return server, front
