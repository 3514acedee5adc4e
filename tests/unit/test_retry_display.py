"""Claude Code's retry notices: read from stream-json, shown by ``fleet status``."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_coder.cli.main import main
from claude_coder.events import ApiRetry, event_from_json
from claude_coder.fleet import Roster, RosterMember
from claude_coder.transports.sdk._mapper import api_retry


def test_an_api_retry_notice_becomes_an_event() -> None:
    ev = api_retry(
        {
            "attempt": 3,
            "max_retries": 10,
            "retry_delay_ms": 2185,
            "error_status": 529,
            "error": "overloaded",
        }
    )
    assert ev == ApiRetry(3, 10, 529, "overloaded", 2.185)
    assert ev.describe() == "retrying 3/10: 529 overloaded"
    assert event_from_json(ev.to_json()) == ev


def test_odd_fields_do_not_break_the_notice() -> None:
    ev = api_retry({"attempt": "x", "error_status": None, "error": 7})
    assert ev == ApiRetry(0, 0, None, "", 0.0)
    assert ev.describe() == "retrying 0/0: error"


def test_fleet_status_shows_what_a_retrying_member_waits_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "fleet.json"
    with Roster.open(path) as roster:
        roster.add(RosterMember("agent1"))
        roster.update("agent1", state="retrying", retry="retrying 3/10: 529 overloaded")
    assert main(["fleet", "status", "--roster", str(path)]) == 0
    assert "retrying 3/10: 529 overloaded" in capsys.readouterr().out
