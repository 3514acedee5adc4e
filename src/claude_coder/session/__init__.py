"""session: see docs/architecture.md for what each private module owns."""

from __future__ import annotations

from claude_coder.session._session import (
    Session,
)

__all__ = [
    "Session",
]
