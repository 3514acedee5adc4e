"""Real Claude Code over the SDK transport: ephemeral vs named sessions, resume and fork."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.support.fake_api import FakeApi

from claude_coder.events import Boundary
from claude_coder.session import Session


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _transcripts() -> list[Path]:
    return sorted(Path(os.environ["CLAUDE_CONFIG_DIR"]).glob("projects/*/*.jsonl"))


async def test_ephemeral_session_leaves_no_transcript(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(cwd=str(tmp_path)) as s:
        assert (await s.send("reply:forget me")).boundary is Boundary.COMPLETED
        assert not s.persisted and s.transcript_path is None
    assert _transcripts() == []


async def test_named_session_is_persisted_with_a_custom_title(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(name="alpha", cwd=str(tmp_path)) as s:
        await s.send("reply:remember me")
        path = s.transcript_path
        sid = s.session_id
    assert path is not None and path.exists()
    assert path.name == f"{sid}.jsonl"
    titles = [r for r in _records(path) if r.get("type") == "custom-title"]
    assert titles and titles[-1]["customTitle"] == "alpha"


async def test_resume_continues_and_fork_branches(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(name="beta", cwd=str(tmp_path)) as s:
        await s.send("reply:first words")
        original = s.session_id
    assert original is not None
    async with Session.open(resume=original, cwd=str(tmp_path)) as resumed:
        again = await resumed.send("reply:second words")
        assert resumed.session_id == original and resumed.persisted
    assert again.session_id == original
    last = fake_api.messages_requests()[-1].body
    assert "first words" in json.dumps(last["messages"])  # the history came along
    async with Session.open(resume=original, fork=True, cwd=str(tmp_path)) as forked:
        result = await forked.send("reply:a branch")
    assert result.session_id is not None and result.session_id != original
    assert forked.session_id == result.session_id
    assert {p.stem for p in _transcripts()} >= {original, result.session_id}
