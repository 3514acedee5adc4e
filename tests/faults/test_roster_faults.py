"""Rosters in odd places: symlinked, read-only, a directory where the lock goes, bad
entries. One lock per file, one clear line and exit 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from claude_coder.errors import RosterLockedError
from claude_coder.fleet import Roster, RosterMember
from tests.faults.mounts import read_only_dir


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "claude_coder.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def _one_clear_line(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_a_symlinked_roster_shares_the_lock_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real" / "fleet.json"
    real.parent.mkdir()
    link = tmp_path / "link.json"
    link.symlink_to(real)
    with Roster.open(link) as roster:
        roster.add(RosterMember("agent1"))
        with pytest.raises(RosterLockedError):
            Roster.open(real)
        with pytest.raises(RosterLockedError):
            Roster.open(tmp_path / "real" / ".." / "link.json")
        roster.update("agent1", state="busy")
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert [m["name"] for m in json.loads(real.read_text())["members"]] == ["agent1"]
    assert not (tmp_path / "link.json.lock").exists()


def test_a_roster_in_a_read_only_dir_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with read_only_dir(tmp_path / "ro") as ro:
        proc = _cli("fleet", "--roster", str(ro / "fleet.json"), cwd=tmp_path)
    _one_clear_line(proc, "cannot lock roster", str(ro / "fleet.json"))


def test_a_directory_at_the_lock_path_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "fleet.json.lock").mkdir()
    proc = _cli("fleet", "--roster", str(tmp_path / "fleet.json"), cwd=tmp_path)
    _one_clear_line(proc, "is a directory", "fleet.json.lock")


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ({"name": "../../etc", "profile": "p", "transport": "sdk"}, "bad name"),
        ({"name": "a\x1b[2J", "profile": "p", "transport": "sdk"}, "bad name"),
        ({"name": "ok", "profile": "p", "transport": "carrier-pigeon"}, "unknown transport"),
        ({"name": "ok", "profile": "p", "transport": "sdk", "cwd": "rel/dir"}, "absolute path"),
        (
            {"name": "ok", "profile": "p", "transport": "sdk", "session_id": "../../x"},
            "bad session id",
        ),
    ],
)
def test_bad_entries_are_refused_naming_file_and_entry(
    tmp_path: Path, entry: dict[str, str], why: str
) -> None:
    path = tmp_path / "fleet.json"
    good = {"name": "first", "profile": "p", "transport": "sdk"}
    path.write_text(json.dumps({"version": 1, "members": [good, entry]}))
    proc = _cli("fleet", "status", "--roster", str(path), cwd=tmp_path)
    _one_clear_line(proc, str(path), "member 2", why)
