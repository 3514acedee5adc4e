"""``resume --host`` and ``fork --host`` against the real Claude Code on a stand-in host:
the session lives in the host's config dir, the REPL runs here, and the turn runs there
(through a real ``claude-coder serve --stdio`` behind :mod:`tests.support.fake_ssh`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.sdk_support import cli
from tests.support.fake_api import FakeApi
from tests.support.fake_remote import FakeRemote

CLAUDE_CODER = Path(sys.executable).with_name("claude-coder")


@pytest.fixture
def host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline_claude: Path
) -> Iterator[FakeRemote]:
    fake = FakeRemote(tmp_path / "remote", monkeypatch)
    fake.serve([str(CLAUDE_CODER)])
    (fake.root / "host-claude").mkdir()
    fake.set_env(
        CLAUDE_CONFIG_DIR=str(fake.root / "host-claude"), CLAUDE_CODER_CLAUDE=str(offline_claude)
    )
    yield fake
    fake.cleanup()


def on_host(host: FakeRemote, *argv: str) -> subprocess.CompletedProcess[str]:
    """``claude-coder *argv`` run as the host runs it (its HOME, its config dir)."""
    env = {"PATH": os.environ["PATH"], "HOME": str(host.home), **host.env}
    return subprocess.run(
        [str(CLAUDE_CODER), *argv],
        cwd=host.home,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_resume_and_fork_on_the_host(
    host: FakeRemote, offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    work = host.home / "proj"
    work.mkdir()
    made = on_host(host, "run", "reply:first", "--name", "src", "--cwd", str(work))
    assert made.returncode == 0, made.stderr
    ssh = {"CLAUDE_CODER_SSH": os.environ["CLAUDE_CODER_SSH"]}
    here = tmp_path / "here"
    here.mkdir()

    resumed = cli(
        offline_claude,
        "resume",
        "--host",
        "devbox",
        "src",
        cwd=here,
        stdin="reply:second\nexit\n",
        extra_env=ssh,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming src in {work} on devbox" in resumed.stderr
    assert "second" in resumed.stdout
    assert "reply:first" in json.dumps(fake_api.messages_requests()[-1].body["messages"])

    forked = cli(
        offline_claude,
        "fork",
        "--host",
        "devbox",
        "src",
        cwd=here,
        stdin="reply:third\nexit\n",
        extra_env=ssh,
    )
    assert forked.returncode == 0, forked.stderr
    assert "forking src on devbox as 'src-fork-1'" in forked.stderr

    listed = cli(offline_claude, "list", "--host", "devbox", "--json", cwd=here, extra_env=ssh)
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == {"src", "src-fork-1"} and rows["src"]["cwd"] == str(work)
    history = cli(
        offline_claude,
        "history",
        "--host",
        "devbox",
        "src-fork-1",
        "--json",
        cwd=here,
        extra_env=ssh,
    )
    said = [
        e["event"]["text"]
        for e in map(json.loads, history.stdout.splitlines())
        if e["event"]["kind"] == "user_text"
    ]
    assert said == ["reply:first", "reply:second", "reply:third"]
    local = cli(offline_claude, "list", "--json", cwd=here)
    assert json.loads(local.stdout) == []  # nothing of it on this machine
