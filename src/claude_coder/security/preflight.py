"""The login preflight: prove the subscription login before a session's first prompt.

Called at the start of every session on both transports (:func:`prove_login`), before
the SDK child gets its first message and before the PTY child gets its first keystroke:

1. every settings file the child would load is checked
   (:func:`claude_coder.security.settings.check_settings`);
2. the same binary runs once in stream-json with the session's environment, cwd and
   settings flags, no transcript (``--no-session-persistence``) and no MCP server. It
   is sent ``initialize`` (the answer's ``account`` must pass
   :func:`~claude_coder.security.proof.check_account`) and then the local ``/cost``
   command, which Claude Code answers itself without a model request but only after
   its ``system/init`` (which must pass
   :func:`~claude_coder.security.proof.check_system_init`). Then the child is killed.

Claude Code sends ``system/init`` only with a turn, so this is the only way to read
``served_by_anthropic`` before a prompt could leave. Nothing here sends a prompt. The
child's stderr is kept only as a short tail for the error when the child dies early, and
only when the caller gives a ``redact`` function for it (else it is never shown).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from claude_coder.errors import ChildExited, LoginNotProven
from claude_coder.security.proof import check_account, check_system_init
from claude_coder.security.settings import check_settings

__all__ = ["PREFLIGHT_COMMAND", "preflight_argv", "prove_login"]

PREFLIGHT_COMMAND = "/cost"
"""A local command: Claude Code answers it with no request to the model."""

_CARRIED_FLAGS = ("--settings", "--setting-sources")
_NO_MCP = json.dumps({"mcpServers": {}})


def preflight_argv(binary: str, argv: Sequence[str]) -> list[str]:
    """The preflight's argv: stream-json, no transcript, no MCP, the session's settings flags."""
    out = [
        binary,
        "--output-format",
        "stream-json",
        "--verbose",
        "--input-format",
        "stream-json",
        "--no-session-persistence",
        "--strict-mcp-config",
        "--mcp-config",
        _NO_MCP,
    ]
    args = list(argv)
    for i, arg in enumerate(args):
        if arg in _CARRIED_FLAGS and i + 1 < len(args):
            out += [arg, args[i + 1]]
        elif arg.startswith(tuple(f"{f}=" for f in _CARRIED_FLAGS)):
            out.append(arg)
    return out


def _line(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj) + "\n").encode()


_TAIL = 2048
"""Bytes of the child's stderr kept for an early-exit error."""


class _Child:
    """The preflight child and the tail of what it wrote to stderr."""

    def __init__(
        self,
        proc: asyncio.subprocess.Process,
        redact: Callable[[str], str] | None,
        keep_tail: Callable[[str], None] | None = None,
    ):
        self.proc = proc
        self.redact = redact
        self.keep_tail = keep_tail
        self.tail = b""
        self.drained = asyncio.Event()

    async def drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        try:
            while chunk := await self.proc.stderr.read(4096):
                self.tail = (self.tail + chunk)[-_TAIL:]
                if self.keep_tail is not None and self.redact is not None:
                    self.keep_tail(self.redact(self.tail.decode("utf-8", "replace").strip()))
        finally:
            self.drained.set()

    async def exited(self) -> ChildExited:
        """A child that died before reporting its login crashed: a runtime error (exit 1)."""
        code = await self.proc.wait()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                await self.drained.wait()
        text = self.tail.decode("utf-8", "replace").strip()
        said = f": {self.redact(text)}" if text and self.redact is not None else ""
        return ChildExited(
            f"Claude Code exited with code {code} before reporting its login{said}",
            returncode=code,
        )

    async def write(self, line: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(line)
            await self.proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            raise await self.exited() from None


async def _next(child: _Child) -> dict[str, Any]:
    proc = child.proc
    assert proc.stdout is not None
    while True:
        raw = await proc.stdout.readline()
        if not raw:
            raise await child.exited()
        with contextlib.suppress(json.JSONDecodeError):
            msg = json.loads(raw.decode("utf-8", "replace"))
            if isinstance(msg, dict):
                return msg


async def _converse(child: _Child) -> dict[str, Any]:
    init = {"subtype": "initialize", "hooks": None}
    await child.write(
        _line({"type": "control_request", "request_id": "preflight", "request": init})
    )
    answer: Any = None
    while True:
        msg = await _next(child)
        if msg.get("type") == "control_response":
            response = msg.get("response") or {}
            answer = response.get("response") if isinstance(response, dict) else None
            check_account(answer if isinstance(answer, dict) else None)
            break
    user = {"role": "user", "content": PREFLIGHT_COMMAND}
    turn = {"type": "user", "message": user, "parent_tool_use_id": None, "session_id": "default"}
    await child.write(_line(turn))
    while True:
        msg = await _next(child)
        if msg.get("type") == "system" and msg.get("subtype") == "init":
            check_system_init(msg)
            return dict(answer or {})
        if msg.get("type") == "result":
            raise LoginNotProven(
                "Claude Code answered without reporting its login (no system/init)",
                variable="system/init",
                source="Claude Code",
            )


async def prove_login(
    binary: str,
    argv: Sequence[str],
    env: Mapping[str, str],
    cwd: str,
    *,
    timeout: float | None = 60.0,  # noqa: ASYNC109
    redact: Callable[[str], str] | None = None,
    keep_tail: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Check the settings files, then run the preflight; return the initialize answer.

    Raises :class:`~claude_coder.errors.SettingsRefused` or
    :class:`~claude_coder.errors.LoginNotProven` (both exit 2). The child is killed and
    reaped on every path. ``redact`` masks the child's stderr tail before an early-exit
    error shows it; without it the tail is never shown. ``keep_tail`` is given the masked
    tail as it grows (so a caller whose own deadline cancels the preflight can still say
    what the child wrote).
    """
    check_settings(cwd, env, argv)
    try:
        proc = await asyncio.create_subprocess_exec(
            *preflight_argv(binary, argv),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            limit=32 * 1024 * 1024,
            start_new_session=True,
        )
    except OSError as exc:
        raise LoginNotProven(
            f"could not run {binary} to check its login ({exc.strerror})",
            variable="preflight",
            source="Claude Code",
        ) from None
    child = _Child(proc, redact, keep_tail)
    drain = asyncio.create_task(child.drain_stderr())  # owned here: cancelled below
    try:
        async with asyncio.timeout(timeout):
            return await _converse(child)
    except TimeoutError:
        raise LoginNotProven(
            f"Claude Code did not report its login within {timeout or 0:g}s",
            variable="preflight",
            source="Claude Code",
        ) from None
    finally:
        drain.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await drain
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        await asyncio.shield(proc.wait())
