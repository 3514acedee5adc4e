"""``claude-coder serve --stdio`` spoken to by hand over pipes, driving the real Claude Code.

No ssh here (the sshd tests live in ``tests/remote``): each test runs the host side as a
child process with the offline launcher as its Claude Code and speaks the protocol's
JSON lines itself: turns on both transports, asks answered by the test, an interrupt,
close and the grace leaving no process, a refused hello, bad lines, a re-attach that
replays exactly what was missed, a repeated rid, refused credentials, and a sent
secret that never appears in a line written.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from tests.integration.pty_support import PTY_PROFILE
from tests.integration.sdk_support import cli_env
from tests.integration.serve_support import SERVE, Served, profile
from tests.support.fake_api import FakeApi
from tests.support.procs import wait_gone

from claude_coder.errors import CredentialRefused
from claude_coder.events import (
    AssistantText,
    Boundary,
    SessionStarted,
    TextDelta,
    ToolResult,
    TurnEnded,
)
from claude_coder.transports.remote._protocol import LINE_LIMIT, error_from_wire

SECRET = "sk-sent-secret-VALUE-9f3c2a71"
Spawn = Callable[..., Awaitable[Served]]


@pytest.fixture
def runtime_dir() -> Iterator[Path]:
    """A short private runtime dir (UNIX socket paths are bounded) for the keepers."""
    path = Path(tempfile.mkdtemp(prefix="cc-rt-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
async def serve(offline_claude: Path, runtime_dir: Path, tmp_path: Path) -> AsyncIterator[Spawn]:
    """``await serve(extra_env=None, launcher=None)``: a new serve process for this test."""
    started: list[Served] = []

    async def spawn(
        *, extra_env: Mapping[str, str] | None = None, launcher: Path | None = None
    ) -> Served:
        env = cli_env(
            launcher or offline_claude,
            {"XDG_RUNTIME_DIR": str(runtime_dir), "TMPDIR": str(runtime_dir)},
        )
        env.update(extra_env or {})
        proc = await asyncio.create_subprocess_exec(
            *SERVE,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=tmp_path,
            limit=1 << 25,
        )
        served = Served(proc)
        started.append(served)
        return served

    yield spawn
    for served in started:
        served.kill()
        await served.exit_code()


async def _close(served: Served) -> list[dict[str, Any]]:
    """``close``: its reply, then ``ended``, then the end of stdout and exit 0."""
    answer = await served.request("close")
    assert answer["ok"], answer
    rest = await served.rest()
    assert [m["op"] for m in rest] == ["ended"]
    assert await served.exit_code() == 0
    assert b"Traceback" not in served.stderr, served.stderr.decode()
    return rest


# -- turns -------------------------------------------------------------------------------


async def test_a_text_turn_on_the_sdk_transport(
    serve: Spawn, fake_api: FakeApi, tmp_path: Path
) -> None:
    served = await serve()
    opened = await served.open(profile(), cwd=str(tmp_path))
    assert len(opened["handle"]) == 32 and opened["cwd"] == str(tmp_path)
    pids = served.descendants()
    assert len(pids) > 1  # the keeper and its Claude Code
    assert os.getsid(served.pid) == served.pid  # its own session: ssh's teardown spares it
    os.kill(served.pid, signal.SIGHUP)  # what a dying ssh session may send: ignored
    ended = await served.turn("reply:hello over stdio")
    assert isinstance(ended, TurnEnded) and ended.result.boundary is Boundary.COMPLETED
    assert ended.result.text == "hello over stdio"
    assert opened["session_id"] == ended.result.session_id
    kinds = [type(e) for e in served.events()]
    assert SessionStarted in kinds and AssistantText in kinds
    seqs = [m["seq"] for m in served.seen if "seq" in m]
    assert seqs == list(range(1, len(seqs) + 1))
    await _close(served)
    await wait_gone(pids)
    assert fake_api.prompts_seen() == ["reply:hello over stdio"]


async def test_a_text_turn_on_the_pty_transport_with_raw_bytes(
    serve: Spawn, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    seed_tui(tmp_path)
    served = await serve()
    await served.open(profile(**PTY_PROFILE), transport="pty", cwd=str(tmp_path), raw=True)
    pids = served.descendants()
    ended = await served.turn("reply:hello from the host's pty")
    assert isinstance(ended, TurnEnded) and ended.result.boundary is Boundary.COMPLETED
    assert ended.result.text == "hello from the host's pty"
    started = [e for e in served.events() if isinstance(e, SessionStarted)]
    assert started and started[0].transport == "pty"
    raw = b"".join(base64.b64decode(m["data"]) for m in served.of("raw"))
    assert b"hello from the host" in raw
    assert all("seq" not in m for m in served.of("raw"))
    await _close(served)
    await wait_gone(pids)


async def test_a_permission_is_asked_of_the_client_and_its_answer_applies(
    serve: Spawn, fake_api: FakeApi, tmp_path: Path
) -> None:
    served = await serve()
    await served.open(profile(), cwd=str(tmp_path))
    await served.request("send", text="bash:touch granted.txt")
    ask = await served.until(lambda m: m["op"] == "ask")
    assert ask["kind"] == "permission" and ask["request"]["tool"] == "Bash"
    assert ask["request"]["input"]["command"] == "touch granted.txt"
    served.write(b'{"no op here": true}\n')  # a bad line mid-turn: answered, skipped
    bad = await served.until(lambda m: m["op"] == "error")
    assert "ignored" in bad["error"]["message"]
    await served.send({"op": "answer", "id": ask["id"], "decision": {"allow": True, "by": "test"}})
    ended = await served.until_event(TurnEnded)
    assert ended.result.boundary is Boundary.COMPLETED
    assert (tmp_path / "granted.txt").exists()
    await served.request("send", text="bash:touch refused.txt")
    ask = await served.until(lambda m: m["op"] == "ask")
    decision = {"allow": False, "by": "test", "message": "not this one"}
    await served.send({"op": "answer", "id": ask["id"], "decision": decision})
    await served.send({"op": "answer", "id": ask["id"], "decision": {"allow": True}})  # ignored
    ended = await served.until_event(TurnEnded)
    assert not (tmp_path / "refused.txt").exists()
    results = [e for e in served.events() if isinstance(e, ToolResult)]
    assert results[-1].is_error and "not this one" in results[-1].output
    await _close(served)


async def test_a_question_is_asked_of_the_client_and_answered(
    serve: Spawn, fake_api: FakeApi, tmp_path: Path
) -> None:
    served = await serve()
    await served.open(profile(), cwd=str(tmp_path))
    await served.request("send", text="ask:Which colour?|Red|Blue")
    ask = await served.until(lambda m: m["op"] == "ask")
    assert ask["kind"] == "question"
    (question,) = ask["request"]["questions"]
    assert question["question"] == "Which colour?"
    assert [o["label"] for o in question["options"]] == ["Red", "Blue"]
    await served.send({"op": "answer", "id": ask["id"], "answers": {"Which colour?": "Blue"}})
    ended = await served.until_event(TurnEnded)
    assert "You answered: Blue" in ended.result.text
    await _close(served)


async def test_an_interrupt_ends_the_running_turn(
    serve: Spawn, fake_api: FakeApi, tmp_path: Path
) -> None:
    served = await serve()
    await served.open(profile(), cwd=str(tmp_path))
    await served.request("send", text="slow:40:0.25")
    await served.until_event(TextDelta)
    answer = await served.request("interrupt")
    assert answer["ok"], answer
    ended = await served.until_event(TurnEnded)
    assert ended.result.boundary is Boundary.INTERRUPTED
    after = await served.turn("reply:still here")
    assert after.result.text == "still here"
    await _close(served)


# -- the connection ----------------------------------------------------------------------


async def test_another_protocol_version_is_refused_and_nothing_else_is_written(
    serve: Spawn,
) -> None:
    served = await serve()
    answer = await served.hello(version=99, claude_coder="9.9.9")
    assert answer["op"] == "error" and answer["error"]["type"] == "HostError"
    message = answer["error"]["message"]
    assert "protocol 1" in message and "9.9.9" in message and "same version" in message
    assert await served.rest() == []
    assert await served.exit_code() == 2


async def test_a_bad_line_is_answered_and_the_connection_kept_an_oversized_one_closes_it(
    serve: Spawn,
) -> None:
    served = await serve()
    assert (await served.hello())["op"] == "hello"
    served.write(b"this is not json\n")
    error = await served.next()
    assert error is not None and error["op"] == "error"
    assert "ignored" in error["error"]["message"]
    answer = await served.request("call", what="nothing-here", args={})
    assert answer["ok"] is False and "unknown call" in answer["error"]["message"]
    served.write(b"[" * (LINE_LIMIT + 10) + b"\n")
    error = await served.next()
    assert error is not None and error["op"] == "error"
    assert "over the limit" in error["error"]["message"]
    assert await served.rest() == []
    assert await served.exit_code() == 0


async def test_an_open_without_a_spec_is_one_config_error(serve: Spawn) -> None:
    served = await serve()
    assert (await served.hello())["op"] == "hello"
    answer = await served.request("open", spec="not an object")
    assert answer["ok"] is False and answer["error"]["type"] == "ConfigError"
    assert "needs a spec object" in answer["error"]["message"]
    assert await served.exit_code() == 2


async def test_a_dropped_connection_re_attaches_and_gets_exactly_what_it_missed(
    serve: Spawn, fake_api: FakeApi, tmp_path: Path
) -> None:
    first = await serve()
    opened = await first.open(profile(), cwd=str(tmp_path), grace_s=60)
    sent = await first.request("send", rid=7, text="slow:12:0.2")
    await first.until_event(TextDelta)
    since = max(m["seq"] for m in first.seen if "seq" in m)
    first.end_input()  # the connection drops mid-turn; what the pipe still holds is lost
    second = await serve()
    assert (await second.hello())["op"] == "hello"
    attached = await second.request("attach", handle=opened["handle"], since=since)
    assert attached["ok"], attached
    assert attached["result"]["session_id"] == opened["session_id"]
    await second.until_event(TurnEnded)
    replayed = [m for m in second.seen if "seq" in m]
    assert [m["seq"] for m in replayed] == list(range(since + 1, since + 1 + len(replayed)))
    assert attached["result"]["replayed"] >= 1
    union = [m for m in first.seen if "seq" in m and m["seq"] <= since] + replayed
    assert [m["seq"] for m in union] == list(range(1, len(union) + 1))
    texts = "".join(
        m["event"]["text"]
        for m in union
        if m["op"] == "event" and m["event"]["kind"] == "text_delta"
    )
    assert texts.rstrip() == " ".join(f"chunk{i}" for i in range(12))
    again = await second.request("send", rid=7, text="slow:12:0.2")  # re-sent: not acted on
    assert again == {**sent, "op": "reply"}
    after = await second.turn("reply:after the re-attach")
    assert after.result.text == "after the re-attach"
    assert fake_api.prompts_seen() == ["slow:12:0.2", "reply:after the re-attach"]
    second.end_input()  # dropped again: the relay ends, the keeper waits once more
    assert await second.exit_code() == 0
    third = await serve()
    assert (await third.hello())["op"] == "hello"
    last = max(m["seq"] for m in second.seen if "seq" in m)
    again_attached = await third.request("attach", handle=opened["handle"], since=last)
    assert again_attached["ok"], again_attached
    third_turn = await third.turn("reply:third connection")
    assert third_turn.result.text == "third connection"
    assert min(m["seq"] for m in third.seen if "seq" in m) == last + 1
    await _close(third)
    assert await first.exit_code() == 0


async def test_an_ask_a_dropped_connection_left_unanswered_is_asked_again_on_attach(
    serve: Spawn, fake_api: FakeApi, tmp_path: Path
) -> None:
    first = await serve()
    opened = await first.open(profile(), cwd=str(tmp_path), grace_s=60)
    await first.request("send", text="bash:touch late.txt")
    ask = await first.until(lambda m: m["op"] == "ask")
    first.end_input()
    second = await serve()
    assert (await second.hello())["op"] == "hello"
    attached = await second.request("attach", handle=opened["handle"], since=ask["seq"])
    assert attached["ok"], attached
    again = await second.until(lambda m: m["op"] == "ask")
    assert again["id"] == ask["id"] and again["seq"] > ask["seq"]
    assert again["request"] == ask["request"]
    await second.send({"op": "answer", "id": ask["id"], "decision": {"allow": True}})
    ended = await second.until_event(TurnEnded)
    assert ended.result.boundary is Boundary.COMPLETED and (tmp_path / "late.txt").exists()
    await _close(second)
    assert await first.exit_code() == 0


async def test_a_repeated_rid_gets_the_first_reply_and_is_not_sent_twice(
    serve: Spawn, fake_api: FakeApi, tmp_path: Path
) -> None:
    served = await serve()
    await served.open(profile(), cwd=str(tmp_path))
    first = await served.request("send", rid=5, text="reply:once")
    await served.until_event(TurnEnded)
    again = await served.request("send", rid=5, text="reply:once")
    assert again == first
    other = await served.request("interrupt", rid=5)
    assert other["ok"] is False and "already used" in other["error"]["message"]
    await served.turn("reply:twice")
    assert fake_api.prompts_seen() == ["reply:once", "reply:twice"]
    assert len([e for e in served.events() if isinstance(e, TurnEnded)]) == 2
    await _close(served)


async def test_no_attach_within_the_grace_closes_claude_code(
    serve: Spawn, fake_api: FakeApi, tmp_path: Path, runtime_dir: Path
) -> None:
    served = await serve()
    opened = await served.open(profile(), cwd=str(tmp_path), grace_s=0.3)
    sock = runtime_dir / f"claude-coder-{os.getuid()}" / f"remote-{opened['handle'][:16]}.sock"
    assert sock.exists() and (sock.stat().st_mode & 0o777) == 0o600
    assert (sock.parent.stat().st_mode & 0o777) == 0o700
    pids = served.descendants()
    served.end_input()
    assert await served.exit_code() == 0
    await wait_gone(pids)
    assert not sock.exists()
    late = await serve()
    assert (await late.hello())["op"] == "hello"
    answer = await late.request("attach", handle=opened["handle"], since=0)
    assert answer["ok"] is False and "resume it by its session id" in answer["error"]["message"]


async def test_sigterm_closes_claude_code_and_the_socket(
    serve: Spawn, fake_api: FakeApi, tmp_path: Path, runtime_dir: Path
) -> None:
    served = await serve()
    opened = await served.open(profile(), cwd=str(tmp_path))
    sock = runtime_dir / f"claude-coder-{os.getuid()}" / f"remote-{opened['handle'][:16]}.sock"
    pids = served.descendants()
    os.kill(served.pid, signal.SIGTERM)
    assert await served.exit_code() == 0
    await wait_gone(pids)
    assert not sock.exists()


# -- security ----------------------------------------------------------------------------


async def test_an_api_key_reaching_claude_code_on_the_host_is_refused_as_credential_refused(
    serve: Spawn, make_offline_claude: Callable[..., Path], fake_api: FakeApi, tmp_path: Path
) -> None:
    key = "sk-ant-api03-host-injected-key"
    sneaky = make_offline_claude(extra_env={"ANTHROPIC_API_KEY": key})
    served = await serve(launcher=sneaky)
    assert (await served.hello())["op"] == "hello"
    spec = {"profile": profile(), "cwd": str(tmp_path)}
    answer = await served.request("open", spec=spec)
    assert answer["ok"] is False and answer["error"]["exit_code"] == 2
    refused = error_from_wire(answer["error"], "devbox")
    assert isinstance(refused, CredentialRefused), answer  # LoginNotProven, precisely
    assert "ANTHROPIC_API_KEY" in refused.message
    assert await served.rest() == []
    assert await served.exit_code() == 2
    assert key not in served.stdout.decode() + served.stderr.decode()
    assert fake_api.prompts_seen() == []


async def test_an_api_key_in_the_hosts_environment_is_stripped_before_claude_code(
    serve: Spawn, fake_api: FakeApi, tmp_path: Path
) -> None:
    key = "sk-ant-api03-in-the-host-shell"
    served = await serve(extra_env={"ANTHROPIC_API_KEY": key})
    await served.open(profile(), cwd=str(tmp_path))
    await served.request("send", text="bash:env")
    ask = await served.until(lambda m: m["op"] == "ask")
    await served.send({"op": "answer", "id": ask["id"], "decision": {"allow": True}})
    await served.until_event(TurnEnded)
    (result,) = [e for e in served.events() if isinstance(e, ToolResult)]
    assert "ANTHROPIC_API_KEY" not in result.output and "HOME=" in result.output
    assert key not in served.stdout.decode()
    await _close(served)


async def test_a_profile_asking_for_an_api_key_is_refused_on_the_host(serve: Spawn) -> None:
    served = await serve()
    assert (await served.hello())["op"] == "hello"
    sent = profile(env={"ANTHROPIC_API_KEY": "sk-ant-api03-from-the-profile"})
    answer = await served.request("open", spec={"profile": sent})
    assert answer["ok"] is False and answer["error"]["type"] == "CredentialRefused"
    assert "ANTHROPIC_API_KEY" in answer["error"]["message"]
    assert "sk-ant-api03" not in served.stdout.decode()
    assert await served.exit_code() == 2


async def test_a_hosts_settings_file_with_a_key_helper_is_refused_there(
    serve: Spawn, fake_api: FakeApi, tmp_path: Path
) -> None:
    helper = "sk-ant-api03-from-a-helper"
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({"apiKeyHelper": f"echo {helper}"}))
    served = await serve()
    assert (await served.hello())["op"] == "hello"
    answer = await served.request("open", spec={"profile": profile(), "cwd": str(tmp_path)})
    assert answer["ok"] is False and answer["error"]["type"] == "SettingsRefused"
    assert str(settings) in answer["error"]["message"]
    assert "apiKeyHelper" in answer["error"]["message"]
    assert await served.exit_code() == 2
    assert helper not in served.stdout.decode() + served.stderr.decode()
    assert fake_api.prompts_seen() == []


async def test_a_sent_secret_reaches_claude_code_and_never_a_line_written(
    serve: Spawn, fake_api: FakeApi, tmp_path: Path
) -> None:
    served = await serve()
    sent = profile(env={"MY_TOKEN": {"secretRef": "env:ONLY_ON_THE_CLIENT"}})
    await served.open(sent, cwd=str(tmp_path), secrets={"MY_TOKEN": SECRET})
    echoed = await served.turn(f"echo:the token is {SECRET}")
    assert echoed.result.text == "the token is ***"
    await served.request("send", text="bash:printf %s $MY_TOKEN")
    ask = await served.until(lambda m: m["op"] == "ask")
    await served.send({"op": "answer", "id": ask["id"], "decision": {"allow": True}})
    await served.until_event(TurnEnded)
    results = [e for e in served.events() if isinstance(e, ToolResult)]
    assert results and results[-1].output == "***"  # it reached Claude Code's shell
    await _close(served)
    written = served.stdout.decode()
    assert SECRET not in written and json.dumps(SECRET)[1:-1] not in written
    assert base64.b64encode(SECRET.encode()).decode() not in written
    assert SECRET not in served.stderr.decode()
