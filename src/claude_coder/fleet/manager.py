"""The Fleet: named sessions side by side under a ceiling, one merged stream, a roster.

One manager owns every member's session. At most ``max_busy`` members run a turn at
once; further turns wait in submission order (their members show ``queued``). Members
boot through a :class:`~claude_coder.fleet.pacing.BootPacer` (spaced, a few at once)
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
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_coder.errors import (
    FleetError,
    MemberNotFoundError,
    SessionClosedError,
    SessionError,
)
from claude_coder.events import Envelope, SessionState, StateChanged, TurnResult, now
from claude_coder.fleet.hub import FleetSubscription, Hub
from claude_coder.fleet.member import Member, MemberInfo, MemberSpec
from claude_coder.fleet.pacing import BootPacer
from claude_coder.fleet.persist import RosterSync
from claude_coder.fleet.reaper import ChildReaper
from claude_coder.fleet.roster import Roster
from claude_coder.fleet.rosterfile import MemberExistsError, RosterMember, validate_member_name
from claude_coder.fleet.turns import Ceiling, FleetTurn

if TYPE_CHECKING:
    from claude_coder.profiles import ProfileSet
    from claude_coder.session import Session

__all__ = ["Fleet", "SessionFactory", "default_session_factory"]

_log = logging.getLogger(__name__)

SessionFactory = Callable[[MemberSpec], Awaitable["Session"]]
"""Starts one member's session (tests pass one that uses a FakeTransport)."""


async def default_session_factory(spec: MemberSpec) -> Session:
    """A persisted, named session from the member's profile (resumed when it has an id)."""
    from claude_coder.session import Session

    return await Session.start(
        spec.profile,
        name=spec.name,
        cwd=spec.cwd,
        profiles=spec.profiles,
        resume=spec.resume,
        fork=spec.fork,
        persist=True,
    )


class Fleet:
    """Named sessions under a ceiling. Use :meth:`open` (or :meth:`start` + :meth:`shutdown`)."""

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
    ) -> None:
        self.profiles = profiles
        self.close_timeout = close_timeout
        self._roster = roster
        self._sync = RosterSync(roster)
        self._pacer = pacer or BootPacer()
        self._factory = session_factory or default_session_factory
        self._hub = Hub()
        self._members: dict[str, Member] = {}
        self._boots: dict[str, asyncio.Task[None]] = {}
        self._ceiling = Ceiling(max_busy, self._members)
        self._closing = False
        self._shutdown_task: asyncio.Task[None] | None = None
        self._reaper = reaper

    # -- opening and closing -----------------------------------------------------------

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls, roster: str | os.PathLike[str] | Roster | None = None, **kwargs: Any
    ) -> AsyncIterator[Fleet]:
        """``async with Fleet.open(roster, max_busy=4) as fleet``; see :meth:`start`."""
        fleet = await cls.start(roster, **kwargs)
        try:
            yield fleet
        finally:
            await fleet.shutdown()

    @classmethod
    async def start(
        cls,
        roster: str | os.PathLike[str] | Roster | None = None,
        *,
        max_busy: int = 4,
        profiles: ProfileSet | str | Path | None = None,
        boot_spacing: float = 0.5,
        boot_jitter: float | None = None,
        boot_concurrency: int = 2,
        session_factory: SessionFactory | None = None,
        lock_timeout: float = 0.0,
        close_timeout: float = 30.0,
        reap_children: bool = True,
    ) -> Fleet:
        """Lock the roster (default: the user state dir's ``fleet.json``) and re-attach.

        Every roster member starts booting in the background (spaced) by resuming its
        session id; :meth:`wait_ready` waits for them. Raises
        :class:`~claude_coder.errors.RosterLockedError` when another process has the
        roster open, :class:`~claude_coder.errors.RosterCorruptError` (naming the
        backup) when it could not be read. With ``reap_children`` (default), a watchdog
        process stops the members' Claude Code if this process dies without closing.
        """
        if isinstance(roster, Roster):
            opened = roster
            opened.autosave = False
        else:
            opened = await asyncio.to_thread(
                Roster.open, roster, timeout=lock_timeout, autosave=False
            )
        reaper = await asyncio.to_thread(ChildReaper.start) if reap_children else None
        pacer = BootPacer(boot_spacing, jitter=boot_jitter, concurrency=boot_concurrency)
        fleet = cls(
            opened,
            max_busy=max_busy,
            profiles=profiles,
            pacer=pacer,
            session_factory=session_factory,
            close_timeout=close_timeout,
            reaper=reaper,
        )
        fleet._sync.start()
        for record in opened.members():
            member = Member(record)
            fleet._members[member.name] = member
            fleet._spawn_boot(member, resume=member.session_id)
        return fleet

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

    def __repr__(self) -> str:
        c = self._ceiling
        return (
            f"<Fleet {str(self._roster.path)!r} members={len(self._members)} "
            f"busy={c.busy}/{c.max_busy} queued={c.waiting}>"
        )

    async def wait_ready(self) -> None:
        """Wait until no member is booting (each ends idle or in error)."""
        while self._boots:
            await asyncio.gather(*self._boots.values(), return_exceptions=True)

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
        await asyncio.gather(*boots, return_exceptions=True)
        sessions = [m.session for m in self._members.values() if m.session is not None]
        try:
            async with asyncio.timeout(self.close_timeout):
                await asyncio.gather(*(s.close("fleet closed") for s in sessions))
        except TimeoutError:
            _log.warning("some fleet members did not close within %gs", self.close_timeout)
        await self._ceiling.drain()
        for m in self._members.values():
            if m.unsubscribe is not None:
                m.unsubscribe()
            self._update_roster(m)
        await self._sync.stop()
        if self._reaper is not None:
            await asyncio.to_thread(self._reaper.close)
        self._hub.close()

    # -- members -----------------------------------------------------------------------

    async def add(
        self,
        name: str,
        profile: str = "claude-code-expert",
        cwd: str | os.PathLike[str] | None = None,
        *,
        resume: str | None = None,
        fork_from: str | None = None,
    ) -> MemberInfo:
        """Add a member and start its persisted, named session (``name`` is its catalog name).

        ``resume`` continues an existing session (name or id); ``fork_from`` starts a
        new one from a copy of it. Returns once the member is idle; if it cannot start,
        it is not kept and the error is raised.
        """
        self._check_open()
        validate_member_name(name)
        if name in self._members:
            raise MemberExistsError(name)
        if resume is not None and fork_from is not None:
            raise FleetError("give resume or fork_from, not both")
        where = _absolute(cwd)
        member = Member(RosterMember(name, profile, self._profile_transport(profile), where))
        self._members[name] = member
        self._roster.add(RosterMember(name, profile, member.transport, where, state="starting"))
        await self._sync.flush()
        try:
            await self._boot(member, resume=resume or fork_from, fork=fork_from is not None)
        except BaseException:
            if self._members.get(name) is member:
                await self._forget(member)
            raise
        await self._sync.flush()  # the session id is on disk before add() returns
        return self.member(name)

    async def close(self, name: str) -> None:
        """Close a member's session and remove it from the fleet and the roster.

        Its waiting turns are cancelled; its transcript stays in the catalog.
        """
        member = self._member(name)
        self._ceiling.drop_waiting(name)
        boot = self._boots.get(name)
        if boot is not None:
            boot.cancel()
            await asyncio.gather(boot, return_exceptions=True)
        await self._stop_session(member, "closed by the fleet")
        await self._forget(member)

    async def restart(self, name: str) -> MemberInfo:
        """Start a member again (after an error, say), resuming its conversation."""
        self._check_open()
        member = self._member(name)
        if member.booting:
            raise FleetError(f"member {name!r} is already starting")
        await self._stop_session(member, "restarting")
        await self._boot(member, resume=member.session_id)
        return self.member(name)

    def members(self) -> list[MemberInfo]:
        """Every member, in the order they were added."""
        return [m.info(self._ceiling.waiting_for(m.name)) for m in self._members.values()]

    def member(self, name: str) -> MemberInfo:
        return self._member(name).info(self._ceiling.waiting_for(name))

    def session(self, name: str) -> Session:
        """The member's live Session (turns sent to it directly bypass the ceiling)."""
        member = self._member(name)
        if member.session is None or member.booting:
            raise SessionError(f"member {name!r} has no running session ({member.state.value})")
        return member.session

    def events(self, maxsize: int = 1000) -> FleetSubscription:
        """Every member's envelopes (tagged with its name), from now on, until the fleet closes.

        Bounded: a subscriber that falls ``maxsize`` behind loses the oldest envelopes
        and then reads one ``StreamGap(dropped=n)``; members never wait for it.
        """
        return self._hub.subscribe(maxsize)

    # -- turns -------------------------------------------------------------------------

    def submit(self, name: str, text: str) -> FleetTurn:
        """Queue a turn for ``name``; it runs when the member and a ceiling slot are free."""
        self._check_open()
        member = self._member(name)
        if not member.booting and not member.live:
            raise SessionError(member.why_not_live())
        if not isinstance(text, str) or not text.strip():
            raise SessionError("a turn needs some text to send")
        return self._ceiling.submit(name, text)

    async def send(self, name: str, text: str) -> TurnResult:
        """Run one turn on ``name`` (under the ceiling) and return its result."""
        turn = self.submit(name, text)
        try:
            return await turn
        except asyncio.CancelledError:
            turn.cancel()
            raise

    async def interrupt(self, name: str, drain: bool = False) -> TurnResult | None:
        """Interrupt the member's running turn; ``drain`` also drops its waiting turns."""
        member = self._member(name)
        if drain:
            self._ceiling.drop_waiting(name)
        if member.session is None or member.booting:
            return None
        return await member.session.interrupt(drain=drain)

    async def decide(
        self,
        name: str,
        request_id: str,
        allow: bool,
        always: bool = False,
        message: str | None = None,
    ) -> None:
        """Answer a member's pending permission request."""
        await self.session(name).decide(request_id, allow, always=always, message=message)

    async def answer(self, name: str, request_id: str, answers: Mapping[str, str] | None) -> None:
        """Answer (or, with None, decline) a member's pending question."""
        await self.session(name).answer(request_id, answers)

    # -- booting and watching members -------------------------------------------------

    def _spawn_boot(self, member: Member, *, resume: str | None) -> None:
        async def boot() -> None:
            with contextlib.suppress(Exception):
                await self._boot(member, resume=resume)

        member.booting = True  # shows "starting" at once, before the boot gets its slot
        task = asyncio.get_running_loop().create_task(boot(), name=f"fleet-boot-{member.name}")
        self._boots[member.name] = task
        task.add_done_callback(lambda t: self._boots.pop(member.name, None))

    async def _boot(self, member: Member, *, resume: str | None, fork: bool = False) -> None:
        old = member.state
        member.booting, member.boot_error = True, None
        self._publish_state(member, old, SessionState.STARTING)
        spec = MemberSpec(member.name, member.profile, member.cwd, resume, fork, self.profiles)
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
        if member.cwd is None and session.cwd:
            member.cwd = os.path.abspath(session.cwd)
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
        if changed:
            self._update_roster(member)
        if isinstance(env.event, StateChanged):
            self._ceiling.kick()

    def _publish_state(self, member: Member, old: SessionState, new: SessionState) -> None:
        self._update_roster(member)
        if old is not new:
            event = StateChanged(old, new)
            self._hub.publish(Envelope(member.name, member.session_id, 0, now(), event))

    def _update_roster(self, member: Member) -> None:
        if member.name not in self._roster:
            return
        with contextlib.suppress(MemberNotFoundError, FleetError):
            self._roster.update(member.name, **member.roster_fields())
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
        with contextlib.suppress(MemberNotFoundError):
            self._roster.remove(member.name)
        await self._sync.flush()
        self._ceiling.kick()

    # -- small helpers -----------------------------------------------------------------

    def _member(self, name: str) -> Member:
        try:
            return self._members[name]
        except KeyError:
            known = ", ".join(self._members) or "none"
            raise MemberNotFoundError(
                f"no fleet member named {name!r} (members: {known})"
            ) from None

    def _check_open(self) -> None:
        if self._closing:
            raise FleetError("the fleet is closed")

    def _profile_transport(self, profile: str) -> str:
        from claude_coder.session_launch import resolve_profile

        needed = self._factory is default_session_factory
        prof = resolve_profile(profile, self.profiles, needed=needed)
        return str(prof.transport) if prof is not None else "sdk"


def _absolute(cwd: str | os.PathLike[str] | None) -> str | None:
    return os.path.abspath(os.path.expanduser(os.fspath(cwd))) if cwd is not None else None


def _child_pid(session: Session) -> int | None:
    """The pid of the session's Claude Code child, when its transport has one."""
    pid = getattr(session.transport, "pid", None)
    return pid if isinstance(pid, int) else None
