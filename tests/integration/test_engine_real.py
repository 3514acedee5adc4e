"""The engine's guarantees against the real Claude Code, on both transports: a raising
permission or question callback denies or declines (the turn still ends), a child killed
mid-turn gives the error state before its one boundary, and a close cancelled midway
still leaves no child behind."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from pathlib import Path

from tests.integration.pty_support import pty_project
from tests.integration.sdk_support import DEADLINE, Events, write_profiles
from tests.support.fake_api import FakeApi
from tests.support.procs import gone, session_pids, wait_gone

from claude_coder import (
    Boundary,
    PermissionDecided,
    PermissionRequest,
    QuestionAnswered,
    QuestionRequest,
    Session,
    SessionState,
    TurnEnded,
    TurnResult,
)
from claude_coder.transports.sdk import SdkTransport

S = SessionState


def broken_permission(req: PermissionRequest) -> bool:
    raise RuntimeError(f"permission callback broke on {req.tool}")


async def broken_question(req: QuestionRequest) -> dict[str, str]:
    raise RuntimeError("question callback broke")


def check_refused(rec: Events, denied: TurnResult, declined: TurnResult) -> None:
    """The Bash use was denied and the question declined, each with the callback's error,
    and both turns still completed."""
    assert denied.boundary is Boundary.COMPLETED and [d.name for d in denied.denials] == ["Bash"]
    decided = rec.of(PermissionDecided)[0]
    assert (decided.allow, decided.by) == (False, "callback")
    assert "permission callback broke on Bash" in (decided.message or "")
    assert declined.boundary is Boundary.COMPLETED
    assert [d.name for d in declined.denials] == ["AskUserQuestion"]
    answered = rec.of(QuestionAnswered)[0]
    assert answered.answers is None and "question callback broke" in (answered.error or "")


async def cancel_a_close_midway(s: Session) -> None:
    """Start ``s.close()`` in a task and cancel that task while the close runs."""
    closer = asyncio.create_task(s.close())
    await asyncio.sleep(0)  # let the close begin, then cancel its caller midway
    closer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await closer
    assert closer.cancelled()


def states_at_boundaries(session: Session) -> list[SessionState]:
    seen: list[SessionState] = []
    session.subscribe(lambda env: isinstance(env.event, TurnEnded) and seen.append(session.state))
    return seen


async def test_sdk_raising_callbacks_deny_and_decline(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    profiles = write_profiles(
        tmp_path,
        {
            "name": "p",
            "permissionPolicy": {"default": "ask"},
            "experimentalAskUserQuestionAnswering": True,
        },
    )
    async with Session.open(
        "p",
        profiles=profiles,
        cwd=str(work),
        on_permission=broken_permission,
        on_question=broken_question,
    ) as s:
        rec = Events(s)
        denied = await asyncio.wait_for(s.send("bash:touch nope.txt"), DEADLINE)
        declined = await asyncio.wait_for(s.send("ask:Which color?|Red|Blue"), DEADLINE)
        assert s.state is S.IDLE
    assert not (work / "nope.txt").exists()
    check_refused(rec, denied, declined)


async def test_pty_raising_callbacks_deny_and_decline(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    work, profiles = pty_project(tmp_path, seed_tui, permissionPolicy={"default": "ask"})
    async with Session.open(
        "pty",
        profiles=profiles,
        persist=True,
        on_permission=broken_permission,
        on_question=broken_question,
    ) as s:
        rec = Events(s)
        denied = await asyncio.wait_for(s.send("bash:touch allowed.txt"), DEADLINE)
        declined = await asyncio.wait_for(s.send("ask:Which color?|Red|Blue"), DEADLINE)
        assert s.state is S.IDLE
    assert not (work / "allowed.txt").exists()
    check_refused(rec, denied, declined)


async def test_sdk_kill_mid_turn_is_error_state_then_one_boundary(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(cwd=str(tmp_path)) as s:
        assert isinstance(s.transport, SdkTransport) and s.transport.pid is not None
        pid = s.transport.pid
        rec = Events(s)
        states = states_at_boundaries(s)
        handle = s.submit("stall:60")
        await fake_api.async_wait_for_stall()
        os.kill(pid, signal.SIGKILL)
        result = await asyncio.wait_for(handle, DEADLINE)
    fake_api.release_stalls()
    assert result.boundary is Boundary.ERROR and "SIGKILL" in (result.error or "")
    assert states == [S.ERROR]
    assert len(rec.of(TurnEnded)) == 1  # not a second one when the session closed
    assert gone(pid)


async def test_sdk_close_cancelled_midway_leaves_no_child(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    s = await Session.start(cwd=str(tmp_path))
    assert isinstance(s.transport, SdkTransport) and s.transport.pid is not None
    pid = s.transport.pid
    handle = s.submit("stall:60")
    await fake_api.async_wait_for_stall()
    await cancel_a_close_midway(s)
    await wait_gone([pid])
    fake_api.release_stalls()
    await asyncio.wait_for(s.close(), DEADLINE)
    assert s.state is S.CLOSED and handle.done()


async def test_pty_close_cancelled_midway_leaves_no_child(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    _, profiles = pty_project(tmp_path, seed_tui)
    s = await Session.start("pty", profiles=profiles, persist=True)
    pids = session_pids(s)
    await cancel_a_close_midway(s)
    await wait_gone(pids)
    await asyncio.wait_for(s.close(), DEADLINE)
    assert s.state is S.CLOSED
