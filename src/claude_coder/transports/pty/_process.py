"""A child process in a pseudo-terminal, its output rendered and recognised as it arrives.

:class:`TerminalProcess` spawns with ``ptyprocess`` (the environment and argv come from
the caller, i.e. a LaunchSpec), reads the PTY on the event loop, feeds every chunk to a
:class:`~claude_coder.transports.pty.screen.TerminalScreen` and to raw-bytes listeners, and
lets callers wait, with a deadline, until the recognised screen satisfies a predicate.
Closing escalates terminate -> kill and reaps the child: nothing is left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import signal
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import ptyprocess

from claude_coder.errors import ChildExited
from claude_coder.transports.lifeline import descendants, kill_leftovers, parent_death_arm
from claude_coder.transports.pty.screen import Recognition, Snapshot, TerminalScreen, recognise
from claude_coder.transports.pty.screen.terminal import DEFAULT_COLUMNS, DEFAULT_LINES

__all__ = ["ChildExited", "TerminalProcess"]

_READ_SIZE = 65536


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the process group led by ``pid``, and ``pid`` itself (it may have left)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class TerminalProcess:
    """One child on a PTY with a virtual screen. Create, ``start()``, use, ``close()``."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: str,
        *,
        columns: int = DEFAULT_COLUMNS,
        lines: int = DEFAULT_LINES,
    ) -> None:
        self.argv = list(argv)
        self._env = dict(env)
        self.cwd = cwd
        self.screen = TerminalScreen(columns, lines)
        self.raw_listeners: list[Callable[[bytes], None]] = []
        self.change_listeners: list[Callable[[], None]] = []
        self._proc: ptyprocess.PtyProcess | None = None
        self._changed = asyncio.Event()
        self._eof = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._recognised: tuple[int, Recognition] | None = None
        self.last_output = 0.0

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else int(self._proc.pid)

    @property
    def stopped(self) -> bool:
        """The child is stopped (SIGSTOP, or a job-control stop): it reads no key."""
        if self._proc is None or self.exited:
            return False
        try:
            stat = Path(f"/proc/{self._proc.pid}/stat").read_text()
        except OSError:
            return False
        return stat.rpartition(")")[2].split()[:1] in (["T"], ["t"])

    @property
    def exited(self) -> bool:
        """The PTY reached end of file (the child and its terminal are gone)."""
        return self._eof.is_set()

    def start(self) -> None:
        """Spawn the child and start reading its terminal."""
        self._loop = asyncio.get_running_loop()
        self._proc = ptyprocess.PtyProcess.spawn(
            self.argv,
            cwd=self.cwd,
            env=self._env,
            dimensions=(self.screen.lines, self.screen.columns),
            preexec_fn=parent_death_arm(),
        )
        os.set_blocking(self._proc.fd, False)
        self._loop.add_reader(self._proc.fd, self._on_readable)
        self.last_output = self._loop.time()

    def _on_readable(self) -> None:
        assert self._proc is not None and self._loop is not None
        try:
            data = os.read(self._proc.fd, _READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._loop.remove_reader(self._proc.fd)
            self._eof.set()
            self._wake()
            return
        self.last_output = self._loop.time()
        for listener in list(self.raw_listeners):
            listener(data)
        if self.screen.feed(data):
            self._wake()
            for callback in list(self.change_listeners):
                callback()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # -- reading -----------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        return self.screen.snapshot()

    def recognition(self) -> Recognition:
        """The verdict on the current screen (computed once per screen version)."""
        version = self.screen.version
        if self._recognised is None or self._recognised[0] != version:
            self._recognised = (version, recognise(self.screen.snapshot()))
        return self._recognised[1]

    async def wait_for(
        self,
        predicate: Callable[[Recognition], bool],
        within: float,
        *,
        settle: float = 0.08,
        what: str = "the expected screen",
    ) -> Recognition:
        """Wait until the screen satisfies ``predicate`` and has stopped changing.

        The match must hold after ``settle`` seconds without output (a half-drawn screen
        is never acted on); a screen that keeps changing (a spinner) is accepted once it
        has matched for a whole ``4 * settle``. Raises ``TimeoutError`` at the deadline and
        :class:`ChildExited` when the terminal closes first.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        matched_since: float | None = None
        while True:
            event = self._changed
            found = self.recognition()
            now = loop.time()
            if predicate(found):
                matched_since = now if matched_since is None else matched_since
                quiet = now - self.last_output
                if quiet >= settle or now - matched_since >= 4 * settle or self.exited:
                    return found
                pause = settle - quiet
            else:
                matched_since = None
                if self.exited:
                    raise ChildExited(f"Claude Code exited while waiting for {what}")
                pause = deadline - now
            if now >= deadline:
                raise TimeoutError(f"timed out waiting for {what}")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.005, min(pause, deadline - now))):
                    await event.wait()

    async def wait_eof(self, within: float) -> bool:
        """Wait until the terminal closes; False at the deadline."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._eof.wait()
        return self.exited

    # -- writing -----------------------------------------------------------------------

    async def write(self, data: bytes, within: float = 10.0) -> None:
        """Send bytes to the child's terminal (keys, pastes), within ``within`` seconds."""
        proc = self._proc
        if proc is None or self.exited:
            raise ChildExited("Claude Code is not running")
        loop = asyncio.get_running_loop()
        view = memoryview(data)
        async with asyncio.timeout(within):
            while view:
                try:
                    view = view[os.write(proc.fd, view) :]
                    continue
                except BlockingIOError:
                    pass
                except OSError as exc:
                    raise ChildExited(f"Claude Code's terminal is gone ({exc})") from None
                ready: asyncio.Future[None] = loop.create_future()
                loop.add_writer(proc.fd, _resolve, ready)
                try:
                    await ready
                finally:
                    loop.remove_writer(proc.fd)

    def resize(self, columns: int, lines: int) -> None:
        """Resize the terminal (the child gets SIGWINCH) and the virtual screen."""
        self.screen.resize(columns, lines)
        if self._proc is not None and not self.exited:
            self._proc.setwinsize(lines, columns)

    # -- ending ------------------------------------------------------------------------

    def returncode(self) -> int | None:
        """The exit status once reaped (negative: killed by that signal)."""
        proc = self._proc
        if proc is None or proc.isalive():
            return None
        if proc.signalstatus is not None:
            return -int(proc.signalstatus)
        return None if proc.exitstatus is None else int(proc.exitstatus)

    async def terminate(self, grace: float = 3.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds, to the child's whole process
        group (the PTY made it a session leader, so its helpers share the group); then
        whatever of the group outlived its leader is killed, and the leader is reaped.

        The group is signalled while the leader is unreaped (at worst a zombie), so its
        pid, which names the group, cannot have been reused by another process.
        """
        proc = self._proc
        if proc is None:
            return
        tree = descendants(proc.pid)  # tools run in sessions of their own
        try:
            pidfd: int | None = os.pidfd_open(proc.pid)
        except OSError:
            pidfd = None  # already reaped: nothing left to signal safely
        if pidfd is not None:
            try:
                for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
                    if await _exited(pidfd, 0):
                        break
                    _signal_group(proc.pid, sig)
                    _signal_group(proc.pid, signal.SIGCONT)  # a stopped child acts on it
                    if await _exited(pidfd, wait):
                        break
                _signal_group(proc.pid, signal.SIGKILL)
            finally:
                os.close(pidfd)
        proc.isalive()  # reaps it
        kill_leftovers(tree)
        if self._loop is not None and not self._eof.is_set():
            self._loop.remove_reader(proc.fd)
            self._eof.set()
            self._wake()
        with contextlib.suppress(OSError):
            proc.close(force=True)


async def _exited(pidfd: int, within: float) -> bool:
    """Whether the process behind ``pidfd`` has exited, waiting up to ``within`` s."""
    if select.select([pidfd], [], [], 0)[0]:
        return True
    if within <= 0:
        return False
    loop = asyncio.get_running_loop()
    gone: asyncio.Future[None] = loop.create_future()
    loop.add_reader(pidfd, _resolve, gone)
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await gone
    finally:
        loop.remove_reader(pidfd)
    return gone.done()
