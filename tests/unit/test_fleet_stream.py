"""The merged stream: tagged, ordered per member, bounded; a slow subscriber blocks nobody."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from tests.unit.fleet_helpers import Collector, FakeFactory, open_fleet

from claude_coder.events import Boundary, Envelope, StreamGap, TextDelta, TurnEnded, now
from claude_coder.fleet._hub import Hub
from claude_coder.transports.fake import Say

pytestmark = pytest.mark.timeout(30)


def _say_many(n: int) -> list[list[Say]]:
    return [[Say("word " * n, chunks=n)]]


async def test_events_are_tagged_and_each_member_stays_in_order(tmp_path: Path) -> None:
    names = ["a", "b", "c"]
    factory = FakeFactory({n: _say_many(50) for n in names})
    fleet = await open_fleet(tmp_path / "fleet.json", factory, max_busy=3)
    for n in names:
        await fleet.add(n)
    collector = Collector(fleet)
    turns = [fleet.submit(n, f"go {n}") for n in names]
    for t in turns:
        assert (await t).boundary is Boundary.COMPLETED
    await fleet.shutdown()
    envs = await collector.finish()
    by_member: dict[str | None, list[Envelope]] = defaultdict(list)
    for env in envs:
        by_member[env.name].append(env)
    assert set(by_member) == set(names)
    for n in names:
        session_seqs = [e.seq for e in by_member[n] if e.seq]
        assert session_seqs == sorted(session_seqs), f"{n} out of order"
        deltas = [e.event for e in by_member[n] if isinstance(e.event, TextDelta)]
        assert len(deltas) == 50
        assert sum(isinstance(e.event, TurnEnded) for e in by_member[n]) == 1
        assert all(e.session_id == factory.transports[n].session_id for e in by_member[n])


async def test_a_subscriber_that_never_reads_blocks_nobody(tmp_path: Path) -> None:
    names = [f"m{i}" for i in range(4)]
    factory = FakeFactory({n: _say_many(300) for n in names})
    fleet = await open_fleet(tmp_path / "fleet.json", factory, max_busy=2)
    for n in names:
        await fleet.add(n)
    stuck = fleet.events(maxsize=10)  # never read while the members work
    fast = Collector(fleet)
    results = [await t for t in [fleet.submit(n, "talk") for n in names]]
    assert [r.boundary for r in results] == [Boundary.COMPLETED] * 4
    await fleet.shutdown()
    everything = await fast.finish()
    late = [env async for env in stuck]
    assert isinstance(late[0].event, StreamGap)
    assert late[0].name is None
    dropped = late[0].event.dropped
    assert dropped == stuck.dropped == len(everything) - 10
    assert late[1:] == everything[-10:]  # the newest were kept, in order


async def test_gap_is_reported_once_per_run_of_drops() -> None:
    hub = Hub()
    sub = hub.subscribe(maxsize=2)
    envs = [Envelope("a", "s", i, now(), TextDelta(str(i))) for i in range(1, 6)]
    for env in envs:
        hub.publish(env)
    first = await anext(sub)
    assert isinstance(first.event, StreamGap) and first.event.dropped == 3
    assert [await anext(sub), await anext(sub)] == envs[3:]
    hub.publish(envs[0])
    assert await anext(sub) == envs[0]  # no new gap: nothing was dropped since
    hub.close()
    with pytest.raises(StopAsyncIteration):
        await anext(sub)
    with pytest.raises(ValueError):
        hub.subscribe(maxsize=0)


async def test_unsubscribing_releases_the_queue() -> None:
    hub = Hub()
    sub = hub.subscribe(maxsize=5)
    assert hub.subscribers == 1
    await sub.aclose()
    assert hub.subscribers == 0
    with pytest.raises(StopAsyncIteration):
        await anext(sub)
