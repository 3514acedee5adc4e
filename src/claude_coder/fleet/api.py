"""The public Fleet: add members, send them turns under the ceiling, watch one stream.

See ``docs/fleet.md``::

    async with Fleet.open(roster="fleet.json", max_busy=4) as fleet:
        await fleet.add("agent1", profile="claude-code-expert", cwd="repo")
        handle = fleet.submit("agent1", "fix the failing test")  # -> FleetTurn
        result = await fleet.send("agent1", "now run the suite")  # -> TurnResult
        async for envelope in fleet.events(): ...  # every member's events, by name
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_coder.errors import FleetError, SessionError
from claude_coder.events import TurnResult
from claude_coder.fleet.hub import FleetSubscription
from claude_coder.fleet.manager import FleetCore, SessionFactory, absolute_cwd
from claude_coder.fleet.member import Member, MemberInfo
from claude_coder.fleet.pacing import BootPacer
from claude_coder.fleet.reaper import ChildReaper
from claude_coder.fleet.roster import Roster
from claude_coder.fleet.rosterfile import MemberExistsError, RosterMember, validate_member_name
from claude_coder.fleet.turns import FleetTurn

if TYPE_CHECKING:
    from claude_coder.profiles import ProfileSet
    from claude_coder.session import Session

__all__ = ["Fleet"]


class Fleet(FleetCore):
    """Named sessions under a ceiling. Use :meth:`open` (or :meth:`start` + :meth:`shutdown`)."""

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
        where = absolute_cwd(cwd)
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
        return [self._info(m) for m in self._members.values()]

    def member(self, name: str) -> MemberInfo:
        return self._info(self._member(name))

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
