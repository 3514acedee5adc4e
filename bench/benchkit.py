"""What the SDK-driven benchmarks share: a fake API in its own process, a throwaway HOME,
and a Claude Code child that stamps when each text-delta line was read from stdout."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.support.launcher import write_launcher  # noqa: E402

from claude_coder.launch import bundled_claude  # noqa: E402
from claude_coder.transports.sdk._child import ChildProcess  # noqa: E402

_SERVE_API = (
    "import sys\n"
    "from tests.support.fake_api import FakeApi\n"
    "api = FakeApi().start()\n"
    "print(api.url, flush=True)\n"
    "sys.stdin.read()\n"
    "print(api.max_in_flight, flush=True)\n"
    "api.stop()\n"
)


class FakeApiProcess:
    """The fake Messages API in a process of its own, so its CPU is not the driver's.

    Inside ``with``: ``url``. After it: ``max_in_flight`` (prompts in flight at most).
    """

    def __init__(self) -> None:
        self.url = ""
        self.max_in_flight = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> FakeApiProcess:
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _SERVE_API],
            cwd=str(ROOT),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        self.url = self._proc.stdout.readline().strip()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._proc is not None and self._proc.stdin and self._proc.stdout
        self._proc.stdin.close()
        self.max_in_flight = self._proc.stdout.readline().strip()
        self._proc.wait(timeout=30)


def offline_world(prefix: str, api_url: str) -> tuple[Path, Path]:
    """A work dir and a launcher for the bundled Claude Code; this process (and so every
    child) moves into a throwaway HOME there. Never touches a real login."""
    binary = bundled_claude()
    if binary is None:
        sys.exit("no bundled Claude Code binary (pip install -e '.[dev]')")
    work = Path(tempfile.mkdtemp(prefix=prefix))
    launcher = write_launcher(work / "claude", binary, api_url)
    home = work / "home"
    (home / ".claude").mkdir(parents=True)
    os.environ["HOME"] = str(home)
    os.environ["CLAUDE_CONFIG_DIR"] = str(home / ".claude")
    for var, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_STATE_HOME", ".local/state")):
        os.environ[var] = str(home / sub)
    os.environ["CLAUDE_CODER_CLAUDE"] = str(launcher)
    os.environ.pop("ANTHROPIC_API_KEY", None)
    return work, launcher


def is_text_delta(message: dict[str, Any]) -> bool:
    """A top-level streamed text delta (not one from a sub-agent)."""
    if message.get("type") != "stream_event" or message.get("parent_tool_use_id"):
        return False
    event = message.get("event") or {}
    delta = event.get("delta") or {}
    return bool(event.get("type") == "content_block_delta" and delta.get("text"))


class TimedChild(ChildProcess):
    """Claude Code's child, noting (by ``clock``) when each text-delta line was read."""

    clock: Callable[[], float] = staticmethod(time.perf_counter)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.delta_reads: collections.deque[float] = collections.deque()

    def read_messages(self) -> AsyncIterator[dict[str, Any]]:
        return self._timed()

    async def _timed(self) -> AsyncIterator[dict[str, Any]]:
        async for message in super().read_messages():
            self.saw(message)
            yield message

    def saw(self, message: dict[str, Any]) -> None:
        """Called for every message as it is read; subclasses stamp more."""
        if is_text_delta(message):
            self.delta_reads.append(self.clock())
