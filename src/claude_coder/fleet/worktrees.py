"""A member's own git worktree: making it, listing every one, removing the safe ones.

See ``docs/worktrees.md``. The layout is Claude Code's own (``--worktree``): a worktree
named ``NAME`` lives in ``<repo>/.claude/worktrees/NAME/`` on branch ``worktree-NAME``,
so ``claude-coder worktrees`` lists the ones Claude Code made beside claude-coder's.
:func:`create_worktree` makes one from a base branch (default: the branch the repo has
checked out), copies the gitignored files ``.worktreeinclude`` lists, and runs a setup
command once. Nothing unmerged or dirty is removed without ``force``. Review and
landing (diff, merge, pull request) are in :mod:`claude_coder.fleet.landing`.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from claude_coder.errors import ClaudeCoderError, WorktreeError
from claude_coder.fleet.gitrun import (
    branch_exists,
    current_branch,
    git,
    git_ok,
    is_dirty,
    repo_top,
)
from claude_coder.security import child_env

__all__ = [
    "WORKTREES_DIR",
    "PruneResult",
    "WorktreeRef",
    "WorktreeStatus",
    "branch_for",
    "create_worktree",
    "discard_new_worktree",
    "is_merged",
    "list_worktrees",
    "prune_worktrees",
    "remove_if_merged",
    "remove_worktree",
    "worktree_status",
]

_log = logging.getLogger(__name__)

WORKTREES_DIR = Path(".claude") / "worktrees"
"""Where worktrees live inside a repository (Claude Code's own place for them)."""
_INCLUDE_FILE = ".worktreeinclude"
_EXCLUDE_LINE = "/.claude/worktrees/"

Echo = Callable[[str], None]


def branch_for(name: str) -> str:
    """The branch of the worktree called ``name`` (Claude Code's naming)."""
    return f"worktree-{name}"


@dataclass(frozen=True, slots=True)
class WorktreeRef:
    """A worktree a member works in, as the roster records it."""

    repo: str
    """The top of the main checkout."""
    path: str
    branch: str
    base: str
    """The branch it was made from and lands in."""


def create_worktree(
    cwd: str | os.PathLike[str],
    name: str,
    *,
    base: str | None = None,
    setup: str | None = None,
    echo: Echo | None = None,
) -> WorktreeRef:
    """Make (or take up again) the worktree ``name`` of the repository holding ``cwd``.

    A new worktree gets the ``.worktreeinclude`` files and then runs ``setup`` (a shell
    command) once; its output goes to ``echo`` line by line. A setup that fails removes
    the worktree it was given and raises :class:`WorktreeError` with its exit code.
    """
    top = repo_top(cwd)
    base = base or current_branch(top)
    if base is None:
        raise WorktreeError(
            f"{top} is on a detached HEAD; pass a base branch for the worktree (base=...)"
        )
    if not git_ok(top, "rev-parse", "--verify", "-q", f"{base}^{{commit}}"):
        raise WorktreeError(f"no branch or commit {base!r} in {top} to make a worktree from")
    path, branch = top / WORKTREES_DIR / name, branch_for(name)
    ref = WorktreeRef(str(top), str(path), branch, base)
    if _registered(top, path):
        return ref  # already there (a member re-added, or Claude Code's own)
    if path.exists():
        raise WorktreeError(f"{path} exists and is not a git worktree; move it away first")
    _exclude_worktrees(top)
    if branch_exists(top, branch):
        git(top, "worktree", "add", str(path), branch)
    else:
        git(top, "worktree", "add", "-b", branch, str(path), base)
    copy_included(top, path)
    if setup:
        try:
            run_setup(setup, path, echo)
        except BaseException:
            remove_worktree(ref, force=True, delete_branch=not _has_commits(ref))
            raise
    return ref


def _registered(top: Path, path: Path) -> bool:
    return any(Path(p) == path for p, _ in _git_worktrees(top))


def _exclude_worktrees(top: Path) -> None:
    """Keep ``.claude/worktrees/`` out of the main checkout's ``git status`` (repo-local)."""
    exclude = Path(git(top, "rev-parse", "--git-path", "info/exclude").stdout.strip())
    exclude = exclude if exclude.is_absolute() else top / exclude
    text = exclude.read_text() if exclude.exists() else ""
    if _EXCLUDE_LINE not in text.splitlines():
        exclude.parent.mkdir(parents=True, exist_ok=True)
        sep = "" if not text or text.endswith("\n") else "\n"
        exclude.write_text(f"{text}{sep}{_EXCLUDE_LINE}\n")


def copy_included(top: Path, dest: Path) -> list[str]:
    """Copy into ``dest`` the gitignored files of ``top`` that ``.worktreeinclude`` lists."""
    include = top / _INCLUDE_FILE
    if not include.is_file():
        return []
    ignored = _ls_others(top, "--exclude-standard")
    listed = _ls_others(top, f"--exclude-from={include}")
    copied = []
    for rel in sorted(ignored & listed):
        if Path(rel).parts[:2] == WORKTREES_DIR.parts:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(top / rel, target)
        copied.append(rel)
    return copied


def _ls_others(top: Path, exclude: str) -> set[str]:
    out = git(top, "ls-files", "--others", "--ignored", exclude, "-z").stdout
    return {p for p in out.split("\0") if p}


def run_setup(command: str, where: Path, echo: Echo | None) -> None:
    """Run the profile's ``worktreeSetup`` in a new worktree; its failure is an error."""
    proc = subprocess.run(
        command,
        shell=True,
        cwd=where,
        env=child_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    for line in proc.stdout.splitlines():
        (echo or _log.info)(line)
    if proc.returncode != 0:
        raise WorktreeError(
            f"worktree setup `{command}` failed in {where} (exit {proc.returncode}); "
            "fix the profile's worktreeSetup command"
        )


def _has_commits(ref: WorktreeRef) -> bool:
    return git(ref.repo, "rev-list", "--count", f"{ref.base}..{ref.branch}").stdout.strip() != "0"


# -- status, listing, removal --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorktreeStatus:
    """One worktree as ``claude-coder worktrees`` shows it."""

    path: str
    branch: str | None
    base: str | None
    member: str | None
    merged: bool
    """Everything committed on the branch is already in the base."""
    dirty: bool
    """Uncommitted changes (new files too) in the worktree."""

    @property
    def safe(self) -> bool:
        """Removing it loses nothing."""
        return self.merged and not self.dirty

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "branch": self.branch,
            "base": self.base,
            "member": self.member,
            "merged": self.merged,
            "dirty": self.dirty,
        }


def is_merged(repo: str | os.PathLike[str], branch: str, base: str) -> bool:
    """True when merging ``branch`` into ``base`` would change nothing (merged, squashed
    or rebased in already, or no commits of its own)."""
    if git_ok(repo, "merge-base", "--is-ancestor", branch, base):
        return True
    proc = git(repo, "merge-tree", "--write-tree", "--no-messages", base, branch, check=False)
    if proc.returncode != 0:
        return False
    tree = proc.stdout.split("\n", 1)[0].strip()
    return tree == git(repo, "rev-parse", f"{base}^{{tree}}").stdout.strip()


def worktree_status(ref: WorktreeRef, member: str | None = None) -> WorktreeStatus:
    exists = Path(ref.path).is_dir()
    merged = branch_exists(ref.repo, ref.branch) and is_merged(ref.repo, ref.branch, ref.base)
    dirty = exists and is_dirty(ref.path)
    return WorktreeStatus(ref.path, ref.branch, ref.base, member, merged, dirty)


def _git_worktrees(top: Path) -> list[tuple[str, str | None]]:
    """(path, branch) of every worktree git knows for the repository."""
    out = git(top, "worktree", "list", "--porcelain").stdout
    rows: list[tuple[str, str | None]] = []
    for block in out.strip().split("\n\n"):
        fields = dict(line.partition(" ")[::2] for line in block.splitlines())
        if "worktree" in fields:
            head = fields.get("branch", "")
            rows.append((fields["worktree"], head.removeprefix("refs/heads/") or None))
    return rows


def list_worktrees(
    cwd: str | os.PathLike[str], members: Iterable[tuple[str, WorktreeRef]] = ()
) -> list[WorktreeStatus]:
    """Every worktree under the repository's ``.claude/worktrees/``, with its member
    (from ``members``: name and recorded worktree) and whether it is merged and dirty."""
    top = repo_top(cwd)
    known: Mapping[str, tuple[str, WorktreeRef]] = {ref.path: (n, ref) for n, ref in members}
    home, default_base = top / WORKTREES_DIR, current_branch(top)
    rows = []
    for path, branch in _git_worktrees(top):
        if Path(path).parent != home:
            continue
        name, recorded = known.get(path, (None, None))
        base = recorded.base if recorded else default_base
        if branch is None or base is None:
            rows.append(WorktreeStatus(path, branch, base, name, False, is_dirty(path)))
            continue
        rows.append(worktree_status(WorktreeRef(str(top), path, branch, base), name))
    return rows


def remove_worktree(ref: WorktreeRef, *, force: bool = False, delete_branch: bool = True) -> None:
    """Remove the worktree (and its branch). Refuses, unless ``force``, when that would
    lose work: uncommitted changes, or commits not in the base."""
    status = worktree_status(ref)
    if not force and not status.safe:
        raise WorktreeError(f"{ref.path} {_unsafe(status)}; merge it first, or pass --force")
    if Path(ref.path).exists() or _registered(Path(ref.repo), Path(ref.path)):
        git(ref.repo, "worktree", "remove", "-f", "-f", ref.path)  # -f -f: also a locked one
    if delete_branch and branch_exists(ref.repo, ref.branch):
        git(ref.repo, "branch", "-D", ref.branch)


def remove_if_merged(ref: WorktreeRef) -> str:
    """Remove the worktree when that loses nothing; else keep it. Says which."""
    status = worktree_status(ref)
    if not status.safe:
        return f"kept the worktree {ref.path}: it {_unsafe(status)} (branch {ref.branch})"
    remove_worktree(ref)
    return f"removed the worktree {ref.path} and its branch {ref.branch}"


def discard_new_worktree(ref: WorktreeRef) -> None:
    """Undo a worktree made for a member that could not start (only if it holds nothing)."""
    try:
        remove_worktree(ref)
    except ClaudeCoderError as exc:
        _log.warning("kept the worktree %s: %s", ref.path, exc)


def _unsafe(status: WorktreeStatus) -> str:
    what = [
        w for w, bad in (("is not merged", not status.merged), ("is dirty", status.dirty)) if bad
    ]
    return " and ".join(what)


@dataclass(frozen=True, slots=True)
class PruneResult:
    removed: tuple[WorktreeStatus, ...]
    kept: tuple[tuple[WorktreeStatus, str], ...]
    """Each kept worktree and why."""


def prune_worktrees(
    cwd: str | os.PathLike[str],
    members: Iterable[tuple[str, WorktreeRef]] = (),
    *,
    force: bool = False,
) -> PruneResult:
    """Remove every merged, clean worktree (every one with ``force``) that no member uses."""
    top = repo_top(cwd)
    removed, kept = [], []
    for st in list_worktrees(top, members):
        if st.member is not None:
            kept.append((st, f"member {st.member} works in it; remove the member first"))
        elif not force and not st.safe:
            kept.append((st, f"{_unsafe(st)}; --force removes it anyway"))
        elif st.branch is None or st.base is None:
            git(top, "worktree", "remove", "-f", "-f", st.path)
            removed.append(st)
        else:
            remove_worktree(WorktreeRef(str(top), st.path, st.branch, st.base), force=True)
            removed.append(st)
    return PruneResult(tuple(removed), tuple(kept))
