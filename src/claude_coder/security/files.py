"""Private files: a file that decides what runs is trusted only when no one else can change it.

A profiles file names the binary a session runs (``claudePath``), its environment and
cwd; a fleet roster says which members are started again. Like ssh with its config,
:func:`private_problem` refuses such a file when

* the file is writable by group or others, or owned by someone other than this user
  (or root);
* any directory above it (up to ``/``) is writable by group or others without the
  sticky bit, or owned by someone other than this user (or root). A sticky directory
  (``/tmp``: ``drwxrwxrwt``) is accepted: others can create files in it but cannot
  rename, replace or delete this user's file there.

Symlinks are followed and both the path as given and its target are checked. The
problem carries the exact command that fixes it (``chmod go-w PATH`` or ``chown``).
"""

from __future__ import annotations

import os
import shlex
import stat
from dataclasses import dataclass
from pathlib import Path

from claude_coder.errors import UnsafeFileRefused

__all__ = ["FileProblem", "check_private", "private_problem"]


@dataclass(frozen=True, slots=True)
class FileProblem:
    """Why ``path`` is not private, and the command that fixes it."""

    path: str
    reason: str
    fix: str

    def message(self, what: str) -> str:
        return (
            f"{self.path} is {self.reason}: a {what} others can change is not trusted; "
            f"fix: {self.fix}"
        )


def _owner_ok(st: os.stat_result) -> bool:
    return st.st_uid in (os.getuid(), 0)


def _one(path: Path, *, is_dir: bool) -> FileProblem | None:
    try:
        st = path.stat()
    except OSError:
        return None
    quoted = shlex.quote(str(path))
    if not _owner_ok(st):
        who = "a directory" if is_dir else "a file"
        return FileProblem(
            str(path), f"{who} owned by uid {st.st_uid}, not you", f"chown $(id -un) {quoted}"
        )
    loose = st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    if not loose or (is_dir and st.st_mode & stat.S_ISVTX):
        return None
    who = (
        "group"
        if loose == stat.S_IWGRP
        else "others"
        if loose == stat.S_IWOTH
        else "group and others"
    )
    kind = "a directory" if is_dir else "a file"
    return FileProblem(str(path), f"{kind} writable by {who}", f"chmod go-w {quoted}")


def _chain(path: Path) -> list[tuple[Path, bool]]:
    return [(path, False)] + [(parent, True) for parent in path.parents]


def private_problem(file: str | Path) -> FileProblem | None:
    """The first reason ``file`` is not private (None when it is, or when it does not exist
    and its directories are private)."""
    given = Path(os.path.abspath(Path(file).expanduser()))
    candidates = _chain(given)
    real = Path(os.path.realpath(given))
    if real != given:
        candidates += _chain(real)
    for path, is_dir in candidates:
        problem = _one(path, is_dir=is_dir)
        if problem is not None:
            return problem
    return None


def check_private(file: str | Path, *, what: str) -> None:
    """Raise :class:`UnsafeFileRefused` (exit 2) when ``file`` is not private."""
    problem = private_problem(file)
    if problem is not None:
        raise UnsafeFileRefused(problem.message(what), path=problem.path, fix=problem.fix)
