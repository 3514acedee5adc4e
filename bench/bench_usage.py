"""Benchmark: ``claude-coder usage`` cold and warm against ccusage on the same corpus.

Generates transcripts shaped like Claude Code 2.1.331's (compact JSON; prompts with
``entrypoint``; attachments; large ``api-request-blob`` records; responses written as
one to three lines sharing a message id, request id and usage with both cache-write
fields; tool results; ``cost-state``; some subagent files) in a temp dir, then times,
each as a whole process (interpreter or runtime start included):

- ``ccusage 20.0.24`` and ``ccusage 18.0.11``: ``daily --json --offline``;
- ``cold``: ``claude-coder usage --json`` with no cache file;
- ``warm``: the same again, answered from the cache it just wrote.

It checks that every run gives the same token totals. Size: ``--files``
(``$USAGE_BENCH_FILES``, default 10000) and ``--total-mb`` (``$USAGE_BENCH_MB``, default
1024). Goals: cold at most 0.3 of ccusage's time, warm under 0.3 s. Figures are
printed; nothing is asserted. ccusage is installed into the tool cache when missing
(see ``tests/support/ccusage.py``).

    .venv/bin/python bench/bench_usage.py --files 500 --total-mb 50   # quick
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.support import ccusage  # noqa: E402
from tests.support.transcripts import real_usage  # noqa: E402

_PROJECTS = 100
_MODELS = ("claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-5-5", "claude-sonnet-4-5")


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n"


class _Writer:
    def __init__(self, rng: random.Random, sid: str, cwd: str, entrypoint: str) -> None:
        self.rng, self.sid, self.cwd, self.entrypoint = rng, sid, cwd, entrypoint
        self.parent: str | None = None
        self.clock = 1_790_000_000.0 + rng.randrange(0, 60 * 86400)

    def entry(self, kind: str, **extra: Any) -> dict[str, Any]:
        self.clock += self.rng.uniform(0.5, 40)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.clock)) + ".000Z"
        rec = {
            "parentUuid": self.parent,
            "isSidechain": False,
            "userType": "external",
            "cwd": self.cwd,
            "sessionId": self.sid,
            "version": "2.1.331",
            "gitBranch": "main",
            "entrypoint": self.entrypoint,
            "type": kind,
            "uuid": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "timestamp": stamp,
            **extra,
        }
        self.parent = rec["uuid"]
        return rec

    def usage(self) -> dict[str, Any]:
        r = self.rng
        write = r.choice((0, 0, r.randrange(500, 30_000)))
        hour = write // r.choice((1, 2, 4, 1_000_000))
        tokens = (r.randrange(1, 5_000), r.randrange(1, 4_000))
        return real_usage(*tokens, write, r.randrange(0, 150_000), hour)

    def response(self, model: str) -> list[str]:
        msg_id = f"msg_{self.rng.getrandbits(96):024x}"
        req_id = f"req_{self.rng.getrandbits(96):024x}"
        usage = self.usage()
        out = []
        for i in range(self.rng.choice((1, 1, 2, 3))):
            block = (
                {"type": "text", "text": "done " * self.rng.randrange(5, 200)}
                if i == 0
                else {"type": "tool_use", "id": f"toolu_{i}", "name": "Bash", "input": {}}
            )
            message = {"id": msg_id, "type": "message", "role": "assistant", "model": model}
            message.update(content=[block], stop_reason=None, stop_sequence=None, usage=usage)
            out.append(_line(self.entry("assistant", message=message, requestId=req_id)))
        return out


def _transcript(rng: random.Random, sid: str, cwd: str, target: int, filler: str) -> str:
    w = _Writer(rng, sid, cwd, rng.choice(("cli", "sdk-cli", "sdk-cli", "sdk-py")))
    model = rng.choice(_MODELS)
    out = [_line({"type": "queue-operation", "operation": "enqueue", "sessionId": sid})]
    size = 0
    while size < target or len(out) < 3:
        prompt = {"role": "user", "content": f"task: refactor module {rng.randrange(999)}"}
        chunk = [_line(w.entry("user", message=prompt, promptSource="typed"))]
        chunk.append(_line(w.entry("attachment", attachment={"type": "date", "date": "today"})))
        blob = {"role": "system", "content": filler[: rng.randrange(2_000, 40_000)]}
        chunk.append(_line({"type": "api-request-blob", "sessionId": sid, "message": blob}))
        chunk += w.response(model)
        if rng.random() < 0.4:
            result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": filler[:3000]}
            chunk.append(_line(w.entry("user", message={"role": "user", "content": [result]})))
            chunk += w.response(model)
        out += chunk
        size += sum(map(len, chunk))
    out.append(_line({"type": "cost-state", "sessionId": sid, "totalCostUSD": 0.5}))
    return "".join(out)


def generate(root: Path, files: int, total_mb: int, seed: int = 11) -> Path:
    """Write the corpus under ``root/config/projects``; return the config dir."""
    rng = random.Random(seed)
    config = root / "config"
    filler = "".join(rng.choice('abcdefghij klmnop\n"\\') for _ in range(64 * 1024))
    average = total_mb * 1024 * 1024 // max(files, 1)
    prev = ""
    for i in range(files):
        cwd = f"/home/dev/project-{i % _PROJECTS}"
        folder = config / "projects" / cwd.replace("/", "-")
        sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        target = max(int(rng.uniform(0.2, 1.8) * average), 1)
        if prev and i % 20 == 19:  # a subagent transcript of the previous session
            path = folder / prev / "subagents" / f"agent-{rng.getrandbits(64):016x}.jsonl"
        else:
            path, prev = folder / f"{sid}.jsonl", sid
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_transcript(rng, sid, cwd, target, filler), encoding="utf-8")
    return config


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, dict[str, int]]:
    """(wall seconds, CPU seconds, token totals) of one whole process."""
    start, cpu = time.perf_counter(), _cpu()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    took, used = time.perf_counter() - start, _cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"{argv[0]} failed: {proc.stderr[-2000:]}")
    data = json.loads(proc.stdout)
    totals = data["totals"].get("total", data["totals"])
    return took, used, ccusage.token_totals({"totals": totals})


_IN_PROCESS = """
import json, resource, sys, time
from claude_coder.catalog.usage import load_usage
from claude_coder.catalog.usage_report import build_report
from pathlib import Path
def cpu():
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
workers = None if sys.argv[3] == "auto" else int(sys.argv[3])
wall, used = time.perf_counter(), cpu()
data = load_usage(sys.argv[1], Path(sys.argv[2]), workers=workers)
report = build_report(data, "daily", tz_name="UTC")
print(json.dumps([time.perf_counter() - wall, cpu() - used]))
"""


def _in_process(config: Path, cache: Path, workers: str = "auto") -> tuple[float, float]:
    """(wall, CPU incl. worker processes) of load + report alone, imports and
    interpreter start left out."""
    argv = [sys.executable, "-c", _IN_PROCESS, str(config), str(cache), workers]
    out = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=str(ROOT))
    wall, cpu = json.loads(out.stdout)
    return float(wall), float(cpu)


def _bench(root: Path, args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    config = generate(root, args.files, args.total_mb)
    size = sum(p.stat().st_size for p in config.rglob("*.jsonl"))
    made = time.perf_counter() - t0
    print(f"corpus: {args.files} transcripts, {size / 2**30:.2f} GiB, made in {made:.1f} s")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(root),
        "CLAUDE_CONFIG_DIR": str(config),
        "XDG_CACHE_HOME": str(root / "cache"),
        "TZ": "UTC",
        "NO_COLOR": "1",
    }
    ours = [str(Path(sys.executable).with_name("claude-coder")), "usage", "--json", "-z", "UTC"]
    runs: dict[str, list[tuple[float, float]]] = {}
    totals: dict[str, dict[str, int]] = {}
    for _ in range(args.rounds):
        for version in args.ccusage:
            exe = str(ccusage.ccusage_bin(version))
            argv = [exe, "daily", "--json", "--offline", "--timezone", "UTC"]
            wall, cpu, totals[f"ccusage {version}"] = _timed(argv, env)
            runs.setdefault(f"ccusage {version}", []).append((wall, cpu))
        shutil.rmtree(root / "cache", ignore_errors=True)
        for phase in ("cold", "warm"):
            wall, cpu, totals[phase] = _timed(ours, env)
            runs.setdefault(f"usage {phase}", []).append((wall, cpu))
        inner = root / "inner-cache.json"
        inner.unlink(missing_ok=True)
        for phase in ("cold", "warm"):
            runs.setdefault(f"usage {phase} (in-process)", []).append(_in_process(config, inner))
        inner.unlink(missing_ok=True)
        runs.setdefault("usage cold (in-process, 1 process)", []).append(
            _in_process(config, inner, "1")
        )
    med = {
        name: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r))
        for name, r in runs.items()
    }
    for name, (wall, cpu) in med.items():
        print(f"{name:36s} wall {wall:7.3f} s   CPU {cpu:7.3f} s")
    same = len({json.dumps(t, sort_keys=True) for t in totals.values()}) == 1
    print(f"token totals agree across all runs: {same}")
    for version in args.ccusage:
        theirs = med[f"ccusage {version}"]
        for ours_name in ("usage cold", "usage cold (in-process)"):
            mine = med[ours_name]
            print(
                f"{ours_name} / ccusage {version}: wall {mine[0] / theirs[0]:.2f}, "
                f"CPU {mine[1] / theirs[1]:.2f} (goal <= 0.3)"
            )
    for name in ("usage warm", "usage warm (in-process)"):
        print(f"{name}: wall {med[name][0]:.3f} s, CPU {med[name][1]:.3f} s (goal < 0.3)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--files", type=int, default=int(os.environ.get("USAGE_BENCH_FILES", 10_000))
    )
    parser.add_argument("--total-mb", type=int, default=int(os.environ.get("USAGE_BENCH_MB", 1024)))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--ccusage",
        nargs="+",
        choices=ccusage.PINNED,
        default=list(ccusage.PINNED),
        help="ccusage versions to time (18.0.11, pure JavaScript, takes minutes)",
    )
    parser.add_argument("--dir", type=Path, default=None, help="where to build the corpus")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="usage-bench-", dir=args.dir))
    try:
        _bench(root, args)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
