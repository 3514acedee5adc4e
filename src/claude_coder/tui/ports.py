"""What the TUI needs from the fleet, the catalog and the profiles, as small Protocols.

The screens and widgets are written against these, not against the concrete classes,
so the real :class:`claude_coder.fleet.Fleet` and :class:`claude_coder.catalog.Catalog`
plug in through the factory in ``app.py`` and tests can pass a small in-memory double.
:class:`RedactedCatalog` wraps a catalog so that history shows no profile secret.
Every member is read-only here: the UI only looks at members and asks the fleet to act.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

from claude_coder.events import Boundary, Envelope, SessionState
from claude_coder.fleet.worktrees import WorktreeRef

if TYPE_CHECKING:
    from claude_coder.security import Redactor

__all__ = [
    "CatalogPort",
    "FleetPort",
    "ListResultPort",
    "MemberPort",
    "RedactedCatalog",
    "SessionInfoPort",
]


class MemberPort(Protocol):
    """One row of the fleet table (``Fleet.members()`` gives these)."""

    @property
    def name(self) -> str: ...
    @property
    def profile(self) -> str: ...
    @property
    def transport(self) -> str: ...
    @property
    def cwd(self) -> str | None: ...
    @property
    def state(self) -> SessionState: ...
    @property
    def session_id(self) -> str | None: ...
    @property
    def queued(self) -> int: ...
    @property
    def waiting(self) -> bool: ...
    @property
    def last_boundary(self) -> Boundary | None: ...
    @property
    def input_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def cost_usd(self) -> float | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def resets_at(self) -> int | None: ...
    @property
    def retry(self) -> str | None: ...
    @property
    def worktree(self) -> WorktreeRef | None: ...


class FleetPort(Protocol):
    """The part of the Fleet API the TUI drives. Return values it does not need are ``object``."""

    def members(self) -> Sequence[MemberPort]: ...

    def events(self, maxsize: int = ...) -> AsyncIterator[Envelope]: ...

    def submit(self, name: str, text: str) -> object: ...

    async def interrupt(self, name: str, drain: bool = False) -> object: ...

    async def decide(
        self, name: str, request_id: str, allow: bool, always: bool = False
    ) -> object: ...

    async def answer(
        self, name: str, request_id: str, answers: Mapping[str, str] | None
    ) -> object: ...

    async def add(
        self,
        name: str,
        profile: str = ...,
        cwd: str | None = None,
        *,
        resume: str | None = None,
        fork_from: str | None = None,
        worktree: bool | str | None = None,
        host: str | None = None,
    ) -> object: ...

    async def close(self, name: str, *, worktree: Literal["keep", "remove"] = ...) -> object: ...

    async def restart(self, name: str) -> object: ...


class SessionInfoPort(Protocol):
    """One persisted session as the catalog lists it."""

    @property
    def session_id(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def summary(self) -> str: ...
    @property
    def cwd(self) -> str | None: ...
    @property
    def modified(self) -> datetime: ...


class ListResultPort(Protocol):
    @property
    def sessions(self) -> Sequence[SessionInfoPort]: ...
    @property
    def skipped(self) -> int: ...


class CatalogPort(Protocol):
    """The part of the catalog the browser reads (blocking calls: run them in a thread)."""

    def list(self, all: bool = False, cwd: str | None = None) -> ListResultPort: ...

    def history(self, session_id: str) -> Iterator[Envelope]: ...


class RedactedCatalog:
    """A catalog whose history has ``redactor``'s secrets masked (the profiles' secrets)."""

    def __init__(self, catalog: CatalogPort, redactor: Redactor) -> None:
        self._catalog = catalog
        self._redactor = redactor

    def list(self, all: bool = False, cwd: str | None = None) -> ListResultPort:
        return self._catalog.list(all=all, cwd=cwd)

    def history(self, session_id: str) -> Iterator[Envelope]:
        return (self._redactor.obj(env) for env in self._catalog.history(session_id))
