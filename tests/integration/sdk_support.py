"""Helpers for integration tests: profiles files, event recording, and CLI runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.support.recorder import EventRecorder

DEADLINE = 60.0


def write_profiles(where: Path, *profiles: dict[str, Any]) -> Path:
    """A profiles file holding ``profiles`` (camelCase JSON keys)."""
    path = where / "profiles.json"
    path.write_text(json.dumps(list(profiles)))
    return path


class Events(EventRecorder):
    """Every envelope a session publishes, with waits that have deadlines."""

    deadline = DEADLINE


def cli_env(launcher: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a CLI run gets: this test's HOME, and the offline Claude Code."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "CLAUDE_CONFIG_DIR")}
    env["CLAUDE_CODER_CLAUDE"] = str(launcher)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def cli(
    launcher: Path,
    *args: str,
    cwd: Path,
    stdin: str = "",
    extra_env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``claude-coder *args`` in a child process, driving the offline Claude Code."""
    return subprocess.run(
        [sys.executable, "-m", "claude_coder.cli.main", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=cli_env(launcher, extra_env),
    )


def cli_json(launcher: Path, *args: str, cwd: Path) -> dict[str, Any]:
    """``claude-coder *args --json`` that must exit 0; its one JSON object."""
    proc = cli(launcher, *args, "--json", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert isinstance(out, dict)
    return out
