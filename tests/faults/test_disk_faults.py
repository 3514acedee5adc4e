"""A full disk and an unwritable transcript dir: a turn that Claude Code could not save
is never a silent ``completed``, and a roster that cannot be written is reported.

Claude Code's config dir (where transcripts go) or the roster sits on a 2 MiB tmpfs
(``tests.faults.mounts``), filled up once the session runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import filelock
import pytest

from claude_coder.errors import FleetError
from claude_coder.events import Boundary, SaveFailed
from claude_coder.fleet import Fleet
from claude_coder.session import Session
from tests.faults.mounts import read_only_dir, small_tmpfs
from tests.integration.sdk_support import Events, cli_env
from tests.support.fake_api import FakeApi


def _fill(where: Path) -> None:
    """Write until the filesystem under ``where`` says it is full (ENOSPC)."""
    fd = os.open(where / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for size in (65536, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
        with pytest.raises(OSError) as full:
            os.write(fd, b"\0")
        assert full.value.errno == errno.ENOSPC
    finally:
        os.close(fd)


_CLI = (sys.executable, "-m", "claude_coder.cli.main")


@pytest.fixture
def config_on_tmpfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with small_tmpfs(tmp_path / "cfg") as cfg:
        monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(cfg))
        yield cfg


async def test_a_full_disk_turns_completed_into_a_flagged_error(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, config_on_tmpfs: Path
) -> None:
    async with Session.open(name="on-a-small-disk", cwd=str(tmp_path)) as s:
        rec = Events(s)
        saved = await s.send("reply:this one fits")
        _fill(config_on_tmpfs)
        lost = await s.send("reply:this one cannot be saved " + "x" * 20000)
        again = await s.send("reply:nor this one")
    assert saved.boundary is Boundary.COMPLETED, saved.error
    for result in (lost, again):
        assert result.boundary is Boundary.ERROR
        assert result.error is not None and "was not saved" in result.error
    assert lost.text.startswith("this one cannot be saved"), "the reply itself is kept"
    notices = [e for e in rec.events if isinstance(e, SaveFailed)]
    assert len(notices) == 2 and notices[0].what == "transcript"
    assert notices[0].path == str(s.transcript_path)


def test_run_on_an_unwritable_transcript_dir_exits_1_and_says_so(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with read_only_dir(Path(str(cli_env(offline_claude)["CLAUDE_CONFIG_DIR"])) / "projects"):
        proc = subprocess.run(
            [*_CLI, "run", "reply:nowhere to go", "--name", "unsaved", "--cwd", str(tmp_path)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env=cli_env(offline_claude),
        )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == "nowhere to go\n"
    assert "transcript not saved" in proc.stderr and "was not saved" in proc.stderr
    assert "Traceback" not in proc.stderr


async def test_a_roster_that_cannot_be_written_is_reported(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    with small_tmpfs(tmp_path / "state") as state:
        with pytest.raises(FleetError, match="could not be written a last time"):
            async with Fleet.open(state / "fleet.json", boot_spacing=0.0) as fleet:
                events = fleet.events()
                await fleet.add("agent1", cwd=str(tmp_path))
                _fill(state)
                result = await fleet.send("agent1", "reply:state changes need a roster write")
                notice = None
                async with asyncio.timeout(60):
                    async for env in events:
                        if isinstance(env.event, SaveFailed):
                            notice = env.event
                            break
        assert _unlocked(state / "fleet.json")
    assert result.boundary is Boundary.COMPLETED
    assert notice is not None and notice.what == "roster"
    assert notice.path == str((state / "fleet.json").resolve())
    assert "No space left" in notice.reason


def _unlocked(path: Path) -> bool:
    """The roster's lock was released: another opener gets it at once."""
    lock = filelock.FileLock(str(path) + ".lock", timeout=0)
    lock.acquire()
    lock.release()
    return True
