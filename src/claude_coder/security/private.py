"""Private files and directories: trusted only when no other user can read or write them.

claude-coder reads settings that run commands (notification hooks) and listens on a
control socket that drives a fleet; both are trusted only when they are the user's own
and closed to group and others, like secret files named by a profile. The runtime dir
holds those sockets; a socket's peer is checked by uid (:func:`peer_uid`).
"""

from __future__ import annotations

import os
import socket
import stat
import struct
import sys
import tempfile
import warnings
from pathlib import Path

import platformdirs

__all__ = ["ensure_private_dir", "keeper_dir", "peer_uid", "private_file_problem", "runtime_dir"]


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


def runtime_dir() -> Path:
    """``$XDG_RUNTIME_DIR/claude-coder``, else platformdirs' user runtime dir."""
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        return Path(xdg) / "claude-coder"
    with warnings.catch_warnings():  # its fallback (a /tmp dir of ours) is what we want
        warnings.simplefilter("ignore")
        return Path(platformdirs.user_runtime_dir("claude-coder"))


def keeper_dir() -> Path:
    """Where a host keeps the sockets of sessions waiting for their client to come back:
    ``$TMPDIR/claude-coder-<uid>`` (made 0700 and checked ours by
    :func:`ensure_private_dir`; a directory of that name owned by someone else is refused).

    Not the runtime dir: systemd-logind removes ``/run/user/<uid>`` when the user's last
    login ends, and a dropped ssh connection is often exactly that moment.
    """
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"claude-coder-{uid}"


def peer_uid(sock: socket.socket) -> int | None:
    """The uid of the process at the other end (Linux ``SO_PEERCRED``; None elsewhere)."""
    opt = getattr(socket, "SO_PEERCRED", None)
    if opt is None or not sys.platform.startswith("linux"):
        return None
    raw = sock.getsockopt(socket.SOL_SOCKET, opt, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", raw)
    return int(uid)
