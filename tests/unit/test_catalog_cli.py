"""The catalog commands: list, history, and the checks resume/fork make before a REPL."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.unit.test_catalog_builders import Tx, config_dir

from claude_coder.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_empty_catalog_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    # not a terminal: the header line alone on stdout, the note on stderr
    assert run(capsys, "list") == (0, "NAME\tID\tMODIFIED\tCWD\tSUMMARY\n", "(no sessions)\n")
    assert run(capsys, "list", "--json") == (0, "[]\n", "")


def test_list_named_then_all_newest_first(capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config_dir()
    older = Tx(cwd="/srv/a").user("older prompt").title("older")
    older.write(cfg)
    Tx(cwd="/srv/b").user("anonymous prompt").write(cfg)
    newer = Tx(cwd="/srv/a", branch="dev").user("newer prompt").title("newer")
    path = newer.write(cfg)
    os.utime(path, (2_000_000_000, 2_000_000_000))
    code, out, _ = run(capsys, "list")
    assert code == 0 and "newer" in out and "older" in out and "anonymous" not in out
    assert out.index("newer") < out.index("older")
    code, out, _ = run(capsys, "list", "--all", "--json")
    rows = json.loads(out)
    assert len(rows) == 3 and rows[0]["name"] == "newer"
    first = rows[0]
    assert set(first) >= {
        "session_id",
        "name",
        "summary",
        "cwd",
        "git_branch",
        "created",
        "modified",
        "size",
    }
    assert (first["session_id"], first["cwd"], first["git_branch"]) == (newer.sid, "/srv/a", "dev")
    assert first["modified"] == "2033-05-18T03:33:20Z"
    assert first["created"].endswith("Z") and first["size"] == path.stat().st_size


def test_list_cwd_keeps_one_project(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = config_dir()
    here = tmp_path / "proj"
    here.mkdir()
    Tx(cwd=str(here)).user("p").title("here").write(cfg)
    Tx(cwd="/elsewhere").user("p").title("there").write(cfg)
    _, out, _ = run(capsys, "list", "--cwd", str(here), "--json")
    assert [r["name"] for r in json.loads(out)] == ["here"]


def test_skipped_files_are_counted_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config_dir()
    Tx().user("ok").title("fine").write(cfg)
    Tx().write(cfg)  # empty
    Tx().user("side", isSidechain=True).write(cfg)
    code, out, err = run(capsys, "list")
    assert code == 0 and "fine" in out
    assert "skipped 2 transcript file(s)" in err and "1 empty" in err and "1 sidechain" in err
    assert "Traceback" not in out + err


def test_history_readable_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    tx = (
        Tx()
        .user("what is [bold]?")
        .assistant(
            "a tag", {"type": "tool_use", "id": "t1", "name": "Read", "input": {"path": "x"}}
        )
    )
    tx.user([{"type": "tool_result", "tool_use_id": "t1", "content": "\n".join(["l"] * 30)}])
    tx.title("hist").write(config_dir())
    code, out, _ = run(capsys, "history", "hist")
    assert code == 0
    assert "you  what is [bold]?" in out and "claude  a tag" in out
    assert 'tool Read {"path": "x"}' in out and "(18 more lines)" in out
    code, out, _ = run(capsys, "history", tx.sid[:8], "--json")
    kinds = [json.loads(x)["event"]["kind"] for x in out.splitlines()]
    assert kinds == ["user_text", "assistant_text", "tool_call", "tool_result"]


def test_ambiguous_and_missing_sessions_are_clear_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = config_dir()
    a = Tx(cwd="/one").user("x").title("same")
    b = Tx(cwd="/two").user("y").title("same")
    a.write(cfg)
    b.write(cfg)
    for command in ("history", "resume", "fork"):
        code, _, err = run(capsys, command, "same")
        assert code == 2
        assert "matches 2 sessions" in err and a.sid in err and "/two" in err
        assert "Traceback" not in err
    code, _, err = run(capsys, "history", "nobody")
    assert code == 2 and "no session is named 'nobody'" in err


def test_fork_refuses_a_taken_name_before_starting_anything(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = config_dir()
    Tx().user("x").title("src").write(cfg)
    Tx().user("y").title("taken").write(cfg)
    code, _, err = run(capsys, "fork", "src", "--name", "taken")
    assert code == 2 and "already used by session" in err
