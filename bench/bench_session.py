"""Benchmark: one Session against a bare claude-agent-sdk client on the same fake server.

Two figures, both against the real bundled Claude Code and the fake Messages API (run
in its own process), in a throwaway HOME:

- per-turn wall time: ``Session.send`` and a bare ``ClaudeSDKClient`` (``query`` +
  ``receive_response``) take turns with the same prompt; the ratio of the medians is
  printed (goal: at most 1.05);
- event throughput: a reply of 5,000 text deltas; for every delta, the time from the
  SDK transport reading Claude Code's stdout line (stamped in a ``ChildProcess``
  subclass) to a ``Session.events()`` subscriber receiving its envelope (goal: under
  1 ms at the median), plus the whole turn's time for both drivers.

Figures are printed; nothing is asserted.

    .venv/bin/python bench/bench_session.py            # 40 turns each, 5,000 deltas
    .venv/bin/python bench/bench_session.py --turns 10 --deltas 1000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

from benchkit import FakeApiProcess, TimedChild, offline_world
from claude_agent_sdk import (
    ClaudeAgentOptions,
    ClaudeSDKClient,
    PermissionResultAllow,
    ResultMessage,
)

from claude_coder.events import TextDelta, TurnEnded
from claude_coder.launch import build_launch
from claude_coder.profiles import Profile
from claude_coder.security import Redactor
from claude_coder.session import Session
from claude_coder.transports.sdk import SdkTransport


class SessionTimedChild(TimedChild):
    """Also stamps when each prompt was written and each result read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prompt_writes: list[float] = []
        self.result_reads: list[float] = []

    async def write(self, data: str) -> None:
        if data.startswith('{"type": "user"'):
            self.prompt_writes.append(time.perf_counter())
        await super().write(data)

    def saw(self, message: dict[str, Any]) -> None:
        super().saw(message)
        if message.get("type") == "result":
            self.result_reads.append(time.perf_counter())


async def _session(work: Path) -> tuple[Session, SessionTimedChild]:
    profile = Profile(name="bench")
    redactor = Redactor()
    spec = build_launch(profile, cwd=str(work), redactor=redactor, persist=False)
    child = SessionTimedChild(spec.argv, spec.env, spec.cwd)
    transport = SdkTransport(spec, child_factory=lambda: child)
    session = await Session.start(profile, transport=transport, redactor=redactor)
    return session, child


async def _allow(tool: str, tool_input: dict[str, Any], ctx: Any) -> PermissionResultAllow:
    return PermissionResultAllow(updated_input=tool_input)


def _bare_client(launcher: Path, work: Path) -> ClaudeSDKClient:
    # The same Claude Code launch as the Session's: its default system prompt (not the
    # SDK's empty one), permission prompts over stdio, MCP isolation, no transcript.
    options = ClaudeAgentOptions(
        cli_path=str(launcher),
        cwd=str(work),
        system_prompt={"type": "preset", "preset": "claude_code"},
        can_use_tool=_allow,
        permission_mode="default",
        include_partial_messages=True,
        max_buffer_size=32 * 1024 * 1024,
        extra_args={
            "strict-mcp-config": None,
            "mcp-config": '{"mcpServers":{}}',
            "no-session-persistence": None,
        },
    )
    return ClaudeSDKClient(options)


async def _bare_turn(client: ClaudeSDKClient, prompt: str) -> float:
    start = time.perf_counter()
    await client.query(prompt)
    async for message in client.receive_response():
        if isinstance(message, ResultMessage):
            break
    return time.perf_counter() - start


async def _session_turn(session: Session, prompt: str) -> float:
    start = time.perf_counter()
    await session.send(prompt)
    return time.perf_counter() - start


async def turns(launcher: Path, work: Path, n: int) -> None:
    session, child = await _session(work)
    client = _bare_client(launcher, work)
    await client.connect()
    try:
        for _ in range(3):  # warm both up
            await _session_turn(session, "reply:warm")
            await _bare_turn(client, "reply:warm")
        ours: list[float] = []
        bare: list[float] = []
        overhead: list[float] = []
        for i in range(n):
            prompt = f"reply:turn {i}"
            if i % 2:
                bare.append(await _bare_turn(client, prompt))
            ours.append(await _session_turn(session, prompt))
            in_cli = child.result_reads[-1] - child.prompt_writes[-1]
            overhead.append(ours[-1] - in_cli)
            if not i % 2:
                bare.append(await _bare_turn(client, prompt))
    finally:
        await session.close()
        await client.disconnect()
    m_ours, m_bare = statistics.median(ours), statistics.median(bare)
    print(f"per-turn wall time over {n} turns each (median):")
    print(f"  Session.send        {m_ours * 1000:8.1f} ms   (p90 {_p(ours, 0.9) * 1000:.1f} ms)")
    print(f"  bare ClaudeSDKClient{m_bare * 1000:8.1f} ms   (p90 {_p(bare, 0.9) * 1000:.1f} ms)")
    print(f"  ratio               {m_ours / m_bare:8.3f}      (goal <= 1.05)")
    print(
        f"  Session's own part (send -> prompt written, result read -> send returns): "
        f"median {statistics.median(overhead) * 1000:.2f} ms, p90 {_p(overhead, 0.9) * 1000:.2f} ms"
    )


async def throughput(launcher: Path, work: Path, deltas: int) -> None:
    session, child = await _session(work)
    received: list[float] = []
    done = asyncio.Event()

    async def subscriber() -> None:
        async for env in session.events(maxsize=deltas * 4):
            if isinstance(env.event, TextDelta):
                received.append(time.perf_counter())
            elif isinstance(env.event, TurnEnded):
                done.set()

    task = asyncio.create_task(subscriber())
    client = _bare_client(launcher, work)
    await client.connect()
    try:
        await _session_turn(session, "reply:warm")
        child.delta_reads.clear()
        received.clear()
        ours = await _session_turn(session, f"deltas:{deltas}")
        await asyncio.wait_for(done.wait(), 60)
        bare = await _bare_turn(client, f"deltas:{deltas}")
    finally:
        await session.close()
        await client.disconnect()
        await asyncio.gather(task, return_exceptions=True)
    reads = list(child.delta_reads)
    lat = [r - s for s, r in zip(reads, received, strict=False)]
    print(f"event throughput, one reply of {deltas:,} text deltas:")
    print(f"  deltas read {len(reads):,}, delivered {len(received):,}")
    if lat:
        print(
            f"  read -> subscriber: median {statistics.median(lat) * 1000:.3f} ms, "
            f"p90 {_p(lat, 0.9) * 1000:.3f} ms, max {max(lat) * 1000:.3f} ms  (goal median < 1 ms)"
        )
    rate = len(received) / ours if ours else 0.0
    print(f"  whole turn: Session {ours:.3f} s ({rate:,.0f} deltas/s), bare client {bare:.3f} s")
    print(f"  driver cost per delta vs bare: {(ours - bare) / deltas * 1e6:+.1f} us")


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--turns", type=int, default=40)
    ap.add_argument("--deltas", type=int, default=5000)
    args = ap.parse_args()
    with FakeApiProcess() as api:
        work, launcher = offline_world("bench-session-", api.url)
        asyncio.run(turns(launcher, work, args.turns))
        asyncio.run(throughput(launcher, work, args.deltas))


if __name__ == "__main__":
    main()
