"""One member on devbox, over the real sshd: the host's Claude Code, the local session.

A text turn (SDK and PTY, and ``run --host``), a permission the LOCAL profile's policy
answers, an interrupt, a question answered by a local callback. Each proves the turn
ran on the host (the host's Claude Code, its transcript, its files, as ``ccremote``) and
that nothing but ssh ran here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_coder.events import (
    AssistantText,
    Boundary,
    PermissionDecided,
    QuestionAnswered,
    SessionStarted,
    SessionState,
    TextDelta,
)
from claude_coder.session import Session
from claude_coder.transports.base import QuestionRequest
from tests.integration.sdk_support import Events, write_profiles
from tests.remote.support import host_claudes, local_children, local_cli, until
from tests.support.fake_api import FakeApi
from tests.support.host_user import HostWorld

pytestmark = pytest.mark.timeout(180)


def _host_transcripts(world: HostWorld) -> dict[str, Path]:
    return {p.stem: p for p in (world.config_dir / "projects").rglob("*.jsonl")}


async def test_text_turn_runs_on_the_host(
    remote_host: HostWorld, fake_api: FakeApi, temp_home: Path
) -> None:
    async with Session.open(host=remote_host.name, name="far-text") as s:
        rec = Events(s)
        assert s.state is SessionState.IDLE and s.transport_name == "sdk"
        assert host_claudes(remote_host), "Claude Code runs on the host"
        assert set(local_children()) == {"ssh"}, "and only ssh runs here"
        first = await s.send("reply:hello from devbox")
        second = await s.send("reply:and again")
        sid = s.session_id
    assert (first.boundary, first.text) == (Boundary.COMPLETED, "hello from devbox")
    assert second.text == "and again" and first.session_id == second.session_id == sid
    assert first.usage is not None and first.usage.output_tokens > 0
    assert "".join(d.text for d in rec.of(TextDelta)).startswith("hello from devbox")
    assert [a.text for a in rec.of(AssistantText)] == ["hello from devbox", "and again"]
    started = rec.of(SessionStarted)[0]
    assert (started.transport, started.claude_version) == ("sdk", "2.1.331")
    assert fake_api.prompts_seen() == ["reply:hello from devbox", "reply:and again"]
    transcript = _host_transcripts(remote_host)[str(sid)]
    assert transcript.stat().st_uid == remote_host.account.pw_uid
    assert str(remote_host.home) in transcript.read_text(), "cwd: the host user's home"
    assert not list((temp_home / ".claude").rglob("*.jsonl")), "no transcript here"
    await until("the host's Claude Code exits after close", lambda: not host_claudes(remote_host))


def test_run_host_prints_the_hosts_answer(
    remote_host: HostWorld, fake_api: FakeApi, tmp_path: Path
) -> None:
    work = remote_host.home / "work"
    proc = local_cli(
        *("run", "--host", "devbox", "reply:done over ssh", "--cwd", str(work)),
        *("--name", "far-run", "--json"),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["boundary"], out["text"]) == ("completed", "done over ssh")
    assert fake_api.prompts_seen() == ["reply:done over ssh"]
    text = _host_transcripts(remote_host)[out["session_id"]].read_text()
    rows = [json.loads(line) for line in text.splitlines()]
    assert any(row.get("cwd") == str(work) for row in rows), "the cwd is the host's"


async def test_pty_text_turn_runs_on_the_host(
    remote_host: HostWorld, fake_api: FakeApi, tmp_path: Path
) -> None:
    work = remote_host.home / "work"  # seeded as trusted in the host's .claude.json
    profiles = write_profiles(tmp_path, {"name": "far-pty", "transport": "pty"})
    async with Session.open(
        "far-pty", profiles=profiles, host=remote_host.name, cwd=str(work), persist=True
    ) as s:
        rec = Events(s)
        assert s.transport_name == "pty" and s.state is SessionState.IDLE
        assert set(local_children()) == {"ssh"}
        result = await s.send("reply:hello from the host's TUI")
        sid = s.session_id
    assert (result.boundary, result.text) == (Boundary.COMPLETED, "hello from the host's TUI")
    assert rec.of(SessionStarted)[0].transport == "pty"
    assert fake_api.prompts_seen() == ["reply:hello from the host's TUI"]
    assert str(sid) in _host_transcripts(remote_host)


async def test_permissions_are_answered_by_the_local_policy(
    remote_host: HostWorld, fake_api: FakeApi, tmp_path: Path
) -> None:
    rule = {"allow": ["Bash(touch allowed*)"], "deny": ["Bash(touch denied*)"]}
    profiles = write_profiles(tmp_path, {"name": "p", "permissionPolicy": rule})
    work = remote_host.home / "work"
    async with Session.open("p", profiles=profiles, host=remote_host.name, cwd=str(work)) as s:
        rec = Events(s)
        allowed = await s.send("bash:touch allowed.txt")
        denied = await s.send("bash:touch denied.txt")
    assert [(d.allow, d.by) for d in rec.of(PermissionDecided)] == [
        (True, "policy"),
        (False, "policy"),
    ]
    assert allowed.boundary is denied.boundary is Boundary.COMPLETED
    assert allowed.denials == () and [d.name for d in denied.denials] == ["Bash"]
    made = work / "allowed.txt"
    assert made.exists() and made.stat().st_uid == remote_host.account.pw_uid
    assert not (work / "denied.txt").exists(), "the host's Claude Code saw the local answer"
    assert not (tmp_path / "allowed.txt").exists(), "nothing was made here"


async def test_interrupt_mid_stream_then_the_next_turn_completes(
    remote_host: HostWorld, fake_api: FakeApi
) -> None:
    async with Session.open(host=remote_host.name) as s:
        rec = Events(s)
        handle = s.submit("slow:40:0.1")
        await rec.wait_kind(TextDelta)
        interrupted = await s.interrupt()
        assert interrupted is not None and interrupted.boundary is Boundary.INTERRUPTED
        assert (await handle) == interrupted
        assert s.state is SessionState.IDLE
        nxt = await s.send("reply:after the interrupt")
    assert (nxt.boundary, nxt.text) == (Boundary.COMPLETED, "after the interrupt")
    slow = [r for r in fake_api.messages_requests() if r.prompt == "slow:40:0.1"]
    assert len(slow) == 1 and slow[0].disconnected, "the host's Claude Code stopped streaming"


async def test_a_question_is_answered_by_the_local_callback(
    remote_host: HostWorld, fake_api: FakeApi, tmp_path: Path
) -> None:
    profiles = write_profiles(tmp_path, {"name": "q", "experimentalAskUserQuestionAnswering": True})
    asked: list[QuestionRequest] = []

    async def on_question(q: QuestionRequest) -> dict[str, str]:
        asked.append(q)
        return {q.questions[0].question: "Blue"}

    async with Session.open(
        "q", profiles=profiles, host=remote_host.name, on_question=on_question
    ) as s:
        rec = Events(s)
        result = await s.send("ask:Which color?|Red|Blue")
    assert [o.label for o in asked[0].questions[0].options] == ["Red", "Blue"]
    assert rec.of(QuestionAnswered)[0].answers == {"Which color?": "Blue"}
    assert result.boundary is Boundary.COMPLETED and "You answered: Blue" in result.text
