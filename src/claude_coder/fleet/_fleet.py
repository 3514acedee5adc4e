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
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from claude_coder.errors import ConfigError, FleetError
from claude_coder.events import TurnResult
from claude_coder.fleet._ceiling import FleetTurn
from claude_coder.fleet._engine import FleetEngine, SessionFactory, absolute_cwd
from claude_coder.fleet._hub import FleetSubscription
from claude_coder.fleet._member import MemberInfo
from claude_coder.fleet._pacing import BootPacer
from claude_coder.fleet._reaper import ChildReaper
from claude_coder.fleet.limits import LimitOptions
from claude_coder.fleet.roster import Roster
from claude_coder.fleet.worktrees import (
    WorktreeRef,
    create_worktree,
    discard_new_worktree,
    remove_if_merged,
)
from claude_coder.session._launch import resolve_profile
from claude_coder.session._open import Opener

if TYPE_CHECKING:
    from claude_coder.profiles import ProfileSet
    from claude_coder.session import Session

__all__ = ["Fleet"]


class Fleet:
    """Named sessions under a ceiling. Use :meth:`open` (or :meth:`start` + :meth:`shutdown`)."""

    def __init__(self, engine: FleetEngine) -> None:
        """Not for callers: ``Fleet.open`` and :meth:`start` build and start a fleet."""
        self._engine = engine

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
        resume_after_limit: bool = True,
        budget_usd: float | None = None,
        member_budget_usd: float | None = None,
    ) -> Fleet:
        """Lock the roster (default: the user state dir's ``fleet.json``) and re-attach.

        Every roster member starts booting in the background (spaced) by resuming its
        session id; :meth:`wait_ready` waits for them. Raises
        :class:`~claude_coder.errors.RosterLockedError` when another process has the
        roster open, :class:`~claude_coder.errors.RosterCorruptError` (naming the
        backup) when it could not be read. With ``reap_children`` (default), a watchdog
        process stops the members' Claude Code if this process dies without closing.

        Limits: members on one login park together at its usage limit and resume after
        the reset (``resume_after_limit=False``: their waiting turns end ``limit``).
        Spend: once the members' total reaches ``budget_usd`` (or one member's spend
        ``member_budget_usd``) no new turn starts; each refused turn ends ``limit`` with
        ``reason`` ``fleet_budget`` (``member_budget``) and says why in ``error``.
        """
        limits = LimitOptions(resume_after_limit, budget_usd, member_budget_usd)
        if isinstance(roster, Roster):
            opened = roster
            opened.autosave = False
        else:
            opened = await asyncio.to_thread(
                Roster.open, roster, timeout=lock_timeout, autosave=False
            )
        reaper = await asyncio.to_thread(ChildReaper.start) if reap_children else None
        pacer = BootPacer(boot_spacing, jitter=boot_jitter, concurrency=boot_concurrency)
        engine = FleetEngine(
            opened,
            max_busy=max_busy,
            profiles=profiles,
            pacer=pacer,
            session_factory=session_factory,
            close_timeout=close_timeout,
            reaper=reaper,
            limits=limits,
        )
        await engine.start()
        return cls(engine)

    # -- what a caller sees ----------------------------------------------------------

    @property
    def roster_path(self) -> Path:
        return self._engine.roster_path

    @property
    def closed(self) -> bool:
        return self._engine.closed

    @property
    def max_busy(self) -> int:
        """At most this many members run a turn at once."""
        return self._engine.max_busy

    @property
    def busy(self) -> int:
        """Members running a fleet turn right now."""
        return self._engine.busy

    @property
    def peak_busy(self) -> int:
        """The most members that ever ran a turn at once (never above ``max_busy``)."""
        return self._engine.peak_busy

    @property
    def watchdog_pid(self) -> int | None:
        """The pid of the process that stops members' children if this one dies."""
        return self._engine.watchdog_pid

    @property
    def profiles(self) -> ProfileSet | str | Path | None:
        return self._engine.profiles

    def __repr__(self) -> str:
        return repr(self._engine)

    async def wait_ready(self) -> None:
        """Wait until no member is booting (each ends idle or in error)."""
        await self._engine.wait_ready()

    async def shutdown(self) -> None:
        """Close every member's session and release the roster (members stay in it).

        Shielded and bounded: waiting turns fail with ``SessionClosedError``.
        """
        await self._engine.shutdown()

    # -- members -----------------------------------------------------------------------

    async def add(
        self,
        name: str,
        profile: str = "claude-code-expert",
        cwd: str | os.PathLike[str] | None = None,
        *,
        resume: str | None = None,
        fork_from: str | None = None,
        worktree: bool | str | None = None,
        base: str | None = None,
        on_output: Callable[[str], None] | None = None,
        host: str | None = None,
    ) -> MemberInfo:
        """Add a member and start its persisted, named session (``name`` is its catalog name).

        ``resume`` continues an existing session (name or id); ``fork_from`` starts a
        new one from a copy of it. ``worktree`` (True, or a worktree name; default: the
        profile's ``worktree`` key) gives the member its own git worktree of the
        repository at ``cwd``, made from ``base`` (default: the branch checked out
        there) on branch ``worktree-<name>``; the profile's ``worktreeSetup`` runs in
        it once, its output passed to ``on_output`` line by line (see
        ``docs/worktrees.md``). ``host`` (default: the profile's ``host``) runs the
        member's Claude Code on that ssh destination, in ``cwd`` there (default: the host
        user's home; see ``docs/remote.md``); a worktree there is refused for now.
        Returns once the member is idle; if it cannot start, it is not kept (nor is a
        worktree made for it) and the error is raised.
        """
        if resume is not None and fork_from is not None:
            raise FleetError("give resume or fork_from, not both")
        self._engine.check_new(name)
        host = self._host_of(profile, host)
        where = absolute_cwd(cwd) if host is None else (os.fspath(cwd) if cwd else None)
        ref = await self._make_worktree(name, profile, where, worktree, base, on_output, host)
        try:
            return await self._engine.add(
                name,
                profile,
                ref.path if ref else where,
                resume or fork_from,
                fork=fork_from is not None,
                worktree=ref,
                host=host,
            )
        except BaseException:
            if ref is not None:
                await asyncio.to_thread(discard_new_worktree, ref)
            raise

    async def _make_worktree(
        self,
        name: str,
        profile: str,
        cwd: str | None,
        worktree: bool | str | None,
        base: str | None,
        on_output: Callable[[str], None] | None,
        host: str | None = None,
    ) -> WorktreeRef | None:
        prof = resolve_profile(profile, self._engine.profiles, needed=False)
        wanted = worktree if worktree is not None else (prof.worktree if prof else False)
        if not wanted:
            return None
        if host is not None:
            raise ConfigError(
                f"a worktree on host {host!r} is not supported yet: make it on the host and "
                "give it as cwd (and drop worktree, or the profile's worktree key)"
            )
        label = wanted if isinstance(wanted, str) else name
        setup = prof.worktree_setup if prof else None
        return await asyncio.to_thread(
            create_worktree, cwd or os.getcwd(), label, base=base, setup=setup, echo=on_output
        )

    def _host_of(self, profile: str, host: str | None) -> str | None:
        if host is not None:
            from claude_coder.profiles.model import Host
            from claude_coder.session._launch import checked_host

            return checked_host(host, Host)
        prof = resolve_profile(profile, self._engine.profiles, needed=False)
        return prof.host if prof is not None else None

    async def close(self, name: str, *, worktree: Literal["keep", "remove"] = "keep") -> str | None:
        """Close a member's session and remove it from the fleet and the roster.

        Its waiting turns are cancelled; its transcript stays in the catalog. Its
        worktree is kept, or with ``worktree="remove"`` removed when that loses nothing
        (merged and clean); returns what happened to the worktree (None: it had none).
        """
        ref = await self._engine.remove(name)
        if ref is None:
            return None
        if worktree == "remove":
            return await asyncio.to_thread(remove_if_merged, ref)
        return f"kept the worktree {ref.path} (branch {ref.branch})"

    async def restart(self, name: str) -> MemberInfo:
        """Start a member again (after an error, say), resuming its conversation."""
        return await self._engine.restart(name)

    def members(self) -> list[MemberInfo]:
        """Every member, in the order they were added."""
        return self._engine.members()

    def member(self, name: str) -> MemberInfo:
        return self._engine.info(name)

    def session(self, name: str) -> Session:
        """The member's live Session (turns sent to it directly bypass the ceiling)."""
        return self._engine.session(name)

    # -- turns and events --------------------------------------------------------------

    def events(self, maxsize: int = 1000) -> FleetSubscription:
        """Every member's envelopes (tagged with its name), from now on, until the fleet closes.

        Bounded: a subscriber that falls ``maxsize`` behind loses the oldest envelopes
        and then reads one ``StreamGap(dropped=n)``; members never wait for it. Use it
        as ``async with fleet.events() as sub``: leaving the block unregisters it.
        """
        return self._engine.events(maxsize)

    def submit(self, name: str, text: str) -> FleetTurn:
        """Queue a turn for ``name``; it runs when the member and a ceiling slot are free."""
        return self._engine.submit(name, text)

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
        return await self._engine.interrupt(name, drain)

    async def decide(
        self,
        name: str,
        request_id: str,
        allow: bool,
        always: bool = False,
        message: str | None = None,
    ) -> None:
        """Answer a member's pending permission request (returns once it reached Claude)."""
        await self.session(name).decide(request_id, allow, always=always, message=message)

    async def answer(self, name: str, request_id: str, answers: Mapping[str, str] | None) -> None:
        """Answer (or, with None, decline) a member's pending question."""
        await self.session(name).answer(request_id, answers)

    open = Opener(start, shutdown)
    """``async with Fleet.open(roster, max_busy=4) as fleet``: :meth:`start`'s arguments;
    shuts the fleet down on exit."""
