"""Benchmark: a member on a host over ssh against a local one, on this machine.

The host is the remote-member tests' (``tests/support/sshd.py``: the user ``ccremote``
behind a private sshd on 127.0.0.1, running this checkout's claude-coder and the real
bundled Claude Code against the fake Messages API, here in a process of its own). Three
ways to reach the same Claude Code are timed, turn by turn in rotation:

- ``local``: ``Session.open()`` here, the usual SDK transport;
- ``hop``: ``Session.open(host=...)`` with ``CLAUDE_CODER_SSH`` = a script that runs the
  remote command here instead of over ssh (the serve and wire cost, without ssh);
- ``ssh``: ``Session.open(host="devbox")`` over the real sshd.

Figures: the median text turn of each and the ratios to local (goal for ssh: at most
1.3), the median open, and per-event overhead of the hop: a reply of many text deltas,
the time per delta as a subscriber here receives them (first to last), each way.
Nothing is asserted.

    .venv/bin/python bench/bench_remote.py                 # 20 turns each, 2,000 deltas
    .venv/bin/python bench/bench_remote.py --turns 5 --deltas 500 --no-hop
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import statistics
import time
from contextlib import AsyncExitStack
from pathlib import Path

from benchkit import ROOT, FakeApiProcess, offline_world
from tests.support import sshd

from claude_coder.events import Envelope, TextDelta
from claude_coder.profiles import Profile
from claude_coder.session import Session


def _hop_script(work: Path, launcher: Path) -> Path:
    """A stand-in for ssh: runs its last argument (the remote command) in a shell here."""
    script = work / "local-hop"
    script.write_text(
        "#!/bin/sh\n# bench_remote's local hop: the remote command, run here, no ssh.\n"
        "for last; do :; done\n"
        f"export CLAUDE_CODER_CLAUDE={shlex.quote(str(launcher))}\n"
        'exec /bin/sh -c "$last"\n'
    )
    script.chmod(0o755)
    return script


class Way:
    """One way to reach Claude Code: how to open a session, and the ssh program it uses."""

    def __init__(self, name: str, ssh: str | None, profile: Profile, host: str | None) -> None:
        self.name, self.ssh, self.profile, self.host = name, ssh, profile, host
        self.turns: list[float] = []
        self.opens: list[float] = []
        self.per_event: list[float] = []

    def _env(self) -> None:
        if self.ssh is None:
            os.environ.pop("CLAUDE_CODER_SSH", None)
        else:
            os.environ["CLAUDE_CODER_SSH"] = self.ssh

    async def open(self, stack: AsyncExitStack) -> Session:
        self._env()
        started = time.perf_counter()
        session = await stack.enter_async_context(Session.open(self.profile, host=self.host))
        self.opens.append(time.perf_counter() - started)
        return session


async def _turns(ways: list[Way], turns: int) -> None:
    async with AsyncExitStack() as stack:
        sessions = [await way.open(stack) for way in ways]
        for s in sessions:
            await s.send("reply:warm up")
        for _ in range(turns):
            for way, s in zip(ways, sessions, strict=True):
                started = time.perf_counter()
                await s.send("reply:a benchmark turn")
                way.turns.append(time.perf_counter() - started)


async def _deltas(ways: list[Way], deltas: int, rounds: int) -> None:
    async with AsyncExitStack() as stack:
        for way in ways:
            s = await way.open(stack)
            for _ in range(rounds):
                stamps: list[float] = []

                def on(env: Envelope, stamps: list[float] = stamps) -> None:
                    if isinstance(env.event, TextDelta):
                        stamps.append(time.perf_counter())

                unsubscribe = s.subscribe(on)
                await s.send(f"deltas:{deltas}")
                unsubscribe()
                if len(stamps) > 1:
                    way.per_event.append((stamps[-1] - stamps[0]) / (len(stamps) - 1))


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f} ms" if values else "       -"


def _report(ways: list[Way], deltas: int) -> None:
    local = ways[0]
    print(f"{'way':6} {'turn':>11} {'ratio':>6} {'open':>11} {'per delta':>11}")
    for way in ways:
        ratio = statistics.median(way.turns) / statistics.median(local.turns)
        per = f"{statistics.median(way.per_event) * 1e6:8.1f} us" if way.per_event else "-"
        print(f"{way.name:6} {_ms(way.turns)} {ratio:6.2f} {_ms(way.opens)} {per:>11}")
    for way in ways[1:]:
        if way.per_event and local.per_event:
            extra = statistics.median(way.per_event) - statistics.median(local.per_event)
            print(f"per-event overhead of {way.name}: {extra * 1e6:.1f} us ({deltas} deltas)")
    print(f"turns per way: {len(local.turns)}; goal: ssh turn ratio <= 1.3")


async def main(args: argparse.Namespace) -> None:
    with FakeApiProcess() as api, sshd.running() as harness:
        work, launcher = offline_world("bench-remote-", api.url)
        harness.world(api.url)
        os.environ["CLAUDE_CODER_SSH_CONFIG"] = str(harness.ssh_config)
        ssh = shlex.join(harness.ssh_argv()[:1])
        ways = [Way("local", None, Profile(name="bench"), None)]
        if args.hop:
            here = str(ROOT / ".venv" / "bin" / "claude-coder")
            hop = Profile.model_validate({"name": "bench-hop", "remoteCommand": here})
            ways.append(Way("hop", str(_hop_script(work, launcher)), hop, "localhost"))
        ways.append(Way("ssh", ssh, Profile(name="bench"), sshd.HOST))
        await _turns(ways, args.turns)
        await _deltas(ways, args.deltas, args.rounds)
    _report(ways, args.deltas)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--deltas", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-hop", dest="hop", action="store_false")
    asyncio.run(main(parser.parse_args()))
