"""``fleet status`` reads the roster without starting anything; ``fleet`` refuses a held roster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_coder.cli.main import main
from claude_coder.fleet import ROSTER_ENV, Roster, RosterMember


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def _fill(path: Path) -> Roster:
    roster = Roster.open(path)
    roster.add(RosterMember("agent1", cwd="/repo", session_id="0123456789abcdef"))
    roster.add(RosterMember("reviewer", profile="reviewer", transport="pty"))
    roster.update("agent1", state="busy", input_tokens=12, output_tokens=34, cost_usd=0.5)
    roster.update("reviewer", state="error", error="Claude Code exited with code 1")
    return roster


def test_status_of_a_missing_roster_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "none.json"
    assert main(["fleet", "status", "--roster", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "--roster" in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv(ROSTER_ENV, str(missing))
    assert main(["fleet", "status"]) == 2
    assert ROSTER_ENV in capsys.readouterr().err
    assert not missing.exists(), "status creates nothing"


def test_status_while_another_fleet_holds_the_roster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fleet.json"
    with _fill(path):
        assert main(["fleet", "status", "--roster", str(path)]) == 0
        seen = capsys.readouterr()
        out = seen.out + seen.err  # not a terminal: notes on stderr, the table on stdout
        assert "running (pid" in seen.err and "running (pid" not in seen.out
        assert "agent1" in out and "busy" in out and "01234567" in out and "$0.5000" in out
        assert "reviewer" in out and "pty" in out
        assert "reviewer: Claude Code exited with code 1" in out
        assert main(["fleet", "status", "--roster", str(path), "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["running"] is True and data["roster"] == str(path)
        assert [m["name"] for m in data["members"]] == ["agent1", "reviewer"]
        assert data["members"][0]["session_id"] == "0123456789abcdef"
        assert data["members"][0]["state"] == "busy"
    assert main(["fleet", "status", "--roster", str(path)]) == 0
    seen = capsys.readouterr()
    assert "not running; states as last seen" in seen.err and "busy" in seen.out


def test_status_uses_the_env_roster_and_the_group_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "env.json"
    _fill(path).close()
    monkeypatch.setenv(ROSTER_ENV, str(path))
    assert main(["fleet", "status", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["members"]) == 2
    monkeypatch.delenv(ROSTER_ENV)
    assert main(["fleet", "--roster", str(path), "status", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["members"]) == 2


def test_status_of_a_corrupt_roster_is_a_clear_error_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fleet.json"
    path.write_text("{oops")
    assert main(["fleet", "status", "--roster", str(path)]) == 2
    err = capsys.readouterr().err
    assert "corrupt" in err and str(path) in err.replace("\n", "")
    assert path.read_text() == "{oops"


def test_fleet_tui_refuses_a_roster_held_elsewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fleet.json"
    with _fill(path):
        assert main(["fleet", "--roster", str(path)]) == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert "open in another process" in err
