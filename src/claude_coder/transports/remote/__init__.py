"""Remote members: a member's Claude Code runs on another host, reached over OpenSSH.

The wire between the two sides is :mod:`._protocol`; the ssh child and its JSON lines
are :mod:`._link`; the local Transport is :mod:`._transport`. See ``docs/remote.md``.
"""

from __future__ import annotations

from claude_coder.transports.remote._link import HostLink, call_host
from claude_coder.transports.remote._protocol import PROTOCOL_VERSION, OpenSpec
from claude_coder.transports.remote._transport import (
    RemotePtyTransport,
    RemoteTransport,
    remote_transport,
)

__all__ = [
    "PROTOCOL_VERSION",
    "HostLink",
    "OpenSpec",
    "RemotePtyTransport",
    "RemoteTransport",
    "call_host",
    "remote_transport",
]
