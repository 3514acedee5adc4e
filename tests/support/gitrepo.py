"""Test git repositories that never depend on the machine's git identity or config.

``make_repo(path)`` makes a repository on ``main`` with one commit and a local
``user.name``/``user.email`` (so commits made by the product in it, or in its
worktrees, work). ``isolate_git(monkeypatch)`` hides the system git config.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.invalid",
}


def isolate_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """No system config, and no identity from the environment."""
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in IDENTITY:
        monkeypatch.delenv(name, raising=False)


def sh_git(cwd: Path, *args: str) -> str:
    """Run git as the test (with a fixed identity); returns stdout."""
    import os

    env = {**os.environ, **IDENTITY, "LC_ALL": "C"}
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def make_repo(path: Path, *, identity: bool = True) -> Path:
    """A repository at ``path`` on ``main`` with ``README.md`` and ``shared.txt`` committed."""
    path.mkdir(parents=True, exist_ok=True)
    sh_git(path, "init", "-q", "-b", "main")
    if identity:
        sh_git(path, "config", "user.name", "Repo User")
        sh_git(path, "config", "user.email", "repo@example.invalid")
    else:
        sh_git(path, "config", "user.useConfigOnly", "true")
    (path / "README.md").write_text("# test repo\n")
    (path / "shared.txt").write_text("original\n")
    sh_git(path, "add", ".")
    sh_git(path, "commit", "-q", "-m", "initial")
    return path


def status(path: Path) -> str:
    """``git status --porcelain`` of a checkout (new files included)."""
    return sh_git(path, "status", "--porcelain", "--untracked-files=all")
