"""Helpers for PTY-transport integration tests: a seeded project, profiles, stub binaries."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

PTY_PROFILE: dict[str, Any] = {
    "name": "pty",
    "transport": "pty",
    "permissionMode": "default",
    "permissionPolicy": {
        "allow": ["Bash(touch allowed*)", "Write"],
        "deny": ["Bash(touch denied*)"],
        "default": "deny",
    },
    "experimentalAskUserQuestionAnswering": True,
}


def pty_project(
    tmp_path: Path,
    seed_tui: Callable[..., Path],
    *,
    seed: bool = True,
    trusted: bool = True,
    **profile: Any,
) -> tuple[Path, Path]:
    """A project dir (seeded for the TUI unless ``seed=False``) and a profiles file."""
    work = tmp_path / "project"
    work.mkdir()
    if seed:
        seed_tui(work, trusted=trusted)
    data = {**PTY_PROFILE, "cwd": str(work), **profile}
    path = tmp_path / "profiles.json"
    path.write_text(json.dumps([data]))
    return work, path


def version_stub(where: Path, version: str) -> tuple[Path, Path]:
    """A fake ``claude`` that prints ``version`` for ``--version`` and logs every call.

    Returns (stub, log): the log gets one line per invocation with its arguments.
    """
    log = where / "calls.log"
    stub = where / "claude-stub"
    stub.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {log}\n'
        f'if [ "$1" = "--version" ]; then echo "{version} (Claude Code)"; exit 0; fi\n'
        "sleep 30\n"
    )
    stub.chmod(0o755)
    return stub, log


_ROOT = str(Path(__file__).resolve().parents[2])

_STUB_TUI = """
import os, sys, termios, tty
sys.path.insert(0, {root!r})
from tests.support.stub_claude import answer_preflight
log = open({log!r}, "ab", buffering=0)
if sys.argv[1:2] == ["--version"]:
    print("2.1.331 (Claude Code)")
    sys.exit(0)
answer_preflight()
tty.setraw(0)
rule = "\\u2500" * 120

FOOTER = "  \\u23f8 manual mode on \\u00b7 ? for shortcuts"

def idle(prompt):
    os.write(1, ("\\x1b[2J\\x1b[H\\x1b]0;\\u2733 Stub\\x07\\r\\n" + rule
                 + "\\r\\n\\u276f\\u00a0" + prompt + "\\r\\n" + rule + "\\r\\n" + FOOTER
                 ).encode())

idle("")
buf = b""
entered = False
while True:
    data = os.read(0, 4096)
    if not data:
        break
    if entered:
        log.write(data)
        continue
    buf += data
    if b"\\x1b[201~" in buf and b"\\r" not in buf:
        text = buf.split(b"\\x1b[200~", 1)[1].split(b"\\x1b[201~", 1)[0].decode()
        idle(text)
    if b"\\r" in buf:
        entered = True
        os.write(1, ("\\x1b[2J\\x1b[H" + rule + "\\r\\n  Something brand new\\r\\n"
                     "  \\u276f 1. Do it\\r\\n    2. Do not\\r\\n\\r\\n  Press any key").encode())
"""


def unknown_screen_stub(where: Path) -> tuple[Path, Path]:
    """A stand-in TUI: an idle prompt that takes one pasted prompt, then, on Enter, a
    screen nobody knows. Every byte it receives after that Enter is logged."""
    log = where / "after-enter.log"
    log.write_bytes(b"")
    script = where / "stub_tui.py"
    script.write_text(textwrap.dedent(_STUB_TUI.format(log=str(log), root=_ROOT)))
    stub = where / "claude-stub-tui"
    stub.write_text(f'#!/bin/sh\nexec {sys.executable} {script} "$@"\n')
    stub.chmod(0o755)
    return stub, log
