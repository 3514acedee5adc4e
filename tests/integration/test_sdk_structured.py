"""Structured output on Claude Code's ``--json-schema``, against the real binary.

With a schema Claude Code offers the model a ``StructuredOutput`` tool whose input must
match it; the fake API calls it with ``tool:StructuredOutput {...}``. The value lands
in the result's ``structured_output``; a value that does not match is refused by Claude
Code, which asks again and then ends the turn without one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.integration.sdk_support import cli
from tests.support.fake_api import FakeApi

from claude_coder.errors import SessionError
from claude_coder.events import Boundary
from claude_coder.session import Session

SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "integer"}},
    "required": ["answer"],
}
GOOD = 'tool:StructuredOutput {"answer": 42}'
BAD = 'tool:StructuredOutput {"answer": "many"}'


async def test_send_returns_the_validated_value(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(cwd=str(tmp_path), output_schema=SCHEMA) as s:
        good = await s.send(GOOD, output_schema=SCHEMA)
        bad = await s.send(BAD)
        with pytest.raises(SessionError, match="one per process"):
            await s.send(GOOD, output_schema={"type": "object"})
    assert good.boundary is Boundary.COMPLETED and good.structured == {"answer": 42}
    assert bad.boundary is Boundary.ERROR and bad.structured is None
    assert bad.error is not None and "schema" in bad.error
    bodies = [r.body for r in fake_api.requests if isinstance(r.body, dict)]
    tools = {t["name"] for b in bodies for t in b.get("tools", [])}
    assert "StructuredOutput" in tools


async def test_a_session_without_a_schema_refuses_one_per_turn(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(cwd=str(tmp_path)) as s:
        with pytest.raises(SessionError, match="output schema"):
            await s.send(GOOD, output_schema=SCHEMA)
        plain = await s.send("reply:no schema here")
    assert plain.structured is None and plain.text == "no schema here"


def test_run_json_schema(offline_claude: Path, fake_api: FakeApi, tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    text = cli(offline_claude, "run", GOOD, "--json-schema", str(schema), cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert json.loads(text.stdout) == {"answer": 42}
    as_json = cli(offline_claude, "run", GOOD, "--json-schema", str(schema), "--json", cwd=tmp_path)
    assert json.loads(as_json.stdout)["structured"] == {"answer": 42}
    bad = cli(offline_claude, "run", BAD, "--json-schema", str(schema), cwd=tmp_path)
    assert bad.returncode == 1 and "schema" in bad.stderr


def test_run_refuses_a_bad_schema_file_in_one_line(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    for path in (broken, listed, tmp_path / "missing.json"):
        proc = cli(offline_claude, "run", "reply:x", "--json-schema", str(path), cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and str(path) in proc.stderr
    assert fake_api.prompts_seen() == []
