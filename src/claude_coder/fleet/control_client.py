"""The client side of the control socket: find a live fleet for a roster and talk to it.

Blocking and small, for the CLI (``fleet send``, ``approve``, ``status``, ``watch``).
:func:`connect` returns None when no fleet listens for the roster (no socket, or a
stale one), so callers can fall back to the roster file.
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from claude_coder.errors import ControlProtocolError, FleetError, FleetRequestError
from claude_coder.fleet.control import PROTOCOL_VERSION, socket_path

__all__ = ["ControlClient", "connect"]


class ControlClient:
    """One connection to a live fleet, past the hello."""

    def __init__(self, sock: socket.socket, path: Path) -> None:
        self._sock = sock
        self._file = sock.makefile("rb")
        self.path = path
        self.hello: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"<ControlClient {self.path}>"

    def close(self) -> None:
        self._file.close()
        self._sock.close()

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, obj: dict[str, Any]) -> None:
        self._sock.sendall(json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n")

    def read(self) -> dict[str, Any] | None:
        """The next line from the fleet (None when it hung up)."""
        line = self._file.readline()
        if not line:
            return None
        obj = json.loads(line)
        if not isinstance(obj, dict):
            raise ControlProtocolError("the fleet sent something other than a JSON object")
        return obj

    def request(self, op: str, **fields: Any) -> dict[str, Any]:
        """One request and its reply; a refusal raises FleetError with the fleet's message."""
        self._send({"op": op, **fields})
        reply = self.read()
        if reply is None:
            raise FleetError("the fleet closed the control connection")
        if not reply.get("ok"):
            raise _remote_error(reply)
        return reply

    def watch(self) -> Iterator[dict[str, Any]]:
        """Every envelope (as JSON) from now until the fleet closes."""
        self.request("watch")
        while (line := self.read()) is not None:
            envelope = line.get("envelope")
            if isinstance(envelope, dict):
                yield envelope

    def _hello(self) -> None:
        self._send({"op": "hello", "version": PROTOCOL_VERSION})
        reply = self.read()
        if reply is None:
            raise ControlProtocolError(f"the fleet at {self.path} hung up on the hello")
        if not reply.get("ok"):
            raise ControlProtocolError(str(reply.get("error", "the fleet refused the hello")))
        self.hello = reply


def _remote_error(reply: dict[str, Any]) -> FleetError:
    message = str(reply.get("error", "the fleet refused the request"))
    if reply.get("exit_code") == FleetRequestError.exit_code:
        return FleetRequestError(message)
    return FleetError(message)


def connect(roster: Path, timeout: float | None = 10.0) -> ControlClient | None:
    """Connect to the live fleet holding ``roster`` and say hello; None if none is running."""
    path = socket_path(roster)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        return None
    except OSError:
        sock.close()
        raise
    sock.settimeout(None)
    client = ControlClient(sock, path)
    try:
        client._hello()
    except BaseException:
        with contextlib.suppress(OSError):
            client.close()
        raise
    return client
