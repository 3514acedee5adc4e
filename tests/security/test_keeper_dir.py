"""Where a host keeps the sockets of sessions waiting for their client: a private dir of
this user's that a logout does not remove, and that no other user can plant."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from claude_coder.security.private import ensure_private_dir, keeper_dir


def test_the_keeper_dir_is_under_tmpdir_not_the_runtime_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    where = keeper_dir()
    assert where == tmp_path / "tmp" / f"claude-coder-{os.getuid()}"
    assert not str(where).startswith(str(tmp_path / "run"))


def test_a_new_keeper_dir_is_made_0700(tmp_path: Path) -> None:
    made = ensure_private_dir(tmp_path / "claude-coder-1")
    assert stat.S_IMODE(made.stat().st_mode) == 0o700


def test_an_open_keeper_dir_of_ours_is_closed(tmp_path: Path) -> None:
    path = tmp_path / "claude-coder-1"
    path.mkdir(mode=0o777)
    os.chmod(path, 0o777)
    ensure_private_dir(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o700


def test_a_keeper_dir_planted_by_another_user_is_refused(tmp_path: Path) -> None:
    if os.getuid() != 0:
        pytest.fail("this test plants a directory as another user: run it as root (CI does)")
    path = tmp_path / "claude-coder-1"
    path.mkdir(mode=0o700)
    os.chown(path, 65534, 65534)
    with pytest.raises(OSError, match="belongs to another user"):
        ensure_private_dir(path)


def test_a_symlink_in_place_of_the_keeper_dir_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "claude-coder-1").symlink_to(target)
    with pytest.raises(OSError, match="not a directory"):
        ensure_private_dir(tmp_path / "claude-coder-1")
