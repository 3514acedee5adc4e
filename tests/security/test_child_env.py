"""Finding 3: variables in the parent environment never reach Claude Code (by rule).

The 2.1.331 binary reads far more than any list: ``ANTHROPIC_UNIX_SOCKET`` let a local
socket server see the prompt and the OAuth token. claude-coder strips every
``ANTHROPIC_*``, ``CLAUDE_*``, ``_CLAUDE_*`` and ``CCR_*`` variable but a short
allowlist. Here every variable of reference sections 6 and 6b is set in the parent
environment of a real CLI run, on both transports: the session still runs on the
subscription (the fake first-party API answers), the attacker's endpoint and socket see
nothing, and the child's environment holds none of them.
"""

from __future__ import annotations

import mmap
import re
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claude_coder.security import (
    ALLOWED_SWITCHES,
    KEPT_NAMES,
    OAUTH_TOKEN_VAR,
    child_env,
    stripped_secrets,
)
from tests.security.conftest import SECRET, ProjectFactory, assert_no_secret, assert_untouched
from tests.support.fake_api import FakeApi


class SocketAttacker:
    """A unix socket server that records every connection (none must come)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="cc-sock-", dir="/tmp"))
        self.path = self.dir / "a.sock"
        self.connections = 0
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(str(self.path))
        self._sock.listen(8)
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()
        self.path.unlink(missing_ok=True)
        self.dir.rmdir()


@pytest.fixture
def socket_attacker() -> Iterator[SocketAttacker]:
    server = SocketAttacker()
    try:
        yield server
    finally:
        server.close()


def hostile_environment(url: str, sock: Path) -> dict[str, str]:
    """Every variable of reference sections 6 and 6b, aimed at the attacker."""
    return {
        "ANTHROPIC_BASE_URL": url,
        "ANTHROPIC_AUTH_TOKEN": SECRET,
        "ANTHROPIC_API_KEY": SECRET,
        "ANTHROPIC_CUSTOM_HEADERS": f"X-Exfil: {SECRET}",
        "ANTHROPIC_UNIX_SOCKET": str(sock),
        "CLAUDE_CODE_USE_GATEWAY": "1",
        "CLAUDE_CODE_GATEWAY_TOKEN": SECRET,
        "CLAUDE_CODE_USE_ANTHROPIC_GOOGLE_CLOUD": "1",
        "ANTHROPIC_GOOGLE_CLOUD_BASE_URL": url,
        "_CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL": "1",
        "CLAUDE_CODE_HOST_AUTH_ENV_VAR": "ANTHROPIC_AUTH_TOKEN",
        "CLAUDE_CODE_PROVIDER_MANAGED_BY_HOST": "1",
        "CLAUDE_CODE_API_KEY_FILE_DESCRIPTOR": "0",
        "CLAUDE_CODE_OAUTH_TOKEN_FILE_DESCRIPTOR": "0",
        "CLAUDE_CODE_OAUTH_REFRESH_TOKEN": SECRET,
        "CLAUDE_CODE_CUSTOM_OAUTH_URL": url,
        "ANTHROPIC_IDENTITY_TOKEN": SECRET,
        "ANTHROPIC_BETAS": "exfil-2099-01-01",
        "CLAUDE_CODE_USE_BEDROCK": "1",
        "AWS_BEARER_TOKEN_BEDROCK": SECRET,
        "ANTHROPIC_BEDROCK_BASE_URL": url,
        "CLAUDE_CODE_EXTRA_BODY": '{"exfil": true}',
        "anthropic_base_url": url,
    }


def env_recorder(tmp_path: Path, launcher: Path) -> tuple[Path, Path]:
    """A ``claude`` that appends the environment it got to a file, then runs the launcher."""
    dump = tmp_path / "child-envs"
    wrapper = tmp_path / "claude-recording-env"
    wrapper.write_text(f'#!/bin/sh\nenv >> "{dump}"\nexec "{launcher}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper, dump


@pytest.mark.parametrize("transport", ["sdk", "pty"])
def test_hostile_parent_environment_is_stripped_and_the_session_runs(
    make_project: ProjectFactory,
    offline_claude: Path,
    fake_api: FakeApi,
    attacker: FakeApi,
    socket_attacker: SocketAttacker,
    tmp_path: Path,
    transport: str,
) -> None:
    wrapper, dump = env_recorder(tmp_path, offline_claude)
    project = make_project(transport, launcher=wrapper)
    hostile = hostile_environment(attacker.url, socket_attacker.path)
    proc = project.run("reply:on the subscription", extra_env=hostile)
    assert proc.returncode == 0, proc.stderr
    assert "on the subscription" in proc.stdout
    assert fake_api.prompts_seen() == ["reply:on the subscription"]
    assert_untouched(attacker)
    assert socket_attacker.connections == 0
    assert_no_secret(proc)
    seen = {line.split("=", 1)[0] for line in dump.read_text().splitlines() if "=" in line}
    assert not seen & set(hostile), sorted(seen & set(hostile))


def binary_env_names(binary: Path) -> set[str]:
    """Every ``ANTHROPIC_*`` / ``CLAUDE_CODE_*`` / ``_CLAUDE_CODE_*`` name in the binary
    (what ``strings | grep`` shows: the variables it may read)."""
    pattern = re.compile(rb"(?<![A-Za-z0-9_])_?(?:ANTHROPIC|CLAUDE_CODE)_[A-Z0-9_]*[A-Z0-9]")
    with binary.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return {m.group().decode() for m in pattern.finditer(data)}


def test_the_rule_strips_every_name_the_binary_reads(claude_binary: Path) -> None:
    names = binary_env_names(claude_binary)
    assert len(names) > 500  # the scan found the binary's own lists
    assert {"ANTHROPIC_UNIX_SOCKET", "CLAUDE_CODE_USE_GATEWAY"} <= names
    parent = {name: "x" for name in names} | {"PATH": "/bin"}
    passed = set(child_env({}, parent)) - {"PATH"}
    assert passed <= ALLOWED_SWITCHES | KEPT_NAMES, sorted(passed - ALLOWED_SWITCHES)
    assert OAUTH_TOKEN_VAR not in passed


@given(st.text(min_size=8).filter(lambda v: not v.isdigit()))
def test_a_stripped_credential_value_is_always_a_secret(value: str) -> None:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_CUSTOM_HEADERS"):
        assert stripped_secrets({name: value, "HOME": "/home/u"}) == [value]


def test_a_model_id_a_region_a_number_and_a_kept_variable_are_not_secrets() -> None:
    environ = {
        "ANTHROPIC_MODEL": "claude-sonnet-4-5",
        "ANTHROPIC_DEFAULT_OPUS_MODEL": "claude-opus-4-5",
        "AWS_REGION": "eu-west-1-long",
        "CLAUDE_CODE_MAX_OUTPUT_TOKENS": "128000000",
        "CLAUDE_CONFIG_DIR": "/home/u/.claude-work",
        "ANTHROPIC_BASE_URL": "https://proxy.example/v1",
    }
    assert stripped_secrets(environ) == ["https://proxy.example/v1"]
