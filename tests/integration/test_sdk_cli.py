"""``claude-coder run`` and ``repl`` as a person runs them: real processes, real Claude Code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

from tests.integration.sdk_support import cli, cli_env, write_profiles
from tests.support.fake_api import FakeApi

SECRET = "sk-cli-secret-VALUE-4b2e1d"


def test_run_prints_the_final_text(offline_claude: Path, fake_api: FakeApi, tmp_path: Path) -> None:
    proc = cli(offline_claude, "run", "reply:all done", "--cwd", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "all done\n"


def test_run_json_is_one_turn_result(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    profiles = write_profiles(tmp_path, {"name": "p", "permissionPolicy": {"allow": ["Bash"]}})
    proc = cli(
        offline_claude,
        *("--profiles", str(profiles), "run", "bash:touch f.txt", "--profile", "p", "--json"),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["boundary"] == "completed"
    assert out["tool_calls"][0]["name"] == "Bash"
    assert out["tool_calls"][0]["input"]["command"] == "touch f.txt"
    assert out["usage"]["input_tokens"] > 0 and out["usage"]["output_tokens"] > 0
    assert out["cost_usd"] > 0 and out["duration_s"] > 0
    assert out["error"] is None and out["session_id"]
    assert (tmp_path / "f.txt").exists()


def test_run_exit_codes_follow_the_boundary(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    error = cli(offline_claude, "run", "error:400", "--json", cwd=tmp_path)
    assert error.returncode == 1, error.stderr
    assert json.loads(error.stdout)["boundary"] == "error"
    limit = cli(offline_claude, "run", "ratelimit:60", "--json", cwd=tmp_path)
    assert limit.returncode == 4, limit.stderr
    assert json.loads(limit.stdout)["resets_at"] > 0


def test_run_denies_what_the_policy_would_ask(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    proc = cli(offline_claude, "run", "bash:touch nope.txt", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [d["name"] for d in json.loads(proc.stdout)["denials"]] == ["Bash"]
    assert "cannot ask a person" in proc.stderr
    assert not (tmp_path / "nope.txt").exists()


def test_run_refuses_an_api_key_inside_the_child_with_exit_2(
    make_offline_claude: Callable[..., Path], fake_api: FakeApi, tmp_path: Path
) -> None:
    sneaky = make_offline_claude(extra_env={"ANTHROPIC_API_KEY": "sk-ant-api03-injected"})
    proc = cli(sneaky, "run", "reply:should never be sent", cwd=tmp_path)
    assert proc.returncode == 2
    assert "ANTHROPIC_API_KEY" in proc.stderr
    assert "sk-ant-api03" not in proc.stderr + proc.stdout
    assert fake_api.prompts_seen() == []


def test_run_interrupted_by_ctrl_c_exits_3(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "claude_coder.cli.main", "run", "stall:60", "--json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(offline_claude),
    )
    try:
        fake_api.wait_for_stall(timeout=60)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        fake_api.release_stalls()
    assert proc.returncode == 3, err
    assert json.loads(out)["boundary"] == "interrupted"


def test_repl_streams_asks_and_masks_secrets(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    profiles = write_profiles(
        tmp_path,
        {"name": "p", "env": {"MY_TOKEN": {"secretRef": "env:CC_CLI_SECRET"}}},
    )
    stdin = "\n".join(
        [
            f"echo:the token is {SECRET}",
            "bash:touch once.txt",
            "y",
            "bash:touch never.txt",
            "n",
            "ask:Which color?|Red|Blue",
            "exit",
        ]
    )
    proc = cli(
        offline_claude,
        *("--profiles", str(profiles), "repl", "p", "--cwd", str(work)),
        cwd=tmp_path,
        stdin=stdin + "\n",
        extra_env={"CC_CLI_SECRET": SECRET},
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert SECRET not in out + proc.stderr
    assert "the token is ***" in out
    assert "⏺ Bash(touch once.txt)" in out
    assert "allow Bash(touch once.txt)" in out and "[y]es once / [n]o / [a]lways" in out
    assert (work / "once.txt").exists() and not (work / "never.txt").exists()
    assert out.count("[completed ·") == 4
    assert "$" in out and " in / " in out
    assert "session closed" in out


class _Output:
    """A child's stdout, collected by a thread, with waits that have deadlines."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        self._stream = proc.stdout
        self._chunks: list[str] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        fd = self._stream.fileno()
        while chunk := os.read(fd, 65536):  # not line-buffered: prompts end with no newline
            with self._cond:
                self._chunks.append(chunk.decode("utf-8", "replace"))
                self._cond.notify_all()

    @property
    def text(self) -> str:
        with self._cond:
            return "".join(self._chunks)

    def wait(self, needle: str, count: int = 1, timeout: float = 60) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: "".join(self._chunks).count(needle) >= count, timeout)
        assert ok, f"{needle!r} x{count} never appeared in:\n{self.text}"


def test_repl_ctrl_c_interrupts_the_turn_and_only_clears_at_idle(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "claude_coder.cli.main", "repl", "--cwd", str(tmp_path)],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=cli_env(offline_claude),
    ) as proc:
        assert proc.stdin is not None
        out = _Output(proc)
        _drive_repl(proc, proc.stdin, out, fake_api)
        out.wait("session closed")
    assert proc.returncode == 0
    text = out.text
    assert "^C interrupting" in text
    assert "after the interrupt" in text
    assert text.index("[interrupted ·") < text.index("[completed ·")


def _drive_repl(
    proc: subprocess.Popen[str], stdin: IO[str], out: _Output, fake_api: FakeApi
) -> None:
    try:
        stdin.write("stall:60\n")
        stdin.flush()
        fake_api.wait_for_stall(timeout=60)
        proc.send_signal(signal.SIGINT)
        out.wait("[interrupted ·")
        stdin.write("reply:after the interrupt\n")
        stdin.flush()
        out.wait("[completed ·")
        out.wait("> ", count=3)  # back at an idle prompt
        proc.send_signal(signal.SIGINT)  # drops the line being typed; the session stays
        out.wait("^C (exit or Ctrl-D leaves)")
        out.wait("> ", count=4)
        assert proc.poll() is None
        stdin.close()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        fake_api.release_stalls()


def test_run_named_then_resumed_by_name(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    first = cli(offline_claude, "run", "reply:one", "--name", "gamma", "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    sid = json.loads(first.stdout)["session_id"]
    again = cli(offline_claude, "run", "reply:two", "--resume", "gamma", "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["session_id"] == sid
    taken = cli(offline_claude, "run", "reply:three", "--name", "gamma", cwd=tmp_path)
    assert taken.returncode == 2 and "gamma" in taken.stderr
    missing = cli(offline_claude, "run", "reply:x", "--resume", "no-such-session", cwd=tmp_path)
    assert missing.returncode == 2
    assert fake_api.prompts_seen() == ["reply:one", "reply:two"]
