"""Session names and SESSION arguments: resolving a name, full id or id prefix.

A name is unique by the catalog's rule (a second session may not take it), but
transcripts written by hand or by plain Claude Code can share one; such a name is
ambiguous, never silently the newest. Resolution order: exact name, full id, unique
id prefix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from claude_coder.catalog.model import SessionInfo
from claude_coder.errors import AmbiguousSessionError, NameTakenError, SessionNotFoundError

__all__ = ["check_name_free", "fork_name", "list_hint", "resolve", "with_name"]


def list_hint(host: str | None = None) -> str:
    """Where a session that was not found can be looked for: this machine's list, or a
    host's (``list --host H``)."""
    where = f" --host {host}" if host else ""
    return f"(see `claude-coder list{where} --all`)"


_ID_PREFIX = re.compile(r"[0-9a-fA-F-]+")


def _candidates(found: Sequence[SessionInfo]) -> list[tuple[str, str, str]]:
    return [(s.session_id, s.cwd or "?", s.modified.strftime("%Y-%m-%d %H:%M:%SZ")) for s in found]


def with_name(sessions: Sequence[SessionInfo], name: str) -> list[SessionInfo]:
    """Every session called ``name`` (names are compared exactly)."""
    return [s for s in sessions if s.name == name]


def resolve(sessions: Sequence[SessionInfo], query: str) -> SessionInfo:
    """The one session ``query`` means; raises if none or several do."""
    query = query.strip()
    if not query:
        raise SessionNotFoundError("an empty SESSION matches nothing: give a name or an id")
    named = with_name(sessions, query)
    if len(named) == 1:
        return named[0]
    if named:
        raise AmbiguousSessionError(query, _candidates(named))
    lowered = query.lower()
    for s in sessions:
        if s.session_id.lower() == lowered:
            return s
    prefixed = (
        [s for s in sessions if s.session_id.lower().startswith(lowered)]
        if _ID_PREFIX.fullmatch(query)
        else []
    )
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        raise AmbiguousSessionError(query, _candidates(prefixed))
    raise SessionNotFoundError(
        f"no session is named {query!r} or has an id starting with it {list_hint()}"
    )


def check_name_free(
    sessions: Sequence[SessionInfo], name: str, *, except_session: str | None = None
) -> None:
    """Raise :class:`NameTakenError` if a session other than ``except_session`` has ``name``."""
    for s in with_name(sessions, name):
        if s.session_id != except_session:
            raise NameTakenError(name, s.session_id)


def fork_name(sessions: Sequence[SessionInfo], source: SessionInfo) -> str:
    """The default name of a fork: ``<name>-fork-<n>``, the first ``n`` not taken."""
    base = source.name or source.session_id[:8]
    taken = {s.name for s in sessions if s.name}
    n = 1
    while f"{base}-fork-{n}" in taken:
        n += 1
    return f"{base}-fork-{n}"
