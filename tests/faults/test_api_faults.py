"""API faults from the fake: Claude Code's retries are visible, never ``stalled``, and a
turn whose retries run out ends ``error`` (no silent success)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from claude_coder.events import ApiRetry, Boundary, SessionState, StateChanged
from claude_coder.session import Session
from tests.integration.sdk_support import Events, cli
from tests.support.fake_api import FakeApi


def _states(rec: Events) -> list[SessionState]:
    return [e.new for e in rec.events if isinstance(e, StateChanged)]


def _retries(rec: Events) -> list[ApiRetry]:
    return [e for e in rec.events if isinstance(e, ApiRetry)]


@pytest.mark.parametrize(("status", "message"), [(529, "overloaded"), (429, "rate_limit")])
async def test_retries_show_as_retrying_not_stalled(
    offline_claude: Path, fake_api: FakeApi, status: int, message: str
) -> None:
    # The stall window is shorter than Claude Code's backoff (about 1 s, then 2 s): a
    # session that did not know about retries would be marked stalled here.
    async with Session.open(stall_timeout=1.5) as s:
        rec = Events(s)
        result = await s.send(f"retry:{status}:3:1")
        await rec.wait(lambda e: isinstance(e, StateChanged) and e.new is SessionState.IDLE)
    assert result.boundary is Boundary.COMPLETED, result.error
    assert result.text == "Answered after 3 failures."
    retries = _retries(rec)
    assert [r.attempt for r in retries] == [1, 2, 3]
    assert {r.status for r in retries} == {status} and retries[0].max_attempts >= 3
    assert message in retries[0].message and retries[0].delay_s > 0
    assert retries[0].describe().startswith(f"retrying 1/{retries[0].max_attempts}: {status}")
    states = _states(rec)
    assert SessionState.RETRYING in states and SessionState.STALLED not in states
    assert states[states.index(SessionState.RETRYING) + 1] is SessionState.BUSY


async def test_retries_that_run_out_end_the_turn_error(
    make_offline_claude: Callable[..., Path], fake_api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    launcher = make_offline_claude(extra_env={"CLAUDE_CODE_MAX_RETRIES": "2"})
    monkeypatch.setenv("CLAUDE_CODER_CLAUDE", str(launcher))
    async with Session.open() as s:
        rec = Events(s)
        result = await s.send("retry:500:99")
    assert result.boundary is Boundary.ERROR
    assert [(r.attempt, r.max_attempts, r.status) for r in _retries(rec)] == [
        (1, 2, 500),
        (2, 2, 500),
    ]
    assert SessionState.RETRYING in _states(rec)


def test_run_says_why_the_turn_takes_long(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    proc = cli(offline_claude, "run", "retry:529:2:0", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Answered after 2 failures.\n"
    assert "retrying 1/10: 529 overloaded" in proc.stderr
    assert "retrying 2/10: 529 overloaded" in proc.stderr
