"""Children die with the fleet: a watchdog that stops members' Claude Code if the manager dies.

Claude Code children run in their own process groups (so a Ctrl-C reaches claude-coder,
which interrupts in protocol), which also means nothing stops them if the manager
process is killed outright (SIGKILL, OOM). The fleet therefore starts one tiny watchdog
process (the standard library only, an EMPTY environment, its own session, SIGINT
ignored) and tells it each member's child pid and start time over a pipe. When the
pipe reaches end-of-file without a clean goodbye (the manager is gone), the watchdog
sends SIGTERM (and SIGCONT, so a stopped child acts on it) to each child's process
group that is still the same process (same start time, so a reused pid is never hit),
waits a grace period, then SIGKILLs what is left, and exits. (Claude Code ends its own
tool processes on SIGTERM.) On a clean shutdown the fleet says goodbye and the watchdog exits
without touching anything. Linux only (it reads ``/proc``); elsewhere it is disabled.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys

from claude_coder.transports.lifeline import process_start_time

__all__ = ["ChildReaper", "process_start_time"]

_log = logging.getLogger(__name__)

_WATCHDOG = r"""
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
def started(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
        return data[data.rindex(b")") + 2:].split()[19].decode()
    except (OSError, ValueError, IndexError):
        return None
def stop(pid, sig):
    for s in (sig, signal.SIGCONT):
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, s)
            else:
                os.kill(pid, s)
        except OSError:
            pass
watched = {}
clean = False
while True:
    line = sys.stdin.readline()
    if not line:
        break
    op, _, arg = line.strip().partition(" ")
    if op == "+":
        pid, start = arg.split()
        watched[int(pid)] = start
    elif op == "-":
        watched.pop(int(arg), None)
    elif op == "bye":
        clean = True
        break
if not clean:
    live = {p for p, s in watched.items() if started(p) == s}
    for pid in live:
        stop(pid, signal.SIGTERM)
    deadline = time.monotonic() + float(sys.argv[1])
    while live and time.monotonic() < deadline:
        time.sleep(0.05)
        live = {p for p in live if started(p) == watched[p]}
    for pid in live:
        stop(pid, signal.SIGKILL)
"""


class ChildReaper:
    """The manager's end of the watchdog pipe."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self._proc = proc
        self._watched: set[int] = set()

    @classmethod
    def start(cls, grace: float = 3.0) -> ChildReaper | None:
        """Start the watchdog; None where it cannot work (no ``/proc``) or fails to start."""
        if not sys.platform.startswith("linux") or process_start_time(os.getpid()) is None:
            return None
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _WATCHDOG, str(grace)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={},
                cwd="/",
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            _log.warning("could not start the fleet's child watchdog: %s", exc)
            return None
        return cls(proc)

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def watched(self) -> frozenset[int]:
        return frozenset(self._watched)

    def watch(self, pid: int | None) -> None:
        """Stop ``pid`` (and its process group) if the manager dies."""
        if pid is None or pid in self._watched:
            return
        start = process_start_time(pid)
        if start is not None and self._say(f"+ {pid} {start}"):
            self._watched.add(pid)

    def forget(self, pid: int | None) -> None:
        if pid is not None and pid in self._watched:
            self._watched.discard(pid)
            self._say(f"- {pid}")

    def close(self, timeout: float = 5.0) -> None:
        """Clean goodbye: the watchdog exits without stopping anything (blocking, bounded)."""
        self._say("bye")
        with contextlib.suppress(OSError):
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def _say(self, line: str) -> bool:
        stdin = self._proc.stdin
        if stdin is None or stdin.closed:
            return False
        try:
            stdin.write(line.encode("ascii") + b"\n")
            stdin.flush()
        except OSError as exc:
            _log.warning("the fleet's child watchdog is gone: %s", exc)
            return False
        return True
