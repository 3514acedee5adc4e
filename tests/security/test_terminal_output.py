"""Only claude-coder's own styling reaches a terminal.

Findings: model text and tool output were printed raw by the REPL (``ESC]52`` writes the
clipboard, ``ESC]0`` the title, ``ESC[2J`` clears), and a transcript's ``custom-title``
with CSI codes or a newline printed raw in ``list`` (a newline faked a row).
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claude_coder.cli.main import main
from claude_coder.fleet import Roster, RosterMember
from claude_coder.security import json_text, visible, visible_line
from claude_coder.tui.widgets.conversation import AnswerBlock
from tests.integration.sdk_support import cli
from tests.support.fake_api import FakeApi
from tests.support.fake_scripts import HOSTILE_TEXT
from tests.support.transcripts import TranscriptBuilder, real_usage
from tests.tui.conftest import real_member_view, wait_for

_RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]")
"""What must never reach a terminal from outside text (newline and tab aside)."""


def _no_raw(out: str) -> None:
    found = _RAW.search(out)
    assert found is None, f"raw {found.group(0)!r} in {out[max(found.start() - 30, 0) :][:80]!r}"


# -- the functions -------------------------------------------------------------------


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_visible_leaves_nothing_a_terminal_acts_on(text: str) -> None:
    _no_raw(visible(text))
    line = visible_line(text)
    _no_raw(line)
    assert "\n" not in line and "\t" not in line
    visible(text).encode("utf-8")  # writable at all, even from undecodable input


@given(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Zl", "Zp", "Cf", "Cs"])))
def test_ordinary_text_is_shown_unchanged(text: str) -> None:
    assert visible(text) == text == visible_line(text)


@given(st.recursive(st.text(), lambda kids: st.lists(kids) | st.dictionaries(st.text(), kids)))
def test_json_text_is_the_same_json_with_no_raw_control(value: Any) -> None:
    document = json_text(json.dumps(value, ensure_ascii=False))
    _no_raw(document)
    assert json.loads(document) == value


def test_the_visible_forms() -> None:
    assert visible("a\x1b]52;c;eA==\x07b") == "a␛]52;c;eA==␇b"
    assert visible("\x9b2J \u202eevil\r\nok\rno\x7f") == "\\x9b2J \\u202eevil\nok␍no␡"
    assert visible_line("title\nfake row\t") == "title␤fake row␉"


# -- the CLI against the real binary ---------------------------------------------------


def _run(launcher: Path, cwd: Path, *args: str) -> str:
    done = cli(launcher, *args, cwd=cwd, stdin="hostile:\nexit\n" if args[0] == "repl" else "")
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_run_repl_and_history_show_model_escapes_made_visible(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    outputs = {
        "run": _run(offline_claude, tmp_path, "run", "--name", "hostile", "hostile:"),
        "run --json": _run(offline_claude, tmp_path, "run", "--json", "hostile:"),
        "repl": _run(offline_claude, tmp_path, "repl"),
        "history": _run(offline_claude, tmp_path, "history", "hostile"),
        "history --json": _run(offline_claude, tmp_path, "history", "--json", "hostile"),
    }
    for what, out in outputs.items():
        _no_raw(out)
        assert "\x1b" not in out, what
    for what in ("run", "repl", "history"):
        assert "clip␛]52;c;cHduZWQ=␇" in outputs[what] and "\\u202eevil" in outputs[what], what
        assert "[bold]markup[/bold] :warning:" in outputs[what], what  # text, not style
    assert json.loads(outputs["run --json"])["text"] == HOSTILE_TEXT  # same JSON value


def _retitle(session_id: str, title: str) -> None:
    """Append a ``custom-title`` record, as something other than claude-coder might."""
    config = Path(os.environ["CLAUDE_CONFIG_DIR"])
    (path,) = (config / "projects").glob(f"*/{session_id}.jsonl")
    record = {"type": "custom-title", "customTitle": title, "sessionId": session_id}
    with path.open("a") as fh:
        fh.write(json.dumps(record) + "\n")


def test_list_shows_a_hostile_title_on_one_row_and_names_are_checked(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    done = cli(offline_claude, "run", "--json", "--name", "plain", "reply:hi", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    _retitle(json.loads(done.stdout)["session_id"], "evil\x1b[2J\x1b]0;pwned\x07\nfake-row  x")
    listed = cli(offline_claude, "list", cwd=tmp_path, extra_env={"COLUMNS": "200"})
    as_json = cli(offline_claude, "list", "--json", cwd=tmp_path)
    assert listed.returncode == 0 and as_json.returncode == 0
    for out in (listed.stdout, as_json.stdout):
        _no_raw(out)
    rows = [line for line in listed.stdout.splitlines() if line.strip()]
    assert len(rows) == 2 and rows[1].startswith("evil␛[2J␛]0;pwned␇␤fake-row")
    assert json.loads(as_json.stdout)[0]["name"].startswith("evil\x1b[2J")
    for bad in ("../../x", "-p", "a\x1b[2Jb", "line\nbreak", "x" * 101, " "):
        refused = cli(offline_claude, "run", "--name", bad, "reply:no", cwd=tmp_path)
        assert refused.returncode == 2, bad
        assert refused.stderr.startswith("error: bad session name") and "\x1b" not in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert fake_api.prompts_seen() == ["reply:hi"]  # nothing was started for a bad name


def test_fleet_status_shows_roster_text_made_visible(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    with Roster.open(path) as roster:
        roster.add(RosterMember("agent1", profile="p", cwd=str(tmp_path)))
        roster.update("agent1", state="error", error="boom \x1b]52;c;eA==\x07 \u202eevil")
    for args in (("fleet", "status"), ("fleet", "status", "--json")):
        done = cli(Path("/nonexistent"), *args, "--roster", str(path), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        _no_raw(done.stdout)
    done = cli(Path("/x"), "fleet", "status", "--roster", str(path), cwd=tmp_path)
    shown = done.stdout + done.stderr  # in a pipe the table is on stdout, its notes on stderr
    assert "agent1: boom ␛]52;c;eA==␇ \\u202eevil" in shown


def test_a_roster_with_a_hostile_profile_name_is_refused_visibly(tmp_path: Path) -> None:
    path = tmp_path / "fleet.json"
    with Roster.open(path) as roster:
        roster.add(RosterMember("agent1", profile="p"))
    data = json.loads(path.read_text())
    data["members"][0]["profile"] = "p\x1b]0;x\x07"
    data["members"][0]["cwd"] = "/w\x1b[2J\nrow"
    path.write_text(json.dumps(data))
    done = cli(Path("/x"), "fleet", "status", "--roster", str(path), cwd=tmp_path)
    assert done.returncode == 2
    _no_raw(done.stdout + done.stderr)
    assert "bad profile name" in done.stderr or "control characters" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# -- the TUI against the real binary ---------------------------------------------------


@pytest.mark.timeout(240)
async def test_tui_shows_model_escapes_made_visible_and_markup_as_text(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    async with real_member_view(tmp_path, size=(120, 30)) as view:
        app, pilot, screen = view.app, view.pilot, view.screen
        await pilot.press(*"hostile:", "enter")
        await wait_for(
            pilot,
            lambda: any(b.final and "clip" in b.shown for b in screen.query(AnswerBlock)),
            "the answer",
            deadline=60,  # a real Claude Code turn on a busy machine
        )
        (answer,) = [b for b in screen.query(AnswerBlock) if "clip" in b.shown]
        # The block holds its final text before the next refresh draws it.
        await wait_for(pilot, lambda: "␛]52" in app.export_screenshot(), "the answer drawn")
        shot = app.export_screenshot()
    assert answer.shown == visible(HOSTILE_TEXT)
    assert "\x1b" not in shot and "␛]52" in shot
    assert "[bold]markup[/bold]" in answer.shown


def test_usage_shows_transcript_model_and_project_names_made_visible(
    capsys: pytest.CaptureFixture[str],
) -> None:
    hostile = TranscriptBuilder(
        start=datetime(2026, 11, 3, 9, tzinfo=UTC), cwd="/w\x1b]0;t\x07\nrow"
    )
    hostile.user("hi")
    hostile.assistant("x", usage=real_usage(1, 1), model="evil\x1b[2J\u202emodel")
    hostile.write()
    for args in (["usage", "model"], ["usage", "project"], ["usage", "--json", "project"]):
        assert main(args) == 0
        out, err = capsys.readouterr()
        _no_raw(out + err)
        assert not any(line.startswith("row") for line in out.splitlines())  # no faked row
    assert main(["usage", "model"]) == 0
    assert "evil␛[2J\\u202emodel" in capsys.readouterr().out
