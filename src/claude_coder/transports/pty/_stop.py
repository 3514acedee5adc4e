"""Stopping a PTY turn on request: an interrupt always ends the turn, within a budget.

:func:`stop_turn` presses Esc, then Ctrl-C, each verified by the prompt coming back (the
turn's watcher then ends it ``interrupted``). A child that takes neither key (stopped,
hung, or on a screen claude-coder does not know, which gets no key) is terminated, then
killed; the watcher ends the turn ``error`` with what the screen showed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from claude_coder.transports.pty._process import ChildExited, TerminalProcess
from claude_coder.transports.pty._watcher import TurnWatcher
from claude_coder.transports.pty.screen import ScreenKind, keys

__all__ = ["stop_turn"]

_log = logging.getLogger(__name__)
_ANSWERABLE = (ScreenKind.PERMISSION, ScreenKind.QUESTION)
_KEYS = ((keys.ESC, 0.4), (keys.CTRL_C, 0.3))
"""Each key, and the share of the budget its effect is waited for."""


async def stop_turn(
    proc: TerminalProcess, watcher: TurnWatcher, budget: float, current: Callable[[], bool]
) -> None:
    """Interrupt the turn ``watcher`` follows; ``current()`` says it is still running."""
    watcher.interrupt_requested = True
    deadline = asyncio.get_running_loop().time() + budget
    try:
        async with asyncio.timeout(budget * 0.75):
            async with watcher.keys:
                if await _keys(proc, budget, current):
                    return
    except TimeoutError:
        pass
    except ChildExited:
        return
    if current() and not proc.exited:
        await _terminate(proc, watcher, deadline)


async def _keys(proc: TerminalProcess, budget: float, current: Callable[[], bool]) -> bool:
    """Esc, then Ctrl-C: True once the prompt is back (or the turn already ended)."""
    for key, share in _KEYS:
        now = proc.recognition()
        if not current() or proc.exited or now.kind.idle_like:
            return True
        if proc.stopped or not (now.kind.busy_like or now.kind in _ANSWERABLE):
            return False
        await proc.write(key, within=1.0)
        with contextlib.suppress(TimeoutError):
            await proc.wait_for(lambda r: r.kind.idle_like, budget * share, what="the prompt")
            return True
    return False


async def _terminate(proc: TerminalProcess, watcher: TurnWatcher, deadline: float) -> None:
    """The child did not stop for the keys: terminate it, then kill it, and say why."""
    if proc.stopped:
        shown = "the process was stopped (SIGSTOP) and could read no key"
    else:
        rec = proc.recognition()
        footer = rec.footer.splitlines()[0] if rec.footer else ""
        shown = f"the screen showed {rec.kind}" + (f": {footer}" if footer else "")
    watcher.lost = f"Claude Code did not stop after an interrupt ({shown}); it was terminated"
    _log.warning("%s", watcher.lost)
    remaining = deadline - asyncio.get_running_loop().time()
    await proc.terminate(grace=max(0.5, min(3.0, remaining - 1.0)))
