"""Benchmark: a fleet of 20 real Claude Code members against the fake Messages API.

Prints the manager process's own CPU time and memory (children and the fake API, which
runs in its own process, excluded) and the merged-stream latency: for every text delta,
the time from the SDK transport reading Claude Code's stdout line (timed in a
``ChildProcess`` subclass, right after the line is read and parsed) to a
``Fleet.events()`` subscriber receiving its envelope. Goals: manager RSS under 150 MB,
latency p99 under 50 ms. Figures are printed; nothing is asserted. Runs in a throwaway
HOME; never touches a real login.

    .venv/bin/python bench/bench_fleet.py                  # 20 members, max_busy 4
    .venv/bin/python bench/bench_fleet.py --members 8 --max-busy 8 --turns 1
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from benchkit import FakeApiProcess, TimedChild, offline_world

from claude_coder.events import StreamGap, TextDelta
from claude_coder.fleet import Fleet, MemberSpec
from claude_coder.launch import build_launch
from claude_coder.profiles import Profile
from claude_coder.security import Redactor
from claude_coder.session import Session
from claude_coder.transports.sdk import SdkTransport


class FleetTimedChild(TimedChild):
    """Stamped on the wall clock, to compare with each envelope's time."""

    clock = staticmethod(time.time)


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    cur = int(fields["VmRSS"].split()[0]) / 1024
    return cur, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(members: int, max_busy: int, turns: int, prompt: str, work: Path) -> None:
    children: dict[str, FleetTimedChild] = {}
    profile = Profile(name="bench")

    async def factory(spec: MemberSpec) -> Session:
        redactor = Redactor()
        launch = build_launch(
            profile, name=spec.name, resume=spec.resume, cwd=spec.cwd, redactor=redactor
        )
        child = FleetTimedChild(launch.argv, launch.env, launch.cwd)
        children[spec.name] = child
        transport = SdkTransport(launch, child_factory=lambda: child)
        return await Session.start(
            profile, name=spec.name, transport=transport, redactor=redactor, persist=True
        )

    latencies: list[float] = []
    fleet_part: list[float] = []
    gaps = 0

    async def subscriber(fleet: Fleet) -> None:
        nonlocal gaps
        async for env in fleet.events(maxsize=100_000):
            if isinstance(env.event, TextDelta) and env.name in children:
                reads = children[env.name].delta_reads
                if reads:
                    got = time.time()
                    latencies.append(got - reads.popleft())
                    fleet_part.append(got - env.time.timestamp())
            elif isinstance(env.event, StreamGap):
                gaps += env.event.dropped

    lags: list[float] = []

    async def probe() -> None:
        """How late the event loop wakes a 5 ms timer (CPU starvation shows here)."""
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + 0.005
            await asyncio.sleep(0.005)
            lags.append(max(0.0, loop.time() - due))

    cpu0, t0 = _cpu(), time.perf_counter()
    fleet = await Fleet.start(
        work / "fleet.json", max_busy=max_busy, boot_spacing=0.1, session_factory=factory
    )
    reader = asyncio.create_task(subscriber(fleet))
    for i in range(members):
        (work / f"m{i}").mkdir()
        await fleet.add(f"m{i}", cwd=str(work / f"m{i}"))
    boot_s, boot_cpu = time.perf_counter() - t0, _cpu() - cpu0
    rss_idle = _rss_mb()[0]
    cpu1, t1 = _cpu(), time.perf_counter()
    prober = asyncio.create_task(probe())
    handles = [fleet.submit(f"m{i}", prompt) for i in range(members) for _ in range(turns)]
    results = await asyncio.gather(*handles)
    run_s, run_cpu = time.perf_counter() - t1, _cpu() - cpu1
    rss_now, rss_peak = _rss_mb()
    prober.cancel()
    await fleet.shutdown()
    await reader
    bad = [r.boundary.value for r in results if r.boundary.value != "completed"]
    _report(members, max_busy, turns, prompt, boot_s, boot_cpu, run_s, run_cpu)
    print(
        f"manager RSS: idle fleet {rss_idle:.0f} MB, after turns {rss_now:.0f} MB, "
        f"peak {rss_peak:.0f} MB (goal < 150 MB)"
    )
    _latency(latencies, fleet_part, gaps)
    p50, p99, top = _pcts(lags)
    print(
        f"event-loop wake-up lag during turns: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {top:.2f} ms"
    )
    if bad:
        print(f"WARNING: {len(bad)} turns did not complete: {collections.Counter(bad)}")


def _report(*figures: Any) -> None:
    members, max_busy, turns, prompt, boot_s, boot_cpu, run_s, run_cpu = figures
    print(f"fleet: {members} members, max_busy {max_busy}, {turns} turn(s) each of {prompt!r}")
    print(f"boot (spaced 0.1 s, 2 at once): {boot_s:.1f} s wall, manager CPU {boot_cpu:.2f} s")
    print(
        f"turns: {run_s:.1f} s wall, manager CPU {run_cpu:.2f} s "
        f"({100 * run_cpu / run_s:.0f}% of one core)"
    )


def _pcts(values: list[float]) -> tuple[float, float, float]:
    ms = sorted(x * 1000 for x in values)
    return statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))], ms[-1]


def _latency(latencies: list[float], fleet_part: list[float], gaps: int) -> None:
    if not latencies:
        print("no text deltas were timed")
        return
    p50, p99, top = _pcts(latencies)
    print(
        f"merged-stream latency over {len(latencies)} deltas (stdout line read -> "
        f"subscriber): p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {top:.2f} ms "
        f"(goal p99 < 50 ms); gaps {gaps}"
    )
    p50, p99, top = _pcts(fleet_part)
    print(
        f"  of which session publish -> fleet subscriber: p50 {p50:.2f} ms, "
        f"p99 {p99:.2f} ms, max {top:.2f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=20)
    ap.add_argument("--max-busy", type=int, default=4)
    ap.add_argument("--turns", type=int, default=2)
    ap.add_argument("--prompt", default="slow:40:0.02")
    args = ap.parse_args()
    with FakeApiProcess() as api:
        work, _launcher = offline_world("bench-fleet-", api.url)
        asyncio.run(run(args.members, args.max_busy, args.turns, args.prompt, work))
    print(f"fake API: at most {api.max_in_flight} prompts in flight")


if __name__ == "__main__":
    main()
