"""The REPL as a person uses it: keys through a real pseudo-terminal, real Claude Code.

And the REPL off a terminal: stdin from a file or ``/dev/null``, an ASCII-only stdout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.repl_terminal import CTRL_C, CTRL_D, ESC_ENTER, UP, ReplTerminal
from tests.integration.sdk_support import cli, cli_env, write_profiles
from tests.support.fake_api import FakeApi


@pytest.fixture
def repl(offline_claude: Path, fake_api: FakeApi, tmp_path: Path) -> Iterator[ReplTerminal]:
    term = ReplTerminal(offline_claude, "repl", "--cwd", str(tmp_path), cwd=tmp_path)
    try:
        term.wait_prompt()
        yield term
    finally:
        term.close()
        fake_api.release_stalls()


def _history() -> Path:
    return Path(os.environ["XDG_STATE_HOME"]) / "claude-coder" / "repl_history"


def test_up_recalls_the_history_kept_in_the_state_dir(
    repl: ReplTerminal, offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    repl.line("reply:remember me")
    repl.wait("[completed")
    repl.wait_prompt()
    repl.send(CTRL_D)
    assert repl.wait_exit() == 0
    assert "reply:remember me" in _history().read_text()
    again = ReplTerminal(offline_claude, "repl", "--cwd", str(tmp_path), cwd=tmp_path)
    try:
        again.wait_prompt()
        again.send(UP)
        again.wait("> reply:remember me")
        again.send(b"\r")
        again.wait("[completed")
        again.wait_prompt()
        again.line("exit")
        assert again.wait_exit() == 0
    finally:
        again.close()
    assert fake_api.prompts_seen() == ["reply:remember me", "reply:remember me"]


def test_ctrl_c_at_idle_clears_the_line_and_keeps_the_session(
    repl: ReplTerminal, fake_api: FakeApi
) -> None:
    repl.send("reply:never sent")
    repl.wait("> reply:never sent")
    repl.send(CTRL_C)
    repl.wait("^C")
    repl.wait_prompt()
    repl.line("reply:kept going")
    repl.wait("[completed")
    repl.wait_prompt()
    repl.line("exit")
    assert repl.wait_exit() == 0
    assert fake_api.prompts_seen() == ["reply:kept going"]


def test_ctrl_c_at_a_permission_prompt_denies_and_interrupts(
    repl: ReplTerminal, fake_api: FakeApi, tmp_path: Path
) -> None:
    repl.line("bash:touch nope.txt")
    repl.wait("allow Bash(touch nope.txt)")
    repl.wait_prompt()
    repl.send(CTRL_C)
    repl.wait("cancelled: denied")
    repl.wait("[interrupted")
    repl.wait_prompt()
    repl.line("exit")  # a command again, not an answer to the cancelled question
    assert repl.wait_exit() == 0
    assert not (tmp_path / "nope.txt").exists()


def test_ctrl_c_at_a_question_declines_and_interrupts(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    profiles = write_profiles(tmp_path, {"name": "q", "experimentalAskUserQuestionAnswering": True})
    repl = ReplTerminal(
        offline_claude, "--profiles", str(profiles), "repl", "q", "--cwd", str(tmp_path),
        cwd=tmp_path,
    )  # fmt: skip
    try:
        _decline_by_ctrl_c(repl, fake_api)
    finally:
        repl.close()


def _decline_by_ctrl_c(repl: ReplTerminal, fake_api: FakeApi) -> None:
    repl.wait_prompt()
    repl.line("ask:Which color?|Red|Blue")
    repl.wait("(number, or empty to decline)")
    repl.wait_prompt()
    repl.send(CTRL_C)
    repl.wait("cancelled: declined")
    repl.wait("[interrupted")
    repl.wait_prompt()
    repl.line("2")  # a message now, not an answer to the cancelled question
    repl.wait("[completed")
    repl.wait_prompt()
    repl.send(CTRL_D)
    assert repl.wait_exit() == 0
    assert fake_api.prompts_seen()[-1] == "2"


def test_ctrl_c_while_a_turn_runs_interrupts_it(repl: ReplTerminal, fake_api: FakeApi) -> None:
    repl.line("stall:60")
    fake_api.wait_for_stall(timeout=60)
    repl.send(CTRL_C)
    repl.wait("[interrupted")
    repl.wait_prompt()
    repl.line("reply:after the interrupt")
    repl.wait("[completed")
    repl.wait_prompt()
    repl.send(CTRL_D)
    assert repl.wait_exit() == 0
    assert fake_api.prompts_seen()[-1] == "reply:after the interrupt"


def test_esc_enter_and_a_trailing_backslash_make_one_multi_line_message(
    repl: ReplTerminal, fake_api: FakeApi
) -> None:
    repl.send(b"reply:one" + ESC_ENTER + b"two\\\rthree\r")
    repl.wait("[completed")
    repl.wait_prompt()
    repl.line("exit")
    assert repl.wait_exit() == 0
    assert fake_api.prompts_seen() == ["reply:one\ntwo\nthree"]


def _plain_repl(
    launcher: Path, cwd: Path, stdin: Path | str, **env: str
) -> subprocess.CompletedProcess[str]:
    with open(stdin, "rb") as source:
        return subprocess.run(
            [sys.executable, "-m", "claude_coder.cli.main", "repl", "--cwd", str(cwd)],
            cwd=cwd,
            stdin=source,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            env=cli_env(launcher, env),
        )


def test_repl_reads_its_lines_from_a_file(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    script = tmp_path / "lines.txt"
    script.write_text("reply:from a file\nreply:second line\n")  # ends without `exit`
    proc = _plain_repl(offline_claude, tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.count("[completed ·") == 2
    assert "session closed" in proc.stdout
    assert fake_api.prompts_seen() == ["reply:from a file", "reply:second line"]


def test_repl_on_dev_null_closes_cleanly(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    proc = _plain_repl(offline_claude, tmp_path, os.devnull)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "session closed" in proc.stdout
    assert fake_api.prompts_seen() == []


def test_repl_on_an_ascii_stdout(offline_claude: Path, fake_api: FakeApi, tmp_path: Path) -> None:
    script = tmp_path / "lines.txt"
    script.write_text("reply:café ⏺ done\nexit\n", encoding="utf-8")
    proc = _plain_repl(offline_claude, tmp_path, script, PYTHONIOENCODING="ascii")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.isascii() and proc.stderr.isascii()
    assert "caf? ? done" in proc.stdout
    assert "[completed | " in proc.stdout
    assert "claude-coder repl | profile" in proc.stderr


def test_a_forked_repl_shows_its_own_id_once_known(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    first = cli(offline_claude, "run", "reply:source", "--name", "src", "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    source_id = json.loads(first.stdout)["session_id"]
    script = tmp_path / "lines.txt"
    script.write_text("reply:in the fork\nexit\n")
    with open(script, "rb") as stdin:
        proc = subprocess.run(
            [sys.executable, "-m", "claude_coder.cli.main", "fork", "src"],
            cwd=tmp_path,
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            env=cli_env(offline_claude),
        )
    assert proc.returncode == 0, proc.stderr
    assert "session None" not in proc.stderr + proc.stdout
    # A fork learns its own id before the first turn: the header names it.
    shown = re.findall(r"session ([0-9a-f-]{36})", proc.stderr + proc.stdout)
    assert shown, proc.stderr
    assert source_id not in shown
