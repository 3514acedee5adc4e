"""Members in their own git worktrees, on the real Claude Code (both transports).

Two members write the same new file in parallel: two worktrees, two branches, the main
checkout untouched, both diffs right; the first merges cleanly, the second reports the
conflict and loses nothing. A restarted fleet re-attaches each member in its worktree.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.support.fake_api import FakeApi
from tests.support.gitrepo import isolate_git, make_repo, sh_git, status

from claude_coder.cli.main import main
from claude_coder.events import Boundary, SessionState
from claude_coder.fleet import Fleet, read_roster

pytestmark = pytest.mark.timeout(300)

PROFILE: dict[str, Any] = {
    "name": "writer",
    # acceptEdits: a named PTY session draws its name in a rule under a permission
    # dialog, which the PTY screen recogniser does not read yet.
    "permissionMode": "acceptEdits",
    "permissionPolicy": {"allow": ["Write", "Read"], "default": "deny"},
    "trustWorkspace": True,
}


@pytest.fixture(autouse=True)
def _no_machine_git(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch)


def _setup(tmp_path: Path, transport: str, seed_tui: Callable[..., Path]) -> tuple[Path, Path]:
    repo = make_repo(tmp_path / "repo")
    profiles = tmp_path / "profiles.json"
    profiles.write_text(json.dumps([{**PROFILE, "transport": transport}]))
    if transport == "pty":
        for name in ("a", "b"):  # onboarding done; trust is accepted by the profile
            seed_tui(repo / ".claude" / "worktrees" / name, trusted=False)
    return repo, profiles


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("transport", ["sdk", "pty"])
async def test_two_members_write_one_file_then_one_merges_and_one_conflicts(
    offline_claude: Path,
    fake_api: FakeApi,
    tmp_path: Path,
    transport: str,
    seed_tui: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, profiles = _setup(tmp_path, transport, seed_tui)
    roster = tmp_path / "fleet.json"
    async with Fleet.open(roster, max_busy=2, profiles=profiles, boot_spacing=0.05) as fleet:
        for name in ("a", "b"):
            info = await fleet.add(name, "writer", cwd=repo, worktree=True)
            assert info.worktree is not None and info.cwd == info.worktree.path
        turns = [fleet.submit(n, f"write: result.txt|from {n}") for n in ("a", "b")]
        results = await asyncio.wait_for(asyncio.gather(*turns), 120)
        assert [r.boundary for r in results] == [Boundary.COMPLETED] * 2
        assert fleet.peak_busy == 2  # they ran side by side
        refs = {m.name: m.worktree for m in fleet.members()}
    wt = {n: Path(r.path) for n, r in refs.items() if r is not None}
    assert wt == {n: repo / ".claude" / "worktrees" / n for n in ("a", "b")}
    assert {n: (p / "result.txt").read_text() for n, p in wt.items()} == {
        "a": "from a",
        "b": "from b",
    }
    assert not (repo / "result.txt").exists() and status(repo) == ""
    branches = sh_git(repo, "branch", "--format=%(refname:short)").split()
    assert sorted(branches) == ["main", "worktree-a", "worktree-b"]

    for name in ("a", "b"):
        code, out, _ = _cli(capsys, "diff", name, "--json", "--roster", str(roster))
        assert code == 0
        doc = json.loads(out)
        (row,) = doc["files"]
        assert (row["path"], row["status"], row["added"], row["deleted"]) == (
            "result.txt", "A", 1, 0,
        )  # fmt: skip
        assert f"+from {name}" in row["patch"] and "new file" in row["patch"]
    code, out, _ = _cli(capsys, "fleet", "status", "--roster", str(roster), "--json")
    assert [m["changed_files"] for m in json.loads(out)["members"]] == [1, 1]

    code, out, err = _cli(capsys, "merge", "a", "--roster", str(roster))
    assert code == 0, err
    assert "merged worktree-a into main (1 file)" in out
    assert (repo / "result.txt").read_text() == "from a"
    head = sh_git(repo, "rev-parse", "HEAD")
    code, out, err = _cli(capsys, "merge", "b", "--roster", str(roster))
    assert code == 1 and "conflicts in result.txt" in err and "\n" not in err.strip()
    assert sh_git(repo, "rev-parse", "HEAD") == head and status(repo) == ""
    assert not (repo / ".git" / "MERGE_HEAD").exists()
    assert sh_git(repo, "show", "worktree-b:result.txt") == "from b"  # b's work kept
    assert (wt["b"] / "result.txt").read_text() == "from b"

    code, out, _ = _cli(capsys, "worktrees", "--repo", str(repo), "--json", "--roster", str(roster))
    rows = {r["member"]: (r["merged"], r["dirty"]) for r in json.loads(out)}
    assert rows == {"a": (True, False), "b": (False, False)}


@pytest.mark.parametrize("transport", ["sdk", "pty"])
async def test_a_restarted_fleet_reattaches_each_member_in_its_worktree(
    offline_claude: Path,
    fake_api: FakeApi,
    tmp_path: Path,
    transport: str,
    seed_tui: Callable[..., Path],
) -> None:
    repo, profiles = _setup(tmp_path, transport, seed_tui)
    roster = tmp_path / "fleet.json"
    ids = {}
    async with Fleet.open(roster, profiles=profiles, boot_spacing=0.05) as fleet:
        for name in ("a", "b"):
            await fleet.add(name, "writer", cwd=repo, worktree=True)
            await fleet.send(name, f"write: first.txt|{name} first")
        ids = {m.name: m.session_id for m in fleet.members()}
    recorded = {m.name: (m.worktree, m.branch, m.base) for m in read_roster(roster).members}
    assert recorded == {
        n: (str(repo / ".claude" / "worktrees" / n), f"worktree-{n}", "main") for n in ("a", "b")
    }
    async with Fleet.open(roster, profiles=profiles, boot_spacing=0.05) as fleet:
        await asyncio.wait_for(fleet.wait_ready(), 120)
        for m in fleet.members():
            assert m.state is SessionState.IDLE and m.session_id == ids[m.name]
            assert fleet.session(m.name).cwd == str(repo / ".claude" / "worktrees" / m.name)
        for name in ("a", "b"):
            result = await fleet.send(name, f"write: second.txt|{name} again")
            assert result.boundary is Boundary.COMPLETED
    for name in ("a", "b"):
        home = repo / ".claude" / "worktrees" / name
        assert (home / "first.txt").read_text() == f"{name} first"
        assert (home / "second.txt").read_text() == f"{name} again"
    assert not (repo / "first.txt").exists() and not (repo / "second.txt").exists()
    assert sh_git(repo, "worktree", "list").count(".claude/worktrees/") == 2
