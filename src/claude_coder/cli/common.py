"""What every CLI command shares: the global state, consoles and error rendering."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console

from claude_coder.profiles import ProfileSet, load_profiles

__all__ = ["CliState", "console", "err_console", "load_profile_set", "recap", "state"]


@dataclass
class CliState:
    """Global options, kept in ``ctx.obj``."""

    profiles_path: Path | None = None


def state(ctx: click.Context) -> CliState:
    """The global state of this invocation."""
    obj = ctx.find_root().obj
    if not isinstance(obj, CliState):
        obj = CliState()
        ctx.find_root().obj = obj
    return obj


def console() -> Console:
    """Where results go (stdout). Plain when not a terminal, so output pipes cleanly."""
    return Console(file=sys.stdout, highlight=False, soft_wrap=True, emoji=False)


def err_console() -> Console:
    """Where errors and diagnostics go (stderr)."""
    return Console(file=sys.stderr, highlight=False, soft_wrap=True, emoji=False)


def load_profile_set(ctx: click.Context) -> ProfileSet:
    """The profiles of this invocation (``--profiles``, else the usual places).

    Raises :class:`~claude_coder.profiles.ProfilesInvalidError` (exit 2) listing every
    problem when the file has any.
    """
    return load_profiles(state(ctx).profiles_path)


def recap(session_id: str | None, turns: int = 3) -> str:
    """A short recap of a resumed session's last ``turns`` exchanges ("" when none)."""
    if session_id is None:
        return ""
    from claude_coder.catalog.records import find_transcript, recap_lines

    lines = recap_lines(find_transcript(session_id), turns=turns)
    if not lines:
        return ""
    return "\n".join(["earlier in this session:", *(f"  {line}" for line in lines)]) + "\n"
