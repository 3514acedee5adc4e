"""Helpers for the fault suite: a CLI child with a Claude Code turn under it, and its tree.

Every fault test starts ``claude-coder`` as a person would (a real process on the
offline Claude Code), waits until the turn has a tool process running (the Bash tool's
``sleep``), injects a fault, and then checks by pid, after a deadline, that nothing of
that tree is still running.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from tests.integration.sdk_support import cli_env
from tests.support.procs import running

SLEEPER = "313"
TOOL_PROMPT = f"bash:echo start; sleep {SLEEPER}; echo done"
"""A turn whose Bash tool runs ``sleep 313`` (a bare ``sleep`` is refused by Claude Code)."""
DEADLINE = 60.0


def wait_until(check: Callable[[], bool], within: float = DEADLINE, what: str = "it") -> None:
    """Poll ``check`` (0.05 s apart) until it holds; fail after ``within`` seconds."""
    end = time.monotonic() + within
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"{what} did not happen within {within:g}s")
        time.sleep(0.05)


def bash_profiles(where: Path, **extra: Any) -> Path:
    """A profiles file with profile ``p`` that allows Bash (``extra`` merged in)."""
    path = where / "profiles.json"
    path.write_text(json.dumps([{"name": "p", "permissionPolicy": {"allow": ["Bash"]}, **extra}]))
    return path


@dataclass
class Tree:
    """The CLI process and what runs under it once the tool started."""

    cli: subprocess.Popen[str]
    claude: int
    tool: int
    pids: list[int]

    def alive(self) -> list[int]:
        return [pid for pid in self.pids if running(pid)]

    def wait_all_gone(self, within: float = 15.0) -> None:
        wait_until(lambda: not self.alive(), within, "every process of the turn ending")

    def signal_and_reap(self, sig: int) -> tuple[int, str]:
        """Send ``sig`` to claude-coder, wait for it and for every process of the turn
        to end (always cleaning up); (exit code, stderr)."""
        try:
            self.cli.send_signal(sig)
            returncode, _, err = finish(self)
            self.wait_all_gone()
        finally:
            self.kill_rest()
        return returncode, err

    def kill_rest(self) -> None:
        for pid in [self.cli.pid, *self.pids]:
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()


def _find(pid: int, match: Callable[[psutil.Process], bool]) -> psutil.Process | None:
    try:
        below = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return None
    for proc in below:
        try:
            if match(proc):
                return proc
        except psutil.Error:
            continue
    return None


def _is_sleeper(p: psutil.Process) -> bool:
    return p.cmdline()[:2] == ["sleep", SLEEPER]


def start_turn(launcher: Path, cwd: Path, *args: str, stdin: str | None = None) -> Tree:
    """``claude-coder *args`` with its turn's tool running; ``stdin`` is typed in (repl)."""
    cli = subprocess.Popen(
        [sys.executable, "-m", "claude_coder.cli.main", *args],
        cwd=cwd,
        # `run` reads piped stdin as context until it ends: give it none to wait for.
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(launcher),
    )
    if stdin is not None:
        assert cli.stdin is not None
        cli.stdin.write(stdin)
        cli.stdin.flush()
    found: list[psutil.Process] = []

    def tool_started() -> bool:
        if cli.poll() is not None:
            raise AssertionError(f"claude-coder exited early: {cli.communicate()}")
        proc = _find(cli.pid, _is_sleeper)
        if proc is not None:
            found.append(proc)
        return bool(found)

    wait_until(tool_started, what="the Bash tool's sleep starting")
    claude = _find(cli.pid, lambda p: p.name() == "claude" or "claude" in p.cmdline()[0])
    assert claude is not None, "no Claude Code process under claude-coder"
    pids = [claude.pid, *(p.pid for p in claude.children(recursive=True))]
    return Tree(cli, claude.pid, found[0].pid, pids)


def finish(tree: Tree, within: float = 60.0) -> tuple[int, str, str]:
    """Wait for the CLI to exit; (exit code, stdout, stderr)."""
    try:
        out, err = tree.cli.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        tree.kill_rest()
        out, err = tree.cli.communicate()
        raise AssertionError(f"claude-coder did not exit within {within:g}s: {err}") from None
    return tree.cli.returncode, out, err
