"""A host's one-shot calls (``serve.calls``): answered from its own catalog and doctor,
masked with its redactor, and arguments refused unless they have the expected shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.unit.test_catalog_builders import Tx, config_dir
from tests.unit.test_doctor import log_in, stub_claude

from claude_coder.errors import (
    ConfigError,
    NameTakenError,
    RemoteCallError,
    SessionNotFoundError,
)
from claude_coder.serve.calls import HISTORY_LIMIT, answer_call
from claude_coder.transports.remote._protocol import encode

SECRET = "sk-ant-api03-HOST-ONLY-VALUE-1234"
PROFILE_SECRET = "profile-secret-on-the-host-5678"


def named(name: str, *prompts: str, cwd: str = "/srv/a") -> Tx:
    tx = Tx(cwd=cwd)
    for prompt in prompts:
        tx.user(prompt).assistant(f"re: {prompt}")
    tx.title(name).write(config_dir())
    return tx


async def test_list_rows_are_what_list_json_prints() -> None:
    named("alpha", "first")
    Tx(cwd="/srv/b").user("unnamed one").write(config_dir())
    rows = await answer_call("list", {})
    assert [r["name"] for r in rows] == ["alpha"]
    assert rows[0]["cwd"] == "/srv/a" and rows[0]["modified"].endswith("Z")
    every = await answer_call("list", {"all": True})
    assert len(every) == 2
    json.loads(encode({"op": "reply", "rid": 1, "ok": True, "result": every}))  # wire-ready


async def test_list_cwd_keeps_one_project(tmp_path: Path) -> None:
    named("here", "x", cwd=str(tmp_path))
    named("there", "y", cwd="/srv/elsewhere")
    rows = await answer_call("list", {"cwd": str(tmp_path), "all": False})
    assert [r["name"] for r in rows] == ["here"]


async def test_history_and_resolve() -> None:
    tx = named("hist", "one", "two")
    out = await answer_call("history", {"session": "hist"})
    kinds = [e["event"]["kind"] for e in out["events"]]
    assert kinds == ["user_text", "assistant_text", "user_text", "assistant_text"]
    assert out["truncated"] is False
    short = await answer_call("history", {"session": tx.sid[:8], "limit": 3})
    assert len(short["events"]) == 3 and short["truncated"] is True
    info = await answer_call("resolve", {"session": "hist"})
    assert info == {"id": tx.sid, "name": "hist", "cwd": "/srv/a", "profile": None}


async def test_resolve_for_a_fork_names_it_and_checks_the_name() -> None:
    tx = named("base", "x")
    named("taken", "y")
    info = await answer_call("resolve", {"session": "base", "fork": True})
    assert info["id"] == tx.sid and info["fork_name"] == "base-fork-1"
    chosen = await answer_call("resolve", {"session": "base", "fork": True, "name": "mine"})
    assert chosen["fork_name"] == "mine"
    with pytest.raises(NameTakenError):
        await answer_call("resolve", {"session": "base", "fork": True, "name": "taken"})


async def test_a_missing_session_is_the_catalogs_own_error() -> None:
    with pytest.raises(SessionNotFoundError) as caught:
        await answer_call("history", {"session": "nobody"})
    assert "nobody" in str(caught.value) and caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("what", "args", "says"),
    [
        ("rm", {}, "unknown call 'rm': a host answers list, history, resolve, doctor"),
        ("list", {"al": True}, "call 'list' takes all, cwd; not al"),
        ("list", {"all": "yes"}, "call 'list': all must be bool"),
        ("list", {"cwd": 5}, "call 'list': cwd must be str or null"),
        ("list", ["all"], "call 'list': args must be a JSON object"),
        ("history", {}, "call 'history' needs session"),
        ("history", {"session": "x", "limit": True}, "limit must be int"),
        ("history", {"session": "x", "limit": 0}, f"limit must be 1 to {HISTORY_LIMIT}"),
        ("history", {"session": "x" * 5000}, "session must be str"),
        ("resolve", {"session": "  "}, "needs session"),
        ("resolve", {"session": "x", "fork": 1}, "fork must be bool"),
        ("doctor", {"profile": "default"}, "profile must be dict or null"),
    ],
)
async def test_hostile_args_are_refused_in_one_line(what: str, args: Any, says: str) -> None:
    named("x", "p")
    with pytest.raises(RemoteCallError) as caught:
        await answer_call(what, args)
    message = str(caught.value)
    assert says in message and "\n" not in message
    assert caught.value.exit_code == 2


def write_host_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profiles = tmp_path / "host-profiles.json"
    env = {"MY_TOKEN": {"secretRef": "env:HOST_PROFILE_TOKEN"}}
    profiles.write_text(json.dumps([{"name": "work", "env": env}]))
    profiles.chmod(0o600)
    monkeypatch.setenv("CLAUDE_CODER_PROFILES", str(profiles))
    monkeypatch.setenv("HOST_PROFILE_TOKEN", PROFILE_SECRET)


async def test_host_secrets_in_a_transcript_come_back_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    write_host_profiles(tmp_path, monkeypatch)
    named("leaky", f"my key is {SECRET}", f"and {PROFILE_SECRET} too")
    out = json.dumps(await answer_call("history", {"session": "leaky"}))
    assert SECRET not in out and PROFILE_SECRET not in out
    assert "my key is ***" in out and "and *** too" in out
    rows = json.dumps(await answer_call("list", {}))  # the summary is the last prompt
    assert PROFILE_SECRET not in rows and "***" in rows


async def test_a_hosts_model_choice_is_not_taken_for_a_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.setenv("ANTHROPIC_MODEL", "claude-sonnet-4-5")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "https://proxy.example/v1")
    monkeypatch.setenv("CLAUDE_CODE_MAX_OUTPUT_TOKENS", "128000000")
    named("models", f"use claude-sonnet-4-5 with {SECRET} at https://proxy.example/v1, 128000000")
    out = json.dumps(await answer_call("history", {"session": "models"}))
    assert "use claude-sonnet-4-5 with *** at ***, 128000000" in out


async def test_an_error_naming_a_secret_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    with pytest.raises(SessionNotFoundError) as caught:
        await answer_call("history", {"session": SECRET})
    assert SECRET not in str(caught.value) and "***" in str(caught.value)


async def test_doctor_reports_names_never_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_CODER_CLAUDE", str(stub_claude(tmp_path)))
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    log_in()
    report = await answer_call("doctor", {})
    assert report["ok"] is True and report["proof"]["ok"] is True
    assert report["version"]["version"] == "2.1.331"
    assert report["login"]["loggedIn"] is True
    assert report["environment"]["denylisted"] == ["ANTHROPIC_API_KEY"]
    assert report["claudeCoder"]["version"] and report["claudeCoder"]["hostname"]
    assert SECRET not in json.dumps(report) and "sk-ant-oat01" not in json.dumps(report)


async def test_doctor_refuses_a_profile_this_host_cannot_read() -> None:
    with pytest.raises(ConfigError) as caught:
        await answer_call("doctor", {"profile": {"name": "p", "nope": 1}})
    assert "the profile sent to this host is not valid: nope" in str(caught.value)
    assert caught.value.exit_code == 2


async def test_doctor_checks_the_profile_it_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_CODER_CLAUDE", str(stub_claude(tmp_path)))
    log_in()
    definition = {
        "name": "remote",
        "env": {"ANTHROPIC_BASE_URL": "http://elsewhere"},
        "claudePath": "/local/only/claude",
    }
    report = await answer_call("doctor", {"profile": definition})
    assert report["profile"] == "remote" and report["ok"] is False
    assert "ANTHROPIC_BASE_URL" in report["launch"]
    assert report["binary"]["why"] == "$CLAUDE_CODER_CLAUDE"  # the host's, not claudePath
