"""Benchmark: ``claude-coder list --all`` as text (a terminal, and a pipe) against ``--json``.

Writes ``--files`` (default 50,000) small transcripts shaped like Claude Code's (the
generator of ``bench_catalog.py``, without its multi-megabyte lines; 30 % named) into a
throwaway config dir, warms the catalog cache once, then times each form in a fresh
process, ``--runs`` times: ``--json`` to a pipe, the text listing to a pipe, and the
text listing on a pseudo-terminal (the path a person sees, 200 columns). For the
record it also times the former layout (rich's ``Table``) over the same rows in this
process. Figures only; nothing is asserted.

    .venv/bin/python bench/bench_list.py --files 50000 --runs 3
"""

from __future__ import annotations

import argparse
import os
import pty
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import bench_catalog
from benchkit import ROOT

_CMD = [sys.executable, "-m", "claude_coder.cli.main", "list", "--all"]


def _corpus(config: Path, files: int) -> None:
    bench_catalog._BIG_LINE_EVERY = 10**9  # no multi-megabyte lines: this is about rows
    rng = random.Random(11)
    filler = "".join(rng.choice("abcdefghij klmnop") for _ in range(4096))
    for i in range(files):
        cwd = f"/home/dev/project-{i % 100}"
        folder = config / "projects" / cwd.replace("/", "-")
        folder.mkdir(parents=True, exist_ok=True)
        sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        text = bench_catalog._transcript(rng, sid, cwd, rng.randint(800, 2500), filler)
        (folder / f"{sid}.jsonl").write_text(text, encoding="utf-8")


def _timed(args: list[str], env: dict[str, str], terminal: bool) -> float:
    start = time.monotonic()
    if not terminal:
        subprocess.run(
            args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
        return time.monotonic() - start
    master, slave = pty.openpty()
    drained = threading.Thread(target=_drain, args=(master,), daemon=True)
    drained.start()
    proc = subprocess.Popen(
        args,
        env={**env, "COLUMNS": "200", "TERM": "xterm-256color"},
        stdout=slave,
        stderr=subprocess.DEVNULL,
    )
    os.close(slave)
    proc.wait()
    drained.join(timeout=30)
    os.close(master)
    return time.monotonic() - start


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 1 << 16):
            pass
    except OSError:
        pass


def _rich_table_seconds(config: Path) -> tuple[float, int]:
    """The former ``list`` layout (rich Table) over the same sessions, to /dev/null."""
    os.environ["CLAUDE_CONFIG_DIR"] = str(config)
    sys.path.insert(0, str(ROOT / "src"))
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from claude_coder.catalog import Catalog

    sessions = Catalog().list(all=True).sessions
    start = time.monotonic()
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("NAME", "ID", "MODIFIED (UTC)", "CWD", "SUMMARY"):
        table.add_column(column, overflow="fold" if column == "SUMMARY" else "ellipsis")
    for s in sessions:
        table.add_row(
            escape(s.name or "-"),
            s.session_id[:8],
            "2026-11-30 10:00",
            escape(s.cwd or "?"),
            escape(s.summary),
        )
    with open(os.devnull, "w") as sink:
        Console(file=sink, width=200, force_terminal=True).print(table)
    return time.monotonic() - start, len(sessions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-list-"))
    try:
        config = root / "config"
        t0 = time.monotonic()
        _corpus(config, args.files)
        print(f"corpus: {args.files} transcripts in {time.monotonic() - t0:.1f} s", flush=True)
        env = {
            **os.environ,
            "CLAUDE_CONFIG_DIR": str(config),
            "HOME": str(root),
            "XDG_CACHE_HOME": str(root / "cache"),
            "PYTHONPATH": str(ROOT / "src"),
        }
        _timed([*_CMD, "--json"], env, terminal=False)  # warm the catalog cache
        forms = {
            "--json (pipe)": ([*_CMD, "--json"], False),
            "text (pipe)": (_CMD, False),
            "text (terminal)": (_CMD, True),
        }
        for label, (cmd, terminal) in forms.items():
            times = [_timed(cmd, env, terminal) for _ in range(args.runs)]
            print(
                f"list --all {label:16} median {statistics.median(times):.2f} s, "
                f"worst {max(times):.2f} s ({args.runs} runs)",
                flush=True,
            )
        seconds, rows = _rich_table_seconds(config)
        print(f"former rich Table layout alone: {seconds:.2f} s for {rows} rows", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
