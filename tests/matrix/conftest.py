"""The version matrix's inputs: which Claude Code versions, and where their binaries are.

``CLAUDE_CODER_MATRIX_VERSIONS`` (comma-separated; ``pinned`` is the binary bundled in
claude-agent-sdk) chooses the versions; the default is the pinned one only, so ``make
test`` runs the matrix on it. Other versions come from ``CLAUDE_CODER_MATRIX_CACHE``
(default ``~/.cache/claude-coder/claude-code``), where ``scripts/matrix.py`` installs them
from the npm registry: ``<cache>/<version>/node_modules/.bin/claude``. A version asked
for and not installed FAILS (never skips). ``CLAUDE_CODER_MATRIX_REPORT`` names a JSON
Lines file that gets one line per scenario run (``scripts/matrix.py`` builds its table
from it).
"""

from __future__ import annotations

import os
from pathlib import Path

PINNED = "pinned"
VERSIONS_ENV = "CLAUDE_CODER_MATRIX_VERSIONS"
CACHE_ENV = "CLAUDE_CODER_MATRIX_CACHE"
REPORT_ENV = "CLAUDE_CODER_MATRIX_REPORT"
# Read at import, before the autouse fixture points HOME at a temp dir.
DEFAULT_CACHE = Path(os.path.expanduser("~")) / ".cache" / "claude-coder" / "claude-code"
CACHE = Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)
REPORT = os.environ.get(REPORT_ENV)


def chosen_versions() -> list[str]:
    """The versions this run covers (``pinned`` by default)."""
    raw = os.environ.get(VERSIONS_ENV) or PINNED
    return [v.strip() for v in raw.split(",") if v.strip()]


def installed_binary(version: str) -> Path:
    """Where ``scripts/matrix.py`` installs ``version``."""
    return CACHE / version / "node_modules" / ".bin" / "claude"
