"""Smoke: the real bundled Claude Code runs offline through the launcher against the fake API.

Also proves each fake-API script against the real binary (the other engineers' tests
rely on them): tool scripts through the stream-json control protocol, the rate-limit
rejection, an API error, and the interactive TUI reaching its idle prompt.
"""

from __future__ import annotations

import json
import os
import select
import time
from pathlib import Path
from typing import Any

import ptyprocess
import pyte
import pytest
from tests.support.claude_runs import StreamJsonChild, run_print, stream_json_turn
from tests.support.fake_api import FakeApi
from tests.support.launcher import REFUSED_EXIT, seed_claude_json
from tests.support.transcripts import TranscriptBuilder, transcript_path

DEFAULT_MODE = ("--permission-mode", "default")


def _init(msgs: list[dict[str, Any]]) -> dict[str, Any]:
    return next(m for m in msgs if m.get("type") == "system" and m.get("subtype") == "init")


def _no_escape(api: FakeApi) -> None:
    """Nothing left 127.0.0.1: every foreign attempt was refused by the sink, and
    api.anthropic.com was only ever the fake API's local first-party front."""
    for rec in api.foreign_requests():
        assert rec.status in (403, 404), rec
    foreign = {id(r) for r in api.foreign_requests()}
    for rec in [r for r in api.requests if id(r) not in foreign]:
        host = rec.headers.get("host", "")
        assert host.startswith("127.0.0.1") or host == "api.anthropic.com", rec.headers


def test_one_real_turn(offline_claude: Path, fake_api: FakeApi, tmp_path: Path) -> None:
    code, msgs, err = run_print(offline_claude, "reply:smoke ok", tmp_path)
    assert code == 0, err
    assert _init(msgs)["apiKeySource"] == "none"
    result = msgs[-1]
    assert result["type"] == "result"
    assert result["is_error"] is False
    assert result["result"] == "smoke ok"
    assert fake_api.prompts_seen() == ["reply:smoke ok"]
    main = fake_api.messages_requests()
    assert main[0].query.get("beta") == "true"
    assert main[0].body["stream"] is True
    assert "authorization" in main[0].headers  # the OAuth path, value never logged
    assert main[0].headers["authorization"] == "<redacted>"
    _no_escape(fake_api)


def test_config_lands_in_temp_home(offline_claude: Path, fake_api: FakeApi, tmp_path: Path) -> None:
    code, msgs, err = run_print(offline_claude, "hello", tmp_path)
    assert code == 0, err
    assert msgs[-1]["result"] == "Fake reply to: hello"
    config = Path(os.environ["CLAUDE_CONFIG_DIR"])
    assert str(config).startswith(os.environ["HOME"])
    assert list(config.glob("projects/*/*.jsonl")), "transcript not written in the temp config"


def test_launcher_refuses_real_home(offline_claude: Path, tmp_path: Path) -> None:
    import pwd
    import subprocess

    real = pwd.getpwuid(os.getuid()).pw_dir
    env = {"PATH": os.environ["PATH"], "HOME": real, "CLAUDE_CONFIG_DIR": str(tmp_path)}
    proc = subprocess.run(
        [str(offline_claude), "--version"], env=env, capture_output=True, timeout=30
    )
    assert proc.returncode == REFUSED_EXIT
    assert b"refusing" in proc.stderr


def test_extra_env_reaches_child(
    make_offline_claude: Any, fake_api: FakeApi, tmp_path: Path
) -> None:
    launcher = make_offline_claude(extra_env={"ANTHROPIC_API_KEY": "sk-ant-api03-fake-key"})
    code, msgs, err = run_print(launcher, "hello", tmp_path)
    assert code == 0, err
    assert _init(msgs)["apiKeySource"] == "ANTHROPIC_API_KEY"


def test_bash_script_needs_permission(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    asked: list[str] = []

    def decide(req: dict[str, Any]) -> dict[str, Any]:
        asked.append(req["tool_name"])
        return {"behavior": "allow", "updatedInput": req["input"]}

    msgs = stream_json_turn(
        offline_claude, "bash:touch made.txt", tmp_path, *DEFAULT_MODE, decide=decide
    )
    assert asked == ["Bash"]
    assert (tmp_path / "made.txt").exists()
    assert msgs[-1]["result"].startswith("The Bash tool finished")
    assert [r.script for r in fake_api.messages_requests()] == ["bash", "continue"]


def test_write_script(offline_claude: Path, fake_api: FakeApi, tmp_path: Path) -> None:
    msgs = stream_json_turn(offline_claude, "write:hello.txt|hi there", tmp_path, *DEFAULT_MODE)
    assert (tmp_path / "hello.txt").read_text() == "hi there"
    assert msgs[-1]["result"].startswith("The Write tool finished")


def test_ask_script_quotes_answer(offline_claude: Path, fake_api: FakeApi, tmp_path: Path) -> None:
    msgs = stream_json_turn(offline_claude, "ask:Pick one?|Green|Blue", tmp_path, *DEFAULT_MODE)
    asks = [m for m in msgs if m.get("type") == "control_request"]
    assert asks[0]["request"]["tool_name"] == "AskUserQuestion"
    assert "You answered: Green." in msgs[-1]["result"]


def test_ratelimit_script(offline_claude: Path, fake_api: FakeApi, tmp_path: Path) -> None:
    before = int(time.time())
    code, msgs, _ = run_print(offline_claude, "ratelimit:7200", tmp_path)
    assert code == 1
    events = [m for m in msgs if m.get("type") == "rate_limit_event"]
    info = events[0]["rate_limit_info"]
    assert info["status"] == "rejected"
    assert info["rateLimitType"] == "five_hour"
    assert before + 7200 <= info["resetsAt"] <= int(time.time()) + 7200
    assert msgs[-1]["is_error"] is True
    assert msgs[-1]["api_error_status"] == 429


@pytest.mark.parametrize("status", [500, 529])
def test_error_script(offline_claude: Path, fake_api: FakeApi, tmp_path: Path, status: int) -> None:
    code, msgs, _ = run_print(offline_claude, f"error:{status}", tmp_path)
    assert code == 1
    assert msgs[-1]["is_error"] is True
    assert msgs[-1]["api_error_status"] == status
    assert len(fake_api.messages_requests()) == 1  # x-should-retry: false, no backoff


def _screen_until(proc: ptyprocess.PtyProcess, wanted: tuple[str, ...], timeout: float) -> str:
    """Replay the TUI's output on a 120x40 screen until every `wanted` text is drawn.

    Searching the raw bytes is not enough: the TUI may draw a space as a cursor move.
    """
    screen = pyte.Screen(120, 40)
    stream = pyte.ByteStream(screen)
    text = ""
    deadline = time.monotonic() + timeout
    while not all(w in text for w in wanted) and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.fd], [], [], 0.1)
        if ready:
            try:
                stream.feed(proc.read(65536))
            except EOFError:
                break
            text = "\n".join(screen.display)
    return text


def _spawn_tui(launcher: Path, cwd: Path) -> ptyprocess.PtyProcess:
    env = {n: os.environ[n] for n in ("PATH", "HOME", "CLAUDE_CONFIG_DIR")}
    env["TERM"] = "xterm-256color"
    argv = [str(launcher), *DEFAULT_MODE]
    return ptyprocess.PtyProcess.spawn(argv, cwd=str(cwd), env=env, dimensions=(40, 120))


def _close(proc: ptyprocess.PtyProcess) -> None:
    proc.close(force=True)
    assert not proc.isalive()


def test_tui_reaches_idle_prompt(offline_claude: Path, fake_api: FakeApi, tmp_path: Path) -> None:
    seed_claude_json(os.environ["CLAUDE_CONFIG_DIR"], [tmp_path])
    proc = _spawn_tui(offline_claude, tmp_path)
    try:
        screen = _screen_until(proc, ("❯\u00a0", "manual mode on"), 30)
        assert "❯\u00a0" in screen and "manual mode on" in screen, screen
        proc.write(b"reply:tuiSmokeOK\r")
        screen = _screen_until(proc, ("● tuiSmokeOK",), 30)
        assert "● tuiSmokeOK" in screen, screen
        assert fake_api.wait_for(lambda api: "reply:tuiSmokeOK" in api.prompts_seen(), 30)
    finally:
        _close(proc)
    _no_escape(fake_api)


def test_tui_untrusted_shows_trust_dialog(offline_claude: Path, tmp_path: Path) -> None:
    seed_claude_json(os.environ["CLAUDE_CONFIG_DIR"], [tmp_path], trusted=False)
    proc = _spawn_tui(offline_claude, tmp_path)
    try:
        screen = _screen_until(proc, ("Accessing", "trust this folder"), 30)
        assert "Accessing" in screen and "trust this folder" in screen, screen
    finally:
        _close(proc)


def test_foreign_host_lands_in_sink(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    """WebFetch's domain check reaches only the local first-party front (a logged 404);
    no tunnel to another host is opened (any would meet the refusing sink)."""
    fetch = 'tool:WebFetch {"url": "https://example.com/", "prompt": "summarise"}'
    code, msgs, err = run_print(offline_claude, fetch, tmp_path, "--allowedTools", "WebFetch")
    assert code == 0, err
    results = [b for m in msgs if m["type"] == "user" for b in m["message"]["content"]]
    assert results[0]["is_error"] is True  # WebFetch's domain check could not get out
    checks = [r for r in fake_api.requests if "domain_info" in r.path]
    assert checks and {r.status for r in checks} == {404}
    assert {r.headers.get("host") for r in checks} == {"api.anthropic.com"}
    assert {r.target for r in fake_api.connect_attempts()} <= {"api.anthropic.com:443"}
    _no_escape(fake_api)


def test_transcript_builder_matches_real_layout(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    """The builders' path encoding and record keys match what the real binary writes."""
    cwd = tmp_path / ("deep.dir_" * 25) / "project"  # > 200 chars once encoded
    cwd.mkdir(parents=True)
    code, msgs, err = run_print(offline_claude, "hello", cwd, "--name", "smoke")
    assert code == 0, err
    session_id = _init(msgs)["session_id"]
    real = transcript_path(os.environ["CLAUDE_CONFIG_DIR"], os.path.realpath(cwd), session_id)
    assert real.is_file(), sorted(Path(os.environ["CLAUDE_CONFIG_DIR"]).glob("projects/*"))
    records = [json.loads(x) for x in real.read_text().splitlines()]
    built = TranscriptBuilder(session_id=session_id, cwd=str(cwd)).turn("hello", "hi").records
    real_user = next(r for r in records if r.get("type") == "user")
    assert set(built[0]) <= set(real_user) | {"promptSource"}
    assert {"type": "custom-title", "customTitle": "smoke", "sessionId": session_id} in records


def test_stall_interrupt_and_release(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    """``stall:`` holds a real turn open; an interrupt ends it; the process takes the next."""
    child = StreamJsonChild(offline_claude, tmp_path, *DEFAULT_MODE)
    try:
        child.user("stall:")
        fake_api.wait_for_stall(1, timeout=30)
        assert fake_api.in_flight == 1
        child.control("interrupt")
        result = child.read_until("result", 30)
        assert result["subtype"] == "error_during_execution"
        assert fake_api.wait_for(lambda api: api.in_flight == 0, 10)
        assert fake_api.messages_requests()[0].disconnected
        child.user("reply:after")
        assert child.read_until("result", 30)["result"] == "after"
    finally:
        child.close()
    assert fake_api.prompts_seen() == ["stall:", "reply:after"]
