"""The examples in docs/fleet.md run as written: the API on the real Claude Code; the demo."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support.fake_api import FakeApi

pytestmark = pytest.mark.timeout(240)
DOC = Path(__file__).resolve().parents[2] / "docs" / "fleet.md"


def _examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)


def _run(code: str, cwd: Path) -> str:
    script = cwd / "example.py"
    script.write_text(code)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=cwd, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_api_example_runs_twice_and_reattaches(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    api_example = _examples()[0]
    first = _run(api_example, tmp_path)
    assert "Fake reply to: say hello" in first
    assert "Fake reply to: list the files here" in first
    second = _run(api_example, tmp_path)
    assert second.count("completed") >= 1 and "reviewer" in second
    assert (tmp_path / "fleet.json").exists()
    # The second run re-attached: the reviewer's second prompt carried its first one.
    last = [r for r in fake_api.messages_requests() if r.prompt == "say hello"][-1]
    asked = [
        block.get("text")
        for message in last.body["messages"]
        if message["role"] == "user" and isinstance(message["content"], list)
        for block in message["content"]
    ]
    assert asked.count("say hello") == 2, asked


def test_the_offline_demo_runs(tmp_path: Path) -> None:
    out = _run(_examples()[1], tmp_path).splitlines()
    assert out[0] == "['running', 'running', 'queued']"
    assert out[1:4] == [f"echo: hello from {n}" for n in "abc"]
    assert out[-1] == "[('a', 'idle'), ('b', 'idle'), ('c', 'idle')]"
