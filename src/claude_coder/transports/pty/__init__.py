"""transports.pty: see docs/architecture.md for what each private module owns."""

from __future__ import annotations

from claude_coder.transports.pty._transport import (
    PtyTransport,
)

__all__ = [
    "PtyTransport",
]
