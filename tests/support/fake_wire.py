"""Wire format of the fake Messages API: a reply plan as SSE events or a JSON message."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.support.fake_scripts import Block, Plan

STALL = object()  # marker in an event list: wait for release here
DELAY = object()  # marker in an event list: sleep the plan's delta delay here


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _split(text: str, n: int) -> list[str]:
    if n <= 1 or not text:
        return [text]
    words = text.split(" ")
    if len(words) >= n:
        per = -(-len(words) // n)
        return [" ".join(words[i : i + per]) + " " for i in range(0, len(words), per)]
    size = -(-len(text) // n)
    return [text[i : i + size] for i in range(0, len(text), size)]


def approx_tokens(body: Any) -> int:
    return max(1, len(json.dumps(body)) // 4) if body is not None else 1


def _usage(body: dict[str, Any], out: int, plan: Plan | None = None) -> dict[str, Any]:
    """Usage the way the real API reports it: cache writes as a total AND split by
    duration (ccusage 18 reads the total, 20 the split), cache reads for the tools.

    Deterministic from the body: the system prompt is "written" to the cache (a quarter
    of it for an hour), the tool definitions are "read" from it. A plan with fixed
    ``usage`` reports exactly those input and output tokens and no cache tokens (so two
    identical turns cost exactly the same, whatever the request grew by).
    """
    fixed = plan.usage if plan is not None else None
    written = approx_tokens(body.get("system")) if body.get("system") and not fixed else 0
    hour = written // 4
    read = approx_tokens(body.get("tools")) if body.get("tools") and not fixed else 0
    return {
        "input_tokens": fixed[0] if fixed else approx_tokens(body.get("messages")),
        "output_tokens": out,
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": read,
        "cache_creation": {
            "ephemeral_5m_input_tokens": written - hour,
            "ephemeral_1h_input_tokens": hour,
        },
        "service_tier": "standard",
    }


def message_json(body: dict[str, Any], plan: Plan) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for b in plan.blocks:
        if b.kind == "text":
            content.append({"type": "text", "text": b.text})
        else:
            content.append({"type": "tool_use", "id": _tool_id(), "name": b.name, "input": b.input})
    return {
        "id": f"msg_fake_{uuid.uuid4().hex[:20]}",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "claude-fake"),
        "content": content,
        "stop_reason": plan.stop_reason,
        "stop_sequence": None,
        "usage": _usage(body, _out_tokens(plan), plan),
    }


def request_id() -> str:
    """A ``request-id`` response header like the real API's (Claude Code records it as
    the assistant record's ``requestId``; usage tools dedupe on message id + request id)."""
    return f"req_fake_{uuid.uuid4().hex[:24]}"


def _tool_id() -> str:
    return f"toolu_fake{uuid.uuid4().hex[:20]}"


def _out_tokens(plan: Plan) -> int:
    if plan.usage is not None:
        return plan.usage[1]
    return max(1, sum(len(b.text) // 4 + len(json.dumps(b.input)) // 4 for b in plan.blocks))


def events(body: dict[str, Any], plan: Plan) -> list[Any]:
    msg = message_json(body, plan)
    start = {**msg, "content": [], "stop_reason": None, "usage": _usage(body, 1, plan)}
    out: list[Any] = [_sse("message_start", {"type": "message_start", "message": start})]
    for i, b in enumerate(plan.blocks):
        out.extend(_block_events(i, b, plan, msg["content"][i]))
    delta = {"stop_reason": plan.stop_reason, "stop_sequence": None}
    usage = {"output_tokens": _out_tokens(plan)}
    out.append(_sse("message_delta", {"type": "message_delta", "delta": delta, "usage": usage}))
    out.append(_sse("message_stop", {"type": "message_stop"}))
    return out


def _block_events(i: int, b: Block, plan: Plan, full: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    if b.kind == "text":
        start = {
            "type": "content_block_start",
            "index": i,
            "content_block": {"type": "text", "text": ""},
        }
        out.append(_sse("content_block_start", start))
        if plan.stall_timeout is not None and i == 0:
            out.append(STALL)
        for piece in _split(b.text, b.chunks):
            if plan.delta_delay:
                out.append(DELAY)
            delta = {"type": "text_delta", "text": piece}
            out.append(
                _sse(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": i, "delta": delta},
                )
            )
    else:
        cb = {"type": "tool_use", "id": full["id"], "name": b.name, "input": {}}
        out.append(
            _sse(
                "content_block_start",
                {"type": "content_block_start", "index": i, "content_block": cb},
            )
        )
        raw = json.dumps(b.input)
        half = len(raw) // 2
        for part in (raw[:half], raw[half:]):
            delta = {"type": "input_json_delta", "partial_json": part}
            out.append(
                _sse(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": i, "delta": delta},
                )
            )
    out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": i}))
    return out
