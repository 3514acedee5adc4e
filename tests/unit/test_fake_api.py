"""The fake Messages API's scripts, counters and log, exercised with a plain HTTP client."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from tests.support.fake_api import FakeApi
from tests.support.first_party import CA_FILE

TOOLS = [{"name": "Bash", "description": "run", "input_schema": {"type": "object"}}]


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with FakeApi() as server:
        yield server


def body_for(
    content: Any, *, stream: bool = True, tools: Any = TOOLS, **extra: Any
) -> dict[str, Any]:
    msgs = content if isinstance(content, list) else [{"role": "user", "content": content}]
    return {
        "model": "claude-sonnet-5-5",
        "messages": msgs,
        "tools": tools,
        "stream": stream,
        **extra,
    }


def post(
    api: FakeApi, body: Any, path: str = "/v1/messages?beta=true"
) -> tuple[int, dict[str, str], bytes]:
    data = json.dumps(body).encode()
    headers = {"content-type": "application/json", "authorization": "Bearer sk-secret-token"}
    req = urllib.request.Request(api.url + path, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def sse(raw: bytes) -> list[dict[str, Any]]:
    events = []
    for chunk in raw.decode().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in chunk.splitlines() if ": " in line)
        if "data" in lines:
            data = json.loads(lines["data"])
            assert data["type"] == lines["event"]
            events.append(data)
    return events


def text_of(events: list[dict[str, Any]]) -> str:
    return "".join(
        e["delta"]["text"]
        for e in events
        if e["type"] == "content_block_delta" and e["delta"]["type"] == "text_delta"
    )


def tool_uses(events: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    out, partial, names = [], {}, {}
    for e in events:
        if e["type"] == "content_block_start" and e["content_block"]["type"] == "tool_use":
            names[e["index"]], partial[e["index"]] = e["content_block"]["name"], ""
        elif e["type"] == "content_block_delta" and e["delta"]["type"] == "input_json_delta":
            partial[e["index"]] += e["delta"]["partial_json"]
        elif e["type"] == "content_block_stop" and e["index"] in names:
            out.append((names[e["index"]], json.loads(partial[e["index"]])))
    return out


def stream_text(api: FakeApi, prompt: Any) -> str:
    status, _, raw = post(api, body_for(prompt))
    assert status == 200
    return text_of(sse(raw))


def test_default_reply_includes_prompt_json(api: FakeApi) -> None:
    status, _, raw = post(api, body_for("hello world", stream=False))
    assert status == 200
    msg = json.loads(raw)
    assert msg["content"] == [{"type": "text", "text": "Fake reply to: hello world"}]
    assert msg["stop_reason"] == "end_turn"
    assert msg["usage"]["output_tokens"] > 0


def test_stream_event_order(api: FakeApi) -> None:
    _, headers, raw = post(api, body_for("hi"))
    assert headers["content-type"].startswith("text/event-stream")
    kinds = [e["type"] for e in sse(raw)]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    assert kinds[1:4] == ["content_block_start", "content_block_delta", "content_block_stop"]
    delta = sse(raw)[-2]
    assert delta["delta"]["stop_reason"] == "end_turn" and delta["usage"]["output_tokens"] > 0


def test_echo_is_verbatim(api: FakeApi) -> None:
    assert stream_text(api, "echo: sk-ant-secret  x") == " sk-ant-secret  x"
    assert stream_text(api, "reply: done") == "done"


def test_last_user_text_wins(api: FakeApi) -> None:
    merged = [
        {"role": "system", "content": [{"type": "text", "text": "env"}]},
        {"role": "user", "content": "reply:first"},
        {"role": "assistant", "content": [{"type": "text", "text": "first"}]},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "reply:old"},
                {"type": "text", "text": "[Request interrupted by user]"},
                {"type": "text", "text": "reply:new"},
                {"type": "text", "text": "<system-reminder>noise</system-reminder>"},
            ],
        },
        {"role": "system", "content": [{"type": "text", "text": "trailing"}]},
    ]
    assert stream_text(api, merged) == "new"
    assert api.prompts_seen() == ["reply:new"]


def test_the_next_prompt_wins_over_a_rejected_tool_result_sent_with_it(api: FakeApi) -> None:
    use = {"type": "tool_use", "id": "toolu_9", "name": "Bash", "input": {}}
    rejected = {
        "type": "tool_result",
        "tool_use_id": "toolu_9",
        "content": "The user doesn't want to proceed with this tool use.",
        "is_error": True,
    }
    merged = [
        {"role": "user", "content": "bash:touch denied.txt"},
        {"role": "assistant", "content": [use]},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "reply:the next prompt"},
                rejected,
                {"type": "text", "text": "[Request interrupted by user for tool use]"},
            ],
        },
    ]
    assert stream_text(api, merged) == "the next prompt"
    assert api.prompts_seen()[-1] == "reply:the next prompt"


@pytest.mark.parametrize(
    ("prompt", "name", "expected"),
    [
        ("bash:touch a.txt", "Bash", {"command": "touch a.txt", "description": "Run touch a.txt"}),
        ("write:out/x.txt|body", "Write", {"file_path": "out/x.txt", "content": "body"}),
    ],
)
def test_tool_scripts(api: FakeApi, prompt: str, name: str, expected: dict[str, Any]) -> None:
    _, _, raw = post(api, body_for(prompt))
    events = sse(raw)
    assert tool_uses(events) == [(name, expected)]
    assert events[-2]["delta"]["stop_reason"] == "tool_use"


def test_ask_script_shape(api: FakeApi) -> None:
    _, _, raw = post(api, body_for("ask:Which?|A|B|C"))
    [(name, inp)] = tool_uses(sse(raw))
    assert name == "AskUserQuestion"
    [q] = inp["questions"]
    assert q["question"] == "Which?" and [o["label"] for o in q["options"]] == ["A", "B", "C"]


def _continuation(name: str, result: str, is_error: bool = False) -> list[dict[str, Any]]:
    use = {"type": "tool_use", "id": "toolu_1", "name": name, "input": {}}
    res = {"type": "tool_result", "tool_use_id": "toolu_1", "content": result, "is_error": is_error}
    return [
        {"role": "user", "content": "bash:touch a"},
        {"role": "assistant", "content": [use]},
        {"role": "user", "content": [res]},
    ]


def test_tool_result_continues(api: FakeApi) -> None:
    assert stream_text(api, _continuation("Bash", "ok")) == "The Bash tool finished: ok"
    assert stream_text(api, _continuation("Bash", "no", True)) == "The Bash tool failed: no"
    answered = 'Your questions have been answered: "Which?"="B". You can now continue.'
    assert "You answered: B." in stream_text(api, _continuation("AskUserQuestion", answered))
    assert api.prompts_seen() == []  # continuations are not prompts
    assert [r.script for r in api.messages_requests()] == ["continue"] * 3


def test_slow_and_deltas(api: FakeApi) -> None:
    _, _, raw = post(api, body_for("slow:4:0.01"))
    deltas = [e for e in sse(raw) if e["type"] == "content_block_delta"]
    assert len(deltas) == 4 and text_of(sse(raw)) == "chunk0 chunk1 chunk2 chunk3 "
    _, _, raw = post(api, body_for("deltas:50"))
    assert len([e for e in sse(raw) if e["type"] == "content_block_delta"]) == 50


def _in_thread(fn: Any, *args: Any) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    t = threading.Thread(target=lambda: out.append(fn(*args)), daemon=True)
    t.start()
    return t, out


def test_stall_until_released(api: FakeApi) -> None:
    t, out = _in_thread(post, api, body_for("stall:"))
    api.wait_for_stall(1, timeout=10)
    assert api.in_flight == 1 and not out
    api.release_stalls()
    t.join(10)
    assert text_of(sse(out[0][2])) == "Released after a stall."
    assert api.wait_for(lambda s: s.stalled == 0 and s.in_flight == 0, 5)


def test_stall_timeout_finishes(api: FakeApi) -> None:
    assert stream_text(api, "stall:0.05") == "Released after a stall."


def test_concurrency_counted(api: FakeApi) -> None:
    threads = [_in_thread(post, api, body_for("stall:"))[0] for _ in range(3)]
    api.wait_for_stall(3, timeout=10)
    assert api.in_flight == 3
    api.release_stalls()
    for t in threads:
        t.join(10)
    assert api.wait_for(lambda s: s.in_flight == 0, 5)
    assert api.max_in_flight == 3


@pytest.mark.parametrize(
    ("status", "etype"), [(400, "invalid_request_error"), (529, "overloaded_error")]
)
def test_error_script(api: FakeApi, status: int, etype: str) -> None:
    code, headers, raw = post(api, body_for(f"error:{status}"))
    assert code == status
    assert json.loads(raw)["error"]["type"] == etype
    assert headers["x-should-retry"] == "false"
    code, _, raw = post(api, body_for("error:500:api_error:boom"))
    assert json.loads(raw) == {"type": "error", "error": {"type": "api_error", "message": "boom"}}


def test_ratelimit_headers(api: FakeApi) -> None:
    now = int(time.time())
    code, headers, raw = post(api, body_for("ratelimit:60:seven_day"))
    assert code == 429 and json.loads(raw)["error"]["type"] == "rate_limit_error"
    assert headers["anthropic-ratelimit-unified-status"] == "rejected"
    assert now + 60 <= int(headers["anthropic-ratelimit-unified-reset"]) <= int(time.time()) + 60
    assert headers["anthropic-ratelimit-unified-representative-claim"] == "seven_day"


def test_title_request_is_side(api: FakeApi) -> None:
    system = [{"type": "text", "text": 'Return JSON with a single "title" field.'}]
    status, _, raw = post(
        api, body_for("fix the build please", tools=[], system=system, stream=False)
    )
    assert status == 200
    title = json.loads(json.loads(raw)["content"][0]["text"])["title"]
    assert title == "Fake title fix the build please"
    post(api, body_for("quota", tools=[], max_tokens=1))
    assert api.prompts_seen() == [] and api.max_in_flight == 0
    assert len(api.messages_requests(include_side=True)) == 2


def test_count_tokens_and_404(api: FakeApi) -> None:
    status, _, raw = post(api, body_for("x"), "/v1/messages/count_tokens?beta=true")
    assert status == 200 and json.loads(raw)["input_tokens"] > 0
    status, _, raw = post(api, {}, "/api/oauth/profile")
    assert status == 404 and json.loads(raw)["error"]["type"] == "not_found_error"
    assert [r.kind for r in api.requests] == ["count_tokens", "other"]


def test_auth_headers_never_logged(api: FakeApi) -> None:
    post(api, body_for("hi"))
    assert api.requests[0].headers["authorization"] == "<redacted>"
    assert "sk-secret-token" not in repr(api.requests)


def test_connect_refused_and_logged(api: FakeApi) -> None:
    with socket.create_connection((api.host, api.port), timeout=10) as sock:
        sock.sendall(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 403")
    [rec] = api.connect_attempts()
    assert rec.target == "example.com:443"
    assert api.foreign_requests() == [rec]


def test_first_party_tunnel_reaches_the_fake_over_tls(api: FakeApi) -> None:
    """CONNECT api.anthropic.com:443 is served locally, with a certificate only the test CA
    vouches for."""
    ctx = ssl.create_default_context(cafile=str(CA_FILE))
    with socket.create_connection((api.host, api.port), timeout=10) as raw:
        raw.sendall(b"CONNECT api.anthropic.com:443 HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n")
        assert raw.recv(4096).startswith(b"HTTP/1.1 200")
        with ctx.wrap_socket(raw, server_hostname="api.anthropic.com") as tls:
            body = json.dumps(body_for("reply:over tls", stream=False)).encode()
            tls.sendall(
                b"POST /v1/messages HTTP/1.1\r\nHost: api.anthropic.com\r\n"
                b"Content-Type: application/json\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            reply = b""
            while chunk := tls.recv(65536):
                reply += chunk
    assert reply.startswith(b"HTTP/1.1 200") and b"over tls" in reply
    assert api.connect_attempts() == [] and api.front is not None and api.front.tunnels == 1
    with (
        pytest.raises(ssl.SSLCertVerificationError),
        socket.create_connection((api.host, api.port), timeout=10) as raw,
    ):
        raw.sendall(b"CONNECT api.anthropic.com:443 HTTP/1.1\r\nHost: x\r\n\r\n")
        raw.recv(4096)
        ssl.create_default_context().wrap_socket(raw, server_hostname="api.anthropic.com")


def test_wait_and_reset(api: FakeApi) -> None:
    with pytest.raises(TimeoutError):
        api.wait_for_requests(1, timeout=0.05)
    post(api, body_for("one"))
    assert [r.prompt for r in api.wait_for_requests(1, timeout=5)] == ["one"]
    api.reset()
    assert api.requests == [] and api.prompts_seen() == []


async def test_usable_from_async_tests(api: FakeApi) -> None:
    async with aiohttp.ClientSession() as client:
        resp = await client.post(
            f"{api.url}/v1/messages", json=body_for("reply:async", stream=False)
        )
        async with resp:
            assert (await resp.json())["content"][0]["text"] == "async"
    recs = await api.async_wait_for_requests(1, timeout=5)
    assert recs[0].prompt == "reply:async"


def test_stop_with_open_stall_is_prompt() -> None:
    server = FakeApi().start()
    t, _ = _in_thread(post, server, body_for("stall:"))
    server.wait_for_stall(1, timeout=10)
    server.stop()
    t.join(10)
    assert not t.is_alive()


def test_client_disconnect_during_stall(api: FakeApi) -> None:
    data = json.dumps(body_for("stall:")).encode()
    head = (
        "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    with socket.create_connection((api.host, api.port), timeout=10) as sock:
        sock.sendall(head.encode() + data)
        api.wait_for_stall(1, timeout=10)
    assert api.wait_for(lambda s: s.in_flight == 0 and s.stalled == 0, 10)
    assert api.messages_requests()[0].disconnected
