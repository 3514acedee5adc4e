"""Faults between here and devbox: a dropped connection, credentials on the host, a host
that cannot be used. Every refusal is one line naming the host, with the right exit code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_coder.errors import ClaudeCoderError, HostError
from claude_coder.events import AssistantText, Boundary, HostLost, HostRejoined, SessionState
from claude_coder.session import Session
from tests.integration.sdk_support import Events
from tests.remote.support import local_cli, one_line
from tests.support.fake_api import FakeApi
from tests.support.host_user import HostWorld
from tests.support.sshd import HOST_BARE, HOST_DOWN

pytestmark = pytest.mark.timeout(180)
SECRET = "sk-ant-api03-HOST-SECRET-do-not-print-7f3a"


async def test_ssh_killed_mid_turn_then_the_turn_completes_once(
    remote_host: HostWorld, fake_api: FakeApi
) -> None:
    async with Session.open(host=remote_host.name) as s:
        rec = Events(s)
        handle = s.submit("stall:60")
        await fake_api.async_wait_for_stall(1, 30)
        assert remote_host.kill_ssh_connections() >= 1
        lost = await rec.wait_kind(HostLost)
        assert lost.host == "devbox"
        fake_api.release_stalls()  # the turn finishes on the host while the link is down
        rejoined = await rec.wait_kind(HostRejoined)
        assert rejoined.host == "devbox"
        result = await handle
        nxt = await s.send("reply:still the same session")
    assert (result.boundary, result.text) == (Boundary.COMPLETED, "Released after a stall.")
    assert nxt.text == "still the same session" and nxt.session_id == result.session_id
    kinds = [type(e) for e in rec.events if isinstance(e, HostLost | HostRejoined)]
    assert kinds == [HostLost, HostRejoined]
    states = rec.states()
    at = states.index(SessionState.RECONNECTING)
    assert states[at - 1 : at + 2] == [
        SessionState.BUSY,
        SessionState.RECONNECTING,
        SessionState.BUSY,
    ]
    texts = [a.text for a in rec.of(AssistantText)]
    assert texts == ["Released after a stall.", "still the same session"], "no event twice"
    assert fake_api.prompts_seen() == ["stall:60", "reply:still the same session"]


def test_an_api_key_in_the_hosts_login_is_stripped_there(
    remote_host: HostWorld, fake_api: FakeApi, tmp_path: Path
) -> None:
    remote_host.env(ANTHROPIC_API_KEY=SECRET)
    proc = local_cli("run", "--host", "devbox", "reply:subscription only", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["text"] == "subscription only"
    [request] = fake_api.messages_requests()
    assert "x-api-key" not in request.headers and "authorization" in request.headers
    assert SECRET not in proc.stdout + proc.stderr


def test_an_api_key_reaching_the_hosts_claude_code_is_refused_in_one_line(
    remote_host: HostWorld, fake_api: FakeApi, tmp_path: Path
) -> None:
    remote_host.claude_env(ANTHROPIC_API_KEY=SECRET)
    proc = local_cli("run", "--host", "devbox", "reply:never sent", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    line = one_line(proc.stderr)
    assert "on host 'devbox'" in line and "ANTHROPIC_API_KEY" in line
    assert SECRET not in proc.stdout + proc.stderr
    assert fake_api.prompts_seen() == []


async def test_an_api_key_refusal_keeps_its_class_across_the_wire(
    remote_host: HostWorld, fake_api: FakeApi
) -> None:
    remote_host.claude_env(ANTHROPIC_API_KEY=SECRET)
    with pytest.raises(ClaudeCoderError) as refused:
        await Session.start(host=remote_host.name)
    assert type(refused.value).__name__ in ("CredentialRefused", "LoginNotProven")
    assert str(refused.value).startswith("on host 'devbox': ")
    assert refused.value.exit_code == 2
    assert SECRET not in str(refused.value)


@pytest.mark.parametrize(
    ("alias", "said"),
    [
        (HOST_DOWN, "is unreachable over ssh: ssh: connect to host 127.0.0.1 port"),
        (HOST_BARE, "has no claude-coder on its PATH"),
    ],
    ids=["unreachable", "no-claude-coder"],
)
def test_a_host_that_cannot_be_used_is_one_line_naming_it(
    remote_host: HostWorld, fake_api: FakeApi, tmp_path: Path, alias: str, said: str
) -> None:
    proc = local_cli("run", "--host", alias, "reply:never sent", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    line = one_line(proc.stderr)
    assert f"host '{alias}' {said}" in line
    assert fake_api.prompts_seen() == []


async def test_a_host_error_is_a_host_error_in_the_library(remote_host: HostWorld) -> None:
    with pytest.raises(HostError) as refused:
        await Session.start(host=HOST_DOWN)
    assert refused.value.host == HOST_DOWN and refused.value.exit_code == 1
    assert "Connection refused" in str(refused.value)
