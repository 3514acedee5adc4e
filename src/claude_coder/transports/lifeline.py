"""Children never outlive claude-coder: the parent-death signal and the whole-tree stop.

Claude Code runs in a session of its own (so a Ctrl-C at the terminal reaches only
claude-coder, which interrupts in protocol), and its tools run in sessions of THEIR own
(the Bash tool's shell is a session leader), so neither the terminal nor a signal to
Claude Code's process group reaches them. Two things make sure nothing is left:

- :func:`parent_death_arm`: a ``preexec_fn`` that asks the Linux kernel to send the
  child :data:`PARENT_DEATH_SIGNAL` when the thread that forked it dies (claude-coder
  forks on its event-loop thread, so that is when claude-coder or its loop ends, even by
  SIGKILL). SIGTERM, because Claude Code answers SIGTERM by ending its tool processes
  (measured on 2.1.331: the Bash tool's ``sleep`` is gone with it within 0.5 s).
  Elsewhere there is no such signal: the child sees end-of-file on its input, and the
  CLI's watchdog (:mod:`claude_coder.fleet._reaper`) stops what is left.
- :func:`stop_tree`: the bounded stop every close ends with. It notes every descendant
  of the child first (read from ``/proc`` on Linux), sends SIGTERM and SIGCONT to the
  child's process group (a stopped child is woken to act on it, never left stopped),
  waits, SIGKILLs the group, then SIGKILLs each noted descendant that is still the same
  process (same kernel start time: a reused pid is never hit).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "PARENT_DEATH_SIGNAL",
    "Proc",
    "descendants",
    "kill_leftovers",
    "parent_death_arm",
    "process_start_time",
    "signal_group",
    "stop_tree",
]

PARENT_DEATH_SIGNAL = signal.SIGTERM
_PR_SET_PDEATHSIG = 1


def parent_death_arm() -> Callable[[], None] | None:
    """A ``preexec_fn`` arming the parent-death signal, or None where there is none.

    Everything it needs is looked up here, before the fork: the child only calls
    ``prctl`` and compares its parent pid (a parent that died before the call has been
    replaced by a reaper, and the child signals itself).
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    parent, signo = os.getpid(), int(PARENT_DEATH_SIGNAL)
    kill, getppid, getpid = os.kill, os.getppid, os.getpid

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, signo, 0, 0, 0)
        if getppid() != parent:
            kill(getpid(), signo)

    return arm


@dataclass(frozen=True, slots=True)
class Proc:
    """A process as the kernel knows it: pid and start time (the pair never repeats)."""

    pid: int
    start: str


def _stat(pid: int | str) -> tuple[int, str, str] | None:
    """(parent pid, start time, state) of ``pid`` from ``/proc``; None when gone."""
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
        rest = data[data.rindex(b")") + 2 :].split()
        return int(rest[1]), rest[19].decode(), rest[0].decode()
    except (OSError, ValueError, IndexError):
        return None


def process_start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (clock ticks since boot); None if gone or a zombie."""
    stat = _stat(pid)
    return None if stat is None or stat[2] in ("Z", "X") else stat[1]


def descendants(pid: int) -> list[Proc]:
    """Every live process below ``pid`` (children first); empty where ``/proc`` is missing."""
    children: dict[int, list[Proc]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for name in entries:
        if not name.isdigit():
            continue
        stat = _stat(name)
        if stat is not None and stat[2] not in ("Z", "X"):
            children.setdefault(stat[0], []).append(Proc(int(name), stat[1]))
    found: list[Proc] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(0), []):
            if child not in found:
                found.append(child)
                todo.append(child.pid)
    return found


def _same(proc: Proc) -> bool:
    return process_start_time(proc.pid) == proc.start


def signal_group(pid: int, *signals: signal.Signals) -> None:
    """Send ``signals`` to the process group led by ``pid`` and to ``pid`` itself."""
    for sig in signals:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


async def stop_tree(pid: int, exited: Callable[[float], Awaitable[bool]], grace: float) -> None:
    """Stop ``pid``, its process group and every descendant (see the module docstring).

    ``exited(seconds)`` waits up to that long for ``pid`` to exit and says whether it did.
    """
    tree = descendants(pid)
    if not await exited(0):
        signal_group(pid, signal.SIGTERM, signal.SIGCONT)
        if not await exited(grace):
            tree += [p for p in descendants(pid) if p not in tree]
            signal_group(pid, signal.SIGKILL)
            await exited(5.0)
    kill_leftovers(tree)
    await asyncio.sleep(0)


def kill_leftovers(tree: list[Proc]) -> None:
    """SIGKILL each process of ``tree`` that is still the same process."""
    for proc in tree:
        if _same(proc):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(proc.pid, signal.SIGKILL)
