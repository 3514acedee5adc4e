"""``run --host`` stopped mid-turn: nothing it started keeps working on the host.

SIGTERM and SIGHUP close the session (exit 143 / 129): the host is told to close, and its
Claude Code is gone at once. A SIGKILL cannot say anything: ssh dies with the process, and
the host closes Claude Code when the grace for a re-attach (30 s) has run out.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.remote.support import host_claudes, until
from tests.support.fake_api import FakeApi
from tests.support.host_user import HostWorld

pytestmark = pytest.mark.timeout(180)

_GRACE = 30.0


def _start_run(cwd: Path) -> subprocess.Popen[str]:
    names = ("PATH", "HOME", "CLAUDE_CONFIG_DIR", "CLAUDE_CODER_SSH_CONFIG", "LANG")
    env = {name: os.environ[name] for name in names if name in os.environ}
    return subprocess.Popen(
        [sys.executable, "-m", "claude_coder.cli.main", "run", "--host", "devbox", "stall:60"],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.parametrize(
    ("sig", "code", "gone_within"),
    [(signal.SIGTERM, 143, 15.0), (signal.SIGHUP, 129, 15.0), (signal.SIGKILL, -9, _GRACE + 30)],
)
async def test_run_host_stopped_mid_turn_leaves_nothing_working_on_the_host(
    remote_host: HostWorld,
    fake_api: FakeApi,
    tmp_path: Path,
    sig: signal.Signals,
    code: int,
    gone_within: float,
) -> None:
    proc = _start_run(tmp_path)
    try:
        await asyncio.to_thread(fake_api.wait_for_stall, 1, 60)
        claudes = host_claudes(remote_host)
        assert claudes, "the turn runs in Claude Code on the host"
        proc.send_signal(sig)
        _out, err = await asyncio.to_thread(proc.communicate, timeout=30)
        assert proc.returncode == code, err
        if sig is not signal.SIGKILL:
            assert len(err.strip().splitlines()) >= 1 and "Traceback" not in err
        await until(
            "the host's Claude Code is gone",
            lambda: not (host_claudes(remote_host) & claudes),
            deadline=gone_within,
        )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert fake_api.prompts_seen().count("stall:60") == 1, "the prompt was sent once"
