"""The roster: atomic, locked persistence of fleet members; corrupt files kept aside."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from claude_coder.errors import (
    FleetError,
    MemberNotFoundError,
    RosterCorruptError,
    RosterLockedError,
)
from claude_coder.fleet.roster import Roster
from claude_coder.fleet.roster._file import (
    ROSTER_ENV,
    MemberExistsError,
    MemberNameError,
    RosterMember,
    default_roster_path,
    read_roster,
)

REPO = Path(__file__).resolve().parents[2]


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    """A Python child running ``code`` (it inherits this test's temp HOME)."""
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO / "src",
    )


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    with Roster.open(path) as roster:
        roster.add(RosterMember("agent1", cwd="/repo", session_id="s-1"))
        roster.add(RosterMember("reviewer", profile="reviewer", transport="pty"))
        roster.update("reviewer", session_id="s-2", state="busy", input_tokens=7)
        roster.add(RosterMember("gone"))
        roster.remove("gone")
        on_disk = json.loads(path.read_text())
        assert on_disk["holder"]["pid"] == os.getpid()
    assert json.loads(path.read_text())["holder"] is None
    with Roster.open(path) as again:
        got = {m.name: m for m in again.members()}
    assert list(got) == ["agent1", "reviewer"]
    assert got["agent1"].cwd == "/repo" and got["agent1"].session_id == "s-1"
    assert got["reviewer"].profile == "reviewer" and got["reviewer"].transport == "pty"
    assert got["reviewer"].session_id == "s-2" and got["reviewer"].input_tokens == 7
    assert got["reviewer"].updated.endswith("Z")


def test_file_is_private_and_missing_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dir" / "fleet.json"
    with Roster.open(path) as roster:
        assert roster.members() == []
    assert path.stat().st_mode & 0o077 == 0
    assert read_roster(path).members == ()


def test_default_path_is_in_the_user_state_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ROSTER_ENV, raising=False)
    state_home = Path(os.environ["XDG_STATE_HOME"])
    assert default_roster_path() == state_home / "claude-coder" / "fleet.json"
    with Roster.open() as roster:
        assert roster.path == default_roster_path()
    monkeypatch.setenv(ROSTER_ENV, "/somewhere/else.json")
    assert default_roster_path() == Path("/somewhere/else.json")


def test_bad_names_and_duplicates_and_missing_members(tmp_path: Path) -> None:
    with Roster.open(tmp_path / "r.json") as roster:
        roster.add(RosterMember("a"))
        with pytest.raises(MemberExistsError, match="already has a member named 'a'"):
            roster.add(RosterMember("a"))
        for bad in ("", "-x", "a/b", "x" * 65, "sp ace"):
            with pytest.raises(MemberNameError):
                roster.add(RosterMember(bad))
        with pytest.raises(MemberNotFoundError):
            roster.update("nobody", state="busy")
        with pytest.raises(MemberNotFoundError):
            roster.remove("nobody")
        assert [m.name for m in roster.members()] == ["a"]


def test_second_open_in_process_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    with Roster.open(path) as first:
        first.add(RosterMember("keep"))
        with pytest.raises(RosterLockedError) as info:
            Roster.open(path)
        assert str(path) in str(info.value) and f"pid {os.getpid()}" in str(info.value)
        assert info.value.exit_code == 2
        first.add(RosterMember("still-works"))
    with Roster.open(path) as after:
        assert [m.name for m in after.members()] == ["keep", "still-works"]


def test_second_process_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    code = (
        "import sys\n"
        "from claude_coder.fleet.roster import Roster\n"
        "from claude_coder.errors import RosterLockedError\n"
        "try:\n"
        "    Roster.open(sys.argv[1])\n"
        "except RosterLockedError as e:\n"
        "    print(e); sys.exit(7)\n"
    )
    with Roster.open(path) as roster:
        roster.add(RosterMember("a"))
        proc = _python(code, str(path))
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 7, err
        assert "open in another process" in out and str(os.getpid()) in out
        snap = read_roster(path)
        assert snap.running and snap.holder_pid == os.getpid()
        assert [m.name for m in snap.members] == ["a"]
    assert not read_roster(path).running


def test_killed_holder_releases_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    code = (
        "import sys, time\n"
        "from claude_coder.fleet.roster import Roster, RosterMember\n"
        "r = Roster.open(sys.argv[1])\n"
        "r.add(RosterMember('survivor', session_id='abc'))\n"
        "print('READY', flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = _python(code, str(path))
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "READY"
    snap = read_roster(path)
    assert snap.running and snap.holder_pid == proc.pid
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.communicate()
    assert not read_roster(path).running
    with Roster.open(path) as roster:
        assert roster.get("survivor").session_id == "abc"


CORRUPT = {
    "not-json": b"{this is not json",
    "truncated": b'{"version": 1, "members": [{"name": "a", "prof',
    "empty": b"",
    "a-list": b"[]",
    "wrong-type": b'{"version": 1, "members": [{"name": 3, "profile": "p", "transport": "sdk"}]}',
    "missing-field": b'{"version": 1, "members": [{"name": "a"}]}',
    "duplicates": (
        b'{"version": 1, "members": [{"name": "a", "profile": "p", "transport": "sdk"},'
        b' {"name": "a", "profile": "p", "transport": "sdk"}]}'
    ),
    "binary": b"\xff\xfe\x00garbage",
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_roster_is_kept_aside(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "fleet.json"
    path.write_bytes(content)
    with pytest.raises(RosterCorruptError) as info:
        read_roster(path)
    assert info.value.backup is None and path.read_bytes() == content
    with pytest.raises(RosterCorruptError) as info:
        Roster.open(path)
    backup = info.value.backup
    assert backup is not None and backup in str(info.value)
    assert Path(backup).read_bytes() == content
    assert Path(backup).name.startswith("fleet.json.corrupt-")
    assert not path.exists()
    # The lock was released and the next open starts an empty roster.
    with Roster.open(path) as roster:
        assert roster.members() == []
    assert Path(backup).read_bytes() == content


def test_two_corrupt_rosters_get_two_backups(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    backups = set()
    for content in (b"one", b"two"):
        path.write_bytes(content)
        with pytest.raises(RosterCorruptError) as info:
            Roster.open(path)
        assert info.value.backup is not None
        backups.add(info.value.backup)
    assert sorted(Path(b).read_bytes() for b in backups) == [b"one", b"two"]


def test_newer_format_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    content = b'{"version": 99, "members": [], "future": true}'
    path.write_bytes(content)
    with pytest.raises(FleetError, match="newer claude-coder"):
        Roster.open(path)
    assert path.read_bytes() == content
    assert list(tmp_path.glob("*.corrupt-*")) == []


def test_unknown_keys_are_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "extra": 1,
                "members": [{"name": "a", "profile": "p", "transport": "sdk", "new": 2}],
            }
        )
    )
    with Roster.open(path) as roster:
        assert roster.get("a").profile == "p"


def test_failed_write_keeps_the_old_roster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "fleet.json"
    with Roster.open(path) as roster:
        roster.add(RosterMember("a"))
        before = path.read_bytes()

        def failing_replace(src: str, dst: str) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", failing_replace)
        with pytest.raises(OSError, match="No space"):
            roster.add(RosterMember("b"))
        assert path.read_bytes() == before
        assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []
        monkeypatch.undo()
        roster.save()
    with Roster.open(path) as roster:
        assert [m.name for m in roster.members()] == ["a", "b"]


def test_stale_temp_files_are_removed_on_open(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    stale = tmp_path / ".fleet.json.abc123.tmp"
    stale.write_text("half a write")
    with Roster.open(path):
        assert not stale.exists()


def test_autosave_off_writes_only_on_save(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    with Roster.open(path, autosave=False) as roster:
        roster.add(RosterMember("a"))
        assert read_roster(path).members == ()
        roster.save()
        assert [m.name for m in read_roster(path).members] == ["a"]
        roster.update("a", state="busy")
        assert read_roster(path).members[0].state == "idle"
    assert read_roster(path).members[0].state == "busy"


def test_closed_roster_refuses_changes(tmp_path: Path) -> None:
    roster = Roster.open(tmp_path / "fleet.json")
    roster.close()
    roster.close()
    assert roster.closed and "closed" in repr(roster)
    with pytest.raises(FleetError, match="closed"):
        roster.add(RosterMember("a"))


_HAMMER_WORKER = """
import sys
from claude_coder.errors import RosterLockedError
from claude_coder.fleet.roster import Roster, RosterMember
path, tag, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
refused = 0
done = 0
while done < rounds:
    try:
        roster = Roster.open(path, timeout=0.0)
    except RosterLockedError:
        refused += 1
        continue
    with roster:
        roster.add(RosterMember(f"{tag}-{done}", session_id=f"{tag}:{done}"))
        roster.update(f"{tag}-{done}", state="busy", input_tokens=done)
        if done % 3 == 2:
            roster.remove(f"{tag}-{done - 1}")
    done += 1
print(refused)
"""


def _expected(tag: str, rounds: int) -> set[str]:
    names = {f"{tag}-{i}" for i in range(rounds)}
    names -= {f"{tag}-{i - 1}" for i in range(rounds) if i % 3 == 2}
    return names


def test_hammer_many_processes_and_threads_never_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    procs = [_python(_HAMMER_WORKER, str(path), f"p{i}", "12") for i in range(4)]
    errors: list[BaseException] = []
    reads = 0
    stop = threading.Event()

    def reader() -> None:
        nonlocal reads
        while not stop.is_set():
            try:
                read_roster(path)
                reads += 1
            except BaseException as exc:  # any failure to read is corruption
                errors.append(exc)
                return

    def thread_worker(tag: str) -> None:
        done = 0
        while done < 8:
            try:
                roster = Roster.open(path, timeout=0.0)
            except RosterLockedError:
                continue
            with roster:
                roster.add(RosterMember(f"{tag}-{done}"))
                if done % 3 == 2:
                    roster.remove(f"{tag}-{done - 1}")
            done += 1

    threads = [threading.Thread(target=reader)]
    threads += [threading.Thread(target=thread_worker, args=(f"t{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    refused = 0
    for proc in procs:
        out, err = proc.communicate(timeout=100)
        assert proc.returncode == 0, err
        refused += int(out.strip())
    for t in threads[1:]:
        t.join(timeout=100)
    stop.set()
    threads[0].join(timeout=10)
    assert errors == []
    assert reads > 0
    expected = set().union(*(_expected(f"p{i}", 12) for i in range(4)))
    expected |= set().union(*(_expected(f"t{i}", 8) for i in range(3)))
    snap = read_roster(path)
    assert {m.name for m in snap.members} == expected
    assert not snap.running
    print(f"hammer: {reads} clean reads, {refused} refused opens")


def test_an_unwritable_roster_is_a_clear_error_and_not_left_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import claude_coder.fleet.roster._roster as roster_module

    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(roster_module, "atomic_write", disk_full)
    with pytest.raises(FleetError, match=r"cannot write roster .*No space left"):
        Roster.open(tmp_path / "fleet.json")
    monkeypatch.undo()
    with Roster.open(tmp_path / "fleet.json") as roster:  # the lock was let go
        assert roster.members() == []
