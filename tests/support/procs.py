"""Processes a test watches: is one running or reaped, which ones a session started, and
waiting (with a deadline) until some are gone."""

from __future__ import annotations

import asyncio
import contextlib

import psutil

from claude_coder.session import Session


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (an orphan's zombie belongs to init)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def gone(pid: int) -> bool:
    """True when ``pid`` is reaped: no process, not even a zombie, has it."""
    try:
        psutil.Process(pid)
    except psutil.NoSuchProcess:
        return True
    return False


def session_pids(session: Session) -> list[int]:
    """The PTY session's Claude Code process first, then every process below it."""
    pid = getattr(getattr(session.transport, "process", None), "pid", None)
    assert isinstance(pid, int)
    return [pid, *(c.pid for c in psutil.Process(pid).children(recursive=True))]


async def wait_gone(pids: list[int], deadline: float = 60.0) -> None:
    """Wait (within ``deadline`` seconds) until every pid has exited and is reaped."""
    procs = []
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            procs.append(psutil.Process(pid))
    _, alive = await asyncio.to_thread(psutil.wait_procs, procs, timeout=deadline)
    assert alive == []
    assert all(gone(pid) for pid in pids)
