"""The fleet: named sessions side by side under a ceiling, a merged stream, a roster.

See ``docs/fleet.md``. The public surface::

    async with Fleet.open(roster="fleet.json", max_busy=4) as fleet:
        await fleet.add("agent1", profile="claude-code-expert", cwd="repo")
        result = await fleet.send("agent1", "fix the failing test")
"""

from __future__ import annotations

from claude_coder.fleet._ceiling import FleetTurn
from claude_coder.fleet._engine import SessionFactory, default_session_factory
from claude_coder.fleet._fleet import Fleet
from claude_coder.fleet._hub import FleetSubscription
from claude_coder.fleet._member import MemberInfo, MemberSpec
from claude_coder.fleet._pacing import BootPacer
from claude_coder.fleet.roster import Roster
from claude_coder.fleet.roster._file import (
    ROSTER_ENV,
    MemberExistsError,
    MemberNameError,
    RosterMember,
    RosterSnapshot,
    default_roster_path,
    read_roster,
)
from claude_coder.fleet.worktrees import WorktreeRef, WorktreeStatus

__all__ = [
    "ROSTER_ENV",
    "BootPacer",
    "Fleet",
    "FleetSubscription",
    "FleetTurn",
    "MemberExistsError",
    "MemberInfo",
    "MemberNameError",
    "MemberSpec",
    "Roster",
    "RosterMember",
    "RosterSnapshot",
    "SessionFactory",
    "WorktreeRef",
    "WorktreeStatus",
    "default_roster_path",
    "default_session_factory",
    "read_roster",
]
