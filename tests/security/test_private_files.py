"""Finding 6: a profiles file or fleet roster others can write is refused, with the fix.

The profiles file decides which binary runs (``claudePath``), with what environment and
where; the roster decides which members start again. Like ssh with its config, such a
file is trusted only when no one else can change it or its directories.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest

from claude_coder.errors import UnsafeFileRefused
from claude_coder.fleet.roster import Roster
from claude_coder.security import private_problem
from tests.integration.sdk_support import cli
from tests.support.fake_api import FakeApi


def recording_claude(tmp_path: Path) -> tuple[Path, Path]:
    """A ``claude`` that only logs that it was started (it must never be)."""
    log = tmp_path / "started.log"
    claude = tmp_path / "claude-recorder"
    claude.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexit 1\n')
    claude.chmod(0o755)
    return claude, log


def profiles_in(where: Path, claude: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    path = where / "profiles.json"
    path.write_text(json.dumps([{"name": "p", "claudePath": str(claude)}]))
    path.chmod(0o644)
    return path


@pytest.mark.parametrize("mode", [0o666, 0o646, 0o664])
def test_a_profiles_file_others_can_write_is_refused_with_the_chmod(
    tmp_path: Path, offline_claude: Path, fake_api: FakeApi, mode: int
) -> None:
    claude, log = recording_claude(tmp_path)
    profiles = profiles_in(tmp_path / "conf", claude)
    profiles.chmod(mode)
    for args in (("run", "reply:x", "--profile", "p"), ("doctor", "--profile", "p")):
        proc = cli(offline_claude, "--profiles", str(profiles), *args, cwd=tmp_path)
        out = proc.stdout + proc.stderr
        assert f"chmod go-w {shlex.quote(str(profiles))}" in out, out
        assert proc.returncode == (2 if args[0] == "run" else 1), out
        assert "Traceback" not in proc.stderr
    assert not log.exists()  # the binary the file names never ran
    profiles.chmod(0o600)
    assert private_problem(profiles) is None


def test_a_directory_others_can_write_is_refused_unless_sticky(
    tmp_path: Path, offline_claude: Path
) -> None:
    claude, log = recording_claude(tmp_path)
    shared = tmp_path / "shared"
    profiles = profiles_in(shared, claude)
    shared.chmod(0o777)
    proc = cli(
        offline_claude,
        "--profiles",
        str(profiles),
        "run",
        "reply:x",
        "--profile",
        "p",
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert f"chmod go-w {shlex.quote(str(shared))}" in proc.stderr
    assert not log.exists()
    shared.chmod(0o1777)  # like /tmp: others cannot replace a file they do not own
    assert private_problem(profiles) is None
    shared.chmod(0o700)


def test_a_roster_others_can_write_is_refused(tmp_path: Path) -> None:
    roster = tmp_path / "fleet" / "fleet.json"
    Roster.open(roster).close()
    os.chmod(roster, 0o666)
    with pytest.raises(UnsafeFileRefused) as info:
        Roster.open(roster)
    assert info.value.fix == f"chmod go-w {shlex.quote(str(roster))}"
    assert info.value.exit_code == 2
    os.chmod(roster, 0o600)
    Roster.open(roster).close()


def test_the_test_worlds_temp_dirs_are_private(tmp_path: Path) -> None:
    """pytest's temp dirs sit under sticky ``/tmp`` in a 0700 dir: accepted as private."""
    path = tmp_path / "profiles.json"
    path.write_text("[]")
    assert private_problem(path) is None
