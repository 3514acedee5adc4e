"""Remote members: a member's Claude Code runs on another host, reached over OpenSSH.

The wire between the two sides is :mod:`._protocol`; see ``docs/remote.md``.
"""

from __future__ import annotations

from claude_coder.transports.remote._protocol import PROTOCOL_VERSION, OpenSpec

__all__ = ["PROTOCOL_VERSION", "OpenSpec"]
