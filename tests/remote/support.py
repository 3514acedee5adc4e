"""Helpers of the remote-member tests: the local CLI aimed at devbox, processes, waits."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import psutil

from tests.support.host_user import HostWorld

DEADLINE = 60.0
REPO = Path(__file__).resolve().parents[2]


def local_cli(
    *args: str,
    cwd: Path,
    stdin: str = "",
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> subprocess.CompletedProcess[str]:
    """``claude-coder *args`` here (the local side): this test's HOME and ssh config, and no
    local Claude Code unless ``extra_env`` names one (a remote run must not need it)."""
    names = ("PATH", "HOME", "CLAUDE_CONFIG_DIR", "CLAUDE_CODER_SSH_CONFIG", "LANG", "TERM")
    env = {name: os.environ[name] for name in names if name in os.environ}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "claude_coder.cli.main", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def local_children() -> list[str]:
    """The names of this process's descendants but the harness's sshd and what runs under
    it (the host's side): a remote member runs only ssh here."""
    names = []
    for child in psutil.Process().children():
        try:
            if child.name() == "sshd":
                continue
            names += [child.name()] + [p.name() for p in child.children(recursive=True)]
        except psutil.Error:
            continue
    return names


def host_claudes(world: HostWorld) -> set[int]:
    """The pids of the Claude Code processes running in ``world`` on the host."""
    pids = set()
    for proc in world.processes():
        try:
            if proc.name() == "claude":
                pids.add(proc.pid)
        except psutil.Error:
            continue
    return pids


async def until(what: str, check: Callable[[], bool], deadline: float = DEADLINE) -> None:
    """Wait for ``check()`` (a state no event announces: a process on another user)."""
    try:
        async with asyncio.timeout(deadline):
            while not check():  # noqa: ASYNC110 - another user's processes send no event
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"{what}: not within {deadline}s") from None


def one_line(stderr: str) -> str:
    """The error a failed run printed: exactly one line, no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]
