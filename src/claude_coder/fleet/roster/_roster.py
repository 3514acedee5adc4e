"""The open roster: a locked, changeable list of fleet members, saved atomically.

The roster is guarded by a lock file (``<roster>.lock``, beside the resolved file, so a
roster reached through a symlink has the same lock) held for as long as a fleet has it
open: a second opener, in this process or another, gets
:class:`~claude_coder.errors.RosterLockedError` naming the holder. A roster that
cannot be read is moved aside to a timestamped backup and
:class:`~claude_coder.errors.RosterCorruptError` names it; it is never silently
emptied. The file format lives in :mod:`claude_coder.fleet.roster._file`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import filelock

from claude_coder.errors import (
    FleetError,
    MemberNotFoundError,
    RosterCorruptError,
    RosterLocationError,
    RosterLockedError,
)
from claude_coder.events import now
from claude_coder.fleet.roster._file import (
    MemberExistsError,
    RosterMember,
    atomic_write,
    backup_path,
    encode_roster,
    fsync_dir,
    members_of,
    parse_roster,
    read_roster,
    remove_stale_temps,
    resolve_roster_path,
    stamp,
    validate_member_name,
)
from claude_coder.security.files import check_private

__all__ = ["Roster"]


class Roster:
    """An open, locked roster. Use :meth:`open`; close it (or use ``with``) to release it.

    Every change is saved at once unless the roster was opened with ``autosave=False``
    (the fleet batches state updates and calls :meth:`save` itself). Thread-safe.
    """

    def __init__(self, path: Path, lock: filelock.BaseFileLock, members: dict[str, RosterMember]):
        self.path = path
        self._lock = lock
        self._members = members
        self._mutex = threading.RLock()
        self._write_mutex = threading.Lock()
        self._generation = 0
        self._written = -1
        self._closed = False
        self.autosave = True
        self._since = now()

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        timeout: float = 0.0,
        autosave: bool = True,
    ) -> Roster:
        """Lock and read the roster at ``path`` (created when missing).

        Waits up to ``timeout`` seconds for another holder to let go, then raises
        :class:`RosterLockedError`. A corrupt file is moved aside and
        :class:`RosterCorruptError` raised naming the backup.
        """
        p = resolve_roster_path(path)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RosterLocationError(
                f"cannot create the roster directory {p.parent}: {exc.strerror or exc}; "
                "pass --roster with a writable place"
            ) from exc
        check_private(p, what="fleet roster")
        lock = _acquire(p, timeout)
        try:
            members = _load_locked(p)
        except BaseException:
            lock.release()
            raise
        roster = cls(p, lock, members)
        roster.autosave = autosave
        try:
            roster.save(force=True)  # records this process as the holder
        except OSError as exc:
            lock.release()
            raise RosterLocationError(
                f"cannot write roster {p}: {exc.strerror or exc}; make its directory "
                "writable or pass --roster with another place"
            ) from exc
        return roster

    # -- reading ---------------------------------------------------------------------
    def members(self) -> list[RosterMember]:
        """Every member, in the order they were added."""
        with self._mutex:
            return list(self._members.values())

    def get(self, name: str) -> RosterMember:
        with self._mutex:
            try:
                return self._members[name]
            except KeyError:
                raise MemberNotFoundError(f"no fleet member named {name!r}") from None

    def __contains__(self, name: object) -> bool:
        with self._mutex:
            return name in self._members

    def __len__(self) -> int:
        with self._mutex:
            return len(self._members)

    def __iter__(self) -> Iterator[RosterMember]:
        return iter(self.members())

    # -- changing --------------------------------------------------------------------
    def add(self, member: RosterMember) -> None:
        """Add a new member; raises :class:`MemberExistsError` if the name is taken."""
        validate_member_name(member.name)
        with self._mutex:
            self._check_open()
            if member.name in self._members:
                raise MemberExistsError(member.name)
            self._members[member.name] = dataclasses.replace(member, updated=stamp())
            self._generation += 1
        self._autosave()

    def update(self, name: str, **changes: Any) -> RosterMember:
        """Change fields of one member (not its name); returns the new entry."""
        if "name" in changes:
            raise ValueError("a member's name cannot be changed")
        with self._mutex:
            self._check_open()
            old = self.get(name)
            new = dataclasses.replace(old, **changes)
            if new == old:
                return old
            new = dataclasses.replace(new, updated=stamp())
            self._members[name] = new
            self._generation += 1
        self._autosave()
        return new

    def remove(self, name: str) -> RosterMember:
        """Drop a member from the roster; returns what it was."""
        with self._mutex:
            self._check_open()
            old = self.get(name)
            del self._members[name]
            self._generation += 1
        self._autosave()
        return old

    def save(self, *, force: bool = False) -> None:
        """Write the roster now if anything changed since the last write (atomic)."""
        with self._write_mutex:
            with self._mutex:
                if self._closed or (self._written == self._generation and not force):
                    return
                generation = self._generation
                data = self._encode(holder=True)
            atomic_write(self.path, data)
            self._written = max(self._written, generation)

    def close(self) -> None:
        """Write the roster a last time (no holder) and release the lock. Idempotent."""
        with self._write_mutex:
            with self._mutex:
                if self._closed:
                    return
                self._closed = True
                data = self._encode(holder=False)
            try:
                atomic_write(self.path, data)
            finally:
                self._lock.release()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Roster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<Roster {str(self.path)!r} {state} members={len(self._members)}>"

    # -- internals -------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise FleetError(f"roster {self.path} is closed")

    def _autosave(self) -> None:
        if self.autosave:
            self.save()

    def _encode(self, *, holder: bool) -> bytes:
        return encode_roster(self._members.values(), since=self._since if holder else None)


def _acquire(path: Path, timeout: float) -> filelock.BaseFileLock:
    """Take ``<roster>.lock`` (``path`` is resolved: a symlinked roster has one lock)."""
    lock_path = path.with_name(path.name + ".lock")
    if lock_path.is_dir():
        raise RosterLocationError(
            f"cannot lock roster {path}: {lock_path} is a directory; remove it, or pass "
            "--roster with another place"
        )
    lock = filelock.FileLock(str(lock_path), timeout=timeout, thread_local=False)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise RosterLockedError(_locked_message(path)) from None
    except OSError as exc:
        raise RosterLocationError(
            f"cannot lock roster {path}: {lock_path}: {exc.strerror or exc}; make the "
            "directory writable or pass --roster with another place"
        ) from None
    return lock


def _locked_message(path: Path) -> str:
    who = ""
    with contextlib.suppress(FleetError):
        snap = read_roster(path)
        if snap.holder_pid is not None:
            who = f" (pid {snap.holder_pid} on {snap.holder_host})"
    return (
        f"roster {path} is open in another process{who}; close that fleet first, or "
        "pass --roster/roster= to use a different file. `claude-coder fleet status` "
        "can still read it."
    )


def _load_locked(path: Path) -> dict[str, RosterMember]:
    """Read the roster while holding its lock; move a corrupt one aside."""
    remove_stale_temps(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise FleetError(f"cannot read roster {path}: {exc.strerror or exc}") from exc
    try:
        return members_of(parse_roster(raw, path))
    except ValueError as exc:
        backup = backup_path(path)
        os.replace(path, backup)
        fsync_dir(path.parent)
        raise RosterCorruptError(
            f"roster {path} could not be read ({exc}); it was kept as {backup}. "
            "Open the fleet again to start an empty roster, or repair the backup and "
            "move it back.",
            backup=str(backup),
        ) from exc
