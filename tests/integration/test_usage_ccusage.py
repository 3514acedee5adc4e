"""``usage`` against ccusage on two corpora: one the real Claude Code wrote through the
fake API (SDK stream-json, ``-p`` with a subagent, and the interactive TUI on a PTY,
with tool calls), and the generated one the catalog tests use.

The token totals of ``usage --json`` must equal ``ccusage daily --json --offline`` of
both pinned versions (they read cache writes from different fields). ccusage is
installed into a cache dir when missing; an install that fails FAILS the test.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ptyprocess
import pytest
from tests.support import ccusage
from tests.support.claude_runs import StreamJsonChild, child_env, run_print
from tests.support.fake_api import FakeApi
from tests.support.launcher import seed_claude_json
from tests.support.transcripts import TranscriptBuilder, real_usage, write_corpus

from claude_coder.cli.main import main

ZONE = "UTC"


def _usage_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["usage", *args, "--json", "--timezone", ZONE]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def _records(config: Path) -> list[tuple[Path, dict[str, Any]]]:
    out = []
    for path in sorted(config.glob("projects/**/*.jsonl")):
        for line in path.read_text().splitlines():
            out.append((path, json.loads(line)))
    return out


def _by_hand(config: Path) -> dict[str, dict[str, int]]:
    """Tokens per entrypoint, each (message id, request id) once: the test's own count."""
    seen: set[tuple[str, str]] = set()
    out: dict[str, dict[str, int]] = {}
    for _, rec in _records(config):
        msg = rec.get("message")
        if rec.get("type") != "assistant" or not isinstance(msg, dict) or "usage" not in msg:
            continue
        key = (msg["id"], rec["requestId"])
        if key in seen:
            continue
        seen.add(key)
        u, sums = msg["usage"], out.setdefault(rec["entrypoint"], dict.fromkeys("iocr", 0))
        sums["i"] += u["input_tokens"]
        sums["o"] += u["output_tokens"]
        sums["c"] += u["cache_creation_input_tokens"]
        sums["r"] += u["cache_read_input_tokens"]
    return out


def _assert_same_tokens(report: dict[str, Any], config: Path) -> None:
    ours = ccusage.token_totals({"totals": report["totals"]["total"]})
    assert sum(ours.values()) > 0
    for version in ccusage.PINNED:
        theirs = ccusage.token_totals(ccusage.daily_json(version, config, ZONE))
        assert ours == theirs, f"ccusage {version}"


class _Tui:
    """The real TUI on a PTY: typed prompts, output drained so it never blocks."""

    def __init__(self, launcher: Path, cwd: Path, *flags: str) -> None:
        env = {**child_env(), "TERM": "xterm-256color"}
        argv = [str(launcher), *flags]
        self.proc = ptyprocess.PtyProcess.spawn(argv, cwd=str(cwd), env=env, dimensions=(40, 120))
        self.output = bytearray()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                self.output += self.proc.read(65536)
            except EOFError:
                return

    def wait(self, predicate: Callable[[], bool], what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"TUI: no {what} within {timeout}s")
            time.sleep(0.05)

    def close(self) -> None:
        """SIGTERM, then SIGKILL after 10 s; reap; stop the reader; close the PTY."""
        self.proc.kill(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while self.proc.isalive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.proc.isalive():
            self.proc.kill(signal.SIGKILL)
        self.proc.wait()
        self._reader.join(timeout=10)
        self.proc.close(force=True)
        assert not self.proc.isalive()


def _assistant_count(config: Path) -> int:
    return sum(1 for _, r in _records(config) if r.get("type") == "assistant")


def _tui_session(launcher: Path, cwd: Path, config: Path, prompts: list[str], *flags: str) -> None:
    tui = _Tui(launcher, cwd, *flags)
    try:
        tui.wait(lambda: "❯".encode() in tui.output, "idle prompt")
        for prompt in prompts:
            before = _assistant_count(config)
            tui.proc.write(prompt.encode() + b"\r")
            done = prompt.split(":", 1)[1] if prompt.startswith("reply:") else "finished"
            tui.wait(
                lambda b=before, d=done: _assistant_count(config) > b and _said(config, d),
                f"reply to {prompt!r}",
            )
    finally:
        tui.close()


def _said(config: Path, text: str) -> bool:
    for _, rec in _records(config):
        content = (rec.get("message") or {}).get("content")
        if rec.get("type") == "assistant" and isinstance(content, list):
            return_text = " ".join(str(b.get("text", "")) for b in content)
            if text in return_text:
                return True
    return False


def _write_real_corpus(launcher: Path, work: Path, config: Path) -> None:
    sdk = StreamJsonChild(launcher, work, "--permission-mode", "default")
    try:
        for prompt in ("bash:touch made.txt", "reply:second sdk turn", "write:notes.txt"):
            sdk.user(prompt)
            sdk.read_until("result", 60)
    finally:
        sdk.close()
    agent = json.dumps(
        {"description": "look", "prompt": "reply:sub done", "subagent_type": "general-purpose"}
    )
    code, _, err = run_print(
        launcher, f"tool:Agent {agent}", work, "--model", "opus", "--allowedTools", "Agent"
    )
    assert code == 0, err
    seed_claude_json(config, [work])
    _tui_session(
        launcher,
        work,
        config,
        ["reply:typed in the tui", "bash:echo hi"],
        "--permission-mode",
        "acceptEdits",
    )
    _tui_session(launcher, work, config, ["reply:haiku here"], "--model", "haiku")


def test_real_binary_corpus_matches_ccusage(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = Path(os.environ["CLAUDE_CONFIG_DIR"])
    work = tmp_path / "work"
    work.mkdir()
    _write_real_corpus(offline_claude, work, config)
    records = _records(config)
    # What the real binary writes: the transport in `entrypoint`, typed vs sdk prompts.
    prompts = [r for _, r in records if r.get("type") == "user" and "promptSource" in r]
    pairs = {(r["entrypoint"], r["promptSource"]) for r in prompts}
    assert {("cli", "typed"), ("sdk-cli", "sdk")} <= pairs
    assert {r["entrypoint"] for _, r in records if "entrypoint" in r} == {"cli", "sdk-cli"}
    assert any("/subagents/" in str(p) for p, _ in records)
    lines = [r for _, r in records if r.get("type") == "assistant"]
    assert len({(r["message"]["id"], r["requestId"]) for r in lines}) < len(lines)

    report = _usage_json(capsys)
    hand = _by_hand(config)
    totals = report["totals"]
    for kind, entrypoint in (("interactive", "cli"), ("programmatic", "sdk-cli")):
        got = totals[kind]
        assert (got["inputTokens"], got["outputTokens"]) == (
            hand[entrypoint]["i"],
            hand[entrypoint]["o"],
        )
        assert (got["cacheCreationTokens"], got["cacheReadTokens"]) == (
            hand[entrypoint]["c"],
            hand[entrypoint]["r"],
        )
    assert totals["total"]["costComplete"] is True
    assert {"claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-5-5"} <= {
        m for row in report["rows"] for m in row["models"]
    }
    _assert_same_tokens(report, config)
    _assert_sdk_costs_match_claude_code(capsys, config)


def _assert_sdk_costs_match_claude_code(capsys: pytest.CaptureFixture[str], config: Path) -> None:
    """Priced from the table, an SDK session costs what Claude Code itself says it cost
    (its last ``cost-state``; TUI sessions also pay for a title request never written)."""
    claimed: dict[str, float] = {}
    entry: dict[str, str] = {}
    for path, rec in _records(config):
        sid = rec.get("sessionId")
        if rec.get("type") == "cost-state" and "/subagents/" not in str(path):
            claimed[sid] = rec["totalCostUSD"]
        if rec.get("type") == "user" and "entrypoint" in rec:
            entry.setdefault(sid, rec["entrypoint"])
    sessions = _usage_json(capsys, "session")["rows"]
    sdk = [s for s in sessions if entry.get(s["sessionId"]) == "sdk-cli"]
    assert len(sdk) == 2
    for s in sdk:
        assert s["total"]["costUSD"] == pytest.approx(claimed[s["sessionId"]], abs=1e-6)


def test_generated_corpus_matches_ccusage(capsys: pytest.CaptureFixture[str]) -> None:
    config = Path(os.environ["CLAUDE_CONFIG_DIR"])
    paths = write_corpus(config, sessions=30, turns=4, cwds=("/home/u/alpha", "/home/u/beta"))
    parent = TranscriptBuilder(cwd="/home/u/alpha", entrypoint="sdk-py")
    parent.user("delegate")
    parent.assistant("on it", usage=real_usage(7, 9, 300, 40, 100))
    parent.write(config)
    agent = TranscriptBuilder(
        session_id=parent.session_id, cwd="/home/u/alpha", entrypoint="sdk-py"
    )
    agent.user("sub task", sidechain=True)
    agent.assistant("sub answer", sidechain=True, usage=real_usage(11, 13, 0, 500))
    parent.write_subagent(agent, config)
    # A fork: a new file whose history repeats the first session's messages.
    first = paths[0].read_text()
    (paths[0].parent / "0f0f0f0f-0000-4000-8000-000000000000.jsonl").write_text(first)

    report = _usage_json(capsys)
    assert report["totals"]["total"]["messages"] == 30 * 4 + 2
    kinds = report["totals"]
    assert kinds["interactive"]["messages"] and kinds["programmatic"]["messages"]
    _assert_same_tokens(report, config)
