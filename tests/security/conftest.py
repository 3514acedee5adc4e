"""Red-team fixtures: an attacker endpoint, a project per transport, CLI runs and verdicts.

Every test here attacks claude-coder the way a hostile repository, environment or
machine setting would, through the real Claude Code against the fake API, and asserts
what the person cares about: refused with exit 2 naming the file and key (never a
value), no request reached the attacker's endpoint, no secret in any output.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.pty_support import PTY_PROFILE
from tests.integration.sdk_support import cli
from tests.support.fake_api import FakeApi
from tests.support.launcher import DUMMY_OAUTH_TOKEN

Completed = subprocess.CompletedProcess[str]

SECRET = "sk-ant-api03-RED-TEAM-SECRET-must-never-show-0123456789"
"""A credential an attacker plants; it must never appear in any output."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def attacker() -> Iterator[FakeApi]:
    """A second listener on 127.0.0.1: the endpoint an attacker wants the token sent to."""
    server = FakeApi().start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Project:
    """A project directory, its profiles file and how to run claude-coder in it."""

    work: Path
    profiles: Path
    launcher: Path
    transport: str

    def cli(self, *args: str, extra_env: dict[str, str] | None = None) -> Completed:
        """``claude-coder --profiles <file> *args`` in the project dir."""
        return cli(
            self.launcher,
            "--profiles",
            str(self.profiles),
            *args,
            cwd=self.work,
            extra_env=extra_env,
        )

    def run(
        self, prompt: str = "reply:hello", *, extra_env: dict[str, str] | None = None
    ) -> Completed:
        return self.cli("run", prompt, "--profile", "p", extra_env=extra_env)

    def doctor(self, *, extra_env: dict[str, str] | None = None) -> Completed:
        return self.cli("doctor", "--profile", "p", extra_env=extra_env)

    def settings(self, name: str, data: Any, *, where: Path | None = None) -> Path:
        """Write ``<where or work>/.claude/<name>`` with ``data`` (JSON, or raw text)."""
        path = (where or self.work) / ".claude" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        return path


ProjectFactory = Callable[..., Project]


@pytest.fixture
def make_project(
    tmp_path: Path, offline_claude: Path, seed_tui: Callable[..., Path]
) -> ProjectFactory:
    """``make_project(transport, **profile_fields)``: a project whose profile ``p`` runs
    that transport on the offline Claude Code (the TUI is seeded for PTY)."""

    def make(transport: str, *, launcher: Path | None = None, **fields: Any) -> Project:
        work = tmp_path / "project"
        work.mkdir(exist_ok=True)
        seed_tui(work)
        base = dict(PTY_PROFILE) if transport == "pty" else {"transport": "sdk"}
        profile = {**base, "name": "p", "cwd": str(work), **fields}
        if launcher is not None:
            profile["claudePath"] = str(launcher)
        profiles = tmp_path / "profiles.json"
        profiles.write_text(json.dumps([profile]))
        return Project(work, profiles, launcher or offline_claude, transport)

    return make


def assert_no_secret(proc: subprocess.CompletedProcess[str], *secrets: str) -> None:
    for secret in (SECRET, DUMMY_OAUTH_TOKEN, *secrets):
        assert secret not in proc.stdout and secret not in proc.stderr


def assert_refused(proc: subprocess.CompletedProcess[str], *names: str) -> None:
    """Exit 2, a one-line reason naming every one of ``names``, no traceback, no secret."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    for name in names:
        assert name in proc.stderr, (name, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert_no_secret(proc)


def assert_untouched(attacker: FakeApi) -> None:
    """The attacker's endpoint saw no request at all (so no Authorization header)."""
    assert attacker.requests == [], [(r.method, r.target) for r in attacker.requests]


def assert_no_prompt_left(fake_api: FakeApi) -> None:
    """Not even the genuine (fake) API got a model request: refused before any prompt."""
    assert fake_api.messages_requests(include_side=True) == []
