"""The child watchdog: watched children die with a killed manager; a clean close spares them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from tests.support.procs import running

from claude_coder.fleet._reaper import ChildReaper, process_start_time

pytestmark = pytest.mark.timeout(60)

# A child that ignores SIGTERM, in its own session (as Claude Code children are).
_STUBBORN = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "time.sleep(600)\n"
)

_MANAGER = """
import json, subprocess, sys
from claude_coder.fleet._reaper import ChildReaper
reaper = ChildReaper.start(grace=0.5)
def child(code):
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                         start_new_session=True)
    p.stdout.readline()
    return p.pid
polite = child("import time; print('ready', flush=True); time.sleep(600)")
stubborn = child(sys.argv[1])
spared = child("import time; print('ready', flush=True); time.sleep(600)")
for pid in (polite, stubborn, spared):
    reaper.watch(pid)
reaper.forget(spared)
print(json.dumps({"watchdog": reaper.pid, "polite": polite, "stubborn": stubborn,
                  "spared": spared}), flush=True)
sys.stdin.read()
"""


def _wait_stopped(pid: int, deadline: float = 15.0) -> bool:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if not running(pid):
            return True
        time.sleep(0.02)
    return False


def test_watched_children_die_with_a_killed_manager() -> None:
    manager = subprocess.Popen(
        [sys.executable, "-c", _MANAGER, _STUBBORN],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert manager.stdout is not None
    pids = json.loads(manager.stdout.readline())
    try:
        assert all(running(p) for p in pids.values())
        manager.send_signal(signal.SIGKILL)
        manager.wait(timeout=10)
        assert _wait_stopped(pids["polite"]), "SIGTERM stopped the polite child"
        assert _wait_stopped(pids["stubborn"]), "SIGKILL after the grace stopped the stubborn one"
        assert _wait_stopped(pids["watchdog"]), "the watchdog exits when done"
        assert running(pids["spared"]), "a forgotten child is left alone"
    finally:
        for pid in pids.values():
            if running(pid):
                psutil.Process(pid).kill()
        manager.communicate()


def test_a_clean_close_spares_the_children_and_the_watchdog_is_reaped(tmp_path: Path) -> None:
    reaper = ChildReaper.start()
    assert reaper is not None
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline()
        reaper.watch(child.pid)
        assert reaper.watched == {child.pid}
        environ = Path(f"/proc/{reaper.pid}/environ").read_bytes()
        assert environ == b"", "the watchdog gets an empty environment"
        reaper.close()
        assert not psutil.pid_exists(reaper.pid) or not running(reaper.pid)
        assert child.poll() is None, "a clean close stops nothing"
    finally:
        child.kill()
        child.communicate()


def test_start_times_identify_a_process() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    start = process_start_time(proc.pid)
    proc.wait()
    assert start is not None and start.isdigit()
    assert process_start_time(proc.pid) is None
    assert process_start_time(2**22 + 12345) is None
