"""The Catalog: persisted sessions found in Claude Code's transcripts, with their names.

There is no registry besides the transcripts themselves: a listing scans
``<config>/projects/*/*.jsonl`` (through the cache in :mod:`.index`), a name is the
last ``custom-title`` record inside a transcript, and history reads the transcript.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from claude_coder.catalog import names
from claude_coder.catalog.history import read_history
from claude_coder.catalog.index import Index, Scan, default_cache_file
from claude_coder.catalog.model import ListResult, ScanStats, SessionInfo
from claude_coder.catalog.paths import (
    canonical_cwd,
    config_dir,
    find_project_dir,
    is_session_id,
    projects_dir,
)
from claude_coder.catalog.paths import transcript_path as _transcript_path
from claude_coder.catalog.reader import FileFacts, Skipped, read_transcript
from claude_coder.errors import CatalogError, SessionNotFoundError
from claude_coder.events import Envelope

__all__ = ["Catalog"]


class Catalog:
    """Sessions persisted by Claude Code under one config dir.

    ``config_dir`` defaults to ``$CLAUDE_CONFIG_DIR``, else ``~/.claude``.
    ``cache_file`` overrides where the listing cache lives (default: the user cache
    dir); ``cache=False`` lists without one.
    """

    def __init__(
        self,
        config_dir: str | Path | None = None,
        *,
        cache_file: str | Path | None = None,
        cache: bool = True,
    ) -> None:
        self.config_dir = Path(config_dir) if config_dir is not None else _default_config()
        self.projects = projects_dir(self.config_dir)
        chosen = Path(cache_file) if cache_file is not None else None
        if cache and chosen is None:
            chosen = default_cache_file(self.projects)
        self._index = Index(self.projects, chosen if cache else None)
        self.last_stats = ScanStats()
        """What the latest listing read from disk and took from the cache."""

    def __repr__(self) -> str:
        return f"Catalog(config_dir={str(self.config_dir)!r})"

    @property
    def cache_file(self) -> Path | None:
        """The listing cache file, or None when listing without one."""
        return self._index.cache_file

    def _project_dirs(self) -> list[Path]:
        try:
            with os.scandir(self.projects) as entries:
                return [Path(e.path) for e in entries if e.is_dir()]
        except OSError:
            return []

    def list(self, all: bool = False, cwd: str | Path | None = None) -> ListResult:
        """Named sessions (``all``: every session), newest first; ``cwd`` keeps one project."""
        if cwd is not None:
            found = find_project_dir(cwd, self.config_dir)
            dirs = [found] if found is not None else []
            fallback = canonical_cwd(cwd)
        else:
            dirs = self._project_dirs()
            fallback = None
        scan = self._index.scan(dirs, everything=cwd is None)
        self.last_stats = ScanStats(scan.files, scan.read, scan.cached, scan.cache_rebuilt)
        sessions = _sessions(scan, fallback, named_only=not all)
        return ListResult(
            sessions=sessions,
            skipped=sum(scan.reasons.values()),
            reasons=dict(sorted(scan.reasons.items())),
            stats=self.last_stats,
        )

    def resolve(self, query: str) -> SessionInfo:
        """The session a SESSION argument means: a name, a full id or a unique id prefix."""
        return names.resolve(self.list(all=True).sessions, query)

    def find_by_name(self, name: str) -> SessionInfo | None:
        """The session called ``name``, or None; several with it is ambiguous."""
        found = names.with_name(self.list().sessions, name)
        if len(found) > 1:
            return names.resolve(found, name)  # raises AmbiguousSessionError
        return found[0] if found else None

    def check_name_free(self, name: str, *, except_session: str | None = None) -> None:
        """Raise ``NameTakenError`` if another session already has ``name``."""
        names.check_name_free(self.list().sessions, name, except_session=except_session)

    def fork_name(self, source: SessionInfo) -> str:
        """The default name for a fork of ``source``: ``<name>-fork-<n>``."""
        return names.fork_name(self.list().sessions, source)

    def rename(self, session: str | SessionInfo, name: str) -> SessionInfo:
        """Give a session a new name: a ``custom-title`` record, as ``/rename`` writes it.

        Written with claude_agent_sdk's ``rename_session`` (the last title wins, for
        Claude Code and for the catalog alike). Raises ``NameTakenError`` when another
        session has ``name``.
        """
        from claude_agent_sdk import rename_session

        info = self._locate(session)
        name = name.strip()
        if not name:
            raise CatalogError("a session name needs some text: give a non-empty NEW name")
        self.check_name_free(name, except_session=info.session_id)
        try:
            rename_session(info.session_id, name, directory=info.cwd)
        except (ValueError, OSError) as exc:
            raise CatalogError(f"cannot rename {info.session_id}: {exc}") from exc
        return self._info_for(info.path, info.session_id)

    def tag(self, session_id: str, tag: str, cwd: str | None = None) -> None:
        """Append a ``tag`` record (claude_agent_sdk's ``tag_session``; the last one wins)."""
        from claude_agent_sdk import tag_session

        try:
            tag_session(session_id, tag, directory=cwd)
        except (ValueError, OSError) as exc:
            raise CatalogError(f"cannot tag {session_id}: {exc}") from exc

    def transcript_path(self, session_id: str, cwd: str | Path) -> Path:
        """Where Claude Code keeps (or will keep) ``session_id`` started in ``cwd``."""
        return _transcript_path(session_id, cwd, self.config_dir)

    def _locate(self, session: str | SessionInfo) -> SessionInfo:
        if isinstance(session, SessionInfo):
            return session
        if is_session_id(session):
            for folder in self._project_dirs():
                candidate = folder / f"{session}.jsonl"
                if candidate.is_file():
                    return self._info_for(candidate, session)
        return self.resolve(session)

    def _info_for(self, path: Path, session_id: str) -> SessionInfo:
        facts = read_transcript(path, session_id)
        if isinstance(facts, Skipped):
            raise SessionNotFoundError(
                f"session {session_id} has nothing to show ({facts.reason}): {path}"
            )
        return SessionInfo.from_facts(facts, path)

    def history(self, session: str | SessionInfo) -> Iterator[Envelope]:
        """The main conversation of a session (name, id, prefix or info) as envelopes."""
        return _stream(self._locate(session))


def _stream(info: SessionInfo) -> Iterator[Envelope]:
    try:
        yield from read_history(info.path, session_id=info.session_id, name=info.name)
    except OSError as exc:
        raise CatalogError(f"cannot read the transcript {info.path}: {exc.strerror}") from exc


def _default_config() -> Path:
    return config_dir()


def _sessions(scan: Scan, fallback_cwd: str | None, named_only: bool) -> list[SessionInfo]:
    """SessionInfo for each session id (its newest file), newest first."""
    newest: dict[str, tuple[str, FileFacts]] = {}
    for folder, facts in scan.found:
        held = newest.get(facts.session_id)
        if held is None or facts.mtime_ns > held[1].mtime_ns:
            newest[facts.session_id] = (folder, facts)
    ordered = sorted(newest.values(), key=lambda t: t[1].mtime_ns, reverse=True)
    if named_only:
        ordered = [(folder, facts) for folder, facts in ordered if facts.name]
    folders = {folder: Path(folder) for folder in {folder for folder, _ in ordered}}
    return [
        SessionInfo.from_facts(facts, folders[folder] / f"{facts.session_id}.jsonl", fallback_cwd)
        for folder, facts in ordered
    ]
