"""Forks and names against the real Claude Code: a fork knows its id from the start, is
never given its source's name, survives a restart; ``rename`` writes Claude Code's title."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.integration.sdk_support import cli
from tests.support.fake_api import FakeApi

from claude_coder.catalog import Catalog
from claude_coder.catalog.records import last_record
from claude_coder.events import SessionState
from claude_coder.fleet import Fleet, read_roster
from claude_coder.session import Session


def _names(launcher: Path, cwd: Path) -> dict[str, str]:
    proc = cli(launcher, "list", "--json", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return {s["name"]: s["session_id"] for s in json.loads(proc.stdout)}


def test_run_fork_gets_a_derived_name_and_rename_changes_it(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    src = cli(offline_claude, "run", "reply:one", "--name", "src", "--json", cwd=tmp_path)
    assert src.returncode == 0, src.stderr
    fork = cli(offline_claude, "run", "reply:two", "--fork", "src", "--json", cwd=tmp_path)
    assert fork.returncode == 0, fork.stderr
    fork_id = json.loads(fork.stdout)["session_id"]
    names = _names(offline_claude, tmp_path)
    assert names == {"src": json.loads(src.stdout)["session_id"], "src-fork-1": fork_id}

    renamed = cli(offline_claude, "rename", "src-fork-1", "better", cwd=tmp_path)
    assert renamed.returncode == 0, renamed.stderr
    assert _names(offline_claude, tmp_path)["better"] == fork_id
    title = last_record(Catalog().resolve("better").path, "custom-title")
    assert title == {"type": "custom-title", "customTitle": "better", "sessionId": fork_id}
    again = cli(offline_claude, "run", "reply:three", "--resume", "better", "--json", cwd=tmp_path)
    assert again.returncode == 0 and json.loads(again.stdout)["session_id"] == fork_id
    # Claude Code itself keeps the new name: its next title record is "better" too.
    assert Catalog().resolve(fork_id).name == "better"

    taken = cli(offline_claude, "rename", "better", "src", cwd=tmp_path)
    assert taken.returncode == 2 and "src" in taken.stderr
    empty = cli(offline_claude, "rename", "better", "  ", cwd=tmp_path)
    assert empty.returncode == 2 and "Traceback" not in empty.stderr
    missing = cli(offline_claude, "rename", "no-such", "x", cwd=tmp_path)
    assert missing.returncode == 2


async def _session_with_one_turn(cwd: Path, name: str, text: str) -> str:
    async with Session.open(cwd=str(cwd), name=name) as s:
        await s.send(text)
    assert s.session_id is not None
    return s.session_id


async def test_a_python_fork_knows_its_id_before_its_first_turn(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    origin = await _session_with_one_turn(tmp_path, "origin", "reply:origin")
    async with Session.open(cwd=str(tmp_path), resume=origin, fork=True) as f:
        known = f.session_id
        assert known is not None and known != origin
        assert f.name == "origin-fork-1"
        result = await f.send("reply:in the fork")
    assert result.session_id == known
    assert Catalog().resolve("origin-fork-1").session_id == known


async def test_a_fleet_fork_keeps_its_id_across_a_restart(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    base = await _session_with_one_turn(tmp_path, "base", "reply:base turn")
    roster = tmp_path / "fleet.json"
    async with Fleet.open(roster, boot_spacing=0) as fleet:
        info = await fleet.add("branch", cwd=str(tmp_path), fork_from=base)
        assert info.session_id and info.session_id != base
        assert read_roster(roster).members[0].session_id == info.session_id
        await fleet.send("branch", "reply:branch turn")
        assert fleet.member("branch").session_id == info.session_id
    async with Fleet.open(roster, boot_spacing=0) as fleet:
        await asyncio.wait_for(fleet.wait_ready(), 120)
        member = fleet.member("branch")
        assert member.state is SessionState.IDLE and member.session_id == info.session_id
        await fleet.send("branch", "reply:after the restart")
    texts = [e.event for e in Catalog().history("branch")]
    said = [getattr(ev, "text", "") for ev in texts]
    assert "base turn" in said and "branch turn" in said and "after the restart" in said


async def test_a_fleet_fork_reopened_before_its_first_turn_is_still_a_fork(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    root = await _session_with_one_turn(tmp_path, "root", "reply:root turn")
    roster = tmp_path / "fleet.json"
    async with Fleet.open(roster, boot_spacing=0) as fleet:
        info = await fleet.add("early", cwd=str(tmp_path), fork_from=root)
    assert read_roster(roster).members[0].fork_from == root
    async with Fleet.open(roster, boot_spacing=0) as fleet:
        await asyncio.wait_for(fleet.wait_ready(), 120)
        assert fleet.member("early").session_id == info.session_id
        await fleet.send("early", "reply:first words of the fork")
    said = [getattr(e.event, "text", "") for e in Catalog().history("early")]
    assert said[:2] == ["reply:root turn", "root turn"]  # the source's history came along
    assert "first words of the fork" in said
    assert Catalog().resolve("early").session_id == info.session_id


def test_the_fork_command_shows_the_new_id_in_its_header(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    src = cli(offline_claude, "run", "reply:one", "--name", "origin", cwd=tmp_path)
    assert src.returncode == 0, src.stderr
    proc = cli(offline_claude, "fork", "origin", cwd=tmp_path, stdin="reply:forked\nexit\n")
    assert proc.returncode == 0, proc.stderr
    fork_id = _names(offline_claude, tmp_path)["origin-fork-1"]
    assert f"session {fork_id}" in proc.stderr and "session None" not in proc.stderr
