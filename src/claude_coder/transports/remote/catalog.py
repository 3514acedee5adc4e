"""A host's catalog seen from here: its sessions and their histories, asked over ssh.

:class:`HostCatalog` answers like :class:`claude_coder.catalog.Catalog` does (``list``,
``history``; blocking, so call it from a thread) by making one call on the host
(:func:`._link.call_host`) per question. The host answers from its own transcripts,
masked by its own redactor; this side masks again with ``redactor`` (the local
profiles' secrets: a value sent with ``sendSecrets`` may sit in a host's transcript).
Rows and events are decoded leniently: a row or event this version cannot read is
skipped and counted, never raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from claude_coder.catalog.names import list_hint
from claude_coder.errors import ClaudeCoderError, HostError, SessionNotFoundError
from claude_coder.events import Envelope, event_from_json
from claude_coder.profiles import ProfileSet
from claude_coder.security import Redactor
from claude_coder.transports.remote._link import call_host

__all__ = [
    "HostCatalog",
    "HostHistory",
    "HostListing",
    "HostSession",
    "envelope_from_wire",
    "profile_hosts",
    "sessions_from_wire",
]

EPOCH = datetime.fromtimestamp(0, UTC)


def profile_hosts(pset: ProfileSet) -> dict[str, str | None]:
    """Every host the profiles of ``pset`` name, with the ``remoteCommand`` of the first
    profile naming it (None: the default); a profile that cannot be resolved is passed
    over."""
    hosts: dict[str, str | None] = {}
    for name in pset.names():
        try:
            profile = pset.get(name)
        except ClaudeCoderError:
            continue
        if profile.host is not None and profile.host not in hosts:
            hosts[profile.host] = profile.remote_command
    return hosts


@dataclass(frozen=True, slots=True)
class HostSession:
    """One session of a host's catalog (the fields the browser shows, plus the row)."""

    host: str
    session_id: str
    name: str | None
    summary: str
    cwd: str | None
    """A directory on the host."""
    modified: datetime
    row: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The row as ``list --json`` prints it on the host."""


@dataclass(frozen=True, slots=True)
class HostListing:
    sessions: list[HostSession]
    skipped: int = 0
    """Rows this version could not read."""


def _when(value: Any) -> datetime:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return EPOCH
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def sessions_from_wire(host: str, data: Any) -> HostListing:
    """The answer to a ``list`` call as sessions (raises HostError if it is not a list)."""
    if not isinstance(data, list):
        raise HostError(f"host {host!r} answered 'list' with something else", host=host)
    found, skipped = [], 0
    for row in data:
        sid = row.get("session_id") if isinstance(row, dict) else None
        if not isinstance(sid, str):
            skipped += 1
            continue
        summary = _text(row.get("prompt")) or _text(row.get("summary")) or ""
        found.append(
            HostSession(
                host=host,
                session_id=sid,
                name=_text(row.get("name")),
                summary=summary,
                cwd=_text(row.get("cwd")),
                modified=_when(row.get("modified")),
                row={"host": host, **row},
            )
        )
    return HostListing(found, skipped)


def envelope_from_wire(data: Any) -> Envelope | None:
    """One event of a ``history`` answer, or None when it is not one this side reads."""
    try:
        return Envelope(
            name=_text(data.get("name")),
            session_id=_text(data.get("session_id")),
            seq=int(data.get("seq", 0)),
            time=_when(data["time"]),
            event=event_from_json(data["event"]),
        )
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class HostHistory:
    """A ``history`` answer: the events read, how many could not be, and whether the
    host holds more than it sent."""

    events: list[Envelope]
    unread: int = 0
    truncated: bool = False


class HostCatalog:
    """The catalog of ``host``, one ssh call per question (blocking methods)."""

    def __init__(
        self,
        host: str,
        *,
        redactor: Redactor | None = None,
        remote_command: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.host = host
        self._redactor = redactor or Redactor()
        self._command = remote_command
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"HostCatalog({self.host!r})"

    def call(self, what: str, args: Mapping[str, Any]) -> Any:
        """One call's answer, masked with this side's redactor too."""
        try:
            answer = asyncio.run(
                call_host(
                    self.host, what, args, remote_command=self._command, timeout=self._timeout
                )
            )
        except SessionNotFoundError as exc:  # look for it in the host's list, not this one's
            message = exc.message.replace(list_hint(), list_hint(self.host))
            raise SessionNotFoundError(message) from None
        return self._redactor.obj(answer)

    def list(self, all: bool = False, cwd: str | None = None) -> HostListing:
        """The host's sessions, newest first (named ones unless ``all``)."""
        return sessions_from_wire(self.host, self.call("list", {"all": all, "cwd": cwd}))

    def read_history(self, session: str) -> HostHistory:
        """A session's history on the host (a name, an id or a unique id prefix)."""
        answer = self.call("history", {"session": session})
        events = answer.get("events") if isinstance(answer, dict) else None
        if not isinstance(events, list):
            raise HostError(
                f"host {self.host!r} answered 'history' with something else", host=self.host
            )
        read = [envelope_from_wire(e) for e in events]
        kept = [e for e in read if e is not None]
        return HostHistory(kept, len(read) - len(kept), bool(answer.get("truncated")))

    def history(self, session_id: str) -> Iterator[Envelope]:
        """The events of :meth:`read_history` (as a catalog's ``history`` gives them)."""
        return iter(self.read_history(session_id).events)
