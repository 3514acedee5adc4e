"""The roster file: its JSON format, atomic writes, and read-only reading.

A roster records, for each fleet member, its name, profile, transport, cwd and Claude
Code session id, plus the last state, boundary and totals its fleet saw (so ``fleet
status`` can show them without starting anything). A remote member also has its
``host`` and the handle and last sequence number of its session there (format 2, written
only when a member has a host: a format-1 roster loads as it is). Writes go to a temp file in the
same directory, are fsynced, renamed over the roster, and the directory is fsynced: a
reader, or a process killed mid-write, only ever sees a whole old or whole new file.
The locked, changeable roster is :class:`claude_coder.fleet.roster._roster.Roster`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import socket
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ConfigDict, ValidationError

from claude_coder.errors import (
    FleetError,
    MemberExistsError,
    MemberNameError,
    RosterCorruptError,
)
from claude_coder.events import now, to_jsonable

__all__ = [
    "ROSTER_ENV",
    "ROSTER_VERSION",
    "MemberExistsError",
    "MemberNameError",
    "RosterMember",
    "RosterSnapshot",
    "atomic_write",
    "backup_path",
    "default_roster_path",
    "encode_roster",
    "fsync_dir",
    "members_of",
    "parse_roster",
    "read_roster",
    "remove_stale_temps",
    "resolve_roster_path",
    "snapshot_to_json",
    "stamp",
    "validate_member_name",
]

ROSTER_ENV = "CLAUDE_CODER_ROSTER"
"""Environment variable naming the roster file when no path is given."""
ROSTER_VERSION = 2
"""The newest format this version reads (2 adds remote members' ``host``/``handle``)."""
_LOCAL_VERSION = 1
"""What a roster without remote members is written as (older versions read it too)."""
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def validate_member_name(name: str) -> str:
    """Return ``name`` if it can name a member, else raise :class:`MemberNameError`."""
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise MemberNameError(str(name))
    return name


@dataclass(frozen=True, slots=True)
class RosterMember:
    """One member as the roster records it."""

    name: str
    profile: str = "claude-code-expert"
    transport: str = "sdk"
    cwd: str | None = None
    session_id: str | None = None
    state: str = "idle"
    """The last state the owning fleet saw (``fleet status`` shows it)."""
    last_boundary: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    error: str | None = None
    updated: str = ""
    """When this entry last changed (ISO 8601, UTC)."""
    retry: str | None = None
    """While ``retrying``: Claude Code's retry notice (``retrying 3/10: 529 overloaded``)."""
    worktree: str | None = None
    """The member's own git worktree (its ``cwd``), when it has one."""
    branch: str | None = None
    base: str | None = None
    """The branch the worktree was made from and merges into."""
    repo: str | None = None
    """The main checkout the worktree belongs to."""
    fork_from: str | None = None
    """The session this member was forked from (a fork with no turn yet forks again)."""
    host: str | None = None
    """A remote member's ssh destination (its cwd and transcript are there)."""
    handle: str | None = None
    """The host's handle of the member's live session (re-attach while it is kept)."""
    last_seq: int = 0
    """The last message of that session this fleet saw (a re-attach replays the rest)."""


class _MemberWire(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    name: str
    profile: str
    transport: str
    cwd: str | None = None
    session_id: str | None = None
    state: str = "idle"
    last_boundary: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    error: str | None = None
    updated: str = ""
    retry: str | None = None
    worktree: str | None = None
    branch: str | None = None
    base: str | None = None
    repo: str | None = None
    fork_from: str | None = None
    host: str | None = None
    handle: str | None = None
    last_seq: int = 0


class _HolderWire(BaseModel):
    model_config = ConfigDict(extra="ignore")
    pid: int
    host: str
    since: str = ""


class _RosterWire(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    version: int
    members: list[_MemberWire]
    holder: _HolderWire | None = None


@dataclass(frozen=True, slots=True)
class RosterSnapshot:
    """A read-only view of a roster file (what ``fleet status`` shows)."""

    path: Path
    members: tuple[RosterMember, ...]
    holder_pid: int | None
    holder_host: str | None
    running: bool
    """True when the process that holds the roster is alive on this host."""


def default_roster_path() -> Path:
    """``$CLAUDE_CODER_ROSTER``, else ``fleet.json`` in the user state dir of claude-coder."""
    env = os.environ.get(ROSTER_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_state_dir("claude-coder")) / "fleet.json"


def resolve_roster_path(path: str | os.PathLike[str] | None) -> Path:
    """The roster file as the filesystem finds it: symlinks followed (so two ways to
    one file share its lock, and a save replaces the file, never the link)."""
    p = Path(path).expanduser() if path is not None else default_roster_path()
    try:
        return p.resolve()
    except (OSError, RuntimeError):
        return p.absolute()


def parse_roster(raw: bytes, path: Path) -> _RosterWire:
    """Parse roster bytes; raises ``ValueError`` saying what is wrong."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not valid JSON ({exc})") from exc
    version = data.get("version") if isinstance(data, dict) else None
    if isinstance(version, int) and version > ROSTER_VERSION:
        raise FleetError(
            f"roster {path} was written by a newer claude-coder (format {version}); "
            "upgrade claude-coder to open it"
        )
    try:
        wire = _RosterWire.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        raise ValueError(f"{where}: {first['msg']}") from exc
    for i, member in enumerate(wire.members, 1):
        problem = _member_problem(member)
        if problem:
            raise ValueError(f"member {i} ({member.name!r}): {problem}")
    names = [m.name for m in wire.members]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"duplicate member names: {', '.join(dupes)}")
    return wire


_TRANSPORTS = frozenset({"sdk", "pty", "fake"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SESSION_ID_RE = re.compile(r"[^./\\\x00-\x1f\x7f][^/\\\x00-\x1f\x7f]{0,127}")
_HOST_RE = re.compile(r"[^-\s\x00-\x1f\x7f][^\s\x00-\x1f\x7f]{0,254}")
_HANDLE_RE = re.compile(r"[0-9a-f]{1,64}")


def _member_problem(m: _MemberWire) -> str | None:
    """Why an entry cannot be trusted (its name becomes a catalog name, its session id
    a file name, its cwd Claude Code's working directory), or None."""
    if not _NAME_RE.fullmatch(m.name):
        return "bad name: use 1-64 letters, digits, '.', '_' or '-', starting with one of those"
    if m.transport not in _TRANSPORTS:
        return f"unknown transport {m.transport!r} (sdk, pty, or fake in tests)"
    if not m.profile or _CONTROL.search(m.profile):
        return "bad profile name"
    if m.host is not None and not _HOST_RE.fullmatch(m.host):
        return f"bad host {m.host!r}: an ssh destination, not starting with '-'"
    if m.handle is not None and not _HANDLE_RE.fullmatch(m.handle):
        return "bad handle: hex digits expected"
    if m.last_seq < 0:
        return "last_seq must not be negative"
    local = m.host is None  # a remote member's cwd is the host's (relative: to its home)
    if m.cwd is not None and ((local and not os.path.isabs(m.cwd)) or _CONTROL.search(m.cwd)):
        return f"cwd must be an absolute path without control characters, not {m.cwd!r}"
    if m.session_id is not None and not _SESSION_ID_RE.fullmatch(m.session_id):
        return f"bad session id {m.session_id!r}"
    return None


def members_of(wire: _RosterWire) -> dict[str, RosterMember]:
    return {m.name: RosterMember(**m.model_dump()) for m in wire.members}


def encode_roster(members: Iterable[RosterMember], *, since: datetime | None) -> bytes:
    """The roster file's bytes; ``since`` (the open time) marks this process as holder."""
    holder = None
    if since is not None:
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": to_jsonable(since)}
    rows = [dataclasses.asdict(m) for m in members]
    remote = any(m["host"] for m in rows)
    if not remote:  # format 1, exactly as older versions wrote it
        rows = [{k: v for k, v in m.items() if k not in _REMOTE_KEYS} for m in rows]
    version = ROSTER_VERSION if remote else _LOCAL_VERSION
    doc: dict[str, Any] = {"version": version, "holder": holder, "members": rows}
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


_REMOTE_KEYS = frozenset({"host", "handle", "last_seq"})


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_roster(path: str | os.PathLike[str] | None = None) -> RosterSnapshot:
    """Read a roster without locking or changing it (safe while a fleet holds it).

    A missing file is an empty roster. An unreadable one raises
    :class:`RosterCorruptError` (with no backup: only an opener moves it aside).
    """
    p = resolve_roster_path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        return RosterSnapshot(p, (), None, None, running=False)
    except OSError as exc:
        raise FleetError(f"cannot read roster {p}: {exc.strerror or exc}") from exc
    try:
        wire = parse_roster(raw, p)
    except ValueError as exc:
        raise RosterCorruptError(
            f"roster {p} is corrupt ({exc}); opening the fleet will keep it aside as a "
            "backup and start an empty roster"
        ) from exc
    holder = wire.holder
    running = bool(holder and holder.host == socket.gethostname() and _pid_alive(holder.pid))
    return RosterSnapshot(
        p,
        tuple(members_of(wire).values()),
        holder.pid if holder else None,
        holder.host if holder else None,
        running=running,
    )


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader sees all of the old file or all of the new."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def stamp() -> str:
    value = to_jsonable(now())
    assert isinstance(value, str)
    return value


def backup_path(path: Path) -> Path:
    stamp = now().strftime("%Y%m%dT%H%M%S%fZ")
    candidate = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    return candidate


def remove_stale_temps(path: Path) -> None:
    """Temp files left by a writer that was killed mid-write (we hold the lock)."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def snapshot_to_json(snapshot: RosterSnapshot) -> dict[str, Any]:
    """A ``RosterSnapshot`` as plain JSON (``fleet status --json``)."""
    return {
        "roster": str(snapshot.path),
        "running": snapshot.running,
        "holder_pid": snapshot.holder_pid,
        "members": [dataclasses.asdict(m) for m in snapshot.members],
    }
