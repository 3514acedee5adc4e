"""Benchmark: from a signal to ``claude-coder`` to the last process of its turn gone.

Starts ``claude-coder run`` (and ``repl``) on the bundled Claude Code against the fake
API with a turn whose Bash tool runs ``sleep``; once that ``sleep`` runs, sends the
signal and polls ``/proc`` (every 5 ms) until Claude Code, the tool's shell and the
``sleep`` are all gone (a zombie counts as gone). Prints, per signal and command, the
median and worst of ``--runs`` runs: time until the last child is gone, and until
``claude-coder`` itself exited. Figures only; nothing is asserted.

    .venv/bin/python bench/bench_stop.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchkit import ROOT, FakeApiProcess, offline_world

_PROMPT = "bash:echo start; sleep 313; echo done"


def _state(pid: int) -> str | None:
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    return data[data.rindex(b")") + 2 :].split()[0].decode()


def _alive(pid: int) -> bool:
    return _state(pid) not in (None, "Z", "X")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True)
    links = [tuple(int(x) for x in line.split()) for line in out.stdout.splitlines()]
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for child, ppid in links:
            if ppid == parent:
                found.append(child)
                todo.append(child)
    return found


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def _one(command: str, sig: signal.Signals, work: Path, profiles: Path) -> tuple[float, float]:
    args = ["--profiles", str(profiles)]
    args += ["run", _PROMPT, "--profile", "p"] if command == "run" else ["repl", "p"]
    cli = subprocess.Popen(
        [sys.executable, "-m", "claude_coder.cli.main", *args, "--cwd", str(work)],
        cwd=work,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert cli.stdin is not None
    if command == "repl":
        cli.stdin.write(_PROMPT + "\n")
        cli.stdin.flush()
    deadline = time.monotonic() + 120
    tree: list[int] = []
    while not any(_cmdline(p)[:2] == ["sleep", "313"] for p in tree):
        if time.monotonic() > deadline or cli.poll() is not None:
            cli.kill()
            sys.exit(f"{command}: the tool never started")
        time.sleep(0.05)
        tree = _children(cli.pid)
    tree = [p for p in _children(cli.pid) if "-I" not in _cmdline(p)]  # not the watchdog
    start = time.monotonic()
    cli.send_signal(sig)
    while any(_alive(p) for p in tree):
        if time.monotonic() - start > 60:
            sys.exit(f"{command} {sig.name}: children still alive after 60 s: {tree}")
        time.sleep(0.005)
    children_gone = time.monotonic() - start
    cli.wait(timeout=60)
    return children_gone, time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with FakeApiProcess() as api:
        work, _ = offline_world("bench-stop-", api.url)
        profiles = work / "profiles.json"
        profiles.write_text(json.dumps([{"name": "p", "permissionPolicy": {"allow": ["Bash"]}}]))
        for command in ("run", "repl"):
            for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGKILL):
                times = [_one(command, sig, work, profiles) for _ in range(args.runs)]
                gone = [t[0] for t in times]
                exited = [t[1] for t in times]
                key = f"{command} {sig.name}"
                results[key] = {
                    "children_median": statistics.median(gone),
                    "children_max": max(gone),
                }
                print(
                    f"{key:14} last child gone: median {statistics.median(gone):.2f} s, "
                    f"worst {max(gone):.2f} s; claude-coder exited: median "
                    f"{statistics.median(exited):.2f} s  ({args.runs} runs)",
                    flush=True,
                )
    print(json.dumps({"bench": "stop", "root": str(ROOT), **results}))


if __name__ == "__main__":
    main()
