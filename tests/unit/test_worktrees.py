"""Worktrees on real git (no Claude Code): make, diff, merge, conflict, list, prune."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.support.gitrepo import isolate_git, make_repo, sh_git, status

from claude_coder.errors import GhNotFoundError, MergeConflictError, WorktreeError
from claude_coder.fleet.landing import merge_worktree, open_pull_request, worktree_diff
from claude_coder.fleet.worktrees import (
    WorktreeRef,
    create_worktree,
    list_worktrees,
    prune_worktrees,
    remove_if_merged,
)


@pytest.fixture(autouse=True)
def _no_machine_git(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def test_a_worktree_is_made_from_the_current_branch_on_its_own_branch(repo: Path) -> None:
    sh_git(repo, "checkout", "-q", "-b", "feature")
    ref = create_worktree(repo, "w1")
    assert ref.base == "feature" and ref.branch == "worktree-w1"
    assert Path(ref.path) == repo / ".claude" / "worktrees" / "w1"
    assert (Path(ref.path) / "shared.txt").read_text() == "original\n"
    assert sh_git(Path(ref.path), "branch", "--show-current").strip() == "worktree-w1"
    assert status(repo) == ""  # the main checkout shows nothing new
    again = create_worktree(repo, "w1")  # taken up again, not made twice
    assert again == ref


def test_a_chosen_base_and_bad_bases_and_non_repos(repo: Path, tmp_path: Path) -> None:
    sh_git(repo, "branch", "release")
    (repo / "shared.txt").write_text("on main\n")
    sh_git(repo, "commit", "-qam", "main moves on")
    ref = create_worktree(repo, "w2", base="release")
    assert (Path(ref.path) / "shared.txt").read_text() == "original\n"
    with pytest.raises(WorktreeError, match="no branch or commit 'nope'"):
        create_worktree(repo, "w3", base="nope")
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(WorktreeError, match="not inside a git repository"):
        create_worktree(plain, "w4")


def test_worktreeinclude_copies_only_the_gitignored_files_it_lists(repo: Path) -> None:
    (repo / ".gitignore").write_text(".env\nsecrets/\nbuild/\n")
    (repo / ".worktreeinclude").write_text(".env\nsecrets/\n")
    sh_git(repo, "add", ".gitignore", ".worktreeinclude")
    sh_git(repo, "commit", "-qm", "ignore")
    (repo / ".env").write_text("A=1\n")
    (repo / "secrets").mkdir()
    (repo / "secrets" / "key.txt").write_text("k\n")
    (repo / "build").mkdir()
    (repo / "build" / "out.o").write_text("o\n")
    (repo / "untracked.txt").write_text("u\n")  # not ignored: stays in the main checkout
    wt = Path(create_worktree(repo, "inc").path)
    assert (wt / ".env").read_text() == "A=1\n"
    assert (wt / "secrets" / "key.txt").read_text() == "k\n"
    assert not (wt / "build").exists() and not (wt / "untracked.txt").exists()
    assert status(wt) == ""


def test_setup_runs_once_with_its_output_shown_and_its_failure_is_an_error(repo: Path) -> None:
    lines: list[str] = []
    ref = create_worktree(
        repo, "s1", setup="echo installing; echo done > .setup-ran", echo=lines.append
    )
    assert lines == ["installing"] and (Path(ref.path) / ".setup-ran").exists()
    lines.clear()
    create_worktree(repo, "s1", setup="echo again", echo=lines.append)
    assert lines == []  # an existing worktree is not set up again
    with pytest.raises(WorktreeError, match=r"worktree setup `exit 7` failed .*\(exit 7\)"):
        create_worktree(repo, "s2", setup="exit 7")
    assert not (repo / ".claude" / "worktrees" / "s2").exists()
    assert "worktree-s2" not in sh_git(repo, "branch")


def _write(ref: WorktreeRef, name: str, text: str) -> None:
    (Path(ref.path) / name).write_text(text)


def test_diff_counts_uncommitted_and_new_files_and_leaves_the_index_alone(repo: Path) -> None:
    ref = create_worktree(repo, "d1")
    _write(ref, "shared.txt", "changed\n")
    _write(ref, "new.txt", "one\ntwo\n")
    before = status(Path(ref.path))
    diff = worktree_diff(ref)
    assert status(Path(ref.path)) == before
    rows = {f.path: (f.status, f.added, f.deleted) for f in diff.files}
    assert rows == {"shared.txt": ("M", 1, 1), "new.txt": ("A", 2, 0)}
    assert "+changed" in diff.patch and "-original" in diff.patch and "+two" in diff.patch
    new = next(f for f in diff.files if f.path == "new.txt")
    assert new.patch.startswith("diff --git a/new.txt b/new.txt")
    listed = diff.to_json(patch=False)["files"]
    assert isinstance(listed, list) and {r["path"] for r in listed} == set(rows)
    assert all("patch" not in r for r in listed)


def test_merge_then_conflict_keeps_everything(repo: Path) -> None:
    a, b = create_worktree(repo, "a"), create_worktree(repo, "b")
    _write(a, "shared.txt", "from a\n")
    _write(b, "shared.txt", "from b\n")
    head = sh_git(repo, "rev-parse", "HEAD")
    done = merge_worktree(a, "a")
    assert done.files == ("shared.txt",) and (repo / "shared.txt").read_text() == "from a\n"
    assert sh_git(repo, "rev-parse", "HEAD") != head
    merged_head = sh_git(repo, "rev-parse", "HEAD")
    with pytest.raises(MergeConflictError, match=r"conflicts in shared\.txt") as info:
        merge_worktree(b, "b")
    assert info.value.files == ("shared.txt",) and info.value.exit_code == 1
    assert sh_git(repo, "rev-parse", "HEAD") == merged_head and status(repo) == ""
    assert not (repo / ".git" / "MERGE_HEAD").exists()
    assert sh_git(repo, "show", "worktree-b:shared.txt") == "from b\n"  # b's work is kept
    assert (Path(b.path) / "shared.txt").read_text() == "from b\n"
    again = merge_worktree(a, "a")
    assert again.commit is None  # nothing left to merge


@pytest.mark.parametrize("mode", ["squash", "rebase"])
def test_squash_and_rebase_land_and_count_as_merged(repo: Path, mode: str) -> None:
    ref = create_worktree(repo, "m")
    _write(ref, "new.txt", "n\n")
    (repo / "other.txt").write_text("o\n")
    sh_git(repo, "add", "other.txt")
    sh_git(repo, "commit", "-qm", "main moves on")
    result = merge_worktree(ref, "m", mode)  # type: ignore[arg-type]
    assert result.files == ("new.txt",) and (repo / "new.txt").read_text() == "n\n"
    assert status(repo) == ""
    assert [w.merged for w in list_worktrees(repo)] == [True]


def test_merge_refuses_a_dirty_or_wrong_main_checkout(repo: Path) -> None:
    ref = create_worktree(repo, "x")
    _write(ref, "new.txt", "n\n")
    (repo / "shared.txt").write_text("local edit\n")
    with pytest.raises(WorktreeError, match="uncommitted changes; commit or stash"):
        merge_worktree(ref, "x")
    sh_git(repo, "checkout", "-q", "shared.txt")
    sh_git(repo, "checkout", "-q", "-b", "elsewhere")
    with pytest.raises(WorktreeError, match="is on elsewhere, not main"):
        merge_worktree(ref, "x")


def test_a_commit_without_a_git_identity_says_how_to_set_one(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "anon", identity=False)
    ref = create_worktree(repo, "n")
    _write(ref, "new.txt", "n\n")
    with pytest.raises(WorktreeError, match=r"git needs an identity .*`git config user.name"):
        merge_worktree(ref, "n")
    assert (Path(ref.path) / "new.txt").exists()


def test_pr_without_gh_says_how_to_install_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ref = create_worktree(repo, "p")
    git = subprocess.run(["which", "git"], capture_output=True, text=True).stdout.strip()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(git)
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(GhNotFoundError, match=r"cli\.github\.com") as info:
        open_pull_request(ref, "p")
    assert info.value.exit_code == 2


def _three_kinds(repo: Path) -> dict[str, WorktreeRef]:
    refs = {n: create_worktree(repo, n) for n in ("merged", "unmerged", "dirty", "member")}
    _write(refs["merged"], "m.txt", "m\n")
    merge_worktree(refs["merged"], "merged")
    _write(refs["unmerged"], "u.txt", "u\n")
    sh_git(Path(refs["unmerged"].path), "add", "u.txt")
    sh_git(Path(refs["unmerged"].path), "commit", "-qm", "unmerged work")
    _write(refs["dirty"], "README.md", "dirty\n")
    return refs


def test_worktrees_lists_and_prune_removes_only_what_loses_nothing(repo: Path) -> None:
    refs = _three_kinds(repo)
    members = [("agent", refs["member"])]
    rows = {Path(w.path).name: w for w in list_worktrees(repo, members)}
    assert {n: (w.merged, w.dirty, w.member) for n, w in rows.items()} == {
        "merged": (True, False, None),
        "unmerged": (False, False, None),
        "dirty": (True, True, None),
        "member": (True, False, "agent"),
    }
    result = prune_worktrees(repo, members)
    assert [Path(w.path).name for w in result.removed] == ["merged"]
    assert sorted(Path(w.path).name for w, _ in result.kept) == ["dirty", "member", "unmerged"]
    assert not Path(refs["merged"].path).exists() and "worktree-merged" not in sh_git(
        repo, "branch"
    )
    assert (
        Path(refs["unmerged"].path).exists()
        and (Path(refs["dirty"].path) / "README.md").read_text() == "dirty\n"
    )
    forced = prune_worktrees(repo, members, force=True)
    assert sorted(Path(w.path).name for w in forced.removed) == ["dirty", "unmerged"]
    assert [Path(w.path).name for w in list_worktrees(repo, members)] == ["member"]
    assert status(repo) == ""


def test_removing_a_member_worktree_only_when_merged(repo: Path) -> None:
    ref = create_worktree(repo, "r")
    _write(ref, "r.txt", "r\n")
    assert "kept the worktree" in remove_if_merged(ref)
    assert Path(ref.path).exists()
    merge_worktree(ref, "r")
    assert "removed the worktree" in remove_if_merged(ref)
    assert not Path(ref.path).exists()


def test_worktrees_made_by_claude_code_are_listed_even_when_locked(repo: Path) -> None:
    path = repo / ".claude" / "worktrees" / "cc"
    sh_git(repo, "worktree", "add", "-q", "-b", "worktree-cc", str(path))
    sh_git(repo, "worktree", "lock", str(path))
    (rows,) = list_worktrees(repo)
    assert (rows.branch, rows.member, rows.merged, rows.dirty) == ("worktree-cc", None, True, False)
    assert [Path(w.path).name for w in prune_worktrees(repo).removed] == ["cc"]
    assert not path.exists()
