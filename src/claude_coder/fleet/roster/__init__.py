"""The fleet's roster: the file (:mod:`._file`), its lock (:mod:`._roster`) and the writer
that keeps it in step with the fleet (:mod:`._writer`)."""

from __future__ import annotations

from claude_coder.fleet.roster._file import (
    ROSTER_ENV,
    RosterMember,
    RosterSnapshot,
    default_roster_path,
    read_roster,
    resolve_roster_path,
    snapshot_to_json,
    validate_member_name,
)
from claude_coder.fleet.roster._roster import Roster
from claude_coder.fleet.roster._writer import RosterSync

__all__ = [
    "ROSTER_ENV",
    "Roster",
    "RosterMember",
    "RosterSnapshot",
    "RosterSync",
    "default_roster_path",
    "read_roster",
    "resolve_roster_path",
    "snapshot_to_json",
    "validate_member_name",
]
