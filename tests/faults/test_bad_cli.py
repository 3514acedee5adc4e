"""A bad Claude Code under the SDK transport: too old, failing at start, silent, or
writing bytes that are not UTF-8. Each gives one clear line (with what the child said),
the right exit code, no traceback, and no process left."""

from __future__ import annotations

import stat
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.faults.support import wait_until
from tests.integration.sdk_support import cli, cli_env
from tests.support.fake_api import FakeApi
from tests.support.procs import running


def _stub(where: Path, name: str, body: str, version: str = "2.1.331") -> Path:
    path = where / name
    path.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--version" ]; then echo "{version} (Claude Code)"; exit 0; fi\n'
        + textwrap.dedent(body)
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _clean(err: str) -> None:
    assert "Traceback" not in err, err
    assert "Fatal error in message reader" not in err, err
    assert "Event loop is closed" not in err, err


def test_an_old_claude_code_is_refused_naming_its_version(tmp_path: Path) -> None:
    old = _stub(
        tmp_path, "claude", "echo \"error: unknown option '--input-format'\" >&2\nexit 1\n", "1.0.3"
    )
    proc = cli(old, "run", "reply:never sent", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    _clean(proc.stderr)
    assert "Claude Code 1.0.3 is older than 2.1.331" in proc.stderr
    assert proc.stderr.count("error:") == 1


def test_a_start_failure_keeps_what_the_child_said(tmp_path: Path) -> None:
    bad = _stub(tmp_path, "claude", "echo 'boom: --permission-prompt-tool rejected' >&2\nexit 3\n")
    proc = cli(bad, "run", "reply:never sent", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    _clean(proc.stderr)
    assert proc.stderr.count("boom: --permission-prompt-tool rejected") == 1, proc.stderr
    assert "could not start" in proc.stderr or "exited with code 3" in proc.stderr


def test_output_that_is_not_utf8_is_read_safely(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    noisy = _stub(
        tmp_path,
        "claude",
        f"""\
        printf '\\377\\376 not json\\n'
        printf '{{"type": "x_note", "v": "\\377"}}\\n'
        exec "{offline_claude}" "$@"
        """,
    )
    proc = cli(noisy, "run", "reply:still fine", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    _clean(proc.stderr)
    assert proc.stdout == "still fine\n"


_DRIVER = """
import asyncio, sys
from claude_coder.errors import ClaudeCoderError
from claude_coder.session import Session

async def main():
    try:
        await Session.start(cwd=sys.argv[1], start_timeout=2.0)
    except ClaudeCoderError as exc:
        print("error:", exc.message, file=sys.stderr)
        return 1
    return 0

sys.exit(asyncio.run(main()))
"""


def test_a_silent_claude_code_times_out_once_and_leaves_nothing(tmp_path: Path) -> None:
    silent = _stub(
        tmp_path,
        "claude",
        f"""\
        echo 'starting up, no answer coming' >&2
        sleep 600 &
        echo $! > "{tmp_path}/helper.pid"
        wait
        """,
    )
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(silent),
    )
    assert proc.returncode == 1
    _clean(proc.stderr)
    assert proc.stderr.count("did not become ready within 2s") == 1, proc.stderr
    assert "starting up, no answer coming" in proc.stderr
    helper = int((tmp_path / "helper.pid").read_text())
    wait_until(lambda: not running(helper), 10, "the stub's helper process ending")
