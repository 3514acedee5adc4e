"""The harness itself: devbox runs this checkout's claude-coder and a real Claude Code."""

from __future__ import annotations

import json
import subprocess
import time
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.support import host_user, sshd
from tests.support.fake_api import FakeApi
from tests.support.sshd import HOST_BARE, HOST_DOWN, Harness, HarnessError, HostWorld

LOGIN = 'exec "${SHELL:-/bin/sh}" -lc %s'


def test_devbox_runs_this_checkouts_claude_coder(
    remote_harness: Harness, remote_host: HostWorld
) -> None:
    plain = remote_harness.ssh("claude-coder --version")
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.split()[-1] == version("claude-coder")
    where = remote_harness.ssh(
        LOGIN % "'exec python -c \"import claude_coder, os; print(claude_coder.__file__, "
        'os.getuid(), os.environ[\\"HOME\\"])"\''
    )
    assert where.returncode == 0, where.stderr
    module, uid, home = where.stdout.split()
    assert module.startswith(str(remote_harness.venv)) and uid != "0"
    assert home == str(remote_host.home)
    source = Path(__file__).parents[2] / "src" / "claude_coder" / "session" / "_session.py"
    copy = Path(module).parent / "session" / "_session.py"
    assert copy.read_bytes() == source.read_bytes(), "the host runs the code under test"


def test_the_hosts_claude_code_answers_a_turn_against_the_fake_api(
    remote_harness: Harness, remote_host: HostWorld, fake_api: FakeApi
) -> None:
    turn = remote_harness.ssh(
        LOGIN % '\'exec "$CLAUDE_CODER_CLAUDE" -p "reply:hello from devbox" --output-format json\''
    )
    assert turn.returncode == 0, turn.stderr
    result = json.loads(turn.stdout)
    assert result["result"] == "hello from devbox"
    assert fake_api.prompts_seen() == ["reply:hello from devbox"]
    transcripts = list((remote_host.config_dir / "projects").rglob("*.jsonl"))
    assert len(transcripts) == 1, "the transcript is in the world's CLAUDE_CONFIG_DIR"
    assert transcripts[0].stat().st_uid == remote_host.account.pw_uid


def test_env_reaches_the_next_login_and_run_sees_the_same_world(
    remote_harness: Harness, remote_host: HostWorld
) -> None:
    remote_host.env(CC_PROBE="probe value")
    over_ssh = remote_harness.ssh(LOGIN % "'echo \"$CC_PROBE|$CLAUDE_CONFIG_DIR\"'")
    direct = remote_host.run("sh", "-c", 'echo "$CC_PROBE|$CLAUDE_CONFIG_DIR"')
    assert over_ssh.stdout == direct.stdout == f"probe value|{remote_host.config_dir}\n"
    remote_host.env(CC_PROBE=None)
    assert remote_host.run("sh", "-c", 'echo "[$CC_PROBE]"').stdout == "[]\n"


def test_the_other_aliases_have_no_claude_coder_or_no_sshd(remote_harness: Harness) -> None:
    bare = remote_harness.ssh(LOGIN % "'exec claude-coder serve --stdio'", alias=HOST_BARE)
    assert bare.returncode == 127 and "claude-coder: not found" in bare.stderr
    down = remote_harness.ssh("true", alias=HOST_DOWN)
    assert down.returncode == 255 and "Connection refused" in down.stderr


def test_killing_the_connections_drops_the_client_and_leaves_the_command(
    remote_harness: Harness, remote_host: HostWorld
) -> None:
    client = subprocess.Popen(
        [*remote_harness.ssh_argv(), LOGIN % "'exec sleep 300'"],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while not any(p.name() == "sleep" for p in remote_host.processes()):
            assert time.monotonic() < deadline, "the remote command never started"
            time.sleep(0.05)
        assert remote_host.kill_ssh_connections() >= 1
        assert client.wait(10) == 255
        assert [p.name() for p in remote_host.processes()] == ["sleep"]
        remote_host.end_processes()
        assert remote_host.processes() == []
    finally:
        client.kill()
        client.wait()
        assert client.stderr is not None
        client.stderr.close()


@pytest.mark.parametrize(
    ("module", "tool", "said"),
    [(sshd, "SSHD", "install openssh-server"), (host_user, "USERADD", "useradd is missing")],
)
def test_a_machine_without_sshd_or_useradd_fails_the_harness(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, module: object, tool: str, said: str
) -> None:
    monkeypatch.setattr(module, tool, str(tmp_path / "nowhere" / tool.lower()))
    with pytest.raises(HarnessError, match=said):
        Harness.start()
