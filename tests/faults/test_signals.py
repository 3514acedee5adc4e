"""Signals to ``run`` and ``repl`` mid-turn: Claude Code and its tool never outlive them.

SIGTERM and SIGHUP close the session (exit 143 / 129, one line on stderr); a SIGKILL
of claude-coder is answered by the parent-death signal and the watchdog. In every case,
after the deadline, neither the Claude Code pid nor the Bash tool's ``sleep`` runs.
A SIGSTOPped Claude Code is woken or killed, never left stopped.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.support import TOOL_PROMPT, bash_profiles, start_turn, wait_until
from tests.integration.pty_support import pty_project
from tests.support.fake_api import FakeApi
from tests.support.procs import running

_CASES = [
    (signal.SIGTERM, 143),
    (signal.SIGHUP, 129),
    (signal.SIGKILL, -9),
]


def _args(command: str, profiles: Path, cwd: Path) -> tuple[list[str], str | None]:
    head = ["--profiles", str(profiles)]
    if command == "run":
        return [*head, "run", TOOL_PROMPT, "--profile", "p", "--cwd", str(cwd)], None
    return [*head, "repl", "p", "--cwd", str(cwd)], TOOL_PROMPT + "\n"


@pytest.mark.parametrize("command", ["run", "repl"])
@pytest.mark.parametrize(("sig", "code"), _CASES, ids=lambda v: getattr(v, "name", str(v)))
def test_a_signal_mid_turn_leaves_no_process(
    offline_claude: Path,
    fake_api: FakeApi,
    tmp_path: Path,
    command: str,
    sig: signal.Signals,
    code: int,
) -> None:
    args, stdin = _args(command, bash_profiles(tmp_path), tmp_path)
    tree = start_turn(offline_claude, tmp_path, *args, stdin=stdin)
    returncode, err = tree.signal_and_reap(sig)
    assert returncode == code, err
    if sig is not signal.SIGKILL:
        assert f"stopped by {sig.name}; Claude Code was closed" in err
        assert "Traceback" not in err and "Fatal error in message reader" not in err
    assert not running(tree.claude) and not running(tree.tool)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 1)])
def test_a_stopped_claude_code_is_not_left_stopped(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    args, _ = _args("run", bash_profiles(tmp_path), tmp_path)
    tree = start_turn(offline_claude, tmp_path, *args)
    try:
        os.kill(tree.claude, signal.SIGSTOP)
        wait_until(lambda: _state(tree.claude) == "T", what="Claude Code stopping")
    except BaseException:
        tree.kill_rest()
        raise
    returncode, err = tree.signal_and_reap(sig)
    assert returncode == code, err
    assert "Traceback" not in err
    if sig is signal.SIGINT:  # the interrupt got no answer: said so, not a silent exit
        assert "did not stop" in err
    assert not running(tree.claude) and not running(tree.tool)


def _state(pid: int) -> str:
    data = Path(f"/proc/{pid}/stat").read_bytes()
    return data[data.rindex(b")") + 2 :].split()[0].decode()


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGKILL, -9)])
def test_the_pty_transport_leaves_no_process_either(
    offline_claude: Path,
    fake_api: FakeApi,
    tmp_path: Path,
    seed_tui: Callable[..., Path],
    sig: signal.Signals,
    code: int,
) -> None:
    work, profiles = pty_project(
        tmp_path, seed_tui, permissionPolicy={"allow": ["Bash"], "default": "deny"}
    )
    args = ["--profiles", str(profiles), "run", TOOL_PROMPT, "--profile", "pty"]
    tree = start_turn(offline_claude, work, *args)
    returncode, err = tree.signal_and_reap(sig)
    assert returncode == code, err
    assert not running(tree.claude) and not running(tree.tool)
