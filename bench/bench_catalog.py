"""Benchmark: ``Catalog.list`` cold and warm against the official SDK's ``list_sessions``.

Generates a corpus of transcripts shaped like Claude Code's (metadata records, prompts,
attachments, large API-request records, some multi-megabyte tool results, names,
AI titles, sidechain files) in a temp dir, then times, each in a fresh process so
peak memory is that operation's own:

- ``sdk``: ``claude_agent_sdk.list_sessions()`` over every project;
- ``cold``: ``Catalog.list(all=True)`` with no cache file;
- ``warm``: the same again, answered from the cache it just wrote.

It also checks that both list the same session ids with the same titles and summaries.
Size: ``--files`` (``$CATALOG_BENCH_FILES``, default 10000) and ``--total-mb``
(``$CATALOG_BENCH_MB``, default 2048). The corpus is removed afterwards unless
``--keep``. Goals: cold at most half the SDK's time, warm under 0.3 s, peak memory
under 200 MB. Figures are printed; nothing is asserted.

    .venv/bin/python bench/bench_catalog.py --files 500 --total-mb 100   # quick
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

_PROJECTS = 100
_BIG_LINE_EVERY = 50  # one file in N carries a multi-megabyte tool result


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n"


def _entry(sid: str, cwd: str, kind: str, parent: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "parentUuid": parent,
        "isSidechain": extra.pop("side", False),
        "type": kind,
        "uuid": str(uuid.uuid4()),
        "timestamp": "2026-11-25T10:00:00.000Z",
        "cwd": cwd,
        "sessionId": sid,
        "version": "2.1.331",
        "gitBranch": "main",
        **extra,
    }


def _transcript(rng: random.Random, sid: str, cwd: str, target: int, filler: str) -> str:
    """One transcript of roughly ``target`` bytes."""
    style = rng.random()
    head: list[str] = []
    if style < 0.3:
        head.append(
            _line({"type": "custom-title", "customTitle": f"job-{sid[:8]}", "sessionId": sid})
        )
    out = list(head)
    parent: str | None = None
    turn = 0
    size = sum(map(len, out))
    big = rng.randrange(_BIG_LINE_EVERY) == 0
    while size < target or turn == 0:
        user = _entry(
            sid,
            cwd,
            "user",
            parent,
            message={
                "role": "user",
                "content": f"task {turn}: refactor module {rng.randrange(999)}",
            },
        )
        blob = {
            "type": "api-request-blob",
            "sessionId": sid,
            "message": {"role": "system", "content": filler[: rng.randrange(5_000, 60_000)]},
        }
        reply = _entry(
            sid,
            cwd,
            "assistant",
            user["uuid"],
            message={
                "id": f"msg_{turn}",
                "role": "assistant",
                "content": [{"type": "text", "text": "done " * rng.randrange(5, 200)}],
            },
        )
        chunk = [_line(user), _line(blob), _line(reply)]
        if big and turn == 1:
            result = _entry(
                sid,
                cwd,
                "user",
                reply["uuid"],
                message={
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": "t1",
                            "content": filler * rng.randrange(16, 48),
                        }
                    ],
                },
            )
            chunk.append(_line(result))
        chunk.append(_line({"type": "last-prompt", "lastPrompt": f"task {turn}", "sessionId": sid}))
        out += chunk
        size += sum(map(len, chunk))
        parent = reply["uuid"]
        turn += 1
    if style < 0.3:
        out.append(head[0])
    elif style < 0.5:
        out.append(
            _line({"type": "ai-title", "aiTitle": f"Refactoring {sid[:4]}", "sessionId": sid})
        )
    return "".join(out)


def generate(root: Path, files: int, total_mb: int, seed: int = 7) -> Path:
    """Write the corpus under ``root/config/projects``; return the config dir."""
    rng = random.Random(seed)
    config = root / "config"
    filler = "".join(rng.choice('abcdefghij klmnop\n"\\') for _ in range(64 * 1024))
    big_budget = files // _BIG_LINE_EVERY * 2 * 1024 * 1024  # ~2 MB per big line
    average = max(total_mb * 1024 * 1024 - big_budget, 0) // max(files, 1) - 17_000
    for i in range(files):
        cwd = f"/home/dev/project-{i % _PROJECTS}"
        folder = config / "projects" / cwd.replace("/", "-")
        folder.mkdir(parents=True, exist_ok=True)
        sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if i % 997 == 0:  # a subagent transcript left at the top level
            text = _line(
                _entry(
                    sid, cwd, "user", None, side=True, message={"role": "user", "content": "sub"}
                )
            )
        else:
            text = _transcript(rng, sid, cwd, max(int(rng.uniform(0.2, 1.8) * average), 1), filler)
        (folder / f"{sid}.jsonl").write_text(text, encoding="utf-8")
    return config


def _phase(phase: str, config: str, cache: str) -> dict[str, Any]:
    os.environ["CLAUDE_CONFIG_DIR"] = config
    if phase == "sdk":
        from claude_agent_sdk import list_sessions

        start = time.perf_counter()
        found = list_sessions()
        took = time.perf_counter() - start
        rows = {s.session_id: [s.custom_title, s.summary] for s in found}
    else:
        from claude_coder.catalog import Catalog

        catalog = Catalog(config, cache_file=cache)
        start = time.perf_counter()
        result = catalog.list(all=True)
        took = time.perf_counter() - start
        rows = {s.session_id: [s.title, s.summary] for s in result.sessions}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # with the interpreter
    return {"seconds": took, "peak_mb": peak_mb, "rows": rows}


def _run_phase(phase: str, config: Path, cache: Path) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--phase",
            phase,
            "--config",
            str(config),
            "--cache",
            str(cache),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*.jsonl"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--files", type=int, default=int(os.environ.get("CATALOG_BENCH_FILES", 10_000))
    )
    parser.add_argument(
        "--total-mb", type=int, default=int(os.environ.get("CATALOG_BENCH_MB", 2048))
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="where to build the corpus")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(_phase(args.phase, args.config, args.cache)))
        return
    root = Path(tempfile.mkdtemp(prefix="catalog-bench-", dir=args.dir))
    try:
        _bench(root, args)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def _bench(root: Path, args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    config = generate(root, args.files, args.total_mb)
    size = _du(config)
    made = time.perf_counter() - t0
    print(f"corpus: {args.files} transcripts, {size / 2**30:.2f} GiB, made in {made:.1f} s")
    cache = root / "cache" / "catalog.json"
    sdk, cold, warm = [], [], []
    for _ in range(args.rounds):
        sdk.append(_run_phase("sdk", config, cache))
        cache.unlink(missing_ok=True)
        cold.append(_run_phase("cold", config, cache))
        warm.append(_run_phase("warm", config, cache))
    agree = sdk[0]["rows"] == cold[0]["rows"] == warm[0]["rows"]
    fig = {
        name: (statistics.median(r["seconds"] for r in runs), max(r["peak_mb"] for r in runs))
        for name, runs in (
            ("sdk list_sessions", sdk),
            ("catalog cold", cold),
            ("catalog warm", warm),
        )
    }
    for name, (secs, peak) in fig.items():
        print(f"{name:18s} median {secs:7.3f} s   peak RSS {peak:6.1f} MB")
    ratio = fig["catalog cold"][0] / fig["sdk list_sessions"][0]
    listed = len(cold[0]["rows"])
    print(f"sessions listed: {listed}; same ids, titles and summaries as the SDK: {agree}")
    warm_s = fig["catalog warm"][0]
    ours_peak = max(fig["catalog cold"][1], fig["catalog warm"][1])
    print(f"cold/sdk = {ratio:.2f} (goal <= 0.5)")
    print(f"warm {warm_s:.3f} s (goal < 0.3)")
    print(f"catalog peak RSS {ours_peak:.1f} MB (goal < 200; includes the interpreter)")


if __name__ == "__main__":
    main()
