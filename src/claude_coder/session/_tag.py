"""A persisted session remembers the profile it runs with, in its own transcript.

The record is Claude Code's ``tag`` (``{"type":"tag","tag":"profile:<name>"}``, written
with claude_agent_sdk's ``tag_session``; the last one wins). It is written after the
first turn that ends (Claude Code creates the transcript with the first prompt) and only
when the transcript does not already say this profile. Resume and fork read it back
(:func:`recorded_profile`) to start with the same profile unless another is given.
A tag set by hand replaces it; the session then resumes with the default profile.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from claude_coder.errors import ClaudeCoderError
from claude_coder.events import Envelope, TurnEnded

if TYPE_CHECKING:
    from claude_coder.session._session import Session

__all__ = ["recorded_profile", "remember_profile"]

_log = logging.getLogger(__name__)


def recorded_profile(session: str | None) -> str | None:
    """The profile recorded in ``session``'s transcript (an id or a name), or None."""
    if session is None:
        return None
    from claude_coder.catalog import Catalog
    from claude_coder.catalog.paths import is_session_id
    from claude_coder.catalog.records import find_transcript, profile_of

    if is_session_id(session):
        return profile_of(find_transcript(session))
    try:
        return profile_of(Catalog().resolve(session).path)
    except ClaudeCoderError:
        return None


def remember_profile(session: Session, profile: str) -> None:
    """Tag ``session``'s transcript with ``profile`` once its first turn has ended."""

    def on_event(envelope: Envelope) -> None:
        if not isinstance(envelope.event, TurnEnded):
            return
        path, sid = session.transcript_path, session.session_id
        if path is None or sid is None or not path.exists():
            return
        unsubscribe()
        _write(sid, profile, path)

    unsubscribe = session.subscribe(on_event)


def _write(session_id: str, profile: str, path: Path) -> None:
    from claude_coder.catalog import Catalog
    from claude_coder.catalog.records import PROFILE_TAG, profile_of

    if profile_of(path) == profile:
        return
    try:
        Catalog().tag(session_id, PROFILE_TAG + profile)
    except ClaudeCoderError as exc:
        _log.warning("could not record profile %r in %s: %s", profile, path, exc)
