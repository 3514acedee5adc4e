"""Reviewing and landing a member's worktree: its diff, a merge into the base, a PR.

See ``docs/worktrees.md``. :func:`worktree_diff` compares the worktree as it is now
(committed or not, new files included) with the point it branched from the base, without
touching the worktree's index. :func:`merge_worktree` commits what the member left
uncommitted on its own branch, checks the merge with ``git merge-tree`` first, and only
then merges (``merge``, ``squash`` or ``rebase``) in the main checkout; a conflict names
the files and leaves the main checkout and the member's branch exactly as they were.
:func:`open_pull_request` pushes the branch and runs ``gh pr create``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from claude_coder.errors import ClaudeCoderError, GhNotFoundError, MergeConflictError, WorktreeError
from claude_coder.fleet.gitrun import current_branch, git, git_failure, is_dirty
from claude_coder.fleet.worktrees import WorktreeRef, is_merged
from claude_coder.security import child_env

__all__ = [
    "FileChange",
    "MergeMode",
    "MergeResult",
    "WorktreeDiff",
    "changed_files",
    "commit_pending",
    "merge_worktree",
    "open_pull_request",
    "worktree_diff",
]

MergeMode = Literal["merge", "squash", "rebase"]
GH_INSTALL = "https://cli.github.com"


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str
    status: str
    """``A`` added, ``M`` modified, ``D`` deleted, ``R`` renamed..."""
    added: int | None
    deleted: int | None
    """Lines; None for a binary file."""
    patch: str = ""


@dataclass(frozen=True, slots=True)
class WorktreeDiff:
    """A worktree against its base: which files changed, and how."""

    branch: str
    base: str
    since: str
    """The commit of the base the comparison starts from (their merge base)."""
    files: tuple[FileChange, ...] = field(default=())

    @property
    def patch(self) -> str:
        return "".join(f.patch for f in self.files)

    def to_json(self, *, patch: bool = True) -> dict[str, object]:
        rows = [
            {"path": f.path, "status": f.status, "added": f.added, "deleted": f.deleted}
            | ({"patch": f.patch} if patch else {})
            for f in self.files
        ]
        return {"branch": self.branch, "base": self.base, "since": self.since, "files": rows}


def worktree_diff(ref: WorktreeRef, *, patch: bool = True) -> WorktreeDiff:
    """The worktree's changes (committed, staged, unstaged and new) since it left the base."""
    if not Path(ref.path).is_dir():
        raise WorktreeError(f"the worktree {ref.path} is gone; nothing to compare")
    since = git(ref.path, "merge-base", ref.base, "HEAD").stdout.strip()
    with _ScratchIndex(ref.path) as env:
        git(ref.path, "add", "-A", env=env)
        diff = ("diff", "--cached", "--no-color", "--no-ext-diff", "-M", since)
        status = git(ref.path, *diff, "--name-status", "-z", env=env).stdout
        numstat = git(ref.path, *diff, "--numstat", "-z", env=env).stdout
        text = git(ref.path, *diff, env=env).stdout if patch else ""
    counts = _numstat(numstat)
    patches = _split_patch(text)
    files = tuple(
        FileChange(p, s, *counts.get(p, (None, None)), patch=patches.get(p, ""))
        for s, p in _name_status(status)
    )
    return WorktreeDiff(ref.branch, ref.base, since, files)


def changed_files(ref: WorktreeRef) -> int | None:
    """How many files the worktree changed against its base (None: it cannot be read)."""
    try:
        return len(worktree_diff(ref, patch=False).files)
    except ClaudeCoderError:  # a missing worktree or branch shows as unknown
        return None


class _ScratchIndex:
    """A copy of the worktree's index, so ``git add -A`` for the diff changes nothing."""

    def __init__(self, worktree: str) -> None:
        where = git(worktree, "rev-parse", "--path-format=absolute", "--git-path", "index")
        self._index = Path(where.stdout.strip())
        self._dir = tempfile.TemporaryDirectory(prefix="claude-coder-diff-")

    def __enter__(self) -> dict[str, str]:
        scratch = Path(self._dir.name) / "index"
        if self._index.exists():
            shutil.copyfile(self._index, scratch)
        return {"GIT_INDEX_FILE": str(scratch)}

    def __exit__(self, *exc: object) -> None:
        self._dir.cleanup()


def _name_status(raw: str) -> list[tuple[str, str]]:
    parts, out, i = raw.split("\0"), [], 0
    while i < len(parts) and parts[i]:
        status = parts[i][:1]
        if status in "RC":  # renamed / copied: old and new path follow
            out.append((status, parts[i + 2]))
            i += 3
        else:
            out.append((status, parts[i + 1]))
            i += 2
    return out


def _numstat(raw: str) -> dict[str, tuple[int | None, int | None]]:
    parts, out, i = raw.split("\0"), {}, 0
    while i < len(parts) and parts[i]:
        added, deleted, path = parts[i].split("\t", 2)
        if not path:  # a rename: the old and new names follow
            path, i = parts[i + 2], i + 3
        else:
            i += 1
        out[path] = (None if added == "-" else int(added), None if deleted == "-" else int(deleted))
    return out


def _split_patch(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in text.split("\ndiff --git "):
        if not chunk.strip():
            continue
        body = chunk if chunk.startswith("diff --git ") else "diff --git " + chunk
        body = body if body.endswith("\n") else body + "\n"
        path = _patch_path(body)
        if path:
            out[path] = body
    return out


def _patch_path(body: str) -> str | None:
    for line in body.splitlines():
        if line.startswith("+++ b/"):
            return line[6:]
        if line.startswith("+++ /dev/null"):
            break
    for line in body.splitlines():
        if line.startswith("--- a/"):
            return line[6:]
    head = body.splitlines()[0].split(" b/", 1)
    return head[1] if len(head) == 2 else None


# -- landing -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MergeResult:
    mode: MergeMode
    base: str
    commit: str | None
    """The base's new head; None when there was nothing to merge."""
    files: tuple[str, ...]


def commit_pending(ref: WorktreeRef, member: str) -> bool:
    """Commit what the member left uncommitted, on its own branch; True if it did."""
    if not is_dirty(ref.path):
        return False
    git(ref.path, "add", "-A")
    git(ref.path, "commit", "-q", "-m", f"{member}: work left uncommitted in its worktree")
    return True


def merge_worktree(ref: WorktreeRef, member: str, mode: MergeMode = "merge") -> MergeResult:
    """Land the member's branch in its base in the main checkout, or change nothing.

    Raises :class:`MergeConflictError` naming the files when it does not apply cleanly
    (the main checkout is left as it was, the branch keeps every commit).
    """
    top = ref.repo
    _check_main_checkout(ref)
    commit_pending(ref, member)
    if is_merged(top, ref.branch, ref.base):
        return MergeResult(mode, ref.base, None, ())
    _precheck(ref)
    files = tuple(git(top, "diff", "--name-only", f"{ref.base}...{ref.branch}").stdout.split())
    message = f"Merge {member}'s work (branch {ref.branch})"
    if mode == "merge":
        _attempt(ref, ("merge", "--no-ff", "--no-edit", "-m", message, ref.branch))
    elif mode == "squash":
        _attempt(ref, ("merge", "--squash", ref.branch))
        git(top, "commit", "-q", "-m", f"{member}: {ref.branch} squashed")
    else:
        _rebase(ref)
    return MergeResult(mode, ref.base, git(top, "rev-parse", "HEAD").stdout.strip(), files)


def _check_main_checkout(ref: WorktreeRef) -> None:
    on = current_branch(ref.repo)
    if on != ref.base:
        raise WorktreeError(
            f"the main checkout {ref.repo} is on {on or 'a detached HEAD'}, not {ref.base}; "
            f"run `git checkout {ref.base}` there first"
        )
    if is_dirty(ref.repo, untracked=False):
        raise WorktreeError(
            f"the main checkout {ref.repo} has uncommitted changes; commit or stash them first"
        )


def _precheck(ref: WorktreeRef) -> None:
    args = ("merge-tree", "--write-tree", "--name-only", "--no-messages", ref.base, ref.branch)
    proc = git(ref.repo, *args, check=False)
    if proc.returncode == 1:
        files = [f for f in proc.stdout.split("\n")[1:] if f.strip()]
        raise _conflict(ref, files)
    if proc.returncode != 0:
        raise git_failure(ref.repo, args, proc)


def _conflict(ref: WorktreeRef, files: list[str]) -> MergeConflictError:
    names = ", ".join(sorted(set(files))) or "(unknown files)"
    return MergeConflictError(
        f"{ref.branch} does not merge cleanly into {ref.base}: conflicts in {names}; "
        f"nothing was changed (resolve it in {ref.path}, e.g. `git merge {ref.base}` there)",
        sorted(set(files)),
    )


def _attempt(ref: WorktreeRef, args: tuple[str, ...]) -> None:
    """Run a merge in the main checkout; on failure put it back as it was."""
    proc = git(ref.repo, *args, check=False)
    if proc.returncode == 0:
        return
    files = git(ref.repo, "diff", "--name-only", "--diff-filter=U").stdout.split()
    git(ref.repo, "merge", "--abort", check=False)
    git(ref.repo, "reset", "--merge", check=False)
    if files:
        raise _conflict(ref, files)
    raise git_failure(ref.repo, args, proc)


def _rebase(ref: WorktreeRef) -> None:
    proc = git(ref.path, "rebase", "-q", ref.base, check=False)
    if proc.returncode != 0:
        files = git(ref.path, "diff", "--name-only", "--diff-filter=U").stdout.split()
        git(ref.path, "rebase", "--abort", check=False)
        raise _conflict(ref, files) if files else git_failure(ref.path, ("rebase",), proc)
    git(ref.repo, "merge", "--ff-only", "-q", ref.branch)


def open_pull_request(ref: WorktreeRef, member: str, remote: str = "origin") -> str:
    """Push the member's branch and open a pull request into the base; returns its URL."""
    gh = shutil.which("gh")
    if gh is None:
        raise GhNotFoundError(
            f"--pr needs the GitHub CLI (gh), which is not installed; install it from "
            f"{GH_INSTALL} and run `gh auth login`, or land locally without --pr"
        )
    commit_pending(ref, member)
    git(ref.path, "push", "-u", remote, ref.branch)
    title = f"{member}: {ref.branch}"
    body = f"Work of claude-coder member {member} (branch {ref.branch})."
    argv = [gh, "pr", "create", "--base", ref.base, "--head", ref.branch]
    proc = subprocess.run(
        [*argv, "--title", title, "--body", body],
        cwd=ref.path,
        env=child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        last = (proc.stderr or proc.stdout).strip().splitlines()
        raise WorktreeError(f"gh pr create failed: {last[-1] if last else proc.returncode}")
    return proc.stdout.strip()
