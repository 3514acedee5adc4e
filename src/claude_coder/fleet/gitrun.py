"""Running ``git`` for the worktree commands: one runner, its errors, a few queries.

Every call goes through :func:`git` with the child environment from
:mod:`claude_coder.security` (plus ``LC_ALL=C`` so messages parse the same everywhere,
and no editor or terminal prompt). A git that is missing, or one that needs an
identity to commit and has none, becomes a one-line
:class:`~claude_coder.errors.WorktreeError` saying how to fix it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from claude_coder.errors import FleetError, WorktreeError
from claude_coder.security import child_env

__all__ = [
    "branch_exists",
    "current_branch",
    "git",
    "git_ok",
    "is_dirty",
    "repo_top",
    "rev",
]

_QUIET = {"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_EDITOR": "true", "GIT_PAGER": "cat"}
_IDENTITY_HINTS = ("please tell me who you are", "unable to auto-detect email address")


def git(
    cwd: str | os.PathLike[str],
    *args: str,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``git args`` in ``cwd``; with ``check``, a failure raises a one-line error."""
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=os.fspath(cwd),
            env=child_env({**_QUIET, **(env or {})}),
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        raise WorktreeError("git is not installed; install git to use worktrees") from None
    if check and proc.returncode != 0:
        raise git_failure(cwd, args, proc)
    return proc


def git_ok(cwd: str | os.PathLike[str], *args: str) -> bool:
    """True when ``git args`` exits 0."""
    return git(cwd, *args, check=False).returncode == 0


def git_failure(
    cwd: str | os.PathLike[str], args: tuple[str, ...], proc: subprocess.CompletedProcess[str]
) -> FleetError:
    """The error for a failed git call (an identity problem says how to set one)."""
    text = (proc.stderr or proc.stdout or "").strip()
    if any(hint in text.lower() for hint in _IDENTITY_HINTS):
        return WorktreeError(
            f"git needs an identity to commit in {os.fspath(cwd)}: run `git config "
            'user.name "Your Name"` and `git config user.email you@example.com` there '
            "(or set GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL and GIT_COMMITTER_NAME/GIT_COMMITTER_EMAIL)"
        )
    last = text.splitlines()[-1] if text else f"exit {proc.returncode}"
    return FleetError(f"git {args[0] if args else ''} failed in {os.fspath(cwd)}: {last}")


def repo_top(cwd: str | os.PathLike[str]) -> Path:
    """The top of the main checkout of the repository that holds ``cwd``."""
    if not Path(cwd).is_dir():
        raise WorktreeError(f"{os.fspath(cwd)} is not a directory; pass the repository's path")
    proc = git(cwd, "rev-parse", "--path-format=absolute", "--git-common-dir", check=False)
    if proc.returncode != 0:
        raise WorktreeError(
            f"{os.fspath(cwd)} is not inside a git repository; a worktree needs one "
            "(run `git init` there, or pass the repository as cwd)"
        )
    common = Path(proc.stdout.strip())
    if common.name != ".git":
        raise WorktreeError(f"{os.fspath(cwd)} is in a bare repository; use a checkout")
    return common.parent


def current_branch(cwd: str | os.PathLike[str]) -> str | None:
    """The branch checked out in ``cwd`` (None on a detached HEAD)."""
    proc = git(cwd, "symbolic-ref", "--short", "-q", "HEAD", check=False)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def rev(cwd: str | os.PathLike[str], what: str) -> str:
    """The commit id ``what`` names."""
    return git(cwd, "rev-parse", "--verify", "-q", f"{what}^{{commit}}").stdout.strip()


def branch_exists(cwd: str | os.PathLike[str], branch: str) -> bool:
    return git_ok(cwd, "show-ref", "--verify", "-q", f"refs/heads/{branch}")


def is_dirty(cwd: str | os.PathLike[str], *, untracked: bool = True) -> bool:
    """Uncommitted changes in the checkout at ``cwd`` (new files too, unless told not)."""
    flag = "--untracked-files=all" if untracked else "--untracked-files=no"
    return bool(git(cwd, "status", "--porcelain", flag).stdout.strip())
