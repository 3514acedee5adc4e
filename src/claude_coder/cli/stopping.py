"""SIGTERM and SIGHUP end a command cleanly: Claude Code is closed, the exit code says why.

``timeout``, ``systemctl stop``, ``docker stop`` and a closed terminal send SIGTERM or
SIGHUP. :func:`run_stoppable` runs a command's coroutine so that the first of these
signals stops it the way the person leaving would (the main task is cancelled, so every
``async with`` around a session or fleet closes it, and closing stops Claude Code's
whole process tree), then exits ``128 + signal`` (143, 129). A second signal changes
nothing: the close is already under way and bounded. While the command runs, a watchdog
process (:class:`~claude_coder.fleet._reaper.ChildReaper`) is told each Claude Code
child, so even a SIGKILL of claude-coder leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from claude_coder.fleet._reaper import ChildReaper

__all__ = ["STOP_SIGNALS", "Stopper", "child_pid", "run_stoppable"]

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Stopper:
    """What a command's coroutine sees of the stop: the signal, the reaper, a hook."""

    def __init__(self, reaper: ChildReaper | None) -> None:
        self.signum: int | None = None
        self.reaper = reaper
        self.on_stop: Callable[[], object] | None = None
        """Called instead of cancelling the main task (a TUI exits its app)."""

    def watch(self, pid: int | None) -> None:
        """Have the watchdog stop ``pid``'s tree if claude-coder dies without closing it."""
        if self.reaper is not None:
            self.reaper.watch(pid)


def child_pid(session: object) -> int | None:
    """The Claude Code child's pid of a session (either transport), if it has one."""
    pid = getattr(getattr(session, "transport", None), "pid", None)
    return pid if isinstance(pid, int) else None


Main = Callable[[Stopper], Coroutine[Any, Any, int]]


async def _guarded(main: Main, stopper: Stopper, reap: bool) -> int:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    reaper = await asyncio.to_thread(ChildReaper.start) if reap else None
    stopper.reaper = reaper

    def on_signal(signum: int) -> None:
        if stopper.signum is not None:
            return
        stopper.signum = signum
        if stopper.on_stop is not None:
            stopper.on_stop()
        else:
            task.cancel()

    installed = []
    for sig in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, on_signal, int(sig))
            installed.append(sig)
    try:
        code = await main(stopper)
    except asyncio.CancelledError:
        if stopper.signum is None:
            raise
        code = 0
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        if reaper is not None:
            await asyncio.to_thread(reaper.close)
    return 128 + stopper.signum if stopper.signum is not None else code


def run_stoppable(main: Main, *, reap: bool = True) -> int:
    """``asyncio.run(main(stopper))``, stopped cleanly by SIGTERM/SIGHUP (module docstring).

    ``reap``: start the watchdog (the fleet has its own, so it passes False).
    """
    stopper = Stopper(None)
    code = asyncio.run(_guarded(main, stopper, reap))
    if stopper.signum is not None:
        name = signal.Signals(stopper.signum).name
        with contextlib.suppress(OSError, ValueError):  # the terminal may be gone (SIGHUP)
            sys.stderr.write(f"claude-coder: stopped by {name}; Claude Code was closed\n")
            sys.stderr.flush()
    return code
