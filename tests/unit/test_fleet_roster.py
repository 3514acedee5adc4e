"""The fleet and its roster: every change persisted, re-attach on open, one opener; pacing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tests.unit.fleet_helpers import FakeFactory, open_fleet, until

from claude_coder.errors import MemberNotFoundError, RosterCorruptError, RosterLockedError
from claude_coder.events import Boundary, SessionState
from claude_coder.fleet import BootPacer, Fleet, read_roster

S = SessionState
pytestmark = pytest.mark.timeout(30)


async def test_roster_round_trip_and_reattach(tmp_path: Path) -> None:
    roster = tmp_path / "fleet.json"
    work = tmp_path / "repo"
    work.mkdir()
    first = FakeFactory()
    fleet = await open_fleet(roster, first)
    await fleet.add("agent1", cwd=str(work))
    await fleet.add("reviewer", profile="claude-code-expert")
    snap = read_roster(roster)
    assert snap.running and [m.name for m in snap.members] == ["agent1", "reviewer"]
    assert snap.members[0].cwd == str(work)
    ids = {m.name: m.session_id for m in fleet.members()}
    assert all(ids.values()) and [m.session_id for m in snap.members] == list(ids.values())
    assert (await fleet.send("agent1", "one two three")).boundary is Boundary.COMPLETED
    await until(lambda: read_roster(roster).members[0].input_tokens == 3)
    await fleet.shutdown()
    snap = read_roster(roster)
    assert not snap.running
    agent1 = snap.members[0]
    assert agent1.last_boundary == "completed" and agent1.state == "closed"
    assert agent1.transport == "fake" and agent1.profile == "claude-code-expert"

    second = FakeFactory()
    async with Fleet.open(roster, session_factory=second, boot_spacing=0) as again:
        assert [m.name for m in again.members()] == ["agent1", "reviewer"]
        await again.wait_ready()
        assert {s.name: s.resume for s in second.specs} == ids
        assert all(s.reattach and not s.fork for s in second.specs)
        assert {m.name: m.session_id for m in again.members()} == ids
        assert all(m.state is S.IDLE for m in again.members())
        info = again.member("agent1")
        assert info.input_tokens == 3 and info.last_boundary is Boundary.COMPLETED
        assert second.specs[0].cwd == str(work)
        assert (await again.send("reviewer", "hi")).session_id == ids["reviewer"]


async def test_a_second_fleet_on_the_same_roster_is_refused(tmp_path: Path) -> None:
    roster = tmp_path / "fleet.json"
    fleet = await open_fleet(roster, FakeFactory())
    await fleet.add("a")
    with pytest.raises(RosterLockedError, match="open in another process"):
        await open_fleet(roster, FakeFactory())
    assert (await fleet.send("a", "still mine")).text == "echo: still mine"
    await fleet.shutdown()
    reopened = await open_fleet(roster, FakeFactory())
    assert [m.name for m in reopened.members()] == ["a"]
    await reopened.shutdown()


async def test_closing_a_member_removes_it_from_the_roster(tmp_path: Path) -> None:
    roster = tmp_path / "fleet.json"
    factory = FakeFactory()
    fleet = await open_fleet(roster, factory)
    await fleet.add("a")
    await fleet.add("b")
    await fleet.close("a")
    assert [m.name for m in fleet.members()] == ["b"]
    assert [m.name for m in read_roster(roster).members] == ["b"]
    assert factory.transports["a"].closed
    with pytest.raises(MemberNotFoundError):
        await fleet.close("a")
    await fleet.shutdown()


async def test_a_corrupt_roster_is_kept_aside_not_emptied(tmp_path: Path) -> None:
    roster = tmp_path / "fleet.json"
    roster.write_text('{"version": 1, "members": [')
    with pytest.raises(RosterCorruptError) as info:
        await open_fleet(roster, FakeFactory())
    backup = info.value.backup
    assert backup and backup.startswith(str(roster)) and str(backup) in str(info.value)
    fleet = await open_fleet(roster, FakeFactory())
    assert fleet.members() == []
    await fleet.shutdown()


async def test_members_show_starting_while_they_boot(tmp_path: Path) -> None:
    roster = tmp_path / "fleet.json"
    fleet = await open_fleet(roster, FakeFactory())
    await fleet.add("a")
    await fleet.shutdown()
    gate = asyncio.Event()
    inner = FakeFactory()

    async def slow_factory(spec):  # type: ignore[no-untyped-def]
        await gate.wait()
        return await inner(spec)

    fleet = await Fleet.start(roster, session_factory=slow_factory, boot_spacing=0)
    assert fleet.member("a").state is S.STARTING
    turn = fleet.submit("a", "queued while starting")
    assert fleet.member("a").queued == 1 and fleet.busy == 0
    gate.set()
    assert (await turn).text == "echo: queued while starting"
    await fleet.shutdown()


async def test_pacer_spaces_boots_and_bounds_how_many_start_at_once() -> None:
    clock = [0.0]
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    pacer = BootPacer(
        1.0, jitter=0.5, concurrency=2, clock=lambda: clock[0], sleep=fake_sleep, rng=lambda: 0.5
    )
    starts: list[float] = []
    most = 0
    release = asyncio.Event()

    async def boot() -> None:
        nonlocal most
        async with pacer.slot():
            starts.append(clock[0])
            most = max(most, pacer.starting)
            await release.wait()

    tasks = [asyncio.create_task(boot()) for _ in range(4)]
    await until(lambda: len(starts) == 2)
    assert pacer.starting == 2
    release.set()
    await asyncio.gather(*tasks)
    assert most == 2
    assert starts == [0.0, 1.25, 2.5, 3.75]
    assert sleeps == [1.25, 1.25, 1.25]
    with pytest.raises(ValueError):
        BootPacer(-1)
    with pytest.raises(ValueError):
        BootPacer(1, concurrency=0)


async def test_resume_and_fork_from_reach_the_session_factory(tmp_path: Path) -> None:
    factory = FakeFactory()
    fleet = await open_fleet(tmp_path / "fleet.json", factory)
    resumed = await fleet.add("again", resume="0000-old-session")
    forked = await fleet.add("copy", fork_from="0000-old-session")
    assert [(s.name, s.resume, s.fork, s.reattach) for s in factory.specs] == [
        ("again", "0000-old-session", False, False),
        ("copy", "0000-old-session", True, False),
    ]
    assert resumed.session_id == "0000-old-session"
    assert forked.session_id and forked.session_id != "0000-old-session"
    await fleet.shutdown()
