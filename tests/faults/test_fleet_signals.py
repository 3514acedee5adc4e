"""``claude-coder fleet`` (the TUI) stopped by SIGTERM or SIGHUP closes its members:
exit 143 / 129, and no member's Claude Code is left running."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest

from claude_coder.fleet import Roster, RosterMember
from tests.faults.support import wait_until
from tests.integration.sdk_support import cli_env
from tests.support.fake_api import FakeApi
from tests.support.procs import running


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


def _claude_below(pid: int) -> list[int]:
    try:
        below = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    return [p.pid for p in below if p.name() == "claude"]


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_the_fleet_tui_closes_its_members_on_a_stop_signal(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    roster = tmp_path / "fleet.json"
    with Roster.open(roster) as r:
        r.add(RosterMember("agent1", cwd=str(tmp_path)))
    master, slave = pty.openpty()
    env = {**cli_env(offline_claude), "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "claude_coder.cli.main", "fleet", "--roster", str(roster)],
        cwd=tmp_path,
        stdin=slave,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    threading.Thread(target=_drain, args=(master,), daemon=True).start()
    children: list[int] = []
    try:
        wait_until(
            lambda: bool(children.extend(_claude_below(proc.pid)) or children),
            90,
            "the member's Claude Code starting",
        )
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        wait_until(lambda: not any(running(p) for p in children), 15, "the member closing")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert proc.returncode == code, err
    assert b"Traceback" not in err
