"""The worktree commands and the profile keys, on real git with FakeTransport members."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from tests.support.gitrepo import isolate_git, make_repo, sh_git, status
from tests.unit.fleet_helpers import FakeFactory, open_fleet

from claude_coder.cli.main import main
from claude_coder.errors import WorktreeError
from claude_coder.fleet import read_roster
from claude_coder.fleet.landing import merge_worktree
from claude_coder.fleet.worktrees import create_worktree


@pytest.fixture(autouse=True)
def _no_machine_git(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch)


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _profiles(tmp_path: Path, **keys: object) -> Path:
    path = tmp_path / "profiles.json"
    path.write_text(json.dumps([{"name": "wt", **keys}]))
    return path


async def test_the_profile_key_and_setup_and_a_failed_setup(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    good = _profiles(tmp_path, worktree=True, worktreeSetup="echo set up in $(basename $PWD)")
    lines: list[str] = []
    fleet = await open_fleet(tmp_path / "fleet.json", FakeFactory(), profiles=good)
    try:
        info = await fleet.add("agent1", "wt", cwd=repo, on_output=lines.append)
        assert info.worktree is not None and info.cwd == str(repo / ".claude/worktrees/agent1")
        assert lines == ["set up in agent1"]
        plain = await fleet.add("agent2", "wt", cwd=repo, worktree=False)
        assert plain.worktree is None and plain.cwd == str(repo)
    finally:
        await fleet.shutdown()
    (tmp_path / "profiles.json").write_text(
        json.dumps([{"name": "wt", "worktree": True, "worktreeSetup": "exit 3"}])
    )
    fleet = await open_fleet(tmp_path / "fleet2.json", FakeFactory(), profiles=good)
    try:
        with pytest.raises(WorktreeError, match=r"`exit 3` failed .*\(exit 3\)"):
            await fleet.add("agent3", "wt", cwd=repo)
        assert fleet.members() == []
        assert not (repo / ".claude/worktrees/agent3").exists()
    finally:
        await fleet.shutdown()


async def test_status_diff_stat_worktrees_prune_and_remove(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    roster = tmp_path / "fleet.json"
    fleet = await open_fleet(roster, FakeFactory())
    try:
        info = await fleet.add("agent1", cwd=repo, worktree=True)
        await fleet.add("agent2", cwd=repo, worktree=True)
    finally:
        await fleet.shutdown()
    assert info.worktree is not None
    (Path(info.worktree.path) / "new.txt").write_text("a\nb\n")
    done = create_worktree(repo, "done")
    (Path(done.path) / "d.txt").write_text("d\n")
    merge_worktree(done, "done")

    code, out, _ = _cli(capsys, "diff", "agent1", "--stat", "--roster", str(roster))
    assert (code, out) == (0, " A new.txt | +2 -0\n 1 file changed against main\n")
    code, out, _ = _cli(capsys, "fleet", "status", "--roster", str(roster))
    assert code == 0 and "FILES" in out
    code, out, _ = _cli(capsys, "worktrees", "--repo", str(repo), "--roster", str(roster))
    rows = [line.split() for line in out.splitlines()[1:]]
    lines = {r[0]: r[1:6] for r in rows if len(r) >= 6}  # a long PATH folds onto more lines
    assert lines == {
        "agent1": ["agent1", "worktree-agent1", "main", "yes", "yes"],
        "agent2": ["agent2", "worktree-agent2", "main", "yes", "no"],
        "done": ["-", "worktree-done", "main", "yes", "no"],
    }
    code, out, _ = _cli(capsys, "prune", "--repo", str(repo), "--roster", str(roster))
    assert code == 0 and f"removed {done.path} (worktree-done)" in out
    assert "kept" in out and "member agent1 works in it" in out

    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = _cli(capsys, "fleet", "remove", "agent1", "--roster", str(roster))
    assert code == 2 and "--keep-worktree or --remove-worktree" in err
    args = ("fleet", "remove", "agent1", "--remove-worktree", "--roster", str(roster))
    code, out, _ = _cli(capsys, *args)
    assert code == 0 and "kept the worktree" in out and "is dirty" in out
    assert (Path(info.worktree.path) / "new.txt").exists()
    code, out, _ = _cli(
        capsys, "fleet", "remove", "agent2", "--remove-worktree", "--roster", str(roster)
    )
    assert code == 0 and "removed the worktree" in out
    assert [m.name for m in read_roster(roster).members] == []
    assert "worktree-agent2" not in sh_git(repo, "branch") and status(repo) == ""


def test_bad_names_and_places_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _cli(capsys, "diff", "ghost", "--roster", str(tmp_path / "r.json"))
    assert code == 2 and "no fleet member or worktree named 'ghost'" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = _cli(capsys, "worktrees", "--repo", str(tmp_path))
    assert code == 2 and "not inside a git repository" in err


def test_run_worktree_creates_it_before_the_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    monkeypatch.setenv("CLAUDE_CODER_CLAUDE", str(tmp_path / "no-such-claude"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # run reads piped stdin as context
    code, _, err = _cli(capsys, "run", "hi", "--cwd", str(repo), "--worktree", "try1")
    assert f"working in {repo / '.claude/worktrees/try1'} (branch worktree-try1" in err
    assert (repo / ".claude/worktrees/try1/README.md").exists() and code != 0
