"""Speaking the remote protocol by hand to ``claude-coder serve --stdio`` over pipes.

:class:`Served` is one serve process: every line it writes is kept (``seen``, and the
raw bytes in ``stdout``), waits have deadlines; ``kill()`` ends it and every process
below it (the test's fixture calls it at the end).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
from collections.abc import Callable, Mapping
from typing import Any

import psutil

from claude_coder.events import Event, TurnEnded
from claude_coder.events_json import event_from_json
from claude_coder.transports.remote._protocol import OpenSpec

DEADLINE = 60.0
SERVE = (sys.executable, "-m", "claude_coder.cli.main", "serve", "--stdio")
Message = dict[str, Any]
_RIDS = itertools.count(100)
"""Request ids, unique across connections (a keeper remembers them per session)."""


class Served:
    """One ``serve --stdio`` child (see the module docstring)."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.seen: list[Message] = []
        self.stdout = bytearray()
        self.stderr = bytearray()
        assert proc.stderr is not None
        self._stderr = asyncio.ensure_future(self._drain(proc.stderr))

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(65536):
            self.stderr += chunk

    @property
    def pid(self) -> int:
        return self.proc.pid

    def descendants(self) -> list[int]:
        """This process and every process below it, right now."""
        me = psutil.Process(self.pid)
        return [self.pid, *(c.pid for c in me.children(recursive=True))]

    def write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)

    async def send(self, message: Mapping[str, Any]) -> None:
        self.write(json.dumps(message).encode() + b"\n")
        assert self.proc.stdin is not None
        await self.proc.stdin.drain()

    async def next(self, deadline: float = DEADLINE) -> Message | None:
        """The next line as a message (None at the end of stdout)."""
        assert self.proc.stdout is not None
        async with asyncio.timeout(deadline):
            line = await self.proc.stdout.readline()
        if not line:
            return None
        self.stdout += line
        message = json.loads(line)
        assert isinstance(message, dict), line
        self.seen.append(message)
        return message

    async def until(self, pred: Callable[[Message], bool], deadline: float = DEADLINE) -> Message:
        """Read until a message matches ``pred`` (within one deadline)."""
        async with asyncio.timeout(deadline):
            while True:
                message = await self.next(deadline)
                assert message is not None, f"stdout ended; stderr: {self.stderr.decode()}"
                if pred(message):
                    return message

    async def hello(self, **fields: Any) -> Message:
        await self.send({"op": "hello", "version": 1, "role": "client", **fields})
        answer = await self.next()
        assert answer is not None, self.stderr.decode()
        return answer

    async def request(self, op: str, rid: int | None = None, **fields: Any) -> Message:
        """Send a request and read until its reply (everything read on the way is kept)."""
        if rid is None:
            rid = next(_RIDS)
        await self.send({"op": op, "rid": rid, **fields})
        return await self.until(lambda m: m.get("op") == "reply" and m.get("rid") == rid)

    async def open(self, profile: Mapping[str, Any], **spec: Any) -> Message:
        """Hello, then ``open``: the reply's result (asserting it succeeded)."""
        assert (await self.hello())["op"] == "hello"
        answer = await self.request("open", spec=OpenSpec(profile=profile, **spec).to_wire())
        assert answer["ok"], answer
        result = answer["result"]
        assert isinstance(result, dict)
        return result

    async def turn(self, text: str, **fields: Any) -> Event:
        """``send`` and read until the turn's ``TurnEnded``."""
        answer = await self.request("send", text=text, **fields)
        assert answer["ok"], answer
        return await self.until_event(TurnEnded)

    async def until_event(self, kind: type[Event]) -> Any:
        found = await self.until(
            lambda m: m.get("op") == "event" and m["event"]["kind"] == kind.kind
        )
        return event_from_json(found["event"])

    def events(self) -> list[Event]:
        return [event_from_json(m["event"]) for m in self.seen if m.get("op") == "event"]

    def of(self, op: str) -> list[Message]:
        return [m for m in self.seen if m.get("op") == op]

    def end_input(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()

    async def exit_code(self, deadline: float = DEADLINE) -> int:
        async with asyncio.timeout(deadline):
            code = await self.proc.wait()
            await self._stderr
        return code

    async def rest(self, deadline: float = DEADLINE) -> list[Message]:
        """Everything until stdout ends."""
        out: list[Message] = []
        async with asyncio.timeout(deadline):
            while (message := await self.next(deadline)) is not None:
                out.append(message)
        return out

    def kill(self) -> None:
        with contextlib.suppress(psutil.NoSuchProcess):
            for pid in reversed(self.descendants()):
                with contextlib.suppress(psutil.NoSuchProcess):
                    psutil.Process(pid).kill()


def profile(name: str = "p", **fields: Any) -> dict[str, Any]:
    """A profile definition as the client sends it (camelCase keys)."""
    return {"name": name, **fields}
