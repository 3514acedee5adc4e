"""Benchmark: the PTY transport's screen handling cost and its spawn-to-idle overhead.

1. ``screen``: CPU seconds spent per MB of TUI output in the filter + pyte + recogniser
   path, over every captured ``*.raw`` stream in ``tests/fixtures/screens`` (fed in
   4 KiB chunks, recognised after every chunk: an upper bound, the transport recognises
   only when it waits).
2. ``spawn``: spawn to idle prompt, median of ``--runs``: the bare TUI on a PTY (bytes
   read until the idle footer shows, no screen model) against ``PtyTransport.start()``
   (version check, screen model, recognisers, session id). Goal: ratio at most 1.2.

Offline: the pinned binary through the test harness's launcher against the fake API,
in a throwaway HOME. Figures are printed; nothing is asserted.

    .venv/bin/python bench/bench_pty.py --runs 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import ptyprocess

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.support.fake_api import FakeApi  # noqa: E402
from tests.support.launcher import seed_claude_json, write_launcher  # noqa: E402

from claude_coder.launch import build_launch, bundled_claude  # noqa: E402
from claude_coder.profiles import Profile  # noqa: E402
from claude_coder.transports.pty import PtyTransport  # noqa: E402
from claude_coder.transports.pty.screen import TerminalScreen, recognise  # noqa: E402


def bench_screen() -> None:
    raws = sorted((ROOT / "tests" / "fixtures" / "screens").glob("*/*.raw"))
    data = [p.read_bytes() for p in raws]
    total = sum(len(d) for d in data)
    start = time.process_time()
    rounds = 0
    while time.process_time() - start < 3.0:
        for blob in data:
            screen = TerminalScreen()
            for i in range(0, len(blob), 4096):
                screen.feed(blob[i : i + 4096])
                recognise(screen.snapshot())
        rounds += 1
    cpu = time.process_time() - start
    mb = total * rounds / 1e6
    print(f"screen: {mb:.2f} MB of TUI output in {cpu:.2f} CPU s -> {cpu / mb:.2f} CPU s/MB")


def _bare(argv: list[str], env: dict[str, str], cwd: str) -> float:
    t0 = time.monotonic()
    proc = ptyprocess.PtyProcess.spawn(argv, env=env, cwd=cwd, dimensions=(40, 120))
    seen = b""
    try:
        while b"for shortcuts" not in seen:
            seen = (seen + proc.read(65536))[-4096:]
        return time.monotonic() - t0
    finally:
        proc.terminate(force=True)


async def _ours(profile: Profile, env: dict[str, str]) -> float:
    spec = build_launch(profile, transport="pty", environ=env)
    transport = PtyTransport(spec)
    t0 = time.monotonic()
    try:
        await transport.start()
        return time.monotonic() - t0
    finally:
        await transport.close()


def bench_spawn(runs: int) -> None:
    binary = bundled_claude()
    if binary is None:
        print("spawn: no bundled Claude Code binary", file=sys.stderr)
        return
    work = Path(tempfile.mkdtemp(prefix="bench-pty-"))
    home, project = work / "home", work / "project"
    (home / ".claude").mkdir(parents=True)
    project.mkdir()
    seed_claude_json(home / ".claude", [project])
    with FakeApi() as api:
        launcher = write_launcher(work / "claude", binary, api.url)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "CLAUDE_CONFIG_DIR": str(home / ".claude"),
            "TERM": "xterm-256color",
            "CLAUDE_CODER_CLAUDE": str(launcher),
        }
        profile = Profile(name="bench", transport="pty", cwd=str(project))
        argv = [str(launcher), "--permission-mode", "default"]
        bare, ours = [], []
        for _ in range(runs):
            bare.append(_bare(argv, env, str(project)))
            ours.append(asyncio.run(_ours(profile, env)))
    shutil.rmtree(work, ignore_errors=True)
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"spawn to idle (median of {runs}): bare TUI {b:.3f} s, PtyTransport.start {o:.3f} s")
    print(f"ratio {o / b:.2f} (goal <= 1.2)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", choices=("screen", "spawn"), default=None)
    args = ap.parse_args()
    if args.only in (None, "screen"):
        bench_screen()
    if args.only in (None, "spawn"):
        bench_spawn(args.runs)


if __name__ == "__main__":
    main()
