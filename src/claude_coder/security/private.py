"""Private files and directories: trusted only when no other user can read or write them.

claude-coder reads settings that run commands (notification hooks) and listens on a
control socket that drives a fleet; both are trusted only when they are the user's own
and closed to group and others, like secret files named by a profile.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["ensure_private_dir", "private_file_problem"]


def private_file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be trusted (None when it is a private regular file of ours)."""
    try:
        st = path.stat()
    except OSError as exc:
        return f"cannot read {path} ({exc.strerror})"
    if not stat.S_ISREG(st.st_mode):
        return f"{path} is not a regular file"
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return f"{path} belongs to another user (uid {st.st_uid})"
    if st.st_mode & 0o077:
        mode = stat.S_IMODE(st.st_mode)
        return f"{path} is open to group or others (mode {mode:04o}); run: chmod 600 {path}"
    return None


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it ours and 0700; raise OSError if it is not."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = path.lstat()
    if not stat.S_ISDIR(st.st_mode):
        raise OSError(f"{path} is not a directory")
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise OSError(f"{path} belongs to another user (uid {st.st_uid})")
    if stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(path, 0o700)
    return path
