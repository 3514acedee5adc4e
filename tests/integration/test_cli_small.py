"""Small CLI behaviours, run as a person runs them (real processes, the real binary)."""

from __future__ import annotations

from pathlib import Path

from tests.integration.sdk_support import cli
from tests.support.fake_api import FakeApi


def test_doctor_with_an_unknown_profile_is_a_usage_error(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    proc = cli(offline_claude, "doctor", "--profile", "nosuch", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""  # nothing reported for the built-in profile instead
    [line] = proc.stderr.strip().splitlines()
    assert "nosuch" in line and "no file at " in line and "profiles.json" in line
    full = cli(offline_claude, "doctor", cwd=tmp_path)  # exit 1 here: the test home has no login
    assert "profile      claude-code-expert" in full.stdout
    assert "no file at " in full.stdout and "profiles.json (user config dir)" in full.stdout


def test_messages_name_the_profiles_file_looked_in(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    validate = cli(offline_claude, "profiles", "validate", cwd=tmp_path)
    assert validate.returncode == 0 and "no file at " in validate.stdout
    listed = cli(offline_claude, "profiles", "list", cwd=tmp_path)
    assert "no file at " in listed.stderr and "profiles.json" in listed.stderr
    run = cli(offline_claude, "run", "reply:x", "--profile", "nosuch", cwd=tmp_path)
    assert run.returncode == 2 and "no file at " in run.stderr


def test_fleet_status_of_a_roster_that_is_not_there(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    proc = cli(offline_claude, "fleet", "status", "--roster", "/nonexistent", cwd=tmp_path)
    assert proc.returncode == 2 and "/nonexistent" in proc.stderr
    assert "(no members)" not in proc.stdout + proc.stderr
