"""The catalog: persisted sessions read straight from Claude Code's transcripts.

``Catalog`` lists sessions (head and tail reads, cached by path, size and mtime),
resolves a SESSION argument (name, full id or unique id prefix), checks that a name
is free and streams a session's history as events. There is no separate registry: the
name lives in the transcript as a ``custom-title`` record.
"""

from claude_coder.catalog.api import Catalog
from claude_coder.catalog.history import read_history
from claude_coder.catalog.model import ListResult, ScanStats, SessionInfo
from claude_coder.catalog.paths import config_dir, encode_cwd, transcript_path

__all__ = [
    "Catalog",
    "ListResult",
    "ScanStats",
    "SessionInfo",
    "config_dir",
    "encode_cwd",
    "read_history",
    "transcript_path",
]
