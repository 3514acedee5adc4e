"""The fake Messages API's script language: from a request body to a reply plan.

The reply to a ``POST /v1/messages`` request is chosen from the LAST user text block of
the request (see ``fake_api``'s docstring for the language itself). This module is pure:
it reads a request body and returns a ``Plan``; the server turns the plan into SSE or
JSON.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

DEFAULT_WRITE_CONTENT = "hello from the fake API\n"
DEFAULT_STALL_TIMEOUT = 60.0
INTERRUPT_MARK = "[Request interrupted by user"
_ANSWER = re.compile(r'"[^"]*"="([^"]*)"')
HOSTILE_TEXT = (
    "clip\x1b]52;c;cHduZWQ=\x07 title\x1b]0;pwned\x07 clear\x1b[2J\x1b[H red\x1b[31m"
    " csi8\u009b2J bidi\u202eevil\u202c bell\x07 cr\rfake [bold]markup[/bold] :warning: end"
)
"""What ``hostile:`` makes the model answer: OSC 52 (clipboard), OSC 0 (title), CSI
clear/home/colour, an 8-bit CSI, a bidi override, BEL, a lone CR, Rich markup and an
emoji code."""

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


@dataclass
class Block:
    """One content block of a scripted reply: text, or a tool use."""

    kind: str  # "text" | "tool_use"
    text: str = ""
    chunks: int = 1
    name: str = ""
    input: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    """What the server answers: blocks to stream, or an HTTP error with headers."""

    script: str
    blocks: list[Block] = field(default_factory=list)
    stop_reason: str = "end_turn"
    delta_delay: float = 0.0
    stall_timeout: float | None = None
    status: int = 200
    error: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    side: bool = False
    fail_first: int = 0
    """``retry:``: this many requests with the same prompt get ``error`` first."""
    usage: tuple[int, int] | None = None
    """Fixed (input, output) tokens to report instead of ones from the request's size."""


def _blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list):
        return [b for b in content if isinstance(b, dict)]
    return []


def _is_prompt_text(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not (
        stripped.startswith("<system-reminder>") or stripped.startswith(INTERRUPT_MARK)
    )


def _user_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    msgs = body.get("messages") or []
    return [m for m in msgs if isinstance(m, dict) and m.get("role") == "user"]


def last_user_item(body: dict[str, Any]) -> dict[str, Any] | None:
    """What the last user message asks for: its last prompt text block, else (a tool
    continuation) its last tool_result.

    A prompt wins over a tool_result in any order: after a "No" on the PTY, Claude Code
    sends the rejected tool_result together with the next prompt. System reminders and
    ``[Request interrupted by user...]`` markers are not prompts.
    """
    users = _user_messages(body)
    if not users:
        return None
    blocks = _blocks(users[-1].get("content"))
    for block in reversed(blocks):
        if block.get("type") == "text" and _is_prompt_text(str(block.get("text", ""))):
            return dict(block)
    for block in reversed(blocks):
        if block.get("type") == "tool_result":
            return dict(block)
    return None


def last_user_text(body: dict[str, Any]) -> str | None:
    """The text of the last prompt block, or None when the request continues a tool."""
    item = last_user_item(body)
    if item is None or item.get("type") != "text":
        return None
    return str(item.get("text", ""))


def system_text(body: dict[str, Any]) -> str:
    system = body.get("system")
    if isinstance(system, str):
        return system
    return "\n".join(str(b.get("text", "")) for b in _blocks(system))


def is_title_request(body: dict[str, Any]) -> bool:
    return not body.get("tools") and '"title"' in system_text(body)


def is_side_request(body: dict[str, Any]) -> bool:
    """Title, quota and other housekeeping requests: no tools offered."""
    return not body.get("tools")


def tool_result_text(block: dict[str, Any]) -> str:
    content = block.get("content")
    if isinstance(content, str):
        return content
    return "\n".join(str(b.get("text", "")) for b in _blocks(content) if b.get("type") == "text")


def _tool_name(body: dict[str, Any], tool_use_id: str) -> str:
    for msg in body.get("messages") or []:
        if isinstance(msg, dict) and msg.get("role") == "assistant":
            for b in _blocks(msg.get("content")):
                if b.get("type") == "tool_use" and b.get("id") == tool_use_id:
                    return str(b.get("name", "?"))
    return "?"


def _text(script: str, text: str, chunks: int = 1) -> Plan:
    return Plan(script=script, blocks=[Block("text", text=text, chunks=chunks)])


def _tool(script: str, name: str, inp: dict[str, Any], lead: str) -> Plan:
    blocks = [Block("text", text=lead), Block("tool_use", name=name, input=inp)]
    return Plan(script=script, blocks=blocks, stop_reason="tool_use")


def _continuation(body: dict[str, Any], block: dict[str, Any]) -> Plan:
    name = _tool_name(body, str(block.get("tool_use_id", "")))
    result = tool_result_text(block)
    if name == "AskUserQuestion":
        answers = ", ".join(_ANSWER.findall(result)) or "nothing"
        return _text("continue", f"Thanks, noted. You answered: {answers}. ({result})")
    status = "failed" if block.get("is_error") else "finished"
    return _text("continue", f"The {name} tool {status}: {result}")


def _error(status: int, etype: str | None, message: str | None) -> Plan:
    etype = etype or ERROR_TYPES.get(status, "api_error")
    msg = message or f"Fake API error {status} ({etype})"
    plan = Plan(script="error", status=status)
    plan.error = {"type": "error", "error": {"type": etype, "message": msg}}
    plan.headers = {"x-should-retry": "false"}
    return plan


def rate_limit_headers(reset_at: int, claim: str, status: str = "rejected") -> dict[str, str]:
    """The unified rate-limit headers the subscription path reads."""
    return {
        "anthropic-ratelimit-unified-status": status,
        "anthropic-ratelimit-unified-reset": str(reset_at),
        "anthropic-ratelimit-unified-representative-claim": claim,
        "anthropic-ratelimit-unified-fallback-percentage": "0.5",
        "x-should-retry": "false",
    }


def _ratelimit(arg: str) -> Plan:
    parts = [p for p in arg.split(":") if p]
    seconds = int(parts[0]) if parts else 3600
    claim = parts[1] if len(parts) > 1 else "five_hour"
    plan = _error(429, "rate_limit_error", "Fake API: rate limit reached")
    plan.script = "ratelimit"
    plan.headers = rate_limit_headers(int(time.time()) + seconds, claim)
    return plan


def _retry(arg: str) -> Plan:
    """``retry:STATUS[:TIMES[:AFTER]]``: a retryable error TIMES times, then a reply."""
    parts = arg.split(":")
    status = int(parts[0] or "529")
    times = int(parts[1]) if len(parts) > 1 and parts[1] else 2
    after = parts[2] if len(parts) > 2 and parts[2] else "0"
    plan = _text("retry", f"Answered after {times} failures.")
    failed = _error(status, None, None)
    plan.status, plan.error, plan.fail_first = status, failed.error, times
    plan.headers = {"x-should-retry": "true", "retry-after": after}
    return plan


def account_limit(reset_at: int, claim: str, side: bool) -> Plan:
    """The 429 for any request while the fake's account-wide limit is on."""
    plan = _error(429, "rate_limit_error", "Fake API: rate limit reached")
    plan.script, plan.side = "account_limit", side
    plan.headers = rate_limit_headers(reset_at, claim)
    plan.headers["anthropic-ratelimit-unified-5h-utilization"] = "1.0"
    plan.headers["anthropic-ratelimit-unified-5h-reset"] = str(reset_at)
    plan.headers["anthropic-ratelimit-unified-5h-status"] = "rejected"
    return plan


def _ask(arg: str) -> Plan:
    parts = [p.strip() for p in arg.split("|")]
    question = parts[0] or "Which colour?"
    labels = [p for p in parts[1:] if p] or ["Red", "Blue"]
    options = [{"label": lab, "description": f"The {lab} option"} for lab in labels]
    q = {"question": question, "header": "Choice", "multiSelect": False, "options": options}
    return _tool("ask", "AskUserQuestion", {"questions": [q]}, "Let me ask you.")


def _write(arg: str) -> Plan:
    path, _, content = arg.partition("|")
    inp = {"file_path": path.strip(), "content": content or DEFAULT_WRITE_CONTENT}
    return _tool("write", "Write", inp, f"Writing {path.strip()}.")


def _slow(arg: str) -> Plan:
    parts = [p for p in arg.split(":") if p]
    n = int(parts[0]) if parts else 10
    delay = float(parts[1]) if len(parts) > 1 else 0.2
    plan = _text("slow", "".join(f"chunk{i} " for i in range(n)).rstrip(), chunks=n)
    plan.delta_delay = delay
    return plan


def _stall(arg: str) -> Plan:
    plan = _text("stall", "Released after a stall.")
    plan.stall_timeout = float(arg) if arg.strip() else DEFAULT_STALL_TIMEOUT
    return plan


def _from_prompt(prompt: str) -> Plan:
    text = prompt.strip()
    head, sep, arg = text.partition(":")
    key = head.strip().lower() if sep else ""
    if key in ("reply", "echo"):
        return _text(key, arg.lstrip(" ") if key == "reply" else arg)
    if key == "bash":
        cmd = arg.strip()
        inp = {"command": cmd, "description": f"Run {cmd}"}
        return _tool("bash", "Bash", inp, "Running a command.")
    if key == "write":
        return _write(arg)
    if key == "tool":
        name, _, raw = arg.strip().partition(" ")
        return _tool("tool", name, json.loads(raw or "{}"), f"Using {name}.")
    if key == "ask":
        return _ask(arg)
    if key == "slow":
        return _slow(arg)
    if key == "split":
        n, _, rest = arg.partition(":")
        return _text("split", rest, chunks=int(n or "2"))
    if key == "hostile":
        return _text("hostile", HOSTILE_TEXT)
    if key == "deltas":
        n = int(arg.strip() or "100")
        return _text("deltas", "".join(f"d{i} " for i in range(n)).rstrip(), chunks=n)
    if key == "stall":
        return _stall(arg)
    if key == "usage":
        parts = [int(p) for p in arg.split(":") if p.strip()]
        tokens = (parts[0] if parts else 1000, parts[1] if len(parts) > 1 else 100)
        plan = _text("usage", f"Used {tokens[0]} in and {tokens[1]} out.")
        plan.usage = tokens
        return plan
    if key == "error":
        parts = arg.split(":", 2)
        status = int(parts[0] or "500")
        return _error(
            status, parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None
        )
    if key == "ratelimit":
        return _ratelimit(arg)
    if key == "retry":
        return _retry(arg)
    return _text("default", f"Fake reply to: {text}")


def plan_for(body: dict[str, Any]) -> Plan:
    """Choose the reply for one /v1/messages request body."""
    if is_title_request(body):
        prompt = last_user_text(body) or "session"
        title = " ".join(prompt.split()[:4])[:40] or "Untitled"
        plan = _text("title", json.dumps({"title": f"Fake title {title}"}))
        plan.side = True
        return plan
    item = last_user_item(body)
    if item is None:
        plan = _text("default", "Fake reply.")
    elif item.get("type") == "tool_result":
        plan = _continuation(body, item)
    else:
        plan = _from_prompt(str(item.get("text", "")))
    plan.side = is_side_request(body)
    return plan
