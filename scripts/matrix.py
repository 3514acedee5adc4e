#!/usr/bin/env python3
"""The Claude Code version matrix: install chosen versions, run the conformance tests on
each through both transports, print (or write into docs/transports.md) the table.

    .venv/bin/python scripts/matrix.py --versions 2.1.100,2.1.197,pinned
    .venv/bin/python scripts/matrix.py --set wide --write-docs     # what `make matrix` runs
    .venv/bin/python scripts/matrix.py --install 2.1.333            # only install

Versions come from the npm registry through npm itself, each into its own prefix under
the cache (``$CLAUDE_CODER_MATRIX_CACHE``, default ``~/.cache/claude-coder/claude-code``):
``npm install --prefix <cache>/<version> @anthropic-ai/claude-code@<version>`` (an exact
version always: from 2.1.198 on, npm on node 20 would otherwise pick an older one).
Up to about 2.1.100 that is ``cli.js``, run by node; later ones bring the native binary
of the platform package. An installed version is reused. ``pinned`` is the binary bundled
in claude-agent-sdk (nothing to install). The tests are ``tests/matrix``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.matrix.conftest import (  # noqa: E402
    CACHE,
    CACHE_ENV,
    PINNED,
    REPORT_ENV,
    VERSIONS_ENV,
    installed_binary,
)
from tests.matrix.test_matrix import SCENARIOS  # noqa: E402

SETS = {
    "ci": "2.1.332",
    "wide": "2.1.0,2.1.50,2.1.100,2.1.150,2.1.197,2.1.250,2.1.300,pinned,2.1.332",
}
"""``ci`` adds the other PTY-proven version (2.1.332) to the pinned one (2.1.331, which
``make test`` already covers); ``wide`` spans the band and beyond its proven part."""
PACKAGE = "@anthropic-ai/claude-code"
BEGIN, END = "<!-- matrix:begin -->", "<!-- matrix:end -->"


def install(version: str) -> Path:
    """``version`` installed under the cache (reused when it is already there)."""
    binary = installed_binary(version)
    if binary.exists() and _version_of(binary) == version:
        return binary
    prefix = CACHE / version
    prefix.mkdir(parents=True, exist_ok=True)
    print(f"installing {PACKAGE}@{version} into {prefix}", flush=True)
    subprocess.run(
        ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
         "--loglevel=error", f"{PACKAGE}@{version}"],
        check=True,
    )  # fmt: skip
    shown = _version_of(binary)
    if shown != version:
        raise SystemExit(f"{binary} says it is {shown!r}, not {version}")
    return binary


def _version_of(binary: Path) -> str | None:
    try:
        out = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.split()[0] if out.split() else None


def run_tests(versions: list[str], report: Path, extra: list[str]) -> int:
    env = dict(os.environ)
    env.update({VERSIONS_ENV: ",".join(versions), REPORT_ENV: str(report), CACHE_ENV: str(CACHE)})
    cmd = [sys.executable, "-m", "pytest", "tests/matrix", "-q", "-p", "no:cacheprovider", *extra]
    return subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode


def table(report: Path) -> str:
    """Versions x scenarios, one column per transport: ``ok``, ``FAIL`` or ``refused``."""
    cells: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for line in report.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        mark = "refused" if row["detail"] == "refused" else "ok" if row["ok"] else "FAIL"
        cells[(row["version"], row["transport"])][row["scenario"]] = mark
    head = "| version | transport | " + " | ".join(SCENARIOS) + " |"
    rule = "|" + "---|" * (len(SCENARIOS) + 2)
    rows = [
        f"| {v} | {t} | " + " | ".join(cells[(v, t)].get(s, "-") for s in SCENARIOS) + " |"
        for v, t in sorted(cells, key=lambda k: (tuple(int(p) for p in k[0].split(".")), k[1]))
    ]
    return "\n".join([head, rule, *rows])


def write_docs(text: str) -> None:
    doc = ROOT / "docs" / "transports.md"
    body = doc.read_text(encoding="utf-8")
    start, end = body.index(BEGIN) + len(BEGIN), body.index(END)
    doc.write_text(body[:start] + "\n" + text + "\n" + body[end:], encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--versions", help="comma-separated versions (pinned = the bundled one)")
    ap.add_argument("--set", choices=sorted(SETS), help="a named set of versions")
    ap.add_argument("--install", metavar="VERSIONS", help="only install these versions")
    ap.add_argument("--write-docs", action="store_true", help="put the table in the docs")
    ap.add_argument("pytest_args", nargs="*", help="passed on to pytest (after --)")
    args = ap.parse_args()
    if args.install:
        for v in args.install.split(","):
            print(install(v.strip()))
        return 0
    raw = args.versions or SETS[args.set or "ci"]
    versions = [v.strip() for v in raw.split(",") if v.strip()]
    for v in versions:
        if v != PINNED:
            install(v)
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "matrix.jsonl"
        report.touch()
        code = run_tests(versions, report, args.pytest_args)
        text = table(report)
    print(text)
    if args.write_docs:
        write_docs(text)
    return code


if __name__ == "__main__":
    sys.exit(main())
