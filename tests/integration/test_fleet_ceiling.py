"""The fleet on the real Claude Code: the ceiling holds at the API; a deaf reader blocks nobody."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import psutil
import pytest
from tests.support.fake_api import FakeApi

from claude_coder.catalog import Catalog
from claude_coder.events import Boundary, SessionState, StreamGap
from claude_coder.fleet import Fleet, read_roster

pytestmark = pytest.mark.timeout(240)
DEADLINE = 180.0


def _claude_children() -> set[int]:
    """This process's descendants running Claude Code (not, say, another test's sshd: a
    test process may keep session fixtures alive)."""
    found = set()
    for proc in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if any("claude" in Path(part).name for part in proc.cmdline()[:2]):
                found.add(proc.pid)
    return found


async def test_six_members_never_more_than_two_prompts_in_flight(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    roster = tmp_path / "fleet.json"
    names = [f"worker{i}" for i in range(6)]
    async with Fleet.open(roster, max_busy=2, boot_spacing=0.05) as fleet:
        for name in names:
            (tmp_path / name).mkdir()
            await fleet.add(name, cwd=str(tmp_path / name))
        assert all(m.state is SessionState.IDLE for m in fleet.members())
        fake_api.reset()
        busy_seen: list[int] = []
        queued_seen: list[int] = []

        async def watch() -> None:
            async for _env in fleet.events(maxsize=100_000):
                infos = fleet.members()
                busy_seen.append(sum(m.state is SessionState.BUSY for m in infos))
                queued_seen.append(sum(m.status == "queued" for m in infos))

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(0)  # the watcher subscribes before the turns start
        turns = [fleet.submit(n, "slow:4:0.15") for n in names]
        await asyncio.wait_for(asyncio.gather(*turns), DEADLINE)
        results = [await t for t in turns]
        assert [r.boundary for r in results] == [Boundary.COMPLETED] * 6, results
        assert all(r.text.startswith("chunk0") for r in results)
        assert max(busy_seen) == 2 and fleet.peak_busy == 2
        assert max(queued_seen) == 4, "members waiting for the ceiling showed 'queued'"
        assert fake_api.max_in_flight == 2
        assert fake_api.prompts_seen() == ["slow:4:0.15"] * 6
        ids = {m.name: m.session_id for m in fleet.members()}
        assert [r.session_id for r in results] == [ids[n] for n in names]
    await asyncio.wait_for(watcher, 10)
    snap = read_roster(roster)
    assert {m.name: m.session_id for m in snap.members} == ids
    assert not snap.running
    catalog = Catalog()
    for name in names:  # members are persisted, named sessions: the catalog finds them
        found = catalog.find_by_name(name)
        assert found is not None and found.session_id == ids[name]


async def test_a_subscriber_that_never_reads_does_not_stop_the_members(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Fleet.open(tmp_path / "fleet.json", max_busy=3, boot_spacing=0.05) as fleet:
        deaf = fleet.events(maxsize=8)
        for name in ("a", "b", "c"):
            await fleet.add(name, cwd=str(tmp_path))
        results = await asyncio.wait_for(
            asyncio.gather(*(fleet.send(n, "deltas:400") for n in ("a", "b", "c"))), DEADLINE
        )
        assert [r.boundary for r in results] == [Boundary.COMPLETED] * 3
        assert all(r.text.startswith("d0 d1") for r in results)
        assert deaf.dropped > 1000
        assert len(_claude_children()) >= 3  # the check below sees each member's child
    first = await anext(deaf)
    assert isinstance(first.event, StreamGap) and first.event.dropped == deaf.dropped
    rest = [env async for env in deaf]
    assert len(rest) == 8
    assert not _claude_children(), "every Claude Code child was closed"
