"""The catalog against transcripts written by the REAL Claude Code, held to the official
SDK's ``list_sessions`` on the same config dir.

The corpus: a session named with ``--name``; one renamed twice (``--resume --name``);
one AI-titled only (see ``_ai_titled``); an unnamed one; a fork (``--resume
--fork-session``) and a named fork; a cwd with odd characters; a cwd longer than 200
characters; a sidechain file (a subagent's records left at the top level) and a
subagent transcript in its own folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from tests.support.claude_runs import run_print
from tests.support.fake_api import FakeApi

from claude_coder.catalog import Catalog
from claude_coder.cli.main import main
from claude_coder.events import AssistantText, UserText


def _config() -> Path:
    return Path(os.environ["CLAUDE_CONFIG_DIR"])


def _turn(launcher: Path, prompt: str, cwd: Path, *flags: str) -> str:
    code, messages, err = run_print(launcher, prompt, cwd, *flags)
    assert code == 0, err
    sid = next(m["session_id"] for m in messages if m.get("session_id"))
    assert isinstance(sid, str)
    return sid


def _records(sid: str) -> list[dict[str, Any]]:
    (path,) = _config().glob(f"projects/*/{sid}.jsonl")
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def _ai_titled(launcher: Path, cwd: Path) -> str:
    """An unnamed session given an AI title.

    The interactive TUI asks the API for a title; Claude Code 2.1.331 made no such
    request in this offline setup (print, stream-json or TUI), so the record it would
    write is appended in its format: ``{"type":"ai-title","aiTitle":...,"sessionId":...}``.
    """
    sid = _turn(launcher, "planting tomatoes", cwd)
    (path,) = _config().glob(f"projects/*/{sid}.jsonl")
    record = {"type": "ai-title", "aiTitle": "Fake title planting tomatoes", "sessionId": sid}
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, separators=(",", ":")) + "\n")
    return sid


def _sidechain_copy(sid: str) -> str:
    """A subagent-style file: a real transcript's conversation marked as a sidechain."""
    side_id = "5ide0000-0000-4000-8000-000000000000".replace("5ide", "a1de")
    (path,) = _config().glob(f"projects/*/{sid}.jsonl")
    rows = [r for r in _records(sid) if "uuid" in r]
    for r in rows:
        r["isSidechain"], r["sessionId"] = True, side_id
    text = "".join(json.dumps(r) + "\n" for r in rows)
    (path.parent / f"{side_id}.jsonl").write_text(text)
    nested = path.parent / sid / "subagents"
    nested.mkdir(parents=True)
    (nested / "agent-a1.jsonl").write_text(text)
    return side_id


def _build(launcher: Path, root: Path) -> dict[str, str]:
    plain, odd = root / "plain", root / "odd dir ü+é (x)&'$"
    deep = root / "deep"
    for part in ("a" * 60, "b" * 60, "c" * 60, "d-e_f.g" * 5):
        deep = deep / part
    for d in (plain, odd, deep):
        d.mkdir(parents=True)
    assert len(str(deep.resolve())) > 200
    ids = {"named": _turn(launcher, "hello named", plain, "--name", "alpha")}
    ids["renamed"] = _turn(launcher, "first name", plain, "--name", "r1")
    _turn(launcher, "second name", plain, "--resume", ids["renamed"], "--name", "r2")
    _turn(launcher, "third name", plain, "--resume", ids["renamed"], "--name", "r3")
    ids["unnamed"] = _turn(launcher, "nobody named me", plain)
    ids["fork"] = _turn(launcher, "a fork", plain, "--resume", ids["named"], "--fork-session")
    ids["named_fork"] = _turn(
        launcher, "named fork", plain, "--resume", ids["unnamed"], "--fork-session", "--name", "nf"
    )
    ids["odd"] = _turn(launcher, "odd place", odd, "--name", "odd")
    ids["deep"] = _turn(launcher, "deep place", deep, "--name", "deep")
    ids["deep_unnamed"] = _turn(launcher, "deep, unnamed", deep)
    ids["ai"] = _ai_titled(launcher, plain)
    ids["sidechain"] = _sidechain_copy(ids["unnamed"])
    return ids


def _sdk() -> dict[str, tuple[str | None, str]]:
    from claude_agent_sdk import list_sessions

    return {s.session_id: (s.custom_title, s.summary) for s in list_sessions()}


def test_list_agrees_with_the_official_sdk_on_a_real_corpus(
    offline_claude: Path,
    fake_api: FakeApi,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = _build(offline_claude, tmp_path / "work")
    assert main(["list", "--all", "--json"]) == 0
    out, err = capsys.readouterr()
    rows = {r["session_id"]: r for r in json.loads(out)}
    sdk = _sdk()
    assert set(rows) == set(sdk)
    assert {sid: (r["title"], r["summary"]) for sid, r in rows.items()} == sdk
    assert ids["sidechain"] not in rows and "skipped 1 transcript file(s): 1 sidechain" in err
    # and what the corpus says about names, beyond agreeing:
    names = {key: rows[sid]["name"] for key, sid in ids.items() if sid in rows}
    assert names["named"] == "alpha" and names["renamed"] == "r3"
    assert names["unnamed"] is None and names["deep_unnamed"] is None
    assert names["ai"] is None and rows[ids["ai"]]["title"].startswith("Fake title")
    assert names["fork"] == "alpha"  # Claude Code copies the name into a fork
    assert (names["named_fork"], names["odd"], names["deep"]) == ("nf", "odd", "deep")
    assert rows[ids["odd"]]["cwd"].endswith("odd dir ü+é (x)&'$")
    assert len(rows[ids["deep"]]["cwd"]) > 200
    assert rows[ids["unnamed"]]["summary"] == "nobody named me"
    # listing by cwd finds the long and the odd project dirs
    catalog = Catalog()
    deep_cwd = rows[ids["deep"]]["cwd"]
    assert {s.session_id for s in catalog.list(all=True, cwd=deep_cwd).sessions} == {
        ids["deep"],
        ids["deep_unnamed"],
    }
    assert [s.name for s in catalog.list(cwd=rows[ids["odd"]]["cwd"]).sessions] == ["odd"]
    # history of the renamed session: its three turns, in order
    texts = [
        e.event.text for e in catalog.history("r3") if isinstance(e.event, UserText | AssistantText)
    ]
    assert texts == [
        "first name",
        "Fake reply to: first name",
        "second name",
        "Fake reply to: second name",
        "third name",
        "Fake reply to: third name",
    ]
