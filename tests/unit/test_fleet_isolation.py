"""Isolation: one member's crash, stall or refusal changes only that member; restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tests.unit.fleet_helpers import FakeFactory, open_fleet, until

from claude_coder.errors import CredentialRefused, SessionError
from claude_coder.events import Boundary, SessionState, StateChanged
from claude_coder.fleet import read_roster
from claude_coder.transports.fake import Crash, Say, Stall

S = SessionState
pytestmark = pytest.mark.timeout(30)


async def test_a_crash_changes_only_that_member_and_restart_resumes(tmp_path: Path) -> None:
    roster = tmp_path / "fleet.json"
    factory = FakeFactory(
        {"bad": [[Say("about to die"), Crash()]], "good": [[Say("one")], [Say("two")]]}
    )
    fleet = await open_fleet(roster, factory, max_busy=2)
    await fleet.add("bad")
    await fleet.add("good")
    bad_id = fleet.member("bad").session_id
    crashed, fine = fleet.submit("bad", "x"), fleet.submit("good", "y")
    assert (await crashed).boundary is Boundary.ERROR
    assert (await fine).text == "one"
    bad, good = fleet.members()
    assert bad.state is S.ERROR and bad.error and bad.last_boundary is Boundary.ERROR
    assert good.state is S.IDLE and good.error is None
    assert (await fleet.send("good", "again")).text == "two"
    with pytest.raises(SessionError, match=r"restart it with fleet.restart\('bad'\)"):
        fleet.submit("bad", "more")
    await until(lambda: read_roster(roster).members[0].state == "error")
    info = await fleet.restart("bad")
    assert info.state is S.IDLE and info.session_id == bad_id
    assert factory.specs[-1].resume == bad_id and not factory.specs[-1].fork
    assert (await fleet.send("bad", "hello")).text == "echo: hello"
    await fleet.shutdown()


async def test_a_stalled_member_does_not_hold_up_the_others(tmp_path: Path) -> None:
    release = asyncio.Event()
    factory = FakeFactory(
        {"slow": [[Say("thinking"), Stall(release), Say("finally")]]}, stall_timeout=0.05
    )
    fleet = await open_fleet(tmp_path / "fleet.json", factory, max_busy=2)
    for n in ("slow", "a", "b"):
        await fleet.add(n)
    slow = fleet.submit("slow", "big job")
    await until(lambda: fleet.member("slow").state is S.STALLED)
    # One slot is held by the stalled member; the others share the other slot.
    assert (await fleet.send("a", "quick")).text == "echo: quick"
    assert (await fleet.send("b", "quick")).text == "echo: quick"
    assert fleet.member("slow").state is S.STALLED
    assert not factory.transports["slow"].closed
    release.set()
    assert (await slow).text == "finally"
    await fleet.shutdown()


async def test_a_refused_member_on_reopen_stays_in_error_alone(tmp_path: Path) -> None:
    roster = tmp_path / "fleet.json"
    fleet = await open_fleet(roster, FakeFactory())
    await fleet.add("a")
    await fleet.add("b")
    await fleet.shutdown()
    refusal = CredentialRefused(
        "Claude Code reported apiKeySource 'ANTHROPIC_API_KEY'", source="claude"
    )
    factory = FakeFactory(start_errors={"a": refusal})
    fleet = await open_fleet(roster, factory)
    events = fleet.events()
    await fleet.wait_ready()
    a, b = fleet.members()
    assert a.state is S.ERROR and "apiKeySource" in (a.error or "")
    assert b.state is S.IDLE
    assert (await fleet.send("b", "still here")).text == "echo: still here"
    seen = []
    while not any(isinstance(e.event, StateChanged) and e.event.new is S.ERROR for e in seen):
        seen.append(await asyncio.wait_for(anext(events), 5))
    snap = read_roster(roster)
    assert [m.name for m in snap.members] == ["a", "b"], "a refused member is not dropped"
    assert (await fleet.restart("a")).state is S.IDLE
    await fleet.shutdown()


async def test_add_that_cannot_start_keeps_nothing(tmp_path: Path) -> None:
    roster = tmp_path / "fleet.json"
    factory = FakeFactory(start_errors={"x": CredentialRefused("found an API key")})
    fleet = await open_fleet(roster, factory)
    with pytest.raises(CredentialRefused, match="API key"):
        await fleet.add("x")
    assert fleet.members() == []
    assert read_roster(roster).members == ()
    await fleet.add("x")  # the name is free again
    await fleet.shutdown()
