"""``list``, ``history``, ``resume``/``fork`` and ``doctor`` with ``--host``, against a
stand-in host: :mod:`tests.support.fake_ssh` runs the login-shell command as sshd does,
and the host's ``claude-coder`` is this checkout's, so a real ``claude-coder serve
--stdio`` answers from the host's own config dir (not this side's)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.fake_remote import FakeRemote
from tests.unit.test_catalog_builders import Tx, config_dir
from tests.unit.test_doctor import stub_claude

from claude_coder.cli.main import main

CLAUDE_CODER = Path(sys.executable).with_name("claude-coder")
HOST_SECRET = "sk-ant-api03-ONLY-ON-THE-HOST-0042"


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRemote]:
    fake = FakeRemote(tmp_path / "remote", monkeypatch)
    fake.serve([str(CLAUDE_CODER)])
    fake.set_env(CLAUDE_CONFIG_DIR=str(fake.root / "host-claude"))
    yield fake
    fake.cleanup()


def host_config(host: FakeRemote) -> Path:
    return host.root / "host-claude"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def on_host(host: FakeRemote, name: str, *prompts: str, cwd: str = "/home/host/proj") -> Tx:
    tx = Tx(cwd=cwd)
    for prompt in prompts:
        tx.user(prompt).assistant(f"re: {prompt}")
    tx.title(name).write(host_config(host))
    return tx


def test_list_host_shows_the_hosts_sessions_with_a_host_column(
    host: FakeRemote, capsys: pytest.CaptureFixture[str]
) -> None:
    Tx(cwd="/here").user("a local one").title("local-only").write(config_dir())
    there = on_host(host, "on-devbox", "hello there")
    Tx(cwd="/x").user("unnamed on the host").write(host_config(host))
    code, out, err = run(capsys, "list", "--host", "devbox")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "HOST\tNAME\tID\tMODIFIED\tCWD\tSUMMARY"
    assert len(lines) == 2 and lines[1].startswith(f"devbox\ton-devbox\t{there.sid}\t")
    assert lines[1].endswith("\t/home/host/proj\thello there")
    assert "local-only" not in out
    code, out, _ = run(capsys, "list", "--host", "devbox", "--all", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 2
    assert {r["host"] for r in rows} == {"devbox"}
    assert there.sid in {r["session_id"] for r in rows}
    assert set(rows[0]) >= {"host", "session_id", "name", "cwd", "modified", "path"}


def test_list_host_cwd_is_a_directory_there(
    host: FakeRemote, capsys: pytest.CaptureFixture[str]
) -> None:
    on_host(host, "in-proj", "p", cwd="/home/host/proj")
    on_host(host, "elsewhere", "q", cwd="/srv/other")
    code, out, _ = run(capsys, "list", "--host", "devbox", "--cwd", "/home/host/proj", "--json")
    assert code == 0 and [r["name"] for r in json.loads(out)] == ["in-proj"]


def test_history_host_and_secrets_of_the_host_masked(
    host: FakeRemote, capsys: pytest.CaptureFixture[str]
) -> None:
    host.set_env(ANTHROPIC_API_KEY=HOST_SECRET)
    tx = on_host(host, "hist", "first question", f"the key is {HOST_SECRET}")
    code, out, err = run(capsys, "history", "--host", "devbox", "hist")
    assert code == 0, err
    assert "you  first question" in out and "claude  re: first question" in out
    assert "you  the key is ***" in out and HOST_SECRET not in out
    code, out, _ = run(capsys, "history", "--host", "devbox", tx.sid[:8], "--json")
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["event"]["kind"] for e in events] == ["user_text", "assistant_text"] * 2
    assert {e["host"] for e in events} == {"devbox"} and HOST_SECRET not in out


def test_a_missing_session_on_the_host_is_named_with_the_host(
    host: FakeRemote, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "history", "--host", "devbox", "nobody")
    assert code == 2
    assert err.startswith("error: on host 'devbox': ") and "nobody" in err
    assert err.strip().endswith("(see `claude-coder list --host devbox --all`)")  # not here
    assert len(err.strip().splitlines()) == 1


def test_an_ambiguous_id_on_the_host_is_bad_input_with_every_candidate(
    host: FakeRemote, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = ["abcd0001-0000-4000-8000-000000000001", "abcd0002-0000-4000-8000-000000000002"]
    for sid, name in zip(ids, ("a", "b"), strict=True):
        Tx(sid, cwd="/home/host/proj").user("hi").assistant("re").title(name).write(
            host_config(host)
        )
    code, _, err = run(capsys, "history", "--host", "devbox", "abcd")
    assert code == 2  # as here: bad input, not a failed host
    assert err.startswith("error: on host 'devbox': 'abcd' matches 2 sessions:")
    assert all(sid in err for sid in ids)


def test_an_unreachable_host_is_one_line(
    capsys: pytest.CaptureFixture[str], host: FakeRemote
) -> None:
    code, out, err = run(capsys, "list", "--host", "refuse-me")
    assert code == 1 and out == ""
    assert err.startswith("error: host 'refuse-me' is unreachable over ssh: ")
    assert "BatchMode" in err and len(err.strip().splitlines()) == 1


def test_a_bad_host_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "list", "--host", "-oProxyCommand=x")
    assert code == 2 and "must not start with '-'" in err


def test_doctor_host_reports_each_check(
    host: FakeRemote, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claude = stub_claude(tmp_path)
    host.set_env(CLAUDE_CODER_CLAUDE=str(claude), ANTHROPIC_API_KEY=HOST_SECRET)
    code, out, err = run(capsys, "doctor", "--host", "devbox")
    assert code == 1, err  # no login on the host yet
    lines = out.splitlines()
    assert lines[0].startswith("ssh          devbox: reachable; claude-coder ")
    assert f"binary       {claude}  (from $CLAUDE_CODER_CLAUDE)" in lines
    assert any(line.startswith("version      2.1.331;") for line in lines)
    assert "no login: Claude Code has no login in " + str(host_config(host)) in out
    assert "environment  stripped from every session (never refused): ANTHROPIC_API_KEY" in out
    assert HOST_SECRET not in out and "doctor found problems" in err
    creds = {"claudeAiOauth": {"accessToken": "sk-ant-oat01-HOSTTOKEN", "refreshToken": "r"}}
    host_config(host).mkdir(parents=True, exist_ok=True)
    (host_config(host) / ".credentials.json").write_text(json.dumps(creds))
    code, out, _ = run(capsys, "doctor", "--host", "devbox")
    assert code == 0, out
    assert "proof        ok: Claude Code reports the subscription login" in out
    assert out.splitlines()[-1] == "ok: a session could start on host 'devbox'"
    code, out, _ = run(capsys, "doctor", "--host", "devbox", "--json")
    report = json.loads(out)
    assert code == 0 and report["host"] == "devbox" and report["ssh"] == {"ok": True}
    assert report["environment"]["denylisted"] == ["ANTHROPIC_API_KEY"]
    assert "HOSTTOKEN" not in out and HOST_SECRET not in out


def test_doctor_host_unreachable_is_the_ssh_line(
    capsys: pytest.CaptureFixture[str], host: FakeRemote
) -> None:
    code, out, err = run(capsys, "doctor", "--host", "refuse-me")
    assert code == 1
    assert out.startswith("ssh          host 'refuse-me' is unreachable over ssh")
    assert "doctor found problems" in err


def test_the_profiles_remote_command_reaches_the_host(
    host: FakeRemote, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host.remove_serve()
    host.serve([str(CLAUDE_CODER)], name="cc-elsewhere")
    on_host(host, "found", "x")
    code, _, err = run(capsys, "list", "--host", "devbox")
    assert code == 1 and "has no claude-coder on its PATH" in err
    profiles = tmp_path / "profiles.json"
    entry = {"name": "remote", "host": "devbox", "remoteCommand": "cc-elsewhere"}
    profiles.write_text(json.dumps([entry]))
    profiles.chmod(0o600)
    code, out, err = run(capsys, "--profiles", str(profiles), "list", "--host", "devbox")
    assert code == 0, err
    assert "\tfound\t" in out


def test_fleet_catalog_host_is_checked_before_the_tui_opens(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "fleet", "--catalog-host", "has space")
    assert code == 2 and "must not contain whitespace" in err
    assert "Invalid value for --catalog-host: 'has space'" in err
