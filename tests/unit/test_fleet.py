"""The fleet on FakeTransport: the ceiling, submission order, queued state, turns."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest
from tests.unit.fleet_helpers import FakeFactory, open_fleet, until

from claude_coder.errors import FleetError, MemberNotFoundError, SessionClosedError, SessionError
from claude_coder.events import Boundary, SessionState
from claude_coder.fleet import MemberExistsError, MemberNameError
from claude_coder.session._turns import TurnStatus
from claude_coder.transports.fake import Say, Stall, Step, Tool

S = SessionState
pytestmark = pytest.mark.timeout(30)


class Gates:
    """A script for every member: each turn records that it started, then waits for its gate."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}

    def script(self, name: str):  # type: ignore[no-untyped-def]
        def steps(text: str) -> Sequence[Step]:
            self.started.append(text)
            gate = self.gates.setdefault(text, asyncio.Event())
            return [Say(f"{name} begins"), Stall(gate), Say(f"{name} done: {text}")]

        return steps

    def release(self, text: str) -> None:
        self.gates.setdefault(text, asyncio.Event()).set()


async def test_six_members_two_at_once_in_submission_order(tmp_path: Path) -> None:
    gates = Gates()
    names = [f"m{i}" for i in range(6)]
    factory = FakeFactory({n: gates.script(n) for n in names})
    fleet = await open_fleet(tmp_path / "fleet.json", factory, max_busy=2)
    for n in names:
        await fleet.add(n)
    turns = [fleet.submit(n, f"task-{n}") for n in names]
    await until(lambda: len(gates.started) == 2)
    assert fleet.busy == 2
    infos = {m.name: m for m in fleet.members()}
    assert [infos[n].state for n in names[:2]] == [S.BUSY, S.BUSY]
    for n in names[2:]:
        assert infos[n].state is S.IDLE and infos[n].queued == 1 and infos[n].status == "queued"
    assert [t.status for t in turns] == [TurnStatus.RUNNING] * 2 + [TurnStatus.QUEUED] * 4
    # Release turns out of order: the next waiting turn (in submission order) takes the slot.
    for released, expected_started in ((1, 3), (0, 4), (3, 5), (2, 6), (4, 6), (5, 6)):
        gates.release(f"task-{names[released]}")
        await until(lambda n=expected_started: len(gates.started) == n)  # type: ignore[misc]
        assert fleet.busy <= 2
    results = [await t for t in turns]
    assert gates.started == [f"task-{n}" for n in names]
    assert [r.boundary for r in results] == [Boundary.COMPLETED] * 6
    assert [r.text for r in results] == [f"{n} done: task-{n}" for n in names]
    assert fleet.peak_busy == 2
    assert all(m.state is S.IDLE and m.queued == 0 for m in fleet.members())
    await fleet.shutdown()


async def test_one_member_runs_its_turns_in_order_holding_one_slot(tmp_path: Path) -> None:
    gates = Gates()
    factory = FakeFactory({"a": gates.script("a"), "b": gates.script("b")})
    fleet = await open_fleet(tmp_path / "fleet.json", factory, max_busy=2)
    await fleet.add("a")
    await fleet.add("b")
    a_turns = [fleet.submit("a", f"a{i}") for i in range(3)]
    b_turn = fleet.submit("b", "b0")
    await until(lambda: len(gates.started) == 2)
    assert gates.started == ["a0", "b0"]
    assert fleet.member("a").queued == 2
    for text in ("a0", "a1", "a2", "b0"):
        gates.release(text)
    results = [await t for t in [*a_turns, b_turn]]
    assert [r.text for r in results] == ["a done: a0", "a done: a1", "a done: a2", "b done: b0"]
    assert gates.started == ["a0", "b0", "a1", "a2"]
    await fleet.shutdown()


async def test_cancel_a_queued_turn_and_a_running_one(tmp_path: Path) -> None:
    gates = Gates()
    factory = FakeFactory({"a": gates.script("a"), "b": gates.script("b")})
    fleet = await open_fleet(tmp_path / "fleet.json", factory, max_busy=1)
    await fleet.add("a")
    await fleet.add("b")
    running = fleet.submit("a", "first")
    queued = fleet.submit("b", "second")
    await until(lambda: gates.started == ["first"])
    assert queued.cancel() and queued.status is TurnStatus.CANCELLED
    with pytest.raises(asyncio.CancelledError):
        await queued
    assert running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    await until(lambda: fleet.member("a").state is S.IDLE and fleet.busy == 0)
    assert factory.transports["a"].interrupts == 1
    assert factory.transports["b"].sent == []
    assert fleet.session("a").last_result is not None
    assert fleet.session("a").last_result.boundary is Boundary.INTERRUPTED
    assert not running.cancel()
    gates.release("third")
    after = await fleet.send("b", "third")
    assert after.text == "b done: third"
    await fleet.shutdown()


async def test_interrupt_with_drain_drops_waiting_turns(tmp_path: Path) -> None:
    gates = Gates()
    factory = FakeFactory({"a": gates.script("a")})
    fleet = await open_fleet(tmp_path / "fleet.json", factory, max_busy=1)
    await fleet.add("a")
    first = fleet.submit("a", "one")
    later = [fleet.submit("a", "two"), fleet.submit("a", "three")]
    await until(lambda: gates.started == ["one"])
    result = await fleet.interrupt("a", drain=True)
    assert result is not None and result.boundary is Boundary.INTERRUPTED
    assert (await first).boundary is Boundary.INTERRUPTED
    for t in later:
        assert t.cancelled()
    assert fleet.member("a").queued == 0 and gates.started == ["one"]
    assert await fleet.interrupt("a") is None
    await fleet.shutdown()


async def test_send_and_permission_waiting_on_a_person(tmp_path: Path) -> None:
    factory = FakeFactory(
        {"a": [[Tool("Bash", {"command": "touch x"}, output="ok"), Say("did it")]]}
    )
    fleet = await open_fleet(tmp_path / "fleet.json", factory)
    await fleet.add("a")
    turn = fleet.submit("a", "make a file")
    await until(lambda: fleet.member("a").waiting)
    (request,) = fleet.session("a").pending
    await fleet.decide("a", request.request_id, True)
    result = await turn
    assert result.text == "did it" and [c.name for c in result.tool_calls] == ["Bash"]
    assert not fleet.member("a").waiting
    info = fleet.member("a")
    assert info.last_boundary is Boundary.COMPLETED
    assert info.input_tokens == 3 and info.output_tokens == 2 and info.cost_usd
    await fleet.shutdown()


async def test_names_are_checked(tmp_path: Path) -> None:
    fleet = await open_fleet(tmp_path / "fleet.json", FakeFactory())
    await fleet.add("a")
    with pytest.raises(MemberExistsError):
        await fleet.add("a")
    with pytest.raises(MemberNameError):
        await fleet.add("no spaces")
    with pytest.raises(MemberNotFoundError, match="members: a"):
        fleet.submit("zed", "hi")
    with pytest.raises(MemberNotFoundError):
        await fleet.interrupt("zed")
    with pytest.raises(SessionError, match="some text"):
        fleet.submit("a", "   ")
    with pytest.raises(FleetError, match="not both"):
        await fleet.add("b", resume="x", fork_from="y")
    assert [m.name for m in fleet.members()] == ["a"]
    await fleet.shutdown()
    with pytest.raises(FleetError, match="closed"):
        fleet.submit("a", "late")


async def test_shutdown_fails_waiting_turns_and_closes_sessions(tmp_path: Path) -> None:
    gates = Gates()
    factory = FakeFactory({"a": gates.script("a"), "b": gates.script("b")})
    fleet = await open_fleet(tmp_path / "fleet.json", factory, max_busy=1)
    await fleet.add("a")
    await fleet.add("b")
    sub = fleet.events()
    running = fleet.submit("a", "one")
    waiting = fleet.submit("b", "two")
    await until(lambda: gates.started == ["one"])
    await fleet.shutdown()
    with pytest.raises(SessionClosedError):
        await waiting
    with pytest.raises(SessionClosedError):
        await running
    assert all(t.closed for t in factory.transports.values())
    assert all(m.state is S.CLOSED for m in fleet.members())
    got = [env async for env in sub]  # the stream ends after shutdown
    assert got, "the subscriber saw the members' events"
    await fleet.shutdown()  # idempotent
