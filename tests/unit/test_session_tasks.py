"""TaskOwner: one TaskGroup owns a session's (or a fleet's) tasks; a failure is logged and
reported, never silent, and never takes the other tasks down; closing cancels the rest."""

from __future__ import annotations

import asyncio
import logging

import pytest

from claude_coder.session._tasks import TaskOwner


async def test_a_failing_task_is_logged_and_reported_and_its_siblings_live_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    crashed: list[tuple[str, str]] = []

    async def on_crash(name: str, exc: Exception) -> None:
        crashed.append((name, str(exc)))

    owner = TaskOwner("t", on_crash)
    await owner.start()
    sibling_done = asyncio.Event()

    async def boom() -> None:
        raise RuntimeError("it broke")

    async def sibling() -> None:
        await asyncio.Event().wait()

    failing = owner.spawn(boom(), name="boom")
    other = owner.spawn(sibling(), name="sibling")
    other.add_done_callback(lambda _: sibling_done.set())
    with caplog.at_level(logging.ERROR):
        await asyncio.wait({failing})
    assert crashed == [("boom", "it broke")]
    assert any("boom failed: it broke" in r.getMessage() for r in caplog.records)
    assert not other.done()
    await owner.aclose()
    assert other.cancelled() and sibling_done.is_set()


async def test_nothing_can_be_spawned_once_closed() -> None:
    owner = TaskOwner("t")
    await owner.start()
    await owner.aclose()
    assert not owner.open

    async def nothing() -> None:
        return None

    with pytest.raises(RuntimeError, match="closed"):
        owner.spawn(nothing(), name="late")


async def test_aclose_lets_tasks_finish_within_the_grace() -> None:
    owner = TaskOwner("t")
    await owner.start()
    release = asyncio.Event()
    finished: list[str] = []

    async def quick() -> None:
        await release.wait()
        finished.append("quick")

    task = owner.spawn(quick(), name="quick")
    release.set()
    await owner.aclose(grace=5.0)
    assert finished == ["quick"] and task.done() and not task.cancelled()
