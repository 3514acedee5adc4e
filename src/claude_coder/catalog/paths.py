"""Where Claude Code keeps transcripts: the config dir and the cwd -> project-dir encoding.

Claude Code writes each session to
``${CLAUDE_CONFIG_DIR:-~/.claude}/projects/<encoded cwd>/<session id>.jsonl``. The
encoded cwd is the canonical path with every character outside ``[A-Za-z0-9]``
replaced by ``-``; an encoding longer than 200 characters is cut to 200 and given a
``-<hash>`` suffix. The hash differs between Claude Code builds, so a long cwd is
matched by its 200-character prefix, never by the hash alone.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "MAX_ENCODED_LENGTH",
    "canonical_cwd",
    "config_dir",
    "encode_cwd",
    "find_project_dir",
    "is_session_id",
    "projects_dir",
    "string_hash36",
    "transcript_path",
]

MAX_ENCODED_LENGTH = 200
"""Longest encoded cwd kept whole; longer ones are cut and get a hash suffix."""

_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
_SESSION_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Claude Code's config dir: ``$CLAUDE_CONFIG_DIR``, else ``~/.claude`` (NFC)."""
    env = os.environ if environ is None else environ
    configured = env.get("CLAUDE_CONFIG_DIR")
    raw = configured if configured else str(Path.home() / ".claude")
    return Path(unicodedata.normalize("NFC", raw))


def projects_dir(config: str | Path | None = None) -> Path:
    """The ``projects`` dir under a config dir (default: :func:`config_dir`)."""
    base = Path(config) if config is not None else config_dir()
    return base / "projects"


def canonical_cwd(cwd: str | Path) -> str:
    """A cwd the way Claude Code records it: real path, NFC-normalised."""
    try:
        resolved = os.path.realpath(cwd)
    except OSError:
        resolved = os.fspath(cwd)
    return unicodedata.normalize("NFC", resolved)


def string_hash36(text: str) -> str:
    """The 32-bit string hash (``h = h*31 + code`` wrapped signed) in base 36."""
    h = 0
    for ch in text:
        h = (h * 31 + ord(ch)) & 0xFFFFFFFF
    if h >= 0x80000000:
        h -= 0x100000000
    n = abs(h)
    digits = []
    while True:
        n, rest = divmod(n, 36)
        digits.append(_BASE36[rest])
        if n == 0:
            break
    return "".join(reversed(digits))


def encode_cwd(cwd: str) -> str:
    """The project-dir name for an (already canonical) cwd."""
    encoded = _NOT_ALNUM.sub("-", cwd)
    if len(encoded) <= MAX_ENCODED_LENGTH:
        return encoded
    return f"{encoded[:MAX_ENCODED_LENGTH]}-{string_hash36(cwd)}"


def find_project_dir(cwd: str | Path, config: str | Path | None = None) -> Path | None:
    """The existing project dir holding ``cwd``'s transcripts, or None.

    An exact name match wins; a long cwd is also matched by its 200-character prefix,
    since the hash suffix depends on which Claude Code build wrote it.
    """
    root = projects_dir(config)
    encoded = encode_cwd(canonical_cwd(cwd))
    exact = root / encoded
    if exact.is_dir():
        return exact
    if len(encoded) <= MAX_ENCODED_LENGTH:
        return None
    prefix = encoded[:MAX_ENCODED_LENGTH] + "-"
    try:
        with os.scandir(root) as entries:
            for entry in entries:
                if entry.name.startswith(prefix) and entry.is_dir():
                    return Path(entry.path)
    except OSError:
        return None
    return None


def transcript_path(session_id: str, cwd: str | Path, config: str | Path | None = None) -> Path:
    """Where the transcript of ``session_id`` started in ``cwd`` is (or will be)."""
    found = find_project_dir(cwd, config)
    folder = found if found is not None else projects_dir(config) / encode_cwd(canonical_cwd(cwd))
    return folder / f"{session_id}.jsonl"


def is_session_id(text: str) -> bool:
    """Whether ``text`` is a full session id (a UUID)."""
    return _SESSION_ID.fullmatch(text) is not None
