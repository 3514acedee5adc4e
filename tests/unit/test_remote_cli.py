"""``run --host`` and ``repl --host``: the turn runs on the host; refusals are one line.

The CLI runs in a child process; its "ssh" is the stand-in of :mod:`tests.support.fake_ssh`
(``$CLAUDE_CODER_SSH`` is inherited), the host :mod:`tests.support.fake_host`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.fake_remote import FakeRemote


@pytest.fixture
def remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRemote]:
    fake = FakeRemote(tmp_path / "remote", monkeypatch)
    yield fake
    fake.cleanup()


def _cli(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "claude_coder.cli.main", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_run_on_a_host(remote: FakeRemote, tmp_path: Path) -> None:
    proc = _cli(
        "run", "--host", "devbox", "--cwd", "/srv/on-the-host", "--json", "hi", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["boundary"], out["text"]) == ("completed", "echo: hi")
    [conn] = remote.connections()
    assert conn["host"] == "devbox"
    assert remote.live() == []


def test_run_on_the_profiles_host(remote: FakeRemote, tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.json"
    profiles.write_text(json.dumps([{"name": "far", "host": "box2"}]))
    profiles.chmod(0o600)
    proc = _cli("--profiles", str(profiles), "run", "--profile", "far", "hello", cwd=tmp_path)
    assert (proc.returncode, proc.stdout.strip()) == (0, "echo: hello"), proc.stderr
    assert [c["host"] for c in remote.connections()] == ["box2"]


def test_an_unreachable_host_is_one_line_exit_1(remote: FakeRemote, tmp_path: Path) -> None:
    proc = _cli("run", "--host", "refuse-box", "hi", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "host 'refuse-box' is unreachable over ssh: ssh: connect to host" in proc.stderr


@pytest.mark.parametrize("host", ["-oProxyCommand=touch x", "two words"])
def test_a_host_that_is_not_a_destination_is_refused(
    remote: FakeRemote, tmp_path: Path, host: str
) -> None:
    proc = _cli("run", "--host", host, "hi", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "host" in proc.stderr
    assert remote.connections() == []
    assert not (tmp_path / "x").exists()


def test_a_worktree_on_a_host_is_refused(remote: FakeRemote, tmp_path: Path) -> None:
    proc = _cli("run", "--host", "devbox", "--worktree", "w", "hi", cwd=tmp_path)
    assert proc.returncode == 2
    assert "a worktree on host 'devbox' is not supported yet" in proc.stderr
    assert remote.connections() == []


def test_repl_on_a_host(remote: FakeRemote, tmp_path: Path) -> None:
    proc = _cli("repl", "--host", "devbox", cwd=tmp_path, stdin="first\nexit\n")
    assert proc.returncode == 0, proc.stderr
    assert "echo: first" in proc.stdout
    assert "devbox:" in proc.stderr.splitlines()[0]  # the header says where it runs
    assert [c["host"] for c in remote.connections()] == ["devbox"]


def test_fleet_status_shows_where_a_remote_member_runs(tmp_path: Path) -> None:
    roster = tmp_path / "fleet.json"
    member = {"name": "far", "profile": "p", "transport": "sdk", "cwd": "/srv/app"}
    near = {"name": "near", "profile": "p", "transport": "pty", "cwd": str(tmp_path)}
    doc = {"version": 2, "members": [{**member, "host": "devbox", "handle": "ab12"}, near]}
    roster.write_text(json.dumps(doc))
    roster.chmod(0o600)
    proc = _cli("fleet", "status", "--roster", str(roster), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    far_line = next(line for line in proc.stdout.splitlines() if line.startswith("far"))
    assert "sdk@devbox" in far_line and "devbox:/srv/app" in far_line
    near_line = next(line for line in proc.stdout.splitlines() if line.startswith("near"))
    assert "@" not in near_line


def test_an_old_roster_still_loads(tmp_path: Path) -> None:
    from claude_coder.fleet.roster._file import read_roster

    roster = tmp_path / "fleet.json"
    old = {"name": "a", "profile": "p", "transport": "sdk", "cwd": str(tmp_path)}
    roster.write_text(json.dumps({"version": 1, "members": [old]}))
    [member] = read_roster(roster).members
    assert (member.host, member.handle, member.last_seq) == (None, None, 0)


@pytest.mark.parametrize(
    ("field", "value"), [("host", "-oProxyCommand=x"), ("handle", "../x"), ("last_seq", -1)]
)
def test_a_roster_with_a_hostile_remote_entry_is_refused(
    tmp_path: Path, field: str, value: object
) -> None:
    from claude_coder.errors import RosterCorruptError
    from claude_coder.fleet.roster._file import read_roster

    roster = tmp_path / "fleet.json"
    entry = {"name": "a", "profile": "p", "transport": "sdk", "host": "devbox", field: value}
    roster.write_text(json.dumps({"version": 2, "members": [entry]}))
    with pytest.raises(RosterCorruptError):
        read_roster(roster)
