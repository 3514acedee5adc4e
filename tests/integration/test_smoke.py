"""Smoke: one real turn of the real bundled Claude Code, offline, against the fake API."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.support.fake_api import FakeApi


def _run_print(launcher: Path, prompt: str, cwd: Path, *extra: str) -> list[dict[str, object]]:
    proc = subprocess.run(
        [str(launcher), "-p", prompt, "--output-format", "stream-json", "--verbose", *extra],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=90,
        env={
            "PATH": os.environ["PATH"],
            "HOME": os.environ["HOME"],
            "CLAUDE_CONFIG_DIR": os.environ["CLAUDE_CONFIG_DIR"],
        },
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def test_one_real_turn(offline_claude: Path, fake_api: FakeApi, tmp_path: Path) -> None:
    msgs = _run_print(offline_claude, "reply:smoke ok", tmp_path)
    init = next(m for m in msgs if m.get("type") == "system" and m.get("subtype") == "init")
    assert init["apiKeySource"] == "none"
    result = msgs[-1]
    assert result["type"] == "result"
    assert result["result"] == "smoke ok"
    assert fake_api.prompts_seen() == ["reply:smoke ok"]
    assert fake_api.connect_attempts() == [] or all(
        r.status == 403 for r in fake_api.connect_attempts()
    )
