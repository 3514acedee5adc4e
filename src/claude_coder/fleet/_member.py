"""One fleet member: its record, its live session, and what the fleet table shows of it.

:class:`Member` is the fleet's own bookkeeping (mutable, private to the fleet);
:class:`MemberInfo` is the frozen row ``Fleet.members()`` hands out;
:class:`MemberSpec` is what a session factory is given to start a member's session;
:func:`default_session_factory` is the factory a real fleet uses.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_coder.events import (
    ApiRetry,
    Boundary,
    Envelope,
    Parked,
    RateLimited,
    Resumed,
    SessionStarted,
    SessionState,
    StateChanged,
    TurnEnded,
)
from claude_coder.fleet.roster._file import RosterMember
from claude_coder.fleet.worktrees import WorktreeRef

if TYPE_CHECKING:
    from claude_coder.profiles import ProfileSet
    from claude_coder.session import Session

__all__ = [
    "Member",
    "MemberInfo",
    "MemberSpec",
    "SessionFactory",
    "default_session_factory",
    "with_worktree",
    "worktree_of",
]

_log = logging.getLogger(__name__)

_LIVE = (
    SessionState.IDLE,
    SessionState.BUSY,
    SessionState.STALLED,
    SessionState.RETRYING,
    SessionState.RECONNECTING,
)


@dataclass(frozen=True, slots=True)
class MemberSpec:
    """What a session factory needs to start (or re-attach) one member's session."""

    name: str
    profile: str
    cwd: str | None
    resume: str | None
    """A session id (or catalog name) to resume; None starts a new conversation."""
    fork: bool
    profiles: ProfileSet | str | Path | None
    reattach: bool = False
    """``resume`` is the member's own recorded session (re-attach or restart)."""
    fork_from: str | None = None
    """The session the member was forked from: re-attached before its first turn (no
    transcript yet), it is forked again from there, keeping its id ``resume``."""
    host: str | None = None
    """A remote member's ssh destination (``cwd`` is a directory there)."""
    handle: str | None = None
    """The host's handle of the member's session, when it may still be kept there."""
    since: int = 0
    """The last message of that session seen (re-attach replays what followed)."""


@dataclass(frozen=True, slots=True)
class MemberInfo:
    """One member as the fleet table shows it (a snapshot)."""

    name: str
    profile: str
    transport: str
    cwd: str | None
    state: SessionState
    session_id: str | None
    queued: int
    """Turns waiting for this member: for the fleet's ceiling or behind its running turn."""
    waiting: bool
    """A permission request or question waits on a person."""
    last_boundary: Boundary | None
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    error: str | None
    resets_at: int | None
    retry: str | None = None
    """While ``retrying``: ``retrying 3/10: 529 overloaded``."""
    worktree: WorktreeRef | None = None
    """The member's own git worktree (its ``cwd``), when it has one."""
    parked: bool = False
    """Held at its login's usage limit: its turns wait for the reset."""
    limit_status: str | None = None
    """The login's last rate-limit status (``allowed``, ``allowed_warning``, ``rejected``)."""
    utilization: float | None = None
    """How much of the login's limiting window is used (0..1), when Claude Code said."""
    host: str | None = None
    """A remote member's ssh destination (its ``cwd`` is a directory there)."""

    @property
    def status(self) -> str:
        """The state to show: ``parked`` at a usage limit, ``queued`` for an idle member
        whose turns wait for the ceiling."""
        if self.parked and self.state in _LIVE:
            return "parked"
        if self.state is SessionState.IDLE and self.queued:
            return "queued"
        return self.state.value


class Member:
    """The fleet's live record of one member."""

    def __init__(self, record: RosterMember) -> None:
        self.name = record.name
        self.profile = record.profile
        self.transport = record.transport
        self.cwd = record.cwd
        self.session_id = record.session_id
        self.fork_from = record.fork_from
        self.host = record.host
        self.handle = record.handle
        self.last_seq = record.last_seq
        self.session: Session | None = None
        self.booting = False
        self.boot_error: str | None = None
        self.unsubscribe: Callable[[], None] | None = None
        self.last_boundary = _boundary(record.last_boundary)
        self.input_tokens = record.input_tokens
        self.output_tokens = record.output_tokens
        self.cost_usd = record.cost_usd
        self.resets_at: int | None = None
        self.last_retry: ApiRetry | None = None
        """Claude Code's latest retry notice (shown while the member is ``retrying``)."""
        self.worktree = worktree_of(record)
        self.parked = False
        """Held at its login's usage limit (from the fleet's Parked / Resumed events)."""

    def __repr__(self) -> str:
        return f"<Member {self.name} {self.state.value}>"

    @property
    def state(self) -> SessionState:
        if self.booting:
            return SessionState.STARTING
        if self.session is not None:
            return self.session.state
        if self.boot_error is not None:
            return SessionState.ERROR
        return SessionState.CLOSED

    @property
    def error(self) -> str | None:
        if self.booting:
            return None
        if self.session is not None:
            return self.session.error
        return self.boot_error

    @property
    def retry(self) -> str | None:
        """Claude Code's retry notice while the member is ``retrying``, else None."""
        if self.last_retry is None or self.state is not SessionState.RETRYING:
            return None
        return self.last_retry.describe()

    @property
    def live(self) -> bool:
        """The session can take a turn (idle, busy or stalled)."""
        return not self.booting and self.session is not None and self.session.state in _LIVE

    def observe(self, env: Envelope) -> bool:
        """Update totals from one envelope; True when the roster entry should change."""
        ev = env.event
        if isinstance(ev, TurnEnded):
            result = ev.result
            self.last_boundary = result.boundary
            if result.usage is not None:
                self.input_tokens += result.usage.input_tokens
                self.output_tokens += result.usage.output_tokens
            if result.cost_usd is not None:
                self.cost_usd = (self.cost_usd or 0.0) + result.cost_usd
            if result.resets_at is not None:
                self.resets_at = result.resets_at
            if result.session_id:
                self.session_id = result.session_id
            return True
        if isinstance(ev, Parked | Resumed):
            self.parked = isinstance(ev, Parked)
            return True
        if isinstance(ev, RateLimited) and ev.status == "rejected":
            self.resets_at = ev.resets_at
            return False
        if isinstance(ev, SessionStarted) and ev.session_id and ev.session_id != self.session_id:
            self.session_id = ev.session_id
            return True
        if isinstance(ev, ApiRetry):
            self.last_retry = ev
        return isinstance(ev, StateChanged | ApiRetry)

    def why_not_live(self) -> str:
        """Why this member cannot take a turn, and what to do about it."""
        detail = f": {self.error}" if self.error else ""
        return (
            f"member {self.name!r} is {self.state.value}{detail}; "
            f"restart it with fleet.restart({self.name!r})"
        )

    def roster_fields(self) -> dict[str, Any]:
        """This member's changeable roster fields, as they are now."""
        return {
            "transport": self.transport,
            "cwd": self.cwd,
            "session_id": self.session_id,
            "state": "parked" if self.parked and self.live else self.state.value,
            "last_boundary": self.last_boundary.value if self.last_boundary else None,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost_usd,
            "error": self.error,
            "retry": self.retry,
            **self._remote_fields(),
        }

    def _remote_fields(self) -> dict[str, Any]:
        """Where a remote member's session is kept (its host's handle, the last seq)."""
        if self.host is None:
            return {}
        transport = self.session.transport if self.session is not None else None
        if transport is not None:
            self.handle = getattr(transport, "handle", self.handle)
            self.last_seq = getattr(transport, "last_seq", self.last_seq)
        return {"host": self.host, "handle": self.handle, "last_seq": self.last_seq}

    def info(self, waiting: int, handed_over: int = 0) -> MemberInfo:
        """A snapshot; ``waiting``: turns waiting for the ceiling; ``handed_over``: the
        fleet's running turn when it is still in the session's queue (not counted)."""
        session = self.session
        live = session is not None and not self.booting
        behind = session.queued if live and session is not None else 0
        return MemberInfo(
            name=self.name,
            profile=self.profile,
            transport=self.transport,
            cwd=self.cwd,
            state=self.state,
            session_id=self.session_id,
            queued=waiting + max(0, behind - handed_over),
            waiting=bool(live and session is not None and session.pending),
            last_boundary=self.last_boundary,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cost_usd=self.cost_usd,
            error=self.error,
            resets_at=self.resets_at,
            retry=self.retry,
            worktree=self.worktree,
            host=self.host,
        )


def with_worktree(record: RosterMember, ref: WorktreeRef | None) -> RosterMember:
    """``record`` with ``ref`` written into its worktree fields."""
    if ref is None:
        return record
    return dataclasses.replace(
        record, worktree=ref.path, branch=ref.branch, base=ref.base, repo=ref.repo
    )


def worktree_of(record: RosterMember) -> WorktreeRef | None:
    """The worktree a roster entry records (None for a member in a plain directory)."""
    if not (record.worktree and record.branch and record.base and record.repo):
        return None
    return WorktreeRef(record.repo, record.worktree, record.branch, record.base)


def _boundary(value: str | None) -> Boundary | None:
    try:
        return Boundary(value) if value else None
    except ValueError:
        return None


SessionFactory = Callable[[MemberSpec], Awaitable["Session"]]
"""Starts one member's session (tests pass one that uses a FakeTransport)."""


async def default_session_factory(spec: MemberSpec) -> Session:
    """A persisted, named session from the member's profile (resumed when it has an id).

    A member re-attached before its first turn has no transcript yet (Claude Code
    writes it with the first prompt): a forked one is forked again from its source under
    the same id, any other starts a fresh conversation.
    """
    from claude_coder.session import Session

    if spec.host is not None:
        return await _remote_session(spec)
    resume, fork, session_id = spec.resume, spec.fork, None
    if spec.reattach and resume is not None and not _has_transcript(resume, spec.cwd):
        if spec.fork_from is not None:
            _log.info("member %s has no transcript yet; forking it again", spec.name)
            resume, fork, session_id = spec.fork_from, True, spec.resume
        else:
            _log.info("member %s has no transcript yet; starting a new conversation", spec.name)
            resume = None
    return await Session.start(
        spec.profile,
        name=spec.name,
        cwd=spec.cwd,
        profiles=spec.profiles,
        resume=resume,
        fork=fork,
        persist=True,
        session_id=session_id,
    )


async def _remote_session(spec: MemberSpec) -> Session:
    """A remote member's session: re-attached by its handle while the host keeps it,
    else resumed by id on the host (its transcript is there)."""
    from claude_coder.errors import ClaudeCoderError

    if spec.reattach and spec.handle is not None:
        try:
            return await _start_remote(spec, spec.handle)
        except ClaudeCoderError as exc:
            _log.info("member %s: re-attach on %s failed: %s", spec.name, spec.host, exc)
    return await _start_remote(spec, None)


async def _start_remote(spec: MemberSpec, handle: str | None) -> Session:
    from claude_coder.session import Session
    from claude_coder.session._launch import launch_remote, resolve_profile

    prof = resolve_profile(spec.profile, spec.profiles)
    assert prof is not None and spec.host is not None
    transport, redactor, _ = launch_remote(
        prof, spec.host, name=spec.name, cwd=spec.cwd, resume=spec.resume, fork=spec.fork,
        persist=True,
    )  # fmt: skip
    if handle is not None:
        transport.handle, transport.last_seq = handle, spec.since
    return await Session.start(
        prof, name=spec.name, cwd=spec.cwd, transport=transport, redactor=redactor, persist=True
    )


def _has_transcript(session_id: str, cwd: str | None) -> bool:
    from claude_coder.catalog.paths import transcript_path

    return transcript_path(session_id, cwd or os.getcwd()).exists()
