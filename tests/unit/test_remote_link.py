"""HostLink: the ssh command line, its environment, the hello and the one-line HostErrors.

The "ssh" here is :mod:`tests.support.fake_ssh` (``$CLAUDE_CODER_SSH``), which runs the
host command through ``/bin/sh -c`` as sshd does, so the login-shell string is exercised;
the host side is :mod:`tests.support.fake_host` behind a ``claude-coder`` shim on the
login shell's PATH.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.security.conftest import SECRET
from tests.support.fake_remote import FAKE_HOST_ARGV, FakeRemote

from claude_coder.errors import ConfigError, HostError
from claude_coder.profiles import Profile
from claude_coder.session._launch import launch_transport
from claude_coder.transports.remote import HostLink, call_host
from claude_coder.transports.remote._link import SSH_OPTIONS, remote_shell_command, ssh_argv


@pytest.fixture
def remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRemote]:
    fake = FakeRemote(tmp_path / "remote", monkeypatch)
    yield fake
    fake.cleanup()


def test_the_ssh_command_line() -> None:
    argv = ssh_argv("me@devbox", None, {"CLAUDE_CODER_SSH_CONFIG": "/etc/cc/ssh_config"})
    assert argv == [
        "ssh",
        "-T",
        "-o",
        "BatchMode=yes",
        "-o",
        "ServerAliveInterval=5",
        "-o",
        "ServerAliveCountMax=3",
        "-F",
        "/etc/cc/ssh_config",
        "--",
        "me@devbox",
        "exec \"${SHELL:-/bin/sh}\" -lc 'exec claude-coder serve --stdio'",
    ]
    assert ssh_argv("devbox", None, {"CLAUDE_CODER_SSH": "/opt/my ssh -v"})[:3] == [
        "/opt/my",
        "ssh",
        "-v",
    ]


@pytest.mark.parametrize(
    ("command", "word"),
    [
        ("~/.venv/bin/claude-coder", "~/.venv/bin/claude-coder"),
        ("/opt/cc $(touch x)", "'/opt/cc $(touch x)'"),
        ("it's", "'it'\"'\"'s'"),
    ],
)
def test_the_remote_command_is_one_shell_word(command: str, word: str) -> None:
    inner = shlex.split(remote_shell_command(command))[-1]
    assert inner == f"exec {word} serve --stdio"


async def test_hello_over_a_login_shell_and_no_process_left(remote: FakeRemote) -> None:
    link = await HostLink.connect("devbox")
    assert link.hello["role"] == "host" and link.hello["hostname"] == "fakehost"
    await link.close()
    [conn] = remote.connections()
    assert conn["options"] == list(SSH_OPTIONS) and conn["host"] == "devbox"
    assert conn["command"] == remote_shell_command(None)
    assert link.returncode is not None and remote.live() == []


async def test_no_local_secret_reaches_ssh(
    remote: FakeRemote, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, SECRET)
    monkeypatch.setenv("GITHUB_TOKEN", SECRET)
    monkeypatch.setenv("LC_ALL", SECRET)
    monkeypatch.setenv("LANG", "C.UTF-8")
    await (await HostLink.connect("devbox")).close()
    [conn] = remote.connections()
    assert SECRET not in str(conn["env"])
    assert conn["env"]["LANG"] == "C.UTF-8"
    allowed = {"PATH", "HOME", "USER", "LOGNAME", "SSH_AUTH_SOCK", "SSH_AGENT_PID", "TZ"}
    allowed |= {"XDG_RUNTIME_DIR", "LANG"}
    assert set(conn["env"]) - {"LC_CTYPE"} <= allowed  # python may set LC_CTYPE itself


async def test_an_unreachable_host_says_so_with_ssh_words(remote: FakeRemote) -> None:
    with pytest.raises(HostError) as caught:
        await HostLink.connect("refuse-devbox")
    assert str(caught.value) == (
        "host 'refuse-devbox' is unreachable over ssh: ssh: connect to host refuse-devbox "
        "port 22: Connection refused; check `ssh refuse-devbox` works with BatchMode "
        "(keys, ~/.ssh/config)"
    )
    assert caught.value.host == "refuse-devbox" and caught.value.exit_code == 1


async def test_a_host_without_claude_coder_says_how_to_install_it(remote: FakeRemote) -> None:
    remote.remove_serve()
    with pytest.raises(HostError) as caught:
        await HostLink.connect("devbox")
    assert str(caught.value) == (
        "host 'devbox' has no claude-coder on its PATH: install it there (pipx install "
        "claude-coder) or set the profile's remoteCommand"
    )
    assert remote.live() == []


async def test_another_protocol_version_is_refused(remote: FakeRemote) -> None:
    remote.set_env(FAKE_HOST_MODE="protocol")
    with pytest.raises(HostError, match=r"^host 'devbox' runs claude-coder .* \(protocol 99\)"):
        await HostLink.connect("devbox")


async def test_remote_command_from_home_and_with_odd_characters(remote: FakeRemote) -> None:
    remote.serve(FAKE_HOST_ARGV, name="cc-home")
    link = await HostLink.connect("devbox", remote_command="~/.local/bin/cc-home")
    await link.close()
    odd = remote.serve(FAKE_HOST_ARGV, name="it's cc")
    link = await HostLink.connect("devbox", remote_command=str(odd))
    assert link.hello["op"] == "hello"
    await link.close()


async def test_call_host_makes_one_call(remote: FakeRemote) -> None:
    result = await call_host("devbox", "list", {"limit": 3})
    assert result == {"what": "list", "args": {"limit": 3}}
    assert remote.live() == []


@pytest.mark.parametrize("host", ["-oProxyCommand=touch /tmp/pwned", "dev box", "a\nb", ""])
def test_a_host_that_could_be_an_option_never_reaches_ssh(remote: FakeRemote, host: str) -> None:
    with pytest.raises(ConfigError, match="host"):
        launch_transport(
            Profile(name="p"),
            name=None,
            cwd=None,
            resume=None,
            fork=False,
            persist=False,
            host=host,
        )
    assert remote.connections() == []
