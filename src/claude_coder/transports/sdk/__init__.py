"""transports.sdk: see docs/architecture.md for what each private module owns."""

from __future__ import annotations

from claude_coder.transports.sdk._transport import (
    SdkTransport,
)

__all__ = [
    "SdkTransport",
]
