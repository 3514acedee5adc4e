"""One-shot calls a host answers (``{"op": "call", "what": ..., "args": ...}``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from claude_coder.errors import ClaudeCoderError

__all__ = ["answer_call"]


async def answer_call(what: str, args: Mapping[str, Any]) -> Any:
    """The JSON-ready result of the call ``what``; raises ClaudeCoderError."""
    raise ClaudeCoderError(f"unknown call {what[:40]!r}: this host answers no calls yet")
