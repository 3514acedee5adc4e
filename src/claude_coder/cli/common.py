"""What every CLI command shares: the global state, consoles, tables and the recap."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.shell_completion import CompletionItem

from claude_coder.errors import ClaudeCoderError

if TYPE_CHECKING:
    from rich.console import Console

    from claude_coder.profiles import ProfileSet

__all__ = [
    "CliState",
    "complete_profiles",
    "complete_sessions",
    "console",
    "err_console",
    "load_profile_set",
    "print_table",
    "recap",
    "state",
    "stdout_is_terminal",
]


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
    from rich.console import Console  # here: a --json answer needs no rich

    return Console(file=sys.stdout, highlight=False, soft_wrap=True, emoji=False)


def err_console() -> Console:
    """Where errors and diagnostics go (stderr)."""
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, soft_wrap=True, emoji=False)


def load_profile_set(ctx: click.Context) -> ProfileSet:
    """The profiles of this invocation (``--profiles``, else the usual places).

    Raises :class:`~claude_coder.profiles.ProfilesInvalidError` (exit 2) listing every
    problem when the file has any.
    """
    from claude_coder.profiles import load_profiles  # here: most commands need no profiles

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


def stdout_is_terminal() -> bool:
    """True when results go to a terminal (tables are laid out), False for a pipe or file."""
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _flat(cell: str) -> str:
    return cell.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def print_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    short: Mapping[str, int] | None = None,
) -> None:
    """A table on stdout, laid out on a terminal; otherwise one row per line.

    Not on a terminal: a header line, then one line per row, cells separated by tabs,
    nothing cut (tabs and newlines in a cell become spaces). ``short`` cuts a column to
    so many characters on a terminal only (a session id to 8, say). ``--json`` stays
    the stable interface; this is for ``cut``, ``awk`` and ``sort``.
    """
    if not stdout_is_terminal():
        click.echo("\t".join(columns))
        for row in rows:
            click.echo("\t".join(_flat(cell) for cell in row))
        return
    cut = short or {}
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")  # a narrow terminal wraps, never truncates
    for row in rows:
        cells = [cell[: cut[c]] if c in cut else cell for c, cell in zip(columns, row, strict=True)]
        table.add_row(*(escape(cell) for cell in cells))
    console().print(table)


def complete_sessions(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Shell completion for a SESSION: names, then ids, of persisted sessions."""
    from claude_coder.catalog import Catalog

    try:
        sessions = Catalog().list(all=True).sessions
    except (ClaudeCoderError, OSError):
        return []
    named = [CompletionItem(s.name, help=s.summary) for s in sessions if s.name]
    ids = [CompletionItem(s.session_id, help=s.name or s.summary) for s in sessions]
    return [c for c in named + ids if c.value.startswith(incomplete)]


def complete_profiles(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Shell completion for a profile name (from ``--profiles`` or the usual places)."""
    from claude_coder.profiles import inspect_profiles

    path = ctx.find_root().params.get("profiles_path")
    try:
        pset, _ = inspect_profiles(path)
    except (ClaudeCoderError, OSError):
        return []
    return [CompletionItem(n) for n in pset.names() if n.startswith(incomplete)]
