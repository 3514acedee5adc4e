"""One ``claude-coder serve --stdio`` connection: the hello, then what its first request asks.

The client's ``hello`` must speak :data:`PROTOCOL_VERSION`, else an ``error`` answers it
and the connection ends. Then the first request decides:

- ``open``: launch the member (:mod:`claude_coder.serve._member`), start it within the
  start deadline, and become its keeper (:mod:`claude_coder.serve._keeper`); a refusal
  (no login, a credential in the way, a bad profile) is the ``open``'s error reply;
- ``attach``: relay this connection to the keeper that holds the handle
  (:mod:`claude_coder.serve._relay`);
- ``call``: one-shot calls (:func:`claude_coder.serve.calls.answer_call`), answered
  until the client hangs up.

A line that is not a message is answered with an ``error`` and skipped.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import socket
from typing import Any

from claude_coder.errors import ClaudeCoderError, ConfigError, HostError, TransportError
from claude_coder.security import Redactor
from claude_coder.serve._keeper import Keeper
from claude_coder.serve._lines import BadLine, Lines, error_message, reply, reply_error
from claude_coder.serve._member import launch_member
from claude_coder.serve._relay import relay
from claude_coder.serve.calls import answer_call
from claude_coder.session._launch import start_error
from claude_coder.transports.base import TransportHooks
from claude_coder.transports.remote._protocol import (
    PROTOCOL_VERSION,
    OpenSpec,
    hello,
    package_version,
)

__all__ = ["START_S", "serve_connection"]

_log = logging.getLogger(__name__)

START_S = 90.0
"""The start deadline of the member's Claude Code (a local session's default)."""

Message = dict[str, Any]


async def serve_connection(lines: Lines) -> int:
    """Serve the client on ``lines`` to the end; the process's exit code."""
    try:
        if not await _greet(lines):
            return 2
        first = await _request(lines)
        if first is None:
            return 0
        op = first["op"]
        if op == "open":
            return await _open(lines, first)
        if op == "attach":
            return await relay(lines, first)
        if op == "call":
            return await _calls(lines, first)
        error = TransportError(f"unknown first request {op[:40]!r}: open, attach or call")
        lines.send(reply_error(first.get("rid"), error))
        return 2
    finally:
        await lines.aclose()


async def _request(lines: Lines) -> Message | None:
    """The next message, answering (and skipping) lines that are not one."""
    while True:
        try:
            return await lines.read()
        except BadLine as exc:
            lines.send(error_message(exc))
            if exc.fatal:
                return None


async def _greet(lines: Lines) -> bool:
    first = await _request(lines)
    if first is None:
        return False
    if first["op"] != "hello":
        lines.send(error_message(TransportError('a connection starts with {"op": "hello"}')))
        return False
    version = first.get("version")
    if version != PROTOCOL_VERSION:
        mine = package_version()
        theirs = str(first.get("claude_coder", "?"))[:40]
        name = socket.gethostname()
        lines.send(
            error_message(
                HostError(
                    f"claude-coder {mine} here speaks protocol {PROTOCOL_VERSION}; the client "
                    f"(claude-coder {theirs}) speaks protocol {str(version)[:20]}: install "
                    "the same version on both",
                    host=name,
                )
            )
        )
        return False
    lines.send(hello("host", hostname=socket.gethostname(), python=platform.python_version()))
    return True


async def _open(lines: Lines, request: Message) -> int:
    rid = request.get("rid")
    early = Redactor()
    try:
        wire = request.get("spec")
        if not isinstance(wire, dict):
            raise ValueError("it needs a spec object")
        spec = OpenSpec.from_wire(wire)
    except ValueError as exc:
        lines.send(reply_error(rid, ConfigError(f"the open request is not valid: {exc}")))
        return 2
    for value in spec.secrets.values():
        early.add(value)
    try:
        transport, redactor, cwd = launch_member(spec)
    except ClaudeCoderError as exc:
        lines.send(reply_error(rid, early.exception(exc)))
        return exc.exit_code
    keeper = Keeper(transport, redactor, spec, cwd)
    transport.bind(TransportHooks(keeper.on_permission, keeper.on_question))
    try:
        await _start(keeper)
        await keeper.listen()
    except BaseException as exc:
        await _abandon(keeper)
        error = exc if isinstance(exc, ClaudeCoderError) else TransportError(str(exc))
        lines.send(reply_error(rid, redactor.exception(error)))
        if not isinstance(exc, Exception):
            raise
        return error.exit_code
    lines.send(reply(rid, keeper.opened()))
    await keeper.serve(lines)
    return 0


async def _start(keeper: Keeper) -> None:
    try:
        async with asyncio.timeout(START_S):
            await keeper.transport.start()
    except BaseException as exc:
        raise start_error(exc, START_S, keeper.redactor, keeper.transport) from exc


async def _abandon(keeper: Keeper) -> None:
    try:
        async with asyncio.timeout(30.0):
            await asyncio.shield(keeper.transport.close())
    except Exception as exc:
        _log.warning("closing Claude Code failed: %s", keeper.redactor.text(str(exc)))


async def _calls(lines: Lines, request: Message | None) -> int:
    while request is not None:
        rid = request.get("rid")
        if request["op"] != "call":
            lines.send(reply_error(rid, TransportError("this connection takes only calls")))
        else:
            lines.send(await _call(rid, request))
        await lines.drain()
        request = await _request(lines)
    return 0


async def _call(rid: Any, request: Message) -> Message:
    what, args = request.get("what"), request.get("args") or {}
    try:
        if not isinstance(what, str) or not isinstance(args, dict):
            raise TransportError("a call needs what (a string) and args (an object)")
        return reply(rid, await answer_call(what, args))
    except ClaudeCoderError as exc:
        return reply_error(rid, exc)
