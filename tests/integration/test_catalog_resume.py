"""Resume and fork through the catalog and ``Session.open``, against the real Claude Code.

Resume continues the same conversation (the fake API sees the earlier turns); a fork gets
a new id and a transcript carrying the history, under its own name, and leaves the
original transcript as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.integration.sdk_support import cli
from tests.support.fake_api import FakeApi

from claude_coder.catalog import Catalog
from claude_coder.errors import NameTakenError
from claude_coder.events import AssistantText, UserText
from claude_coder.session import Session


def _real(path: Path) -> str:
    return str(path.resolve())


def _texts(catalog: Catalog, query: str) -> list[str]:
    return [
        e.event.text
        for e in catalog.history(query)
        if isinstance(e.event, UserText | AssistantText)
    ]


async def test_resume_then_fork_by_name(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with Session.open(name="src", cwd=str(tmp_path)) as s:
        await s.send("reply:first words")
    catalog = Catalog()
    info = catalog.resolve("src")
    assert info.session_id == s.session_id and info.cwd == _real(tmp_path)

    async with Session.open(resume=info.session_id, cwd=info.cwd) as resumed:
        result = await resumed.send("reply:second words")
    assert result.session_id == info.session_id
    sent = json.dumps(fake_api.messages_requests()[-1].body["messages"])
    assert "first words" in sent and "second words" in sent
    assert _texts(catalog, "src") == [
        "reply:first words",
        "first words",
        "reply:second words",
        "second words",
    ]
    original = info.path.read_bytes()

    name = catalog.fork_name(catalog.resolve("src"))
    assert name == "src-fork-1"
    catalog.check_name_free(name)
    async with Session.open(resume=info.session_id, fork=True, name=name, cwd=info.cwd) as forked:
        branch = await forked.send("reply:a branch")
    assert branch.session_id not in (None, info.session_id)
    assert info.path.read_bytes() == original  # the original is untouched

    fork = catalog.resolve(name)
    assert fork.session_id == branch.session_id and fork.name == name
    assert catalog.resolve("src").session_id == info.session_id  # still one "src"
    assert _texts(catalog, name) == [
        "reply:first words",
        "first words",
        "reply:second words",
        "second words",
        "reply:a branch",
        "a branch",
    ]
    with pytest.raises(NameTakenError):
        catalog.check_name_free(name)
    assert catalog.fork_name(catalog.resolve("src")) == "src-fork-2"


def test_resume_and_fork_commands_open_a_repl_on_the_conversation(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    made = cli(
        offline_claude, "run", "reply:first", "--name", "src", "--cwd", str(work), cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr
    resumed = cli(offline_claude, "resume", "src", cwd=tmp_path, stdin="reply:second\nexit\n")
    assert resumed.returncode == 0, resumed.stderr
    assert "second" in resumed.stdout
    assert "reply:first" in json.dumps(fake_api.messages_requests()[-1].body["messages"])
    forked = cli(offline_claude, "fork", "src", cwd=tmp_path, stdin="reply:third\nexit\n")
    assert forked.returncode == 0, forked.stderr
    assert "forking src as 'src-fork-1'" in forked.stderr

    listed = cli(offline_claude, "list", "--json", cwd=tmp_path)
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == {"src", "src-fork-1"}
    assert rows["src"]["session_id"] != rows["src-fork-1"]["session_id"]
    history = cli(offline_claude, "history", "src-fork-1", "--json", cwd=tmp_path)
    said = [
        json.loads(x)["event"]["text"]
        for x in history.stdout.splitlines()
        if json.loads(x)["event"]["kind"] == "user_text"
    ]
    assert said == ["reply:first", "reply:second", "reply:third"]
    original = cli(offline_claude, "history", "src", "--json", cwd=tmp_path)
    assert "reply:third" not in original.stdout
