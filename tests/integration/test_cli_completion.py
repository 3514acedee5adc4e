"""Shell completion (click's): session names and ids, and profile names, from the real
catalog of a session run against the real Claude Code."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.sdk_support import cli, write_profiles
from tests.support.fake_api import FakeApi


def _complete(launcher: Path, cwd: Path, words: str) -> list[str]:
    parts = words.split(" ")
    env = {"_CLAUDE_CODER_COMPLETE": "bash_complete", "COMP_WORDS": words}
    env["COMP_CWORD"] = str(len(parts) - 1)
    proc = cli(launcher, cwd=cwd, extra_env=env)
    assert proc.returncode == 0, proc.stderr
    return [line.split(",", 1)[1] for line in proc.stdout.splitlines()]


def test_session_and_profile_names_complete(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    run = cli(offline_claude, "run", "reply:x", "--name", "gamma-ray", "--json", cwd=tmp_path)
    sid = json.loads(run.stdout)["session_id"]
    assert _complete(offline_claude, tmp_path, "claude-coder resume gam") == ["gamma-ray"]
    assert _complete(offline_claude, tmp_path, "claude-coder run x --resume gam") == ["gamma-ray"]
    assert _complete(offline_claude, tmp_path, f"claude-coder history {sid[:6]}") == [sid]
    assert _complete(offline_claude, tmp_path, "claude-coder rename g") == ["gamma-ray"]
    profiles = write_profiles(tmp_path, {"name": "toucher"}, {"name": "tester"})
    got = _complete(offline_claude, tmp_path, f"claude-coder --profiles {profiles} repl t")
    assert got == ["toucher", "tester"]
    doctor = _complete(offline_claude, tmp_path, "claude-coder doctor --profile cl")
    assert doctor == ["claude-code-expert"]
