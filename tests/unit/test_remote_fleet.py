"""Fleet members on a host: added with ``host=``, recorded in the roster, re-attached.

The host is :mod:`tests.support.fake_host` behind the ssh stand-in. A fleet killed
mid-life leaves its member's session kept on the host; the next fleet re-attaches to it
by the handle the roster recorded, and resumes by id once the host no longer keeps it.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.fake_remote import FakeRemote
from tests.unit.fleet_helpers import until

from claude_coder.errors import ConfigError
from claude_coder.events import Boundary, SessionState
from claude_coder.fleet import Fleet
from claude_coder.fleet._member import MemberSpec, default_session_factory
from claude_coder.fleet.roster._file import read_roster
from claude_coder.session import Session
from claude_coder.transports.fake import FakeTransport
from claude_coder.transports.remote import OpenSpec, remote_transport

_KILLED_FLEET = """
import asyncio, json, sys
from claude_coder.fleet import Fleet

async def main():
    fleet = await Fleet.start(sys.argv[1], boot_spacing=0)
    await fleet.add("far", host="devbox", cwd="/srv/work")
    await fleet.send("far", "first")
    if sys.argv[2:] == ["mid-turn"]:
        async with fleet.events() as events:
            fleet.submit("far", "stall")
            async for env in events:
                if getattr(env.event, "text", None) == "waiting":
                    break
    print(json.dumps({"id": fleet.member("far").session_id}), flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


@pytest.fixture
def remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRemote]:
    fake = FakeRemote(tmp_path / "remote", monkeypatch)
    yield fake
    fake.cleanup()


async def _local_or_remote(spec: MemberSpec) -> Session:
    """Remote members as a real fleet starts them; local ones on a FakeTransport."""
    if spec.host is not None:
        return await default_session_factory(spec)
    return await Session.start(transport=FakeTransport(), name=spec.name)


async def test_a_remote_and_a_local_member_in_one_fleet(remote: FakeRemote, tmp_path: Path) -> None:
    roster = tmp_path / "fleet.json"
    async with Fleet.open(roster, session_factory=_local_or_remote, boot_spacing=0) as fleet:
        info = await fleet.add("far", host="devbox", cwd="work/repo")
        await fleet.add("near", cwd=str(tmp_path))
        assert (info.host, info.transport, info.state) == ("devbox", "sdk", SessionState.IDLE)
        assert fleet.member("near").host is None
        far, near = await asyncio.gather(fleet.send("far", "one"), fleet.send("near", "two"))
        assert (far.text, near.text) == ("echo: one", "echo: two")
        await until(lambda: read_roster(roster).members[0].last_seq > 0)  # written in batches
        recorded = {m.name: m for m in read_roster(roster).members}
        assert recorded["far"].host == "devbox" and recorded["far"].cwd == "work/repo"
        assert recorded["far"].handle and recorded["far"].last_seq > 0
        assert recorded["near"].host is None
        assert json.loads(roster.read_text())["version"] == 2
    assert remote.requests()[0]["cwd"] == "work/repo"  # never resolved here


async def test_a_roster_without_remote_members_stays_format_1(tmp_path: Path) -> None:
    roster = tmp_path / "fleet.json"
    async with Fleet.open(roster, session_factory=_local_or_remote) as fleet:
        await fleet.add("near", cwd=str(tmp_path))
    doc = json.loads(roster.read_text())
    assert doc["version"] == 1 and "host" not in doc["members"][0]


async def test_a_worktree_on_a_host_is_refused(remote: FakeRemote, tmp_path: Path) -> None:
    async with Fleet.open(tmp_path / "fleet.json", session_factory=_local_or_remote) as fleet:
        with pytest.raises(ConfigError, match="a worktree on host 'devbox' is not supported"):
            await fleet.add("far", host="devbox", worktree=True)
        with pytest.raises(ConfigError, match="must not start with '-'"):
            await fleet.add("bad", host="-oProxyCommand=x")
        assert fleet.members() == []
    assert remote.connections() == []


async def _killed_fleet(roster: Path, *args: str) -> str:
    """Run a fleet with a member on devbox in another process, kill it; its session id."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _KILLED_FLEET, str(roster), *args, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    async with asyncio.timeout(30):
        sid = json.loads(await proc.stdout.readline())["id"]
    os.kill(proc.pid, signal.SIGKILL)  # as a crash would: no close, ssh dies with it
    await proc.wait()
    return str(sid)


async def test_a_restarted_fleet_re_attaches_then_resumes_by_id(
    remote: FakeRemote, tmp_path: Path
) -> None:
    roster = tmp_path / "fleet.json"
    sid = await _killed_fleet(roster)
    # The kept session: re-attached by its handle, its turns go on.
    async with Fleet.open(roster, boot_spacing=0) as fleet:
        await fleet.wait_ready()
        info = fleet.member("far")
        assert (info.state, info.session_id, info.host) == (SessionState.IDLE, sid, "devbox")
        assert (await fleet.send("far", "second")).text == "echo: second"
    # The clean shutdown closed it on the host: next time it is resumed by id.
    async with Fleet.open(roster, boot_spacing=0) as fleet:
        await fleet.wait_ready()
        assert fleet.member("far").state is SessionState.IDLE
    ops = [(r["op"], r["resume"]) for r in remote.requests()]
    assert ops == [("open", None), ("attach", None), ("attach", None), ("open", sid)]


async def test_a_restarted_fleet_adopts_the_turn_still_running_there(
    remote: FakeRemote, tmp_path: Path
) -> None:
    roster = tmp_path / "fleet.json"
    sid = await _killed_fleet(roster, "mid-turn")
    async with Fleet.open(roster, boot_spacing=0) as fleet:
        await fleet.wait_ready()
        info = fleet.member("far")
        assert (info.state, info.session_id) == (SessionState.BUSY, sid)
        result = await fleet.interrupt("far")
        assert result is not None and result.boundary is Boundary.INTERRUPTED
        assert result.text == "waiting"  # what the turn said before this process came
        assert fleet.member("far").state is SessionState.IDLE
        assert (await fleet.send("far", "next")).text == "echo: next"


async def test_a_member_whose_host_is_lost_goes_error_with_the_note(
    remote: FakeRemote, tmp_path: Path
) -> None:
    async def short_grace(spec: MemberSpec) -> Session:
        profile = {"name": "claude-code-expert"}
        transport = remote_transport("devbox", OpenSpec(profile=profile, grace_s=0.5))
        return await Session.start(transport=transport, name=spec.name)

    async with Fleet.open(tmp_path / "fleet.json", session_factory=short_grace) as fleet:
        await fleet.add("far", host="devbox")
        turn = fleet.submit("far", "stall")
        remote.remove_serve()
        await until(lambda: fleet.member("far").state is SessionState.BUSY)
        remote.drop_connections()
        result = await turn
        assert result.boundary is Boundary.ERROR
        info = fleet.member("far")
        assert info.state is SessionState.ERROR and info.error is not None
        assert "resume it with `claude-coder resume --host devbox" in info.error
        roster = tmp_path / "fleet.json"
        await until(lambda: read_roster(roster).members[0].state == "error")
        assert read_roster(roster).members[0].error == info.error
