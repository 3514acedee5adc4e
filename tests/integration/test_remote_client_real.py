"""RemoteTransport against the real ``claude-coder serve --stdio`` and the real Claude Code.

No sshd here (``tests/remote`` has those): ``$CLAUDE_CODER_SSH`` is the stand-in of
:mod:`tests.support.fake_ssh`, which runs the login-shell command string through
``/bin/sh -c`` as sshd would; the host's ``claude-coder`` (on its ``~/.profile`` PATH) is
this checkout's, its Claude Code the offline launcher against the fake API. The session,
its policy and its decisions are the local ones.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from tests.integration.sdk_support import Events
from tests.support.fake_remote import FakeRemote
from tests.support.procs import wait_gone

from claude_coder.events import (
    Boundary,
    HostLost,
    HostRejoined,
    PermissionDecided,
    PermissionRequested,
    QuestionRequest,
    SessionState,
    TextDelta,
    ToolResult,
)
from claude_coder.profiles import Profile
from claude_coder.session import Session

SERVE_ARGV = (sys.executable, "-m", "claude_coder.cli.main")


@pytest.fixture
def host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline_claude: Path
) -> Iterator[FakeRemote]:
    fake = FakeRemote(tmp_path / "remote", monkeypatch)
    fake.serve(SERVE_ARGV)
    runtime = Path(tempfile.mkdtemp(prefix="cc-rt-", dir="/tmp"))
    fake.set_env(
        CLAUDE_CODER_CLAUDE=str(offline_claude),
        CLAUDE_CONFIG_DIR=os.environ["CLAUDE_CONFIG_DIR"],  # the test's seeded login
        XDG_RUNTIME_DIR=str(runtime),
        PYTHONUNBUFFERED="1",
    )
    yield fake
    fake.cleanup()
    shutil.rmtree(runtime, ignore_errors=True)


def _profile(work: Path, **fields: object) -> Profile:
    return Profile.model_validate({"name": "far", "host": "devbox", "cwd": str(work), **fields})


@pytest.fixture
def work(tmp_path: Path) -> Path:
    path = tmp_path / "work-on-host"
    path.mkdir()
    return path


async def test_a_text_turn_on_the_host(host: FakeRemote, work: Path) -> None:
    async with Session.open(_profile(work), name="afar") as s:
        result = await s.send("reply:hello from afar")
        assert (result.boundary, result.text) == (Boundary.COMPLETED, "hello from afar")
        assert s.transport_name == "sdk" and s.cwd == str(work)
        assert result.session_id == s.session_id is not None
        on_host = host.left_behind()
        assert on_host, "serve and its Claude Code run on the host"
    assert host.live() == []
    await wait_gone(on_host)  # closing the session closed Claude Code there


async def test_a_permission_answered_here_by_policy(host: FakeRemote, work: Path) -> None:
    policy = {"allow": ["Bash(touch *)"], "default": "deny"}
    async with Session.open(_profile(work, permissionPolicy=policy)) as s:
        rec = Events(s)
        result = await s.send("bash:touch made-by-policy")
    [decided] = rec.of(PermissionDecided)
    assert (decided.allow, decided.by) == (True, "policy")
    assert result.boundary is Boundary.COMPLETED
    assert (work / "made-by-policy").exists()


async def test_a_question_answered_here(host: FakeRemote, work: Path) -> None:
    async def choose(q: QuestionRequest) -> Mapping[str, str]:
        return {q.questions[0].question: "Blue"}

    profile = _profile(work, experimentalAskUserQuestionAnswering=True)
    async with Session.open(profile, on_question=choose) as s:
        result = await s.send("ask:Which colour?|Red|Blue")
    assert "You answered: Blue" in result.text


async def test_an_interrupt_stops_the_hosts_turn(host: FakeRemote, work: Path) -> None:
    async with Session.open(_profile(work)) as s:
        rec = Events(s)
        handle = s.submit("slow:100:0.2")
        await rec.wait_kind(TextDelta)
        result = await s.interrupt()
        assert result is not None and result.boundary is Boundary.INTERRUPTED
        assert (await handle).boundary is Boundary.INTERRUPTED
        assert (await s.send("reply:after")).text == "after"


async def test_an_interrupt_while_a_permission_waits_here_takes_the_question_back(
    host: FakeRemote, work: Path
) -> None:
    """As on this machine: Claude Code on the host drops the question, so it is no
    longer pending here (no prompt left that nothing would read)."""
    async with Session.open(_profile(work)) as s:  # policy "ask": a person decides
        rec = Events(s)
        handle = s.submit("bash:touch waiting-on-host.txt")
        await rec.wait_kind(PermissionRequested)
        assert len(s.pending) == 1
        result = await s.interrupt()
        assert result is not None and result.boundary is Boundary.INTERRUPTED
        assert (await handle).boundary is Boundary.INTERRUPTED
        assert s.pending == []
        assert (await s.send("reply:next")).text == "next"
    assert not (work / "waiting-on-host.txt").exists()


async def test_a_drop_mid_turn_re_attaches_and_the_turn_completes(
    host: FakeRemote, work: Path
) -> None:
    async with Session.open(_profile(work)) as s:
        rec = Events(s)
        handle = s.submit("slow:15:0.2")
        await rec.wait_kind(TextDelta)
        assert host.drop_connections() == 1
        result = await handle
        assert result.boundary is Boundary.COMPLETED
        assert result.text.split() == [f"chunk{i}" for i in range(15)]
        [lost], [rejoined] = rec.of(HostLost), rec.of(HostRejoined)
        assert lost.host == rejoined.host == "devbox"
        states = rec.states()
        assert SessionState.RECONNECTING in states and SessionState.STALLED not in states
        assert (await s.send("reply:still here")).text == "still here"
    assert [c["host"] for c in host.connections()] == ["devbox", "devbox"]
    await wait_gone(host.left_behind())  # the keeper and its Claude Code too


async def test_a_pty_member_on_the_host_streams_its_screen_bytes(
    host: FakeRemote, work: Path, seed_tui: Callable[..., Path]
) -> None:
    from tests.integration.pty_support import PTY_PROFILE

    seed_tui(work)  # the host's login is this test's config dir
    chunks: list[bytes] = []
    profile = _profile(work, **{k: v for k, v in PTY_PROFILE.items() if k != "name"})
    async with Session.open(profile, name="afar-pty", start_timeout=120) as s:
        remove = s.transport.add_raw_listener(chunks.append)  # type: ignore[attr-defined]
        result = await s.send("reply:pty from afar")
        remove()
        assert s.transport_name == "pty"
        assert result.boundary is Boundary.COMPLETED and "pty from afar" in result.text
    assert chunks, "the host sent no raw terminal bytes"


async def test_an_interrupt_while_a_pty_dialog_waits_here_takes_the_question_back(
    host: FakeRemote, work: Path, seed_tui: Callable[..., Path]
) -> None:
    from tests.integration.pty_support import PTY_PROFILE

    seed_tui(work)
    fields = {k: v for k, v in PTY_PROFILE.items() if k not in ("name", "permissionPolicy")}
    async with Session.open(_profile(work, **fields), start_timeout=120) as s:
        rec = Events(s)  # the default policy asks: the dialog waits on a person here
        handle = s.submit("bash:touch waiting-on-host.txt")
        await rec.wait_kind(PermissionRequested)
        result = await s.interrupt()
        assert result is not None and result.boundary is Boundary.INTERRUPTED, result
        assert (await handle).boundary is Boundary.INTERRUPTED
        assert s.pending == []
        assert (await s.send("reply:next")).text == "next"
    assert not (work / "waiting-on-host.txt").exists()


async def test_a_sent_secret_reaches_the_hosts_claude_and_never_comes_back(
    host: FakeRemote, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-sent-secret-7f2c9a1e55"
    monkeypatch.setenv("LOCAL_TOKEN", secret)
    profile = _profile(
        work,
        env={"TOKEN": {"secretRef": "env:LOCAL_TOKEN"}},
        sendSecrets=["TOKEN"],
        permissionPolicy={"allow": ["Bash"], "default": "deny"},
    )
    async with Session.open(profile) as s:
        rec = Events(s)
        result = await s.send("bash:printenv TOKEN")
    [output] = [e.output for e in rec.of(ToolResult)]
    assert output.strip() == "***"  # there (printenv printed it), masked on the host
    assert secret not in str(rec.events) and secret not in str(result)
    assert all(secret not in str(c["env"]) for c in host.connections())
