"""Session names: what a name given to claude-coder may be.

A session name is passed to Claude Code as ``--name NAME`` (it becomes the transcript's
title) and is printed by ``list``, ``history`` and the TUI. :func:`check_session_name`
refuses what could be read as something else there: a control or layout character (a
terminal would act on it, or it fakes a row of a table), a leading ``-`` (an option to
the binary), a path separator or a name of ``.``/``..`` (a name is never a path, and
must not look like one), surrounding spaces, an empty name and one longer than
:data:`MAX_NAME` characters. Fleet member names follow the stricter rule of
:func:`claude_coder.fleet.roster._file.validate_member_name`.

Titles already in transcripts (written by Claude Code or by hand) are never refused:
they are shown through :func:`claude_coder.security.terminal.visible_line`.
"""

from __future__ import annotations

import re

from claude_coder.errors import BadNameError
from claude_coder.security.terminal import visible_line

__all__ = ["MAX_NAME", "check_session_name", "name_problem"]

MAX_NAME = 100
"""The longest session name, in characters."""

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]")


def name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a session name, or None if nothing."""
    if not name or not name.strip():
        return "it is empty"
    if len(name) > MAX_NAME:
        return f"it is {len(name)} characters long (at most {MAX_NAME})"
    if _CONTROL.search(name):
        return "it contains a control character"
    if name != name.strip():
        return "it starts or ends with a space"
    if name.startswith("-"):
        return "it starts with '-' (it would read as an option)"
    if "/" in name or "\\" in name:
        return "it contains a path separator ('/' or '\\')"
    if name in (".", ".."):
        return f"{name!r} is not a name"
    return None


def check_session_name(name: str) -> str:
    """Return ``name`` if it can name a session, else raise :class:`BadNameError` (exit 2)."""
    problem = name_problem(name)
    if problem is not None:
        shown = visible_line(name[: MAX_NAME + 20])
        raise BadNameError(
            f"bad session name {shown!r}: {problem}; use up to {MAX_NAME} printable "
            "characters, not starting with '-', without '/' or '\\'"
        )
    return name
