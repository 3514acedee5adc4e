"""``claude-coder run`` in scripts, against the real Claude Code: stdin as the prompt or as
context, output formats (stream-json as it happens), progress on a terminal's stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.integration.sdk_support import cli, cli_env
from tests.support.fake_api import FakeApi


def test_dash_reads_the_prompt_from_stdin(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    proc = cli(offline_claude, "run", "-", cwd=tmp_path, stdin="reply:from stdin\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "from stdin\n"


def test_piped_stdin_is_added_as_context(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    diff = "--- a/x\n+++ b/x\n+new line\n"
    proc = cli(offline_claude, "run", "echo:review this", cwd=tmp_path, stdin=diff)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"review this\n\n<stdin>\n{diff.rstrip()}\n</stdin>\n"
    assert fake_api.prompts_seen() == [f"echo:review this\n\n<stdin>\n{diff.rstrip()}\n</stdin>"]


def test_an_empty_prompt_is_a_usage_error(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    for args, stdin in ((("run", ""), ""), (("run", "  "), ""), (("run", "-"), "\n")):
        proc = cli(offline_claude, *args, cwd=tmp_path, stdin=stdin)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr and "PROMPT" in proc.stderr
    assert fake_api.prompts_seen() == []


def test_output_formats(offline_claude: Path, fake_api: FakeApi, tmp_path: Path) -> None:
    as_json = cli(offline_claude, "run", "reply:j", "--output-format", "json", cwd=tmp_path)
    alias = cli(offline_claude, "run", "reply:j", "--json", cwd=tmp_path)
    assert as_json.returncode == alias.returncode == 0
    a, b = json.loads(as_json.stdout), json.loads(alias.stdout)
    assert a.keys() == b.keys() and a["text"] == b["text"] == "j"
    text = cli(offline_claude, "run", "reply:t", "--output-format", "text", cwd=tmp_path)
    assert text.stdout == "t\n"
    bad = cli(offline_claude, "run", "reply:x", "--output-format", "yaml", cwd=tmp_path)
    assert bad.returncode == 2


def test_stream_json_prints_each_event_as_it_happens(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    argv = [sys.executable, "-m", "claude_coder.cli.main", "run", "slow:6:0.4"]
    with subprocess.Popen(
        [*argv, "--output-format", "stream-json"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(offline_claude),
    ) as proc:
        assert proc.stdout is not None
        lines: list[dict[str, object]] = []
        running_at_first_delta = None
        for line in proc.stdout:
            lines.append(json.loads(line))
            event = lines[-1]["event"]
            assert isinstance(event, dict)
            if event["kind"] == "text_delta" and running_at_first_delta is None:
                running_at_first_delta = proc.poll() is None
        proc.wait(timeout=60)
    assert proc.returncode == 0
    kinds = [e["event"]["kind"] for e in lines]  # type: ignore[index]
    assert running_at_first_delta is True  # a line came out while the turn still ran
    assert kinds.count("text_delta") >= 2 and kinds[-1] == "turn_ended"
    final = lines[-1]["event"]["result"]["text"]  # type: ignore[index]
    assert final.split() == [f"chunk{i}" for i in range(6)]


def _stderr_on_a_terminal(launcher: Path, cwd: Path, *args: str) -> tuple[int, str, str]:
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "claude_coder.cli.main", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=cli_env(launcher),
    )
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.stdout is not None
    with proc.stdout:
        out = proc.stdout.read()
    proc.wait(timeout=60)
    os.close(master)
    return proc.returncode, out.decode(), b"".join(chunks).decode("utf-8", "replace")


def test_progress_goes_to_a_terminal_stderr_only(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    code, out, err = _stderr_on_a_terminal(offline_claude, tmp_path, "run", "bash:ls")
    assert code == 0 and "finished" in out
    assert "working" in err and "1 tool call" in err and "last Bash" in err
    assert "working" not in out
    piped = cli(offline_claude, "run", "bash:ls", cwd=tmp_path)
    assert piped.returncode == 0 and "working" not in piped.stderr
