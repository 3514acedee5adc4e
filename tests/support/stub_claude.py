"""For stand-in Claude Code binaries (PTY screen stubs): answer claude-coder's login preflight.

claude-coder proves the subscription login before a PTY session's first keystroke by
running the binary once in stream-json (``initialize``, then the local ``/cost``). A stub
TUI that tests a screen is not Claude Code, so it calls :func:`answer_preflight` first:
when its argv is the preflight's, it answers with exactly what the real 2.1.331 reports
on the subscription path in the offline world (measured: ``account.tokenSource
CLAUDE_CODE_OAUTH_TOKEN``, ``apiProvider firstParty``; ``system/init`` with
``apiKeySource none`` and ``served_by_anthropic true``) and exits. Product code has no
switch for this: the stub stands in for the binary.
"""

from __future__ import annotations

import json
import sys
from typing import Any

GENUINE_ACCOUNT = {"tokenSource": "CLAUDE_CODE_OAUTH_TOKEN", "apiProvider": "firstParty"}
GENUINE_INIT = {"apiKeySource": "none", "served_by_anthropic": True}


def _send(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def answer_preflight(argv: list[str] | None = None) -> None:
    """If ``argv`` is a stream-json run, answer it as the genuine binary would and exit."""
    args = sys.argv[1:] if argv is None else argv
    if "--input-format" not in args:
        return
    for line in sys.stdin:
        msg = json.loads(line)
        if msg.get("type") == "control_request":
            response = {"account": GENUINE_ACCOUNT, "claude_code_version": "2.1.331"}
            _send(
                {
                    "type": "control_response",
                    "response": {
                        "subtype": "success",
                        "request_id": msg["request_id"],
                        "response": response,
                    },
                }
            )
        elif msg.get("type") == "user":
            _send({"type": "system", "subtype": "init", **GENUINE_INIT})
            _send({"type": "result", "subtype": "success", "result": "Estimated cost: $0"})
    sys.exit(0)
