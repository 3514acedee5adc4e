"""The control socket: private (0700 dir, 0600 socket), refuses other users, versioned hello."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.unit.fleet_helpers import FakeFactory, open_fleet

from claude_coder.errors import ControlProtocolError, FleetRequestError
from claude_coder.fleet import Fleet
from claude_coder.fleet.control import ControlServer, socket_path
from claude_coder.fleet.control_client import connect

NOBODY = 65534


@pytest.fixture
async def served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Fleet, Path]]:
    monkeypatch.setenv("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="cc-rt-"))
    fleet = await open_fleet(tmp_path / "fleet.json", FakeFactory(), reap_children=False)
    await fleet.add("a1")
    server = ControlServer(fleet)
    await server.start()
    try:
        yield fleet, server.path
    finally:
        await server.close()
        await fleet.shutdown()


async def test_the_socket_is_0600_in_a_0700_dir_and_removed_on_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="cc-rt-"))
    fleet = await open_fleet(tmp_path / "fleet.json", FakeFactory(), reap_children=False)
    server = ControlServer(fleet)
    await server.start()
    assert server.path == socket_path(tmp_path / "fleet.json")
    assert server.path.stat().st_mode & 0o777 == 0o600
    assert server.path.parent.stat().st_mode & 0o777 == 0o700
    await server.close()
    await fleet.shutdown()
    assert not server.path.exists()
    assert await asyncio.to_thread(connect, tmp_path / "fleet.json") is None


def _raw(path: Path, *lines: dict[str, object]) -> list[dict[str, object]]:
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(str(path))
        try:
            for line in lines:
                s.sendall(json.dumps(line).encode() + b"\n")
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):  # it hung up first: read its last word
            pass
        data = b"".join(iter(lambda: s.recv(65536), b""))
    return [json.loads(x) for x in data.splitlines()]


async def test_an_unknown_protocol_version_is_refused_clearly(served: tuple[Fleet, Path]) -> None:
    _, path = served
    replies = await asyncio.to_thread(_raw, path, {"op": "hello", "version": 99}, {"op": "status"})
    assert len(replies) == 1 and replies[0]["ok"] is False
    assert "version 99 is not supported" in str(replies[0]["error"])
    assert "speaks version 1" in str(replies[0]["error"])
    no_hello = await asyncio.to_thread(_raw, path, {"op": "status"})
    assert no_hello[0]["ok"] is False and "hello" in str(no_hello[0]["error"])


async def test_status_and_bad_requests_over_the_socket(served: tuple[Fleet, Path]) -> None:
    fleet, _ = served
    client = await asyncio.to_thread(connect, fleet.roster_path)
    assert client is not None
    with client:
        status = await asyncio.to_thread(client.request, "status")
        assert [m["name"] for m in status["members"]] == ["a1"]
        with pytest.raises(FleetRequestError, match="unknown request 'nope'"):
            await asyncio.to_thread(client.request, "nope")
        with pytest.raises(FleetRequestError, match="a1 has no permission request waiting"):
            await asyncio.to_thread(client.request, "approve", name="a1", allow=True)
        with pytest.raises(FleetRequestError, match="zz"):
            await asyncio.to_thread(client.request, "send", name="zz", text="hi")
        sent = await asyncio.to_thread(client.request, "send", name="a1", text="hi")
        assert sent["result"]["text"] == "echo: hi"


def _connect_as_nobody(path: Path) -> str:
    """Fork; the child drops to uid 65534 and connects; returns what the child saw."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no asyncio, no pytest, just a socket
        os.close(read_end)
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(10)
                s.connect(str(path))
                with contextlib.suppress(BrokenPipeError):  # a refusal may come first
                    s.sendall(b'{"op": "hello", "version": 1}\n')
                seen = s.recv(65536).decode(errors="replace") or "EOF"
        except OSError as exc:
            seen = f"OSError {exc.errno}"
        os.write(write_end, seen.encode()[:4000])
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as got:
        seen = got.read().decode()
    os.waitpid(pid, 0)
    return seen


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to setuid")
async def test_another_user_is_refused(served: tuple[Fleet, Path]) -> None:
    _, path = served
    # The private dir keeps the other user out before the socket is even reached.
    seen = await asyncio.to_thread(_connect_as_nobody, path)
    assert seen.startswith("OSError 13"), seen
    # With the dir and socket opened to everyone, SO_PEERCRED still refuses the peer.
    for folder in (path.parent.parent, path.parent):
        folder.chmod(0o755)
    path.chmod(0o666)
    seen = await asyncio.to_thread(_connect_as_nobody, path)
    assert f"refused: uid {NOBODY}" in seen and '"ok": false' in seen, seen
    assert "roster" not in seen  # no hello reply: nothing about the fleet leaked


async def test_a_client_of_another_version_is_told_so(
    served: tuple[Fleet, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet, _ = served
    monkeypatch.setattr("claude_coder.fleet.control_client.PROTOCOL_VERSION", 2)
    with pytest.raises(ControlProtocolError, match="version 2 is not supported"):
        await asyncio.to_thread(connect, fleet.roster_path)
