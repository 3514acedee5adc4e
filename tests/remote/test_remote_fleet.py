"""A fleet with members on devbox: one ceiling, one merged stream, and a restart re-attaching.

The fleet test's members share the fake API (the host's Claude Code reaches it over
127.0.0.1 too), so its ``max_in_flight`` is the ceiling measured where the prompts land.
The restart test runs the fleet in a manager process (``tests/remote/fleet_proc.py``),
SIGKILLs it mid-turn, and opens the roster again here: the host kept the member's Claude
Code, so the new fleet re-attaches to the same process and the same conversation.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from claude_coder.events import Boundary, SessionState
from claude_coder.fleet import Fleet, read_roster
from tests.remote.support import DEADLINE, REPO, host_claudes, until
from tests.support.fake_api import FakeApi
from tests.support.host_user import HostWorld
from tests.support.procs import running

pytestmark = pytest.mark.timeout(240)


async def test_two_remote_and_one_local_member_under_one_ceiling(
    remote_host: HostWorld, offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    roster = tmp_path / "fleet.json"
    far = str(remote_host.home / "work")
    async with Fleet.open(roster, max_busy=2, boot_spacing=0.05) as fleet:
        await fleet.add("far1", cwd=far, host=remote_host.name)
        await fleet.add("far2", host=remote_host.name)
        await fleet.add("near", cwd=str(tmp_path))
        hosts = {m.name: m.host for m in fleet.members()}
        assert hosts == {"far1": "devbox", "far2": "devbox", "near": None}
        assert len(host_claudes(remote_host)) == 2
        fake_api.reset()
        busy_seen: list[int] = []
        tagged: dict[str, list[str]] = {}

        async def watch() -> None:
            async for env in fleet.events(maxsize=100_000):
                busy_seen.append(sum(m.state is SessionState.BUSY for m in fleet.members()))
                tagged.setdefault(str(env.name), []).append(env.event.kind)

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(0)  # the watcher subscribes before the turns start
        names = ["far1", "far2", "near"]
        turns = [fleet.submit(n, "slow:4:0.15") for n in names]
        results = await asyncio.wait_for(asyncio.gather(*turns), DEADLINE)
        assert [r.boundary for r in results] == [Boundary.COMPLETED] * 3, results
        assert all(r.text.startswith("chunk0") for r in results)
        assert max(busy_seen) == 2 and fleet.peak_busy == 2, "never 3 busy"
        assert fake_api.max_in_flight == 2
        assert fake_api.prompts_seen() == ["slow:4:0.15"] * 3
        ids = {m.name: m.session_id for m in fleet.members()}
        assert [r.session_id for r in results] == [ids[n] for n in names]
    await asyncio.wait_for(watcher, 10)
    for name in names:
        assert "text_delta" in tagged[name] and "turn_ended" in tagged[name], tagged.keys()
    snap = read_roster(roster)
    assert {m.name: m.host for m in snap.members} == hosts
    await until("the host's members closed with the fleet", lambda: not host_claudes(remote_host))


async def _manager(roster: Path, host: str, log: Path) -> tuple[asyncio.subprocess.Process, dict]:
    with log.open("wb") as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.remote.fleet_proc",
            str(roster),
            host,
            cwd=str(REPO),
            stdout=asyncio.subprocess.PIPE,
            stderr=err,
        )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), DEADLINE)
    if not line:
        await proc.wait()
        raise AssertionError((await asyncio.to_thread(log.read_text))[-3000:])
    return proc, json.loads(line)


async def test_a_restarted_fleet_reattaches_its_remote_member(
    remote_host: HostWorld, fake_api: FakeApi, tmp_path: Path
) -> None:
    roster = tmp_path / "fleet.json"
    proc, info = await _manager(roster, remote_host.name, tmp_path / "manager.stderr")
    await asyncio.to_thread(fake_api.wait_for_stall, 1, 30)
    [claude] = host_claudes(remote_host)
    os.kill(proc.pid, signal.SIGKILL)
    await asyncio.wait_for(proc.wait(), 10)
    await until("the dead manager's ssh is gone", lambda: not running(info["ssh"]))
    snap = read_roster(roster)
    assert [(m.name, m.host) for m in snap.members] == [("far", "devbox")]

    async with Fleet.open(roster, boot_spacing=0.05) as fleet:
        await asyncio.wait_for(fleet.wait_ready(), DEADLINE)
        [member] = fleet.members()
        assert (member.host, member.error, member.session_id) == ("devbox", None, info["id"])
        assert host_claudes(remote_host) == {claude}, "re-attached: the same Claude Code"
        assert member.state is SessionState.BUSY, "the stalled turn still runs on the host"
        fake_api.release_stalls()
        await until(
            "the re-attached turn ends", lambda: fleet.members()[0].state is SessionState.IDLE
        )
        result = await asyncio.wait_for(fleet.send("far", "reply:after the restart"), DEADLINE)
    assert (result.boundary, result.text) == (Boundary.COMPLETED, "after the restart")
    assert result.session_id == info["id"]
    history = json.dumps(fake_api.messages_requests()[-1].body["messages"])
    assert "first turn of far" in history and "Released after a stall." in history
    assert fake_api.prompts_seen().count("stall:60") == 1, "the stalled turn was sent once"
