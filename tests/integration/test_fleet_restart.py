"""The fleet survives its manager: SIGKILL mid-turn, children die, a new process re-attaches.

Also: two processes on one roster (one works, the other gets a clear error).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.support.fake_api import FakeApi
from tests.support.procs import running

from claude_coder.errors import RosterLockedError
from claude_coder.events import Boundary, SessionState
from claude_coder.fleet import Fleet, read_roster

pytestmark = pytest.mark.timeout(300)
REPO = Path(__file__).resolve().parents[2]
DEADLINE = 120.0


async def _until_stopped(pids: list[int], deadline: float = 30.0) -> None:
    async with asyncio.timeout(deadline):
        while any(running(p) for p in pids):  # noqa: ASYNC110 - no event tells us a stranger died
            await asyncio.sleep(0.05)


Manager = tuple[asyncio.subprocess.Process, dict[str, Any]]


async def _start_manager(roster: Path, count: int, work: Path, *extra: str) -> Manager:
    err = (work.parent / "manager.stderr").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.fleet_manager_proc",
        str(roster),
        str(count),
        str(work),
        *extra,
        cwd=str(REPO),
        stdout=asyncio.subprocess.PIPE,
        stderr=err,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), DEADLINE)
    err.close()
    if not line:
        await proc.wait()
        raise AssertionError((work.parent / "manager.stderr").read_text()[-3000:])
    return proc, json.loads(line)


async def test_sigkill_mid_turn_then_a_new_process_continues_every_conversation(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    roster = tmp_path / "fleet.json"
    names = ["m0", "m1", "m2"]
    proc, info = await _start_manager(roster, len(names), tmp_path / "work")
    pids = [int(p) for p in info["pids"].values()]
    assert len(pids) == 3 and all(running(p) for p in pids)
    assert info["watchdog"] and running(info["watchdog"])
    # Mid-turn: every member's slow reply is streaming from the fake API.
    ok = await asyncio.to_thread(fake_api.wait_for, lambda api: api.in_flight == 3, 30)
    assert ok, f"in flight: {fake_api.in_flight}"
    assert read_roster(roster).running

    os.kill(proc.pid, signal.SIGKILL)
    await asyncio.wait_for(proc.wait(), 10)
    await _until_stopped([*pids, info["watchdog"]])
    snap = read_roster(roster)
    assert not snap.running and [m.name for m in snap.members] == names
    assert {m.name: m.session_id for m in snap.members} == info["ids"]

    fake_api.reset()
    async with Fleet.open(roster, boot_spacing=0.05) as fleet:
        assert [m.name for m in fleet.members()] == names
        await asyncio.wait_for(fleet.wait_ready(), DEADLINE)
        members = fleet.members()
        assert all(m.state is SessionState.IDLE for m in members), members
        assert {m.name: m.session_id for m in members} == info["ids"]
        for name in names:
            result = await asyncio.wait_for(fleet.send(name, f"reply:second turn of {name}"), 60)
            assert result.boundary is Boundary.COMPLETED and result.text == f"second turn of {name}"
            assert result.session_id == info["ids"][name]
    requests = {r.prompt: r for r in fake_api.messages_requests()}
    for name in names:
        history = json.dumps(requests[f"reply:second turn of {name}"].body["messages"])
        assert f"first turn of {name}" in history, "the conversation continued"
        others = [n for n in names if n != name]
        assert not any(f"first turn of {o}" in history for o in others)


async def test_two_processes_one_roster_one_works_the_other_gets_a_clear_error(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    roster = tmp_path / "fleet.json"
    proc, info = await _start_manager(roster, 1, tmp_path / "work")
    try:
        with pytest.raises(RosterLockedError) as refused:
            await Fleet.start(roster)
        message = str(refused.value)
        assert str(roster) in message and f"pid {proc.pid}" in message
        assert refused.value.exit_code == 2
        snap = read_roster(roster)
        assert snap.running and snap.holder_pid == proc.pid
        assert [m.name for m in snap.members] == ["m0"]
        assert running(info["pids"]["m0"])
    finally:
        proc.kill()
        await proc.wait()
    await _until_stopped([info["pids"]["m0"]])


async def test_a_member_reopened_before_its_first_turn_starts_fresh(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    roster = tmp_path / "fleet.json"
    async with Fleet.open(roster, boot_spacing=0) as fleet:
        await fleet.add("quiet", cwd=str(tmp_path))  # no turn: Claude Code wrote no transcript
        await fleet.add("talked", cwd=str(tmp_path))
        await fleet.send("talked", "reply:remember me")
        before = {m.name: m.session_id for m in fleet.members()}
    async with Fleet.open(roster, boot_spacing=0) as fleet:
        await asyncio.wait_for(fleet.wait_ready(), DEADLINE)
        quiet, talked = fleet.members()
        assert quiet.state is SessionState.IDLE and quiet.error is None
        assert quiet.session_id and quiet.session_id != before["quiet"]
        assert talked.state is SessionState.IDLE and talked.session_id == before["talked"]
        assert (await fleet.send("quiet", "reply:first words")).text == "first words"
        new_id = fleet.member("quiet").session_id
    assert {m.name: m.session_id for m in read_roster(roster).members}["quiet"] == new_id
