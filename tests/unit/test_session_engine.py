"""The engine's guarantees on FakeTransport: one owner of turn ends, callbacks that cannot
hang a turn, a close that survives cancellation, an interrupt that fails loudly, streams
that subscribe early and unsubscribe on exit, and races explored by hypothesis."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.session_helpers import DEADLINE, Recorder, start

from claude_coder import (
    Ask,
    Boundary,
    ChildExited,
    Envelope,
    PermissionDecided,
    PermissionRequest,
    QuestionAnswered,
    QuestionRequest,
    Say,
    Session,
    SessionClosed,
    SessionClosedError,
    SessionState,
    Stall,
    StateChanged,
    Tool,
    ToolResult,
    TransportError,
    TurnEnded,
    UserText,
)
from claude_coder.transports.fake import FakeTransport

S = SessionState


def boundary_states(session: Session) -> list[SessionState]:
    """The session's state at the moment each TurnEnded is published (a callback)."""
    seen: list[SessionState] = []
    session.subscribe(lambda env: isinstance(env.event, TurnEnded) and seen.append(session.state))
    return seen


# -- callbacks that raise --------------------------------------------------------------


def _boom_sync(req: PermissionRequest) -> bool:
    raise RuntimeError("the callback broke")


async def _boom_async(req: PermissionRequest) -> bool:
    raise RuntimeError("the callback broke")


@pytest.mark.parametrize("callback", [_boom_sync, _boom_async], ids=["sync", "async"])
async def test_a_raising_permission_callback_denies_and_the_turn_ends(
    callback: Callable[[PermissionRequest], object], caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeTransport([[Tool("Bash", {"command": "ls"}, output="x"), Say("went on")]])
    s = await start(fake, on_permission=callback)  # type: ignore[arg-type]
    rec = Recorder(s)
    async with asyncio.timeout(DEADLINE):
        result = await s.send("list")
    decided = rec.of(PermissionDecided)[0]
    assert (decided.allow, decided.by) == (False, "callback")
    assert decided.message is not None and "RuntimeError: the callback broke" in decided.message
    assert rec.of(ToolResult)[0].is_error and "callback failed" in rec.of(ToolResult)[0].output
    assert result.boundary is Boundary.COMPLETED and [d.name for d in result.denials] == ["Bash"]
    assert s.state is S.IDLE
    assert any("the callback broke" in r.getMessage() for r in caplog.records)
    await s.close()


async def test_a_raising_question_callback_declines_with_the_error() -> None:
    def on_question(req: QuestionRequest) -> dict[str, str]:
        raise ValueError("no answers today")

    fake = FakeTransport([[Ask("Which color?", ["Red", "Blue"]), Say("fine")]])
    s = await start(fake, on_question=on_question, answer_questions=True)
    rec = Recorder(s)
    async with asyncio.timeout(DEADLINE):
        result = await s.send("ask")
    answered = rec.of(QuestionAnswered)[0]
    assert (answered.answers, answered.by) == (None, "callback")
    assert answered.error is not None and "ValueError: no answers today" in answered.error
    assert rec.of(ToolResult)[0].is_error  # Claude was told the question was declined
    assert result.boundary is Boundary.COMPLETED and s.state is S.IDLE
    await s.close()


async def test_decide_returns_once_the_decision_was_handed_over() -> None:
    fake = FakeTransport([[Tool("Bash", {"command": "ls"}), Say("ok")]])
    s = await start(fake)
    rec = Recorder(s)
    handle = s.submit("list")
    asked = await rec.wait(lambda e: e.kind == "permission_requested")
    await s.decide(asked.request_id, True)  # type: ignore[attr-defined]
    assert [d.allow for d in rec.of(PermissionDecided)] == [True]
    assert (await handle).boundary is Boundary.COMPLETED
    await s.close()


# -- one owner for turn ends -----------------------------------------------------------


async def test_child_death_mid_turn_sets_error_before_its_one_boundary() -> None:
    release = asyncio.Event()
    fake = FakeTransport([[Say("partial"), Stall(release)]])
    s = await start(fake)
    rec = Recorder(s)
    states = boundary_states(s)
    handle = s.submit("go")
    await rec.wait(lambda e: e.kind == "assistant_text")
    fake.crash("Claude Code was killed by SIGKILL")
    async with asyncio.timeout(DEADLINE):
        result = await handle
    assert result.boundary is Boundary.ERROR
    assert result.error == "Claude Code was killed by SIGKILL" and result.text == "partial"
    assert states == [S.ERROR] and s.state is S.ERROR and s.error == result.error
    assert len(rec.of(TurnEnded)) == 1
    await s.close()
    assert len(rec.of(TurnEnded)) == 1 and fake.closed


async def test_a_completed_turn_is_idle_before_its_boundary_is_published() -> None:
    s = await start(FakeTransport())
    states = boundary_states(s)
    await s.send("one")
    await s.send("two")
    assert states == [S.IDLE, S.IDLE]
    await s.close()


async def test_close_mid_turn_publishes_one_boundary_and_fails_the_handle() -> None:
    fake = FakeTransport([[Stall(asyncio.Event())]])
    s = await start(fake)
    rec = Recorder(s)
    handle = s.submit("wait")
    await rec.wait(lambda e: isinstance(e, UserText))
    await s.close()
    with pytest.raises(SessionClosedError):
        await handle
    ended = rec.of(TurnEnded)
    assert [e.result.error for e in ended] == ["the session was closed"]
    kinds = [e.kind for e in rec.events]
    assert kinds.index("turn_ended") < kinds.index("session_closed")


# -- interrupts ----------------------------------------------------------------------


class RefusingInterrupt(FakeTransport):
    """A transport whose interrupt cannot be delivered."""

    async def interrupt(self) -> None:
        raise TransportError("the interrupt could not be written")


async def test_interrupt_that_raises_stops_the_child_and_ends_the_turn_error() -> None:
    fake = RefusingInterrupt([[Stall(asyncio.Event())]])
    s = await start(fake)
    rec = Recorder(s)
    handle = s.submit("wait")
    await rec.wait(lambda e: isinstance(e, UserText))
    async with asyncio.timeout(DEADLINE):
        result = await s.interrupt()
    assert result is not None and result.boundary is Boundary.ERROR
    assert result.error is not None and "the interrupt could not be written" in result.error
    assert s.state is S.ERROR and fake.closed
    assert (await handle) is result
    await s.close()


async def test_a_cancelled_handle_whose_interrupt_is_ignored_still_ends() -> None:
    """The interrupt a cancel issues is owned: its deadline stops the child."""
    fake = FakeTransport([[Stall(asyncio.Event())]], ignore_interrupt=True)
    s = await start(fake, interrupt_timeout=0.2)
    rec = Recorder(s)
    handle = s.submit("wait")
    await rec.wait(lambda e: isinstance(e, UserText))
    handle.cancel()
    ended = await rec.wait_kind(TurnEnded)
    assert ended.result.boundary is Boundary.ERROR and "did not stop within 0.2s" in (
        ended.result.error or ""
    )
    assert s.state is S.ERROR and fake.closed and fake.interrupts == 1
    await s.close()


# -- close cancelled midway ----------------------------------------------------------


class SlowClose(FakeTransport):
    """A transport whose close takes a while (a child that needs its grace period)."""

    def __init__(self) -> None:
        super().__init__()
        self.closing = asyncio.Event()
        self.let_go = asyncio.Event()

    async def close(self) -> None:
        self.closing.set()
        await self.let_go.wait()
        await super().close()


async def test_close_cancelled_midway_still_closes_everything() -> None:
    fake = SlowClose()
    s = await start(fake)
    closer = asyncio.create_task(s.close())
    async with asyncio.timeout(DEADLINE):
        await fake.closing.wait()
    closer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closer
    fake.let_go.set()
    async with asyncio.timeout(DEADLINE):
        await s.close()  # the same close, finished, not a second one
    assert fake.closed and s.state is S.CLOSED


# -- streams ---------------------------------------------------------------------------


async def test_on_event_sees_the_first_state_change() -> None:
    seen: list[Envelope] = []
    s = await start(FakeTransport(), on_event=seen.append)
    assert isinstance(seen[0].event, StateChanged)
    assert (seen[0].event.old, seen[0].event.new) == (S.STARTING, S.IDLE)
    await s.close()


async def test_a_subscription_leaves_when_its_block_is_left() -> None:
    s = await start(FakeTransport())
    stream = s._engine.stream
    async with s.events() as sub:
        assert stream._subs == [sub]
        s.submit("hello")
        async for env in sub:
            if isinstance(env.event, TurnEnded):
                break
    assert stream._subs == []
    await s.close()


# -- races -----------------------------------------------------------------------------

OPS = ("yield", "release", "interrupt", "cancel", "crash", "close", "submit")


async def _race(ops: list[str]) -> tuple[list[Envelope], list[SessionState], FakeTransport]:
    release = asyncio.Event()
    fake = FakeTransport(lambda text: [Say("a"), Stall(release), Say("b")])
    seen: list[Envelope] = []
    s = await Session.start(transport=fake, name="race", on_event=seen.append)
    states = boundary_states(s)
    handles = [s.submit("first")]
    tasks: list[asyncio.Task[object]] = []
    for op in ops:
        if op == "yield":
            await asyncio.sleep(0)
        elif op == "release":
            release.set()
        elif op == "interrupt":
            tasks.append(asyncio.create_task(s.interrupt()))
        elif op == "cancel":
            handles[-1].cancel()
        elif op == "crash":
            fake.crash()
        elif op == "close":
            tasks.append(asyncio.create_task(s.close()))
        elif s.state in (S.IDLE, S.BUSY) and not s._engine.closing:
            handles.append(s.submit("next"))
    release.set()
    async with asyncio.timeout(DEADLINE):
        await asyncio.gather(*tasks)
        await s.close()
    assert all(h.done() for h in handles) and fake.closed  # none left waiting
    return seen, states, fake


def _check_one_boundary_per_turn(seen: list[Envelope]) -> None:
    running = False
    for env in seen:
        ev = env.event
        if isinstance(ev, UserText):
            assert not running, "a turn started before the previous one ended"
            running = True
        elif isinstance(ev, TurnEnded):
            if running:
                running = False
            else:  # only an interrupt of a turn never sent ends without a UserText
                r = ev.result
                assert (r.boundary, r.text, r.tool_calls) == (Boundary.INTERRUPTED, "", ())
    assert not running, "a sent turn never ended"
    assert isinstance(seen[-1].event, SessionClosed)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=st.lists(st.sampled_from(OPS), min_size=1, max_size=8))
def test_racing_interrupt_close_and_death_end_each_turn_once(
    ops: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        seen, states, _ = asyncio.run(_race(ops))
    _check_one_boundary_per_turn(seen)
    assert S.BUSY not in states and S.STALLED not in states
    assert [r for r in caplog.records if r.name == "asyncio"] == []


def test_the_race_checker_catches_a_second_boundary() -> None:
    """The checker itself: a turn that ends twice is reported."""
    from claude_coder.events import TurnResult, now

    def env(seq: int, ev: object) -> Envelope:
        return Envelope("x", None, seq, now(), ev)  # type: ignore[arg-type]

    twice = [
        env(1, UserText("hi")),
        env(2, TurnEnded(TurnResult(Boundary.ERROR, None, error="did not stop"))),
        env(3, TurnEnded(TurnResult(Boundary.ERROR, None, error="the session was closed"))),
        env(4, SessionClosed("closed")),
    ]
    with pytest.raises(AssertionError):
        _check_one_boundary_per_turn(twice)
    assert ChildExited("x").returncode is None
