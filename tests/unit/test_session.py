"""Session on FakeTransport: states, turns, queue, handles, interrupts, boundaries, close."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tests.unit.session_helpers import Recorder, start

from claude_coder.errors import CredentialRefused, SessionClosedError, SessionError
from claude_coder.events import (
    AssistantText,
    Boundary,
    RateLimited,
    SessionClosed,
    SessionState,
    StateChanged,
    TextDelta,
    TurnEnded,
    UserText,
)
from claude_coder.session import Session
from claude_coder.transports.fake import Crash, Delay, Fail, FakeTransport, Limit, Say, Stall

S = SessionState


async def test_text_turn_completes_and_walks_the_states() -> None:
    fake = FakeTransport([[Say("hello there, friend", chunks=3)]])
    s = await start(fake)
    rec = Recorder(s)
    assert s.state is S.IDLE
    assert "state=idle" in repr(s)
    result = await s.send("hi")
    assert result.boundary is Boundary.COMPLETED
    assert result.text == "hello there, friend"
    assert result.session_id == fake.session_id == s.session_id
    assert result.usage is not None and result.usage.output_tokens == 3
    assert result.duration_s > 0
    assert s.state is S.IDLE
    assert rec.states() == [S.BUSY, S.IDLE]
    assert "".join(d.text for d in rec.of(TextDelta)) == "hello there, friend"
    assert [a.text for a in rec.of(AssistantText)] == ["hello there, friend"]
    assert rec.of(UserText)[0].text == "hi"
    assert rec.of(TurnEnded)[0].result == result
    seqs = [e.seq for e in rec.envelopes]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert all(e.name == "t" and e.session_id == fake.session_id for e in rec.envelopes)
    await s.close()
    assert s.state is S.CLOSED and "state=closed" in repr(s)
    assert fake.closed


async def test_open_is_a_context_manager_that_closes() -> None:
    fake = FakeTransport()
    async with Session.open(transport=fake, name="ctx") as s:
        assert (await s.send("ping")).text == "echo: ping"
    assert s.state is S.CLOSED
    assert fake.closed
    with pytest.raises(SessionClosedError):
        s.submit("again")


async def test_turns_queue_in_order() -> None:
    release = asyncio.Event()
    fake = FakeTransport([[Stall(release), Say("one")], [Say("two")], [Say("three")]])
    s = await start(fake)
    h1, h2, h3 = s.submit("a"), s.submit("b"), s.submit("c")
    rec = Recorder(s)
    await rec.wait(lambda e: isinstance(e, UserText))
    assert s.queued == 2
    release.set()
    results = [await h1, await h2, await h3]
    assert [r.text for r in results] == ["one", "two", "three"]
    assert fake.sent == ["a", "b", "c"]
    assert s.queued == 0
    assert s.usage.output_tokens == 3
    await s.close()


async def test_cancel_a_queued_handle_drops_it() -> None:
    release = asyncio.Event()
    fake = FakeTransport([[Stall(release), Say("one")], [Say("two")]])
    s = await start(fake)
    h1, h2 = s.submit("a"), s.submit("b")
    assert h2.cancel() is True
    release.set()
    assert (await h1).text == "one"
    with pytest.raises(asyncio.CancelledError):
        await h2
    assert fake.sent == ["a"]
    assert h1.cancel() is False
    await s.close()


async def test_interrupt_mid_stream_then_next_turn_completes() -> None:
    release = asyncio.Event()
    fake = FakeTransport([[Say("partial"), Stall(release), Say("never")], [Say("fine")]])
    s = await start(fake)
    rec = Recorder(s)
    handle = s.submit("long")
    await rec.wait(lambda e: isinstance(e, AssistantText))
    interrupted = await s.interrupt()
    assert interrupted is not None and interrupted.boundary is Boundary.INTERRUPTED
    assert (await handle).boundary is Boundary.INTERRUPTED
    assert s.state is S.IDLE
    nxt = await s.send("next")
    assert nxt.boundary is Boundary.COMPLETED and nxt.text == "fine"
    assert len(rec.of(TurnEnded)) == 2
    await s.close()


async def test_interrupt_with_drain_drops_queued_turns() -> None:
    release = asyncio.Event()
    fake = FakeTransport([[Stall(release)], [Say("queued")]])
    s = await start(fake)
    rec = Recorder(s)
    first, second = s.submit("a"), s.submit("b")
    await rec.wait(lambda e: isinstance(e, UserText))
    result = await s.interrupt(drain=True)
    assert result is not None and result.boundary is Boundary.INTERRUPTED
    assert (await first).boundary is Boundary.INTERRUPTED
    with pytest.raises(asyncio.CancelledError):
        await second
    assert fake.sent == ["a"] and s.queued == 0
    assert await s.interrupt() is None  # nothing running
    await s.close()


async def test_cancelling_a_running_handle_interrupts() -> None:
    release = asyncio.Event()
    s = await start(FakeTransport([[Stall(release)], [Say("after")]]))
    rec = Recorder(s)
    handle = s.submit("a")
    await rec.wait(lambda e: isinstance(e, UserText))
    handle.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handle
    ended = await rec.wait(lambda e: isinstance(e, TurnEnded))
    assert isinstance(ended, TurnEnded) and ended.result.boundary is Boundary.INTERRUPTED
    assert (await s.send("b")).text == "after"
    await s.close()


async def test_cancelling_send_interrupts_the_turn() -> None:
    release = asyncio.Event()
    fake = FakeTransport([[Stall(release)]])
    s = await start(fake)
    rec = Recorder(s)
    task = asyncio.create_task(s.send("a"))
    await rec.wait(lambda e: isinstance(e, UserText))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await rec.wait(lambda e: isinstance(e, TurnEnded))
    assert fake.interrupts == 1
    assert s.last_result is not None and s.last_result.boundary is Boundary.INTERRUPTED
    await s.close()


async def test_an_interrupt_nobody_answers_ends_in_error_not_a_hang() -> None:
    release = asyncio.Event()
    fake = FakeTransport([[Stall(release)]], ignore_interrupt=True)
    s = await start(fake, interrupt_timeout=0.2)
    rec = Recorder(s)
    handle = s.submit("a")
    await rec.wait(lambda e: isinstance(e, UserText))
    result = await s.interrupt()
    assert result is not None and result.boundary is Boundary.ERROR
    assert "did not stop" in (result.error or "")
    assert (await handle).boundary is Boundary.ERROR
    assert s.state is S.ERROR and fake.closed
    with pytest.raises(SessionError, match="in error"):
        s.submit("more")
    await s.close()
    assert s.state is S.CLOSED


async def test_stall_is_detected_and_recovers_without_a_kill() -> None:
    release = asyncio.Event()
    fake = FakeTransport([[Say("start"), Stall(release), Say("resumed")]])
    s = await start(fake, stall_timeout=0.05)
    rec = Recorder(s)
    handle = s.submit("slow")
    await rec.wait_state(S.STALLED)
    assert s.state is S.STALLED and "state=stalled" in repr(s)
    release.set()
    result = await handle
    assert result.boundary is Boundary.COMPLETED and result.text == "resumed"
    states = rec.states()
    assert states[:3] == [S.BUSY, S.STALLED, S.BUSY] and states[-1] is S.IDLE
    assert not fake.closed and fake.interrupts == 0
    await s.close()


async def test_api_error_ends_the_turn_and_keeps_the_session() -> None:
    s = await start(FakeTransport([[Say("x"), Fail("API Error: 500 boom")], [Say("ok")]]))
    result = await s.send("a")
    assert result.boundary is Boundary.ERROR and result.error == "API Error: 500 boom"
    assert s.state is S.IDLE
    assert (await s.send("b")).boundary is Boundary.COMPLETED
    await s.close()


async def test_rate_limit_rejection_is_a_limit_boundary() -> None:
    s = await start(FakeTransport([[Limit(resets_at=1_900_000_000)]]))
    rec = Recorder(s)
    result = await s.send("a")
    assert result.boundary is Boundary.LIMIT and result.resets_at == 1_900_000_000
    assert rec.of(RateLimited)[0].status == "rejected"
    assert s.state is S.IDLE
    await s.close()


async def test_crash_mid_turn_is_an_error_boundary_and_error_state() -> None:
    fake = FakeTransport([[Say("x"), Crash("Claude Code was killed")], [Say("never")]])
    s = await start(fake)
    rec = Recorder(s)
    first, second = s.submit("a"), s.submit("b")
    result = await first
    assert result.boundary is Boundary.ERROR and result.error == "Claude Code was killed"
    await rec.wait_state(S.ERROR)
    with pytest.raises(SessionError):
        await second
    assert s.error is not None
    await s.close()
    assert fake.closed and fake.sent == ["a"]


async def test_start_refusal_raises_and_leaves_error_state() -> None:
    fake = FakeTransport(start_error=CredentialRefused("found ANTHROPIC_API_KEY", source="x"))
    with pytest.raises(CredentialRefused):
        await start(fake)
    assert fake.sent == []


async def test_start_that_never_answers_times_out() -> None:
    class Hung(FakeTransport):
        async def start(self) -> None:
            await asyncio.Event().wait()

    fake = Hung()
    with pytest.raises(SessionError, match="did not become ready"):
        await start(fake, start_timeout=0.05)
    assert fake.closed


async def test_close_mid_turn_fails_the_turn_and_ends_subscriptions() -> None:
    release = asyncio.Event()
    fake = FakeTransport([[Stall(release)]])
    s = await start(fake)
    sub = s.events()
    handle, queued = s.submit("a"), s.submit("b")
    seen = []
    async with asyncio.timeout(10):
        async for env in sub:
            seen.append(env.event)
            if isinstance(env.event, UserText):
                await s.close("bye")
    assert isinstance(seen[-1], SessionClosed) and seen[-1].reason == "bye"
    with pytest.raises(SessionClosedError):
        await handle
    with pytest.raises(SessionClosedError):
        await queued
    assert fake.closed and s.state is S.CLOSED
    await s.close()  # twice is fine


async def test_slow_subscriber_gets_a_gap_and_others_are_unaffected() -> None:
    s = await start(FakeTransport([[Say("a b c d e f g h", chunks=8)]]))
    slow = s.events(maxsize=3)
    fast = s.events()
    await s.send("go")
    await s.close()
    fast_events = [env.event async for env in fast]
    slow_envs = [env async for env in slow]
    assert slow_envs[0].event.kind == "stream_gap"
    assert slow_envs[0].event.dropped == len(fast_events) - 3  # type: ignore[attr-defined]
    assert [e.event for e in slow_envs[1:]] == fast_events[-3:]


async def test_delay_steps_use_the_injected_sleep() -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    s = await start(FakeTransport([[Delay(30.0), Say("done")]], sleep=fake_sleep))
    assert (await s.send("a")).text == "done"
    assert slept == [30.0]
    await s.close()


async def test_empty_turn_text_is_refused() -> None:
    s = await start()
    with pytest.raises(SessionError, match="needs some text"):
        s.submit("   ")
    await s.close()


async def test_state_changes_are_published_with_old_and_new() -> None:
    s = await start()
    rec = Recorder(s)
    await s.send("x")
    await s.close()
    changes = rec.of(StateChanged)
    assert [(c.old, c.new) for c in changes] == [
        (S.IDLE, S.BUSY),
        (S.BUSY, S.IDLE),
        (S.IDLE, S.CLOSED),
    ]


async def test_interrupting_a_turn_not_yet_sent_never_reaches_the_transport() -> None:
    fake = FakeTransport([[Say("second")]])
    s = await start(fake)
    rec = Recorder(s)
    handle = s.submit("first")  # the worker has not picked it up yet
    result = await s.interrupt()
    assert result is not None and result.boundary is Boundary.INTERRUPTED
    assert (await handle) == result
    assert rec.of(TurnEnded)[0].result == result
    assert (await s.send("next")).text == "second"
    assert fake.sent == ["next"]
    await s.close()


async def test_persist_defaults(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text('[{"name": "tui", "transport": "pty"}]')
    plain = await start(name=None)
    named = await start(name="n")
    pty = await Session.start("tui", profiles=tmp_path / "p.json", transport=FakeTransport())
    assert (plain.persisted, named.persisted, pty.persisted) == (False, True, True)
    assert plain.transcript_path is None  # a fake transport has no transcript
    for s in (plain, named, pty):
        await s.close()
