"""MCP isolation: the flags that make Claude Code load exactly the profile's MCP servers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["mcp_args", "mcp_config_json"]


def mcp_config_json(servers: Mapping[str, Any] | None) -> str:
    """The ``--mcp-config`` document holding exactly ``servers`` (empty when none)."""
    return json.dumps({"mcpServers": dict(servers or {})}, separators=(",", ":"), sort_keys=True)


def mcp_args(servers: Mapping[str, Any] | None) -> list[str]:
    """``--strict-mcp-config --mcp-config <json>``: ambient MCP servers are ignored.

    Every launch on both transports carries these, so a session never picks up the
    user's or the project's MCP servers by accident.
    """
    return ["--strict-mcp-config", "--mcp-config", mcp_config_json(servers)]
