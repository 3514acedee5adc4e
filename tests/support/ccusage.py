"""ccusage (npm), pinned and installed into a cache dir, run offline over a config dir.

Two pinned versions, because they read cache-write tokens from different fields
(18 the plain total, 20 the per-duration split) and a corpus must agree with both:

- ``20.0.24``: the current major, a native program in a per-platform package
  (``@ccusage/ccusage-linux-x64``); 20.0.26 has no linux-x64 package, 20.0.24 does.
  It only sees compact JSON lines (``"type":"assistant"``), which Claude Code writes.
- ``18.0.11``: the last pure-JavaScript release; runs wherever Node does.

The install goes to ``$CLAUDE_CODER_TOOL_CACHE`` (default ``~/.cache/claude-coder-tools``
of the real user, outside a test's temp HOME) with ``npm install --prefix``, never
globally. An install that fails raises ``CcusageUnavailable`` with npm's output: the
tests that need it FAIL on it, they do not skip.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
from pathlib import Path
from typing import Any

from filelock import FileLock

PINNED = ("20.0.24", "18.0.11")
_INSTALL_TIMEOUT = 300


class CcusageUnavailable(RuntimeError):
    """ccusage could not be installed or run."""


def tool_cache() -> Path:
    configured = os.environ.get("CLAUDE_CODER_TOOL_CACHE")
    if configured:
        return Path(configured)
    return Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "claude-coder-tools"


def ccusage_bin(version: str) -> Path:
    """The ``ccusage`` executable of ``version``, installed on first use."""
    prefix = tool_cache() / f"ccusage-{version}"
    exe = prefix / "node_modules" / ".bin" / "ccusage"
    if exe.exists() and _runs(exe):
        return exe
    tool_cache().mkdir(parents=True, exist_ok=True)
    with FileLock(tool_cache() / f"ccusage-{version}.lock"):  # one install at a time
        return _install(version, prefix, exe)


def _install(version: str, prefix: Path, exe: Path) -> Path:
    if exe.exists() and _runs(exe):  # another test process installed it meanwhile
        return exe
    npm = shutil.which("npm")
    if npm is None:
        raise CcusageUnavailable("npm is not on PATH: install Node.js (npm) to run ccusage")
    prefix.mkdir(parents=True, exist_ok=True)
    argv = [npm, "install", "--no-audit", "--no-fund", "--prefix", str(prefix)]
    argv += ["--cache", str(tool_cache() / "npm-cache"), f"ccusage@{version}"]
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=_INSTALL_TIMEOUT, env=_npm_env()
    )
    if proc.returncode != 0 or not exe.exists() or not _runs(exe):
        raise CcusageUnavailable(
            f"npm install ccusage@{version} into {prefix} failed "
            f"(exit {proc.returncode}): {proc.stderr[-2000:]}"
        )
    return exe


def _npm_env() -> dict[str, str]:
    """npm as the user runs it (proxy, CA bundle, ``~/.npmrc``), not a test's temp HOME."""
    return {**os.environ, "HOME": pwd.getpwuid(os.getuid()).pw_dir}


def _runs(exe: Path) -> bool:
    try:
        proc = subprocess.run([str(exe), "--version"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def daily_json(version: str, config_dir: Path, timezone: str = "UTC") -> dict[str, Any]:
    """``ccusage daily --json --offline`` over ``config_dir`` in ``timezone``."""
    exe = ccusage_bin(version)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(config_dir.parent),
        "CLAUDE_CONFIG_DIR": str(config_dir),
        "TZ": timezone,
        "NO_COLOR": "1",
    }
    argv = [str(exe), "daily", "--json", "--offline", "--timezone", timezone]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env)
    if proc.returncode != 0:
        raise CcusageUnavailable(f"ccusage {version} failed: {proc.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def token_totals(report: dict[str, Any]) -> dict[str, int]:
    """The four token totals of a ccusage (or ``usage --json``) daily report."""
    totals = report["totals"]
    names = ("inputTokens", "outputTokens", "cacheCreationTokens", "cacheReadTokens")
    return {name: int(totals[name]) for name in names}
