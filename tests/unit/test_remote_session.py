"""A Session whose Claude Code runs on a host: turns, local decisions, drops and re-attach.

The host is :mod:`tests.support.fake_host` (the wire over a FakeTransport) reached through
the ssh stand-in; the session, its policy, its states and its stream are the real ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from tests.support.fake_remote import FakeRemote
from tests.support.procs import wait_gone
from tests.support.recorder import EventRecorder

from claude_coder.errors import HostError
from claude_coder.events import (
    AssistantText,
    Boundary,
    Envelope,
    HostLost,
    HostRejoined,
    PermissionDecided,
    QuestionRequest,
    SessionState,
    ToolResult,
)
from claude_coder.profiles import PermissionPolicy, Profile
from claude_coder.session import Session
from claude_coder.transports.remote import OpenSpec, remote_transport

_S = SessionState


@pytest.fixture
def remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRemote]:
    fake = FakeRemote(tmp_path / "remote", monkeypatch)
    yield fake
    fake.cleanup()


def _profile(**fields: Any) -> Profile:
    return Profile(**{"name": "far", "host": "devbox", **fields})


async def test_a_text_turn_on_the_host(remote: FakeRemote) -> None:
    async with Session.open(_profile(), name="far-1") as s:
        result = await s.send("hello there")
        assert (result.boundary, result.text) == (Boundary.COMPLETED, "echo: hello there")
        assert s.transport_name == "sdk" and s.state is _S.IDLE
        assert s.session_id is not None and result.session_id == s.session_id
        assert s.transcript_path is None  # it is on the host
    [conn] = remote.connections()
    assert conn["host"] == "devbox"
    assert remote.live() == [] and remote.left_behind() == []  # closed on the host too


async def test_explicit_host_wins_over_the_profile(remote: FakeRemote) -> None:
    async with Session.open(_profile(), host="other") as s:
        await s.send("hi")
    assert [c["host"] for c in remote.connections()] == ["other"]


@pytest.mark.parametrize(("rule", "allowed"), [("allow", True), ("deny", False)])
async def test_a_permission_is_answered_here_by_the_local_policy(
    remote: FakeRemote, rule: str, allowed: bool
) -> None:
    policy = PermissionPolicy(**{rule: ("Bash",)})
    async with Session.open(_profile(permission_policy=policy)) as s:
        rec = EventRecorder(s)
        result = await s.send("tool")
    [decided] = rec.of(PermissionDecided)
    assert (decided.allow, decided.by) == (allowed, "policy")
    names = [t.name for t in (result.tool_calls if allowed else result.denials)]
    assert names == ["Bash"]


async def test_a_question_is_answered_by_the_local_callback(remote: FakeRemote) -> None:
    async def on_question(q: QuestionRequest) -> Mapping[str, str]:
        return {q.questions[0].question: "blue"}

    profile = _profile(experimental_ask_user_question_answering=True)
    async with Session.open(profile, on_question=on_question) as s:
        rec = EventRecorder(s)
        await s.send("ask")
    assert rec.of(ToolResult)[0].output == "User answered: Which colour?: blue"


async def test_an_interrupt_reaches_the_host(remote: FakeRemote) -> None:
    async with Session.open(_profile()) as s:
        rec = EventRecorder(s)
        handle = s.submit("stall")
        await rec.wait(lambda e: isinstance(e, AssistantText) and e.text == "waiting")
        result = await s.interrupt()
        assert result is not None and result.boundary is Boundary.INTERRUPTED
        assert (await handle).boundary is Boundary.INTERRUPTED
        assert (await s.send("again")).text == "echo: again"


async def test_a_dropped_connection_re_attaches_and_replays_the_turn(remote: FakeRemote) -> None:
    async with Session.open(_profile()) as s:
        rec = EventRecorder(s)
        handle = s.submit("drop")
        await rec.wait(lambda e: isinstance(e, AssistantText) and e.text == "before")
        assert remote.drop_connections() == 1
        result = await handle
        assert result.boundary is Boundary.COMPLETED
        assert [e.text for e in rec.of(AssistantText)] == ["before", "after"]
        [lost], [rejoined] = rec.of(HostLost), rec.of(HostRejoined)
        assert lost.host == rejoined.host == "devbox"
        assert rejoined.replayed >= 2  # the rest of the turn and its end, missed meanwhile
        states = rec.states()
        at = states.index(_S.RECONNECTING)
        assert states[at - 1] is _S.BUSY and states[at + 1] is _S.BUSY
        assert _S.STALLED not in states
        assert (await s.send("still here")).text == "echo: still here"
    assert len(remote.connections()) == 2
    assert remote.live() == []
    await wait_gone(remote.left_behind())  # the keeper too, once it closed the session


async def test_past_the_grace_the_session_names_the_resume_command(remote: FakeRemote) -> None:
    profile = _profile().model_dump(mode="json", by_alias=True)
    spec = OpenSpec(profile={k: v for k, v in profile.items() if k != "host"}, grace_s=1.0)
    transport = remote_transport("devbox", spec)
    async with Session.open(profile=_profile(), transport=transport) as s:
        rec = EventRecorder(s)
        handle = s.submit("stall")
        await rec.wait(lambda e: isinstance(e, AssistantText) and e.text == "waiting")
        remote.remove_serve()  # every re-attach now fails: no claude-coder there
        remote.drop_connections()
        result = await handle
        sid = s.session_id
        assert result.boundary is Boundary.ERROR
        assert s.state is _S.ERROR
        assert s.error is not None and s.error.startswith("lost host 'devbox' (")
        assert s.error.endswith(
            f"the session is kept there as {sid}: resume it with "
            f"`claude-coder resume --host devbox {sid}`"
        )
        assert _S.RECONNECTING in rec.states()


async def test_the_profiles_grace_is_the_hosts_and_bounds_the_re_attach(
    remote: FakeRemote,
) -> None:
    async with Session.open(_profile(host_grace_seconds=1.0)) as s:
        rec = EventRecorder(s)
        handle = s.submit("stall")
        await rec.wait(lambda e: isinstance(e, AssistantText) and e.text == "waiting")
        remote.remove_serve()
        remote.drop_connections()
        result = await handle  # given up after the profile's 1 s, not the default 30 s
        assert result.boundary is Boundary.ERROR and _S.RECONNECTING in rec.states()
    assert [r["grace_s"] for r in remote.requests()] == [1.0]


async def test_a_refused_open_comes_back_as_the_hosts_error(remote: FakeRemote) -> None:
    from claude_coder.errors import LoginNotProven

    remote.set_env(FAKE_HOST_MODE="login")
    with pytest.raises(LoginNotProven) as caught:
        await Session.start(_profile())
    assert str(caught.value) == "on host 'devbox': no Claude login on this host"
    assert caught.value.exit_code == 2
    assert remote.live() == []


async def test_an_unreachable_host_fails_the_start(remote: FakeRemote) -> None:
    with pytest.raises(HostError, match=r"^host 'refuse-me' is unreachable over ssh"):
        await Session.start(_profile(host="refuse-me"))


async def test_a_turn_sent_while_the_link_is_down_goes_through_once_rejoined(
    remote: FakeRemote,
) -> None:
    async with Session.open(_profile()) as s:
        rec = EventRecorder(s)
        assert remote.drop_connections() == 1
        result = await s.send("while away")  # re-sent with its rid after the re-attach
        assert result.text == "echo: while away"
        assert len(rec.of(HostRejoined)) == 1
        assert _S.RECONNECTING in rec.states()


async def test_a_permission_pending_across_a_drop_is_answered_once(remote: FakeRemote) -> None:
    from claude_coder.events import PermissionRequested

    async with Session.open(_profile()) as s:  # policy "ask": a person decides
        rec = EventRecorder(s)
        handle = s.submit("tool")
        asked = await rec.wait_kind(PermissionRequested)
        remote.drop_connections()
        await rec.wait_kind(HostRejoined)
        await s.decide(asked.request_id, allow=True)
        result = await handle
        assert result.boundary is Boundary.COMPLETED and result.text == "listed"
        assert len(rec.of(PermissionRequested)) == 1  # asked again by the host, not of you


async def test_a_permission_the_host_takes_back_is_pending_no_more(remote: FakeRemote) -> None:
    async with Session.open(_profile()) as s:  # policy "ask": it would wait on a person
        pending_when_said: list[int] = []

        def said(envelope: Envelope) -> None:
            if isinstance(envelope.event, AssistantText):
                pending_when_said.append(len(s.pending))

        s.subscribe(said)
        result = await s.send("withdraw")
        assert (result.boundary, result.text) == (Boundary.COMPLETED, "dropped")
        assert pending_when_said == [0] and s.pending == []  # gone before the turn went on


async def test_events_only_the_session_or_the_link_may_say_are_dropped(
    remote: FakeRemote,
) -> None:
    """A hostile host cannot close, stall or 'reconnect' the session by saying so, nor
    break it with events this version cannot read: the turn just goes on."""
    async with Session.open(_profile(), name="far-forged") as s:
        rec = EventRecorder(s)
        result = await s.send("forge")
        assert (result.boundary, result.text) == (Boundary.COMPLETED, "echo: forge")
        assert s.state is _S.IDLE
        kinds = {e.kind for e in rec.events}
        forbidden = {"session_closed", "host_lost", "host_rejoined", "stream_gap"}
        assert not kinds & forbidden, kinds
        assert _S.CLOSED not in rec.states() and _S.RECONNECTING not in rec.states()
        again = await s.send("still here")
        assert again.text == "echo: still here"
