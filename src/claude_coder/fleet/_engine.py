"""The fleet's machinery: members' sessions, boots, the merged stream, the roster.

:class:`FleetEngine` is what the public :class:`~claude_coder.fleet._fleet.Fleet` holds
and forwards to. One engine owns every member's session; its tasks (boots, turns, the
roster writer) belong to one TaskGroup (a ``TaskOwner``). At most ``max_busy`` members
run a turn at once; further turns wait in submission order (their members show ``queued``). Members
boot through a :class:`~claude_coder.fleet._pacing.BootPacer` (spaced, a few at once)
so members sharing one login do not race its refresh token. Every member's envelopes
reach every subscriber of :meth:`Fleet.events` (bounded queues, drop-oldest with a
``StreamGap``). The roster file is rewritten atomically on every change and stays
locked while the fleet is open; opening a fleet re-attaches each roster member by
resuming its session id. A member's crash, stall or refusal changes only that member.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from claude_coder.errors import (
    FleetError,
    MemberExistsError,
    MemberNotFoundError,
    SessionClosedError,
    SessionError,
)
from claude_coder.events import (
    Envelope,
    Event,
    SaveFailed,
    SessionState,
    StateChanged,
    TurnResult,
    now,
)
from claude_coder.fleet._ceiling import Ceiling
from claude_coder.fleet._hub import Hub
from claude_coder.fleet._member import (
    Member,
    MemberInfo,
    MemberSpec,
    SessionFactory,
    default_session_factory,
    with_worktree,
)
from claude_coder.fleet._pacing import BootPacer
from claude_coder.fleet._reaper import ChildReaper
from claude_coder.fleet.limits import FleetLimits, LimitOptions, login_of
from claude_coder.fleet.roster import Roster
from claude_coder.fleet.roster._file import RosterMember, validate_member_name
from claude_coder.fleet.roster._writer import RosterSync
from claude_coder.fleet.worktrees import WorktreeRef
from claude_coder.session._tasks import TaskOwner

if TYPE_CHECKING:
    from claude_coder.fleet._ceiling import FleetTurn
    from claude_coder.fleet._hub import FleetSubscription
    from claude_coder.profiles import ProfileSet
    from claude_coder.session import Session

__all__ = ["FleetEngine", "SessionFactory", "absolute_cwd", "default_session_factory"]

_log = logging.getLogger(__name__)


class FleetEngine:
    """The fleet's machinery: members, boots, the merged stream, roster bookkeeping.

    The public :class:`~claude_coder.fleet._fleet.Fleet` holds one and forwards to it.
    """

    def __init__(
        self,
        roster: Roster,
        *,
        max_busy: int = 4,
        profiles: ProfileSet | str | Path | None = None,
        pacer: BootPacer | None = None,
        session_factory: SessionFactory | None = None,
        close_timeout: float = 30.0,
        reaper: ChildReaper | None = None,
        limits: LimitOptions | None = None,
    ) -> None:
        self.profiles = profiles
        self.close_timeout = close_timeout
        self._roster = roster
        self._sync = RosterSync(roster, self._roster_not_saved)
        self._pacer = pacer or BootPacer()
        self._factory = session_factory or default_session_factory
        self._hub = Hub()
        self._tasks = TaskOwner("fleet")
        self._members: dict[str, Member] = {}
        self._boots: dict[str, asyncio.Task[None]] = {}
        self._ceiling = Ceiling(max_busy, self._members, self._tasks.spawn, self._gate)
        self._limits = FleetLimits(
            self._publish, self._tasks.spawn, self._ceiling.kick, limits, self._pacer
        )
        self._closing = False
        self._shutdown_task: asyncio.Task[None] | None = None
        self._reaper = reaper

    @property
    def roster_path(self) -> Path:
        return self._roster.path

    @property
    def closed(self) -> bool:
        return self._closing

    @property
    def max_busy(self) -> int:
        """At most this many members run a turn at once."""
        return self._ceiling.max_busy

    @property
    def busy(self) -> int:
        """Members running a fleet turn right now."""
        return self._ceiling.busy

    @property
    def peak_busy(self) -> int:
        """The most members that ever ran a turn at once (never above ``max_busy``)."""
        return self._ceiling.peak

    @property
    def watchdog_pid(self) -> int | None:
        """The pid of the process that stops members' children if this one dies."""
        return self._reaper.pid if self._reaper is not None else None

    def __repr__(self) -> str:
        c = self._ceiling
        return (
            f"<Fleet {str(self._roster.path)!r} members={len(self._members)} "
            f"busy={c.busy}/{c.max_busy} queued={c.waiting}>"
        )

    async def start(self) -> None:
        """Open the task group, start the roster writer, boot every roster member."""
        await self._tasks.start()
        self._sync.start(self._tasks.spawn)
        for record in self._roster.members():
            member = Member(record)
            self._members[member.name] = member
            self._profile_transport(member.profile, member.name, member.host)
            self._spawn_boot(member, resume=member.session_id)

    async def wait_ready(self) -> None:
        """Wait until no member is booting (each ends idle or in error; boot errors are
        logged by the boot and shown in the member's state)."""
        while self._boots:
            await asyncio.wait(set(self._boots.values()))

    # -- membership ----------------------------------------------------------------------

    def check_new(self, name: str) -> None:
        """Raise unless ``name`` can be added now."""
        self._check_open()
        validate_member_name(name)
        if name in self._members:
            raise MemberExistsError(name)

    async def add(
        self,
        name: str,
        profile: str,
        cwd: str | None,
        resume: str | None,
        fork: bool,
        worktree: WorktreeRef | None = None,
        host: str | None = None,
    ) -> MemberInfo:
        self.check_new(name)
        source = resume if fork else None
        transport = self._profile_transport(profile, name, host)
        record = with_worktree(
            RosterMember(name, profile, transport, cwd, fork_from=source, host=host), worktree
        )
        member = Member(record)
        self._members[name] = member
        self._roster.add(dataclasses.replace(record, state="starting"))
        await self._sync.flush()
        try:
            await self._boot(member, resume=resume, fork=fork)
        except BaseException:
            if self._members.get(name) is member:
                await self._forget(member)
            raise
        await self._sync.flush()  # the session id is on disk before add() returns
        return self.info(name)

    async def remove(self, name: str) -> WorktreeRef | None:
        """Close and forget the member; returns its worktree (left as it is)."""
        member = self._member(name)
        self._ceiling.drop_waiting(name)
        boot = self._boots.get(name)
        if boot is not None:
            boot.cancel()
            await asyncio.wait({boot})
        await self._stop_session(member, "closed by the fleet")
        await self._forget(member)
        return member.worktree

    async def restart(self, name: str) -> MemberInfo:
        self._check_open()
        member = self._member(name)
        if member.booting:
            raise FleetError(f"member {name!r} is already starting")
        await self._stop_session(member, "restarting")
        await self._boot(member, resume=member.session_id)
        return self.info(name)

    def members(self) -> list[MemberInfo]:
        return [self._info(m) for m in self._members.values()]

    def info(self, name: str) -> MemberInfo:
        return self._info(self._member(name))

    def session(self, name: str) -> Session:
        member = self._member(name)
        if member.session is None or member.booting:
            raise SessionError(f"member {name!r} has no running session ({member.state.value})")
        return member.session

    # -- turns and the stream -------------------------------------------------------------

    def events(self, maxsize: int) -> FleetSubscription:
        return self._hub.subscribe(maxsize)

    def submit(self, name: str, text: str) -> FleetTurn:
        self._check_open()
        member = self._member(name)
        if not member.booting and not member.live:
            raise SessionError(member.why_not_live())
        if not isinstance(text, str) or not text.strip():
            raise SessionError("a turn needs some text to send")
        return self._ceiling.submit(name, text)

    async def interrupt(self, name: str, drain: bool) -> TurnResult | None:
        member = self._member(name)
        if drain:
            self._ceiling.drop_waiting(name)
        if member.session is None or member.booting:
            return None
        return await member.session.interrupt(drain=drain)

    # -- shutdown ------------------------------------------------------------------------

    async def shutdown(self) -> None:
        """Close every member's session and release the roster (members stay in it).

        Shielded and bounded: waiting turns fail with ``SessionClosedError``.
        """
        if self._shutdown_task is None:
            self._closing = True
            self._shutdown_task = asyncio.get_running_loop().create_task(self._shutdown())
        await asyncio.shield(self._shutdown_task)

    async def _shutdown(self) -> None:
        self._ceiling.close()
        boots = list(self._boots.values())
        for task in boots:
            task.cancel()
        if boots:
            await asyncio.wait(boots)
        sessions = [m.session for m in self._members.values() if m.session is not None]
        try:
            async with asyncio.timeout(self.close_timeout):
                await asyncio.gather(*(s.close("fleet closed") for s in sessions))
        except TimeoutError:
            _log.warning("some fleet members did not close within %gs", self.close_timeout)
        await self._ceiling.settle(grace=5.0)  # running turns end as their sessions close
        await self._tasks.aclose()
        for m in self._members.values():
            if m.unsubscribe is not None:
                m.unsubscribe()
            self._update_roster(m)
        lost: OSError | None = None
        try:
            await self._sync.stop()
        except OSError as exc:
            lost = exc
            self._roster_not_saved(exc.strerror or str(exc))
        if self._reaper is not None:
            await asyncio.to_thread(self._reaper.close)
        self._hub.close()
        if lost is not None:
            raise FleetError(
                f"the fleet closed, but its roster {self._roster.path} could not be written "
                f"a last time ({lost.strerror or lost}); it shows the states from before"
            ) from lost

    def _spawn_boot(self, member: Member, *, resume: str | None) -> None:
        async def boot() -> None:
            try:
                await self._boot(member, resume=resume)
            except Exception as exc:  # shown as the member's error state and boot_error
                _log.warning("member %s could not start: %s", member.name, exc)

        member.booting = True  # shows "starting" at once, before the boot gets its slot
        task = self._tasks.spawn(boot(), name=f"fleet-boot-{member.name}")
        self._boots[member.name] = task
        task.add_done_callback(lambda t: self._boots.pop(member.name, None))

    async def _boot(self, member: Member, *, resume: str | None, fork: bool = False) -> None:
        old = member.state
        member.booting, member.boot_error = True, None
        self._publish_state(member, old, SessionState.STARTING)
        own = resume is not None and resume == member.session_id and not fork
        spec = MemberSpec(
            member.name,
            member.profile,
            member.cwd,
            resume,
            fork,
            self.profiles,
            reattach=own,
            fork_from=member.fork_from,
            host=member.host,
            handle=member.handle if own else None,
            since=member.last_seq,
        )
        try:
            async with self._pacer.slot():
                self._check_open()
                session = await self._factory(spec)
        except BaseException as exc:
            member.booting = False
            member.boot_error = str(exc) or type(exc).__name__
            self._publish_state(member, SessionState.STARTING, SessionState.ERROR)
            self._ceiling.kick()
            raise
        if self._closing or self._members.get(member.name) is not member:
            await session.close("the fleet closed while it started")
            member.booting = False
            raise SessionClosedError(f"member {member.name!r} was closed while starting")
        self._attach(member, session)

    def _attach(self, member: Member, session: Session) -> None:
        member.session = session
        member.booting = False
        member.session_id = session.session_id or member.session_id
        member.transport = getattr(session, "transport_name", member.transport)
        if session.cwd and (member.cwd is None or member.host is not None):
            member.cwd = session.cwd if member.host else os.path.abspath(session.cwd)
        member.unsubscribe = session.subscribe(lambda env: self._on_envelope(member, env))
        if self._reaper is not None:
            self._reaper.watch(_child_pid(session))
        self._publish_state(member, SessionState.STARTING, session.state)
        self._ceiling.kick()

    def _on_envelope(self, member: Member, env: Envelope) -> None:
        if env.name != member.name:
            env = dataclasses.replace(env, name=member.name)
        changed = member.observe(env)
        self._hub.publish(env)
        self._limits.observe(member.name, env.event)
        if changed:
            self._update_roster(member)
        if isinstance(env.event, StateChanged):
            self._ceiling.kick()

    def _roster_not_saved(self, reason: str) -> None:
        """A roster write failed: every subscriber (the TUI) hears it, not only the log."""
        event = SaveFailed("roster", str(self._roster.path), reason)
        self._hub.publish(Envelope(None, None, 0, now(), event))

    def _publish_state(self, member: Member, old: SessionState, new: SessionState) -> None:
        self._update_roster(member)
        if old is not new:
            self._publish(member.name, StateChanged(old, new))

    def _publish(self, name: str, event: Event) -> None:  # the fleet's own member events
        if (member := self._members.get(name)) is not None:
            self._on_envelope(member, Envelope(name, member.session_id, 0, now(), event))

    def _gate(self, name: str) -> TurnResult | bool:  # the ceiling asks: spend caps, parks
        return self._limits.gate(name, {m.name: m.cost_usd or 0 for m in self._members.values()})

    def _update_roster(self, member: Member) -> None:
        if member.name not in self._roster:
            return
        try:
            self._roster.update(member.name, **member.roster_fields())
        except FleetError as exc:
            _log.warning("could not record member %s in the roster: %s", member.name, exc)
            return
        self._sync.mark()

    async def _stop_session(self, member: Member, reason: str) -> None:
        session = member.session
        if session is None:
            return
        try:
            await session.close(reason)
        finally:
            if self._reaper is not None:
                self._reaper.forget(_child_pid(session))
            if member.unsubscribe is not None:
                member.unsubscribe()
                member.unsubscribe = None
            member.session = None

    async def _forget(self, member: Member) -> None:
        self._members.pop(member.name, None)
        self._limits.forget(member.name)
        with contextlib.suppress(MemberNotFoundError):
            self._roster.remove(member.name)
        await self._sync.flush()
        self._ceiling.kick()

    def _member(self, name: str) -> Member:
        try:
            return self._members[name]
        except KeyError:
            known = ", ".join(self._members) or "none"
            raise MemberNotFoundError(
                f"no fleet member named {name!r} (members: {known})"
            ) from None

    def _info(self, member: Member) -> MemberInfo:
        name = member.name
        info = member.info(self._ceiling.waiting_for(name), self._ceiling.handed_over(name))
        return self._limits.decorate(info)

    def _check_open(self) -> None:
        if self._closing:
            raise FleetError("the fleet is closed")

    def _profile_transport(self, profile: str, name: str, host: str | None = None) -> str:
        """The profile's transport; binds ``name`` to the profile's login for limits (a
        remote member's login is its host's)."""
        from claude_coder.session._launch import resolve_profile

        needed = self._factory is default_session_factory
        prof = resolve_profile(profile, self.profiles, needed=needed)
        resume = prof.resume_after_limit if prof is not None else None
        login = login_of(prof) if host is None else f"{host}:{login_of(prof)}"
        self._limits.bind(name, login, resume)
        return str(prof.transport) if prof is not None else "sdk"


def absolute_cwd(cwd: str | os.PathLike[str] | None) -> str | None:
    return os.path.abspath(os.path.expanduser(os.fspath(cwd))) if cwd is not None else None


def _child_pid(session: Session) -> int | None:
    """The pid of the session's Claude Code child, when its transport has one."""
    pid = getattr(session.transport, "pid", None)
    return pid if isinstance(pid, int) else None
