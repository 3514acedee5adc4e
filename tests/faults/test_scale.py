"""One 61 MB transcript record: ``history`` shows the conversation in bounded memory
and says what it left out (it used to need about 455 MB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from claude_coder.catalog.paths import transcript_path

_SID = "5f0c2a8e-1111-4222-8333-944455556666"
_HUGE = 61 * 1024 * 1024


def _entry(uuid: str, parent: str | None, role: str, content: object, **extra: object) -> bytes:
    message = {"role": role, "content": content, **extra}
    kind = "user" if role == "user" else "assistant"
    entry = {"type": kind, "uuid": uuid, "parentUuid": parent, "sessionId": _SID}
    entry.update(timestamp="2026-11-30T10:00:00.000Z", message=message)
    return json.dumps(entry).encode()


def _write_transcript(cwd: Path) -> Path:
    path = transcript_path(_SID, cwd)
    path.parent.mkdir(parents=True, exist_ok=True)
    call = {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "cat x"}}
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "@@"}
    before, after = _entry("a3", "a2", "user", [result]).split(b"@@")
    line = rb"log line with \"quotes\" and \\ slashes\n"
    with open(path, "wb") as fh:
        fh.write(_entry("a1", None, "user", "cat the big log") + b"\n")
        fh.write(_entry("a2", "a1", "assistant", [call], id="msg_1") + b"\n")
        fh.write(before)
        for _ in range(_HUGE // len(line)):
            fh.write(line)
        fh.write(after + b"\n")
        done = [{"type": "text", "text": "That was long."}]
        fh.write(_entry("a4", "a3", "assistant", done, id="msg_2") + b"\n")
    return path


def test_history_of_a_huge_record_is_bounded_and_says_so(tmp_path: Path) -> None:
    path = _write_transcript(tmp_path)
    assert path.stat().st_size > _HUGE
    probe = (
        "import resource, runpy, sys\n"
        "sys.argv = ['claude-coder', 'history', sys.argv[1], '--json']\n"
        "try:\n"
        "    runpy.run_module('claude_coder.cli.main', run_name='__main__')\n"
        "finally:\n"
        "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    print(f'PEAK_KB {peak}', file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, _SID],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    events = [json.loads(line)["event"] for line in proc.stdout.splitlines()]
    kinds = [e["kind"] for e in events]
    assert kinds[:2] == ["user_text", "tool_call"] and "tool_result" in kinds
    result = next(e for e in events if e["kind"] == "tool_result")
    assert result["output"].startswith("log line with")
    assert result["output"].endswith("bytes not shown]") and len(result["output"]) < 70_000
    assert any("too long to show whole" in e.get("text", "") for e in events)
    assert events[-1]["text"] == "That was long."
    peak_mb = int(proc.stderr.rsplit("PEAK_KB ", 1)[1].split()[0]) / 1024
    assert peak_mb < 150, f"history needed {peak_mb:.0f} MB for one 61 MB record"
