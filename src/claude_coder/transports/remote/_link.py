"""HostLink: one ``ssh -T`` child to a host running ``claude-coder serve --stdio``.

The link spawns ssh (its environment built only by :func:`claude_coder.security.ssh_env`),
exchanges hellos, then carries JSON lines (:mod:`._protocol`) both ways. A host that
cannot be used fails ``connect`` with a one-line :class:`~claude_coder.errors.HostError`
naming it and saying what to do: unreachable (ssh exits 255), no claude-coder there
(exit 127 or "not found"), another protocol version. ssh's stderr is kept (a bounded,
redacted tail) for those messages. :func:`call_host` is a one-shot call on a host.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import shlex
import signal
from collections import deque
from collections.abc import Mapping
from typing import Any

from claude_coder.errors import HostError
from claude_coder.security import Redactor, ssh_env
from claude_coder.transports.remote._protocol import (
    LINE_LIMIT,
    check_hello,
    decode,
    encode,
    error_from_wire,
    hello,
)

__all__ = [
    "DEFAULT_REMOTE_COMMAND",
    "SSH_CONFIG_ENV",
    "SSH_PROGRAM_ENV",
    "HostLink",
    "call_host",
    "remote_shell_command",
    "ssh_argv",
]

SSH_CONFIG_ENV = "CLAUDE_CODER_SSH_CONFIG"
"""Names an ssh config file passed as ``-F`` (the tests use it; users rarely need it)."""
SSH_PROGRAM_ENV = "CLAUDE_CODER_SSH"
"""Replaces the ``ssh`` program (split with shlex)."""
DEFAULT_REMOTE_COMMAND = "claude-coder"
SSH_OPTIONS: tuple[str, ...] = (
    "-T",
    "-o",
    "BatchMode=yes",
    "-o",
    "ServerAliveInterval=5",
    "-o",
    "ServerAliveCountMax=3",
)
_log = logging.getLogger(__name__)
_TAIL_LINES = 20
_TAIL_LINE_CHARS = 300
_NOISE_LINES = 50
"""Lines that are not messages (a login shell's greeting) skipped before the hello."""
_CLOSE_WAIT = 5.0


def _quote_command(command: str) -> str:
    """``command`` as one shell word, keeping a leading ``~/`` expandable."""
    if command.startswith("~/"):
        return "~/" + shlex.quote(command[2:])
    return shlex.quote(command)


def remote_shell_command(remote_command: str | None) -> str:
    """What ssh asks the host to run: a login shell (so the host's ``~/.profile`` PATH
    finds a pipx/uv install) that execs ``<remoteCommand> serve --stdio``."""
    inner = f"exec {_quote_command(remote_command or DEFAULT_REMOTE_COMMAND)} serve --stdio"
    return f'exec "${{SHELL:-/bin/sh}}" -lc {shlex.quote(inner)}'


def ssh_argv(
    host: str, remote_command: str | None, environ: Mapping[str, str] | None = None
) -> list[str]:
    """The ssh command line for ``host``; ``--`` keeps the host from being an option."""
    env = os.environ if environ is None else environ
    program = shlex.split(env.get(SSH_PROGRAM_ENV) or "") or ["ssh"]
    config = env.get(SSH_CONFIG_ENV)
    return [
        *program,
        *SSH_OPTIONS,
        *(["-F", config] if config else []),
        "--",
        host,
        remote_shell_command(remote_command),
    ]


class HostLink:
    """One connection to a host's ``claude-coder serve --stdio`` over ssh."""

    def __init__(
        self, host: str, proc: asyncio.subprocess.Process, redactor: Redactor | None = None
    ) -> None:
        """Not for callers: use :meth:`connect`."""
        self.host = host
        self.hello: dict[str, Any] = {}
        self._proc = proc
        self._redactor = redactor or Redactor()
        self._tail: deque[str] = deque(maxlen=_TAIL_LINES)
        self._stderr = asyncio.create_task(self._read_stderr(), name=f"ssh-stderr-{host}")
        self._rids = itertools.count(1)
        self._write_lock = asyncio.Lock()

    @property
    def pid(self) -> int:
        """The ssh child's pid (its own process group)."""
        return self._proc.pid

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode

    def next_rid(self) -> int:
        return next(self._rids)

    @classmethod
    async def connect(
        cls,
        host: str,
        *,
        remote_command: str | None = None,
        connect_timeout: float = 30.0,
        redactor: Redactor | None = None,
    ) -> HostLink:
        """Spawn ssh to ``host`` and exchange hellos; raises :class:`HostError` (one line)."""
        argv = ssh_argv(host, remote_command)
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=ssh_env(),
                start_new_session=True,
                limit=LINE_LIMIT,
            )
        except OSError as exc:
            raise HostError(
                f"cannot reach host {host!r}: {argv[0]} could not run ({exc.strerror}); "
                f"install OpenSSH's client or fix ${SSH_PROGRAM_ENV}",
                host=host,
            ) from None
        link = cls(host, proc, redactor)
        try:
            async with asyncio.timeout(connect_timeout):
                await link._handshake()
        except TimeoutError:
            await link.close()
            raise HostError(
                f"host {host!r} did not answer within {connect_timeout:g}s"
                f"{link._said()}; check `ssh {host}` works with BatchMode",
                host=host,
            ) from None
        except BaseException:
            await link.close()
            raise
        return link

    async def _handshake(self) -> None:
        try:
            await self.send(hello("client"))
        except HostError:  # ssh already exited (unreachable, refused): say why it did
            raise await self._refusal() from None
        for _ in range(_NOISE_LINES):
            line = await self._readline()
            if line is None:
                raise await self._refusal()
            try:
                message = decode(line)
            except ValueError:
                continue
            check_hello(message, self.host)
            self.hello = message
            return
        check_hello({"op": "noise"}, self.host)

    async def _refusal(self) -> HostError:
        """Why ssh ended before a hello: the one-line error for its exit."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_CLOSE_WAIT):
                await self._proc.wait()
                await asyncio.wait({self._stderr})
        code, host, last = self._proc.returncode, self.host, self.last_stderr()
        if code == 255:
            return HostError(
                f"host {host!r} is unreachable over ssh: {last or 'ssh exited 255'}; check "
                f"`ssh {host}` works with BatchMode (keys, ~/.ssh/config)",
                host=host,
            )
        if code == 127 or "not found" in last.lower():
            return HostError(
                f"host {host!r} has no claude-coder on its PATH: install it there (pipx "
                "install claude-coder) or set the profile's remoteCommand",
                host=host,
            )
        return HostError(
            f"host {host!r} closed the connection before claude-coder answered "
            f"(exit {code}){self._said()}; try `ssh {host} claude-coder --version`",
            host=host,
        )

    def last_stderr(self) -> str:
        """ssh's (or the host shell's) last non-empty stderr line, redacted."""
        return self._tail[-1] if self._tail else ""

    def _said(self) -> str:
        last = self.last_stderr()
        return f": {last}" if last else ""

    async def _read_stderr(self) -> None:
        stream = self._proc.stderr
        assert stream is not None
        while True:
            try:
                raw = await stream.readline()
            except (ValueError, asyncio.LimitOverrunError):
                continue
            if not raw:
                return
            text = raw.decode("utf-8", "replace").strip()
            if text:
                self._tail.append(self._redactor.text(text)[:_TAIL_LINE_CHARS])

    async def _readline(self) -> bytes | None:
        stream = self._proc.stdout
        assert stream is not None
        try:
            line = await stream.readline()
        except (ValueError, asyncio.LimitOverrunError):
            raise HostError(
                f"host {self.host!r} sent a line over {LINE_LIMIT} bytes", host=self.host
            ) from None
        except (ConnectionError, OSError):
            return None
        return line or None

    async def send(self, message: Mapping[str, Any]) -> None:
        """Write one message; :class:`HostError` when the connection is gone."""
        stdin = self._proc.stdin
        assert stdin is not None
        async with self._write_lock:
            try:
                stdin.write(encode(message))
                await stdin.drain()
            except (ConnectionError, OSError, RuntimeError):
                raise HostError(
                    f"the connection to host {self.host!r} is closed", host=self.host
                ) from None

    async def receive(self) -> dict[str, Any] | None:
        """The next message from the host; None at EOF (ssh gone).

        A line that is not a message is skipped (the host never sends one)."""
        while True:
            line = await self._readline()
            if line is None:
                return None
            try:
                return decode(line)
            except ValueError:
                continue

    async def request(self, op: str, **fields: Any) -> Any:
        """Send ``op`` with a fresh rid and wait for its reply (for one-shot use: other
        messages before it are dropped). Returns the result or raises the host's error."""
        rid = self.next_rid()
        await self.send({"op": op, "rid": rid, **fields})
        while True:
            message = await self.receive()
            if message is None:
                raise HostError(
                    f"host {self.host!r} hung up before answering {op!r}{self._said()}",
                    host=self.host,
                )
            if message.get("op") == "reply" and message.get("rid") == rid:
                if message.get("ok"):
                    return message.get("result")
                raise error_from_wire(message.get("error") or {}, self.host)

    async def close(self) -> None:
        """End the connection: EOF to the host, then wait (bounded) and kill ssh's
        process group if it lingers. Shielded; leaves no process."""
        await asyncio.shield(self._close())

    async def _close(self) -> None:
        stdin = self._proc.stdin
        if stdin is not None and not stdin.is_closing():
            with contextlib.suppress(ConnectionError, OSError, RuntimeError):
                stdin.close()
        if not await self._exited(_CLOSE_WAIT):
            self.kill()
            if not await self._exited(_CLOSE_WAIT):
                _log.warning("ssh to %s (pid %d) did not end when killed", self.host, self.pid)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                await asyncio.wait({self._stderr})
        self._stderr.cancel()

    async def _exited(self, within: float) -> bool:
        """Whether ssh ended within ``within`` seconds (its pipes may stay open in a
        process it left behind: the exit status is what counts)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._proc.wait()
        return self._proc.returncode is not None

    def kill(self) -> None:
        """Stop ssh now (its whole process group); :meth:`close` still reaps it."""
        if self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)


async def call_host(
    host: str,
    what: str,
    args: Mapping[str, Any] | None = None,
    *,
    remote_command: str | None = None,
    timeout: float = 60.0,  # noqa: ASYNC109  (the call's whole deadline, as documented)
) -> Any:
    """Connect to ``host``, make one ``call`` (``what`` with ``args``), close; returns its
    JSON result or raises the host's error (as its own class where it can)."""
    link = await HostLink.connect(host, remote_command=remote_command, connect_timeout=timeout)
    try:
        async with asyncio.timeout(timeout):
            return await link.request("call", what=what, args=dict(args or {}))
    except TimeoutError:
        raise HostError(
            f"host {host!r} did not answer the {what!r} call within {timeout:g}s", host=host
        ) from None
    finally:
        await link.close()
