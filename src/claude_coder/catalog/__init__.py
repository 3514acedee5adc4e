"""The catalog: persisted sessions read straight from Claude Code's transcripts.

``Catalog`` lists sessions (head and tail reads, cached by path, size and mtime),
resolves a SESSION argument (name, full id or unique id prefix), checks that a name
is free and streams a session's history as events. There is no separate registry: the
name lives in the transcript as a ``custom-title`` record.

Each name is imported on first use (PEP 562): ``usage`` reads its own modules of this
package without paying for the catalog's session API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from claude_coder._lazy import lazy_exports

if TYPE_CHECKING:
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

_WHERE = {
    "Catalog": "api",
    "read_history": "history",
    "ListResult": "model",
    "ScanStats": "model",
    "SessionInfo": "model",
    "config_dir": "paths",
    "encode_cwd": "paths",
    "transcript_path": "paths",
}

if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_exports(
        __name__, {name: f"{__name__}.{module}" for name, module in _WHERE.items()}, __all__
    )
