"""Named PTY sessions on the real Claude Code: the TUI draws the name into a rule of the
prompt box, under a dialog too; every dialog must still be found and answered by policy,
from the library, ``run``, the REPL and as a fleet member."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.integration.pty_support import pty_project
from tests.integration.sdk_support import cli
from tests.support.fake_api import FakeApi

from claude_coder.events import Boundary, SessionState
from claude_coder.fleet import Fleet
from claude_coder.session import Session
from claude_coder.transports.base import QuestionRequest

pytestmark = pytest.mark.timeout(240)


async def _blue(q: QuestionRequest) -> dict[str, str] | None:
    return {q.questions[0].question: "Blue"}


async def test_a_named_session_answers_bash_write_and_question_dialogs_by_policy(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    work, profiles = pty_project(tmp_path, seed_tui)
    async with Session.open(
        "pty", profiles=profiles, persist=True, name="named-one", on_question=_blue
    ) as s:
        process = getattr(s.transport, "process", None)
        assert process is not None and "named-one" in process.snapshot().text
        allowed = await s.send("bash:touch allowed.txt")
        denied = await s.send("bash:touch denied.txt")
        wrote = await s.send("write:named.txt|named content")
        asked = await s.send("ask:Which color?|Red|Blue")
    assert allowed.boundary is Boundary.COMPLETED and (work / "allowed.txt").exists()
    assert denied.boundary is Boundary.COMPLETED and not (work / "denied.txt").exists()
    assert [d.input.get("command") for d in denied.denials] == ["touch denied.txt"]
    assert wrote.boundary is Boundary.COMPLETED
    assert (work / "named.txt").read_text() == "named content"
    assert asked.boundary is Boundary.COMPLETED and "You answered: Blue" in asked.text


def test_run_with_a_name_answers_the_dialog_on_the_pty(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    work, profiles = pty_project(tmp_path, seed_tui)
    args = ("--profiles", str(profiles), "run", "--profile", "pty", "--name", "x", "--json")
    ran = cli(offline_claude, *args, "bash:touch allowed-run.txt", cwd=work)
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert result["boundary"] == "completed" and (work / "allowed-run.txt").exists()
    refused = cli(offline_claude, *args[:-3], "--name", "y", "bash:touch denied-run.txt", cwd=work)
    assert refused.returncode == 0, refused.stderr
    assert not (work / "denied-run.txt").exists()


def test_the_repl_with_a_name_answers_dialogs_on_the_pty(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    work, profiles = pty_project(tmp_path, seed_tui, permissionPolicy={"default": "ask"})
    stdin = "\n".join(
        ["bash:touch yes.txt", "y", "bash:touch no.txt", "n", "write:w.txt", "y", "exit"]
    )
    proc = cli(
        offline_claude,
        *("--profiles", str(profiles), "repl", "pty", "--name", "named-repl"),
        cwd=work,
        stdin=stdin + "\n",
    )
    assert proc.returncode == 0, proc.stderr
    assert (work / "yes.txt").exists() and not (work / "no.txt").exists()
    assert (work / "w.txt").exists()
    assert proc.stdout.count("[completed ·") == 3, proc.stdout


async def test_a_pty_fleet_member_answers_dialogs_by_policy(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    work, profiles = pty_project(tmp_path, seed_tui)
    async with Fleet.open(tmp_path / "fleet.json", profiles=profiles, max_busy=2) as fleet:
        info = await fleet.add("member-pty", profile="pty", cwd=str(work))
        assert info.state is SessionState.IDLE
        allowed = await asyncio.wait_for(fleet.submit("member-pty", "bash:touch allowed-m.txt"), 90)
        denied = await asyncio.wait_for(fleet.submit("member-pty", "bash:touch denied-m.txt"), 90)
        wrote = await asyncio.wait_for(fleet.submit("member-pty", "write:m.txt|member"), 90)
    assert [r.boundary for r in (allowed, denied, wrote)] == [Boundary.COMPLETED] * 3
    assert (work / "allowed-m.txt").exists() and not (work / "denied-m.txt").exists()
    assert (work / "m.txt").read_text() == "member"
    assert [d.input.get("command") for d in denied.denials] == ["touch denied-m.txt"]
