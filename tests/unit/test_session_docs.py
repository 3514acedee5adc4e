"""docs/sessions.md: its runnable example runs and says what the page says it does."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "sessions.md"


def test_the_runnable_example_runs(tmp_path: Path) -> None:
    example = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)[0]
    script = tmp_path / "example.py"
    script.write_text(example)
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "All clean. / {'command': 'rm -rf build'}" in lines
    assert any(line.startswith("completed idle Usage(") for line in lines)
    # #1 (starting -> idle) is published inside open(), before anyone can subscribe
    assert lines[0] == "  #2 session_started"
    assert lines[-1].endswith("session_closed")
