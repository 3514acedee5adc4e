"""A "host" on this machine for the remote client's tests, with no sshd.

:class:`FakeRemote` writes a world for :mod:`tests.support.fake_ssh` (a HOME whose
``~/.profile`` puts a ``claude-coder`` shim on the login shell's PATH) and points
``$CLAUDE_CODER_SSH`` at the stand-in, so :class:`~claude_coder.transports.remote.HostLink`
spawns it exactly as it spawns ssh: the login-shell command string is run by
``/bin/sh -c``. The shim runs ``serve_argv`` (default: :mod:`tests.support.fake_host`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil
import pytest

SUPPORT = Path(__file__).resolve().parent
FAKE_HOST_ARGV: tuple[str, ...] = (sys.executable, str(SUPPORT / "fake_host.py"))


class FakeRemote:
    """One stand-in host: its home, its environment, its connections."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.home = root / "home"
        self.bin = self.home / ".local" / "bin"
        self.bin.mkdir(parents=True)
        self.pids = root / "pids"
        self.pids.mkdir()
        self.hosts = root / "hosts"
        self.hosts.mkdir()
        self.log = root / "ssh.jsonl"
        # A short directory: a UNIX socket path must stay under 108 bytes.
        self.rundir = Path(tempfile.mkdtemp(prefix="cc-host-", dir="/tmp"))
        self.host_log = root / "host.jsonl"
        self.env: dict[str, str] = {
            "FAKE_HOST_RUNDIR": str(self.rundir),
            "FAKE_HOST_LOG": str(self.host_log),
        }
        (self.home / ".profile").write_text(f'PATH="{self.bin}:$PATH"\nexport PATH\n')
        self.serve(FAKE_HOST_ARGV)
        self._world = root / "world.json"
        self._save()
        ssh = f"{shlex.quote(sys.executable)} {shlex.quote(str(SUPPORT / 'fake_ssh.py'))}"
        monkeypatch.setenv("CLAUDE_CODER_SSH", f"{ssh} --world {shlex.quote(str(self._world))}")

    def serve(self, argv: Sequence[str], name: str = "claude-coder") -> Path:
        """Make ``~/.local/bin/<name>`` run ``argv`` with the shim's arguments."""
        shim = self.bin / name
        shim.write_text(f'#!/bin/sh\nexec {" ".join(shlex.quote(a) for a in argv)} "$@"\n')
        shim.chmod(0o755)
        return shim

    def remove_serve(self, name: str = "claude-coder") -> None:
        (self.bin / name).unlink()

    def set_env(self, **values: str) -> None:
        """Variables the host's environment has (for this test)."""
        self.env.update(values)
        self._save()

    def _save(self) -> None:
        world = {"home": str(self.home), "env": self.env, "log": str(self.log)}
        world.update(pids=str(self.pids), hosts=str(self.hosts))
        self._world.write_text(json.dumps(world))

    def connections(self) -> list[dict[str, Any]]:
        """What each ssh stand-in was started with (argv, options, host, env, command)."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def requests(self) -> list[dict[str, Any]]:
        """The first request of each connection the host answered (op, resume, cwd, grace_s)."""
        if not self.host_log.exists():
            return []
        return [json.loads(line) for line in self.host_log.read_text().splitlines()]

    def live(self) -> list[int]:
        """The pids of the stand-ins whose connection is up."""
        return [int(p.name) for p in self.pids.iterdir()]

    def drop_connections(self) -> int:
        """Kill every live stand-in (a dropped ssh connection); returns how many."""
        killed = 0
        for pid in self.live():
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
            (self.pids / str(pid)).unlink(missing_ok=True)
        return killed

    def left_behind(self) -> list[int]:
        """Host-side processes (and their children) still running."""
        alive: list[int] = []
        for entry in self.hosts.iterdir():
            with contextlib.suppress(psutil.NoSuchProcess):
                proc = psutil.Process(int(entry.name))
                alive += [proc.pid, *(c.pid for c in proc.children(recursive=True))]
        return alive

    def cleanup(self) -> None:
        """Kill whatever a failed test left on the "host", and its sockets."""
        for pid in reversed(self.left_behind()):
            with contextlib.suppress(psutil.NoSuchProcess):
                psutil.Process(pid).kill()
        shutil.rmtree(self.rundir, ignore_errors=True)


@pytest.fixture
def fake_remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    remote = FakeRemote(tmp_path / "remote", monkeypatch)
    yield remote
    remote.cleanup()
