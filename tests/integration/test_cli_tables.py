"""Tables with stdout to a pipe: a header line, one row per line, tab-separated, nothing
cut; on a terminal they are laid out. Run as a person runs them, against the real binary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.integration.sdk_support import cli, cli_env, write_profiles
from tests.support.fake_api import FakeApi

from claude_coder.fleet import Roster, RosterMember

LONG = "reply:" + " ".join(f"word{i}" for i in range(20))  # under the 200 kept


def _rows(stdout: str) -> list[list[str]]:
    rows = [line.split("\t") for line in stdout.splitlines()]
    assert rows and len({len(r) for r in rows}) == 1, stdout
    return rows


def test_list_in_a_pipe_is_tab_separated_and_uncut(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    run = cli(
        offline_claude, "run", LONG, "--name", "a-rather-long-session-name", "--json", cwd=tmp_path
    )
    sid = json.loads(run.stdout)["session_id"]
    proc = cli(offline_claude, "list", "--all", cwd=tmp_path, extra_env={"COLUMNS": "40"})
    assert proc.returncode == 0, proc.stderr
    header, *rows = _rows(proc.stdout)
    assert header == ["NAME", "ID", "MODIFIED", "CWD", "SUMMARY"]
    [row] = rows
    assert row[0] == "a-rather-long-session-name" and row[1] == sid
    assert row[3] == str(tmp_path.resolve()) and row[4] == LONG  # the prompt, not the name
    assert row[2].endswith(("+0000", "-0000")) or row[2][-5] in "+-"  # an explicit offset


def test_fleet_status_and_profiles_list_in_a_pipe(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    roster = tmp_path / "fleet.json"
    deep = "/very/long/path/" + "/".join(f"dir{i}" for i in range(20))
    with Roster.open(roster) as r:
        r.add(RosterMember("member-with-a-long-name", cwd=deep, session_id="0123456789abcdef"))
        r.update("member-with-a-long-name", state="idle", cost_usd=0.0551)
    status = cli(offline_claude, "fleet", "status", "--roster", str(roster), cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    header, row = _rows(status.stdout)
    assert header[0] == "NAME" and row[0] == "member-with-a-long-name"
    assert "0123456789abcdef" in row and deep in row and "$0.0551" in row
    assert "not running" in status.stderr

    profiles = write_profiles(tmp_path, {"name": "a-profile-name-longer-than-a-column"})
    listed = cli(offline_claude, "--profiles", str(profiles), "profiles", "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    header, *rows = _rows(listed.stdout)
    assert header[0] == "NAME"
    assert {r[0] for r in rows} == {"claude-code-expert", "a-profile-name-longer-than-a-column"}


def test_a_terminal_gets_a_laid_out_table(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    cli(offline_claude, "run", "reply:x", "--name", "shown", cwd=tmp_path)
    master, slave = os.openpty()
    env = cli_env(offline_claude, {"COLUMNS": "160", "TERM": "dumb"})
    proc = subprocess.run(
        [sys.executable, "-m", "claude_coder.cli.main", "list"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE,
        env=env, timeout=60, check=False,
    )  # fmt: skip
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.returncode == 0, proc.stderr
    text = out.decode()
    assert "NAME" in text and "shown" in text and "\t" not in text


def test_an_empty_table_in_a_pipe_is_its_header_line(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    listed = cli(offline_claude, "list", cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout == "NAME\tID\tMODIFIED\tCWD\tSUMMARY\n"
    roster = tmp_path / "fleet.json"
    Roster.open(roster).close()
    status = cli(offline_claude, "fleet", "status", "--roster", str(roster), cwd=tmp_path)
    assert status.returncode == 0 and status.stdout.startswith("NAME\tSTATE\t")
    assert status.stdout.count("\n") == 1 and "(no members)" in status.stderr
