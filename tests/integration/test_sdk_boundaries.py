"""Real Claude Code over the SDK transport: interrupts, errors, limits, a kill, a stall."""

from __future__ import annotations

import asyncio
import os
import signal
import stat
from pathlib import Path

import pytest
from tests.integration.sdk_support import Events, write_profiles
from tests.support.fake_api import FakeApi
from tests.support.procs import gone

from claude_coder.errors import SessionError
from claude_coder.events import (
    Boundary,
    PermissionRequested,
    RateLimited,
    SessionState,
    StateChanged,
    TextDelta,
    ToolCall,
)
from claude_coder.session import Session
from claude_coder.transports.sdk import SdkTransport

S = SessionState


async def test_interrupt_mid_stream_then_next_turn_completes(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(cwd=str(tmp_path)) as s:
        rec = Events(s)
        handle = s.submit("slow:40:0.1")
        await rec.wait_kind(TextDelta)
        interrupted = await s.interrupt()
        assert interrupted is not None
        assert interrupted.boundary is Boundary.INTERRUPTED
        assert (await handle) == interrupted
        assert s.state is S.IDLE
        nxt = await s.send("reply:after the interrupt")
    assert nxt.boundary is Boundary.COMPLETED
    assert nxt.text == "after the interrupt"
    assert fake_api.prompts_seen()[-1] == "reply:after the interrupt"


async def test_interrupt_mid_tool_then_next_turn_completes(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    profiles = write_profiles(tmp_path, {"name": "p", "permissionPolicy": {"allow": ["Bash"]}})
    async with Session.open("p", profiles=profiles, cwd=str(tmp_path)) as s:
        rec = Events(s)
        started = tmp_path / "started"
        os.mkfifo(started)
        handle = s.submit(f"bash:echo running > {started} && sleep 30")
        await rec.wait_kind(ToolCall)
        assert await _read_fifo(started) == "running\n"  # the tool is running now
        interrupted = await s.interrupt()
        assert interrupted is not None
        assert interrupted.boundary is Boundary.INTERRUPTED
        assert [c.name for c in interrupted.tool_calls] == ["Bash"]
        assert (await handle).boundary is Boundary.INTERRUPTED
        nxt = await s.send("reply:tool stopped")
    assert nxt.boundary is Boundary.COMPLETED and nxt.text == "tool stopped"


async def test_interrupt_before_the_turn_is_sent_never_reaches_claude(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(cwd=str(tmp_path)) as s:
        handle = s.submit("slow:40:0.1")
        result = await s.interrupt()
        assert result is not None and result.boundary is Boundary.INTERRUPTED
        assert (await handle).boundary is Boundary.INTERRUPTED
        assert (await s.send("reply:ok")).text == "ok"
    assert fake_api.prompts_seen() == ["reply:ok"]


async def _read_fifo(path: Path, deadline: float = 30.0) -> str:
    try:
        return await asyncio.wait_for(asyncio.to_thread(path.read_text), deadline)
    except TimeoutError:
        await asyncio.to_thread(path.write_text, "")  # unblock the reading thread
        raise


async def test_api_error_is_an_error_boundary_and_the_session_lives(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(cwd=str(tmp_path)) as s:
        result = await s.send("error:400")
        assert result.boundary is Boundary.ERROR
        assert result.error is not None and "400" in result.error
        assert s.state is S.IDLE
        assert (await s.send("reply:still here")).boundary is Boundary.COMPLETED


async def test_rate_limit_rejection_is_a_limit_with_resets_at(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(cwd=str(tmp_path)) as s:
        rec = Events(s)
        result = await s.send("ratelimit:3600")
    assert result.boundary is Boundary.LIMIT
    assert result.resets_at is not None and result.resets_at > 0
    rejected = [r for r in rec.of(RateLimited) if r.status == "rejected"]
    assert rejected and rejected[0].resets_at == result.resets_at
    assert rejected[0].rate_limit_type == "five_hour"


async def test_max_turns_is_a_limit(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    profiles = write_profiles(
        tmp_path, {"name": "p", "maxTurns": 1, "permissionPolicy": {"allow": ["Bash"]}}
    )
    async with Session.open("p", profiles=profiles, cwd=str(tmp_path)) as s:
        result = await s.send("bash:touch a.txt")
    assert result.boundary is Boundary.LIMIT
    assert result.error is not None and "maximum number of turns" in result.error


async def test_sigkill_mid_turn_is_an_error_with_no_zombie(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(cwd=str(tmp_path)) as s:
        assert isinstance(s.transport, SdkTransport)
        pid = s.transport.pid
        assert pid is not None
        rec = Events(s)
        handle = s.submit("stall:60")
        await fake_api.async_wait_for_stall()
        os.kill(pid, signal.SIGKILL)
        result = await asyncio.wait_for(handle, 30)
        assert result.boundary is Boundary.ERROR
        assert result.error is not None and "SIGKILL" in result.error
        await rec.wait(lambda e: isinstance(e, StateChanged) and e.new is S.ERROR)
        assert s.state is S.ERROR and "state=error" in repr(s)
        with pytest.raises(SessionError):
            await s.send("reply:no")
    fake_api.release_stalls()
    assert gone(pid)


async def test_stall_is_detected_and_recovers(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    profiles = write_profiles(tmp_path, {"name": "p", "stallTimeoutSeconds": 0.5})
    async with Session.open("p", profiles=profiles, cwd=str(tmp_path)) as s:
        rec = Events(s)
        handle = s.submit("stall:60")
        await rec.wait(lambda e: isinstance(e, StateChanged) and e.new is S.STALLED)
        assert s.state is S.STALLED
        fake_api.release_stalls()
        result = await asyncio.wait_for(handle, 30)
    assert result.boundary is Boundary.COMPLETED
    assert result.text == "Released after a stall."
    states = rec.states()
    stalled_at = states.index(S.STALLED)
    assert states[stalled_at + 1] is S.BUSY and S.ERROR not in states


async def test_a_claude_that_never_answers_is_an_error_not_a_hang(tmp_path: Path) -> None:
    silent = tmp_path / "silent-claude"
    silent.write_text('#!/bin/sh\necho $$ > "$0.pid"\nexec sleep 600\n')
    silent.chmod(silent.stat().st_mode | stat.S_IXUSR)
    profiles = write_profiles(tmp_path, {"name": "p", "claudePath": str(silent)})
    with pytest.raises(SessionError, match="did not become ready"):
        await Session.start("p", profiles=profiles, cwd=str(tmp_path), start_timeout=2.0)
    pid = int((tmp_path / "silent-claude.pid").read_text())
    assert gone(pid)


async def test_interrupt_while_a_permission_waits_on_a_person(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(cwd=str(tmp_path)) as s:
        rec = Events(s)
        handle = s.submit("bash:touch waiting.txt")
        await rec.wait_kind(PermissionRequested)
        assert len(s.pending) == 1 and s.state is S.BUSY
        result = await s.interrupt()
        assert result is not None and result.boundary is Boundary.INTERRUPTED
        assert (await handle).boundary is Boundary.INTERRUPTED
        assert s.pending == []
        assert (await s.send("reply:next")).text == "next"
    assert not (tmp_path / "waiting.txt").exists()
