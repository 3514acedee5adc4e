"""The host side's pure parts: the journal, raw bytes, the sent profile, repeated rids,
and the hidden ``serve`` command."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from claude_coder.cli.main import cli, main
from claude_coder.errors import ConfigError, CredentialRefused
from claude_coder.security import Redactor
from claude_coder.serve._journal import Journal
from claude_coder.serve._lines import RawBytes
from claude_coder.serve._member import host_profile, launch_member
from claude_coder.serve._requests import Requests
from claude_coder.transports.remote._protocol import OpenSpec

SECRET = "sk-unit-secret-4e1f0b9d"


# -- the journal ---------------------------------------------------------------------------


def test_the_journal_numbers_from_one_and_replays_what_came_after() -> None:
    journal = Journal()
    sent = [journal.add({"op": "event", "n": i}) for i in range(5)]
    assert [m["seq"] for m in sent] == [1, 2, 3, 4, 5] and journal.last == 5
    assert journal.since(3) == sent[3:]
    assert journal.since(5) == [] and journal.since(0) == sent


def test_the_journal_keeps_the_current_turn_beyond_its_limit() -> None:
    journal = Journal(keep=3)
    for i in range(5):
        journal.add({"n": i})
    assert journal.first_kept == 3  # only the last three
    journal.turn_started()
    for i in range(6):
        journal.add({"n": i})
    assert journal.first_kept == 6  # the whole turn, from its first message
    assert [m["seq"] for m in journal.since(5)] == list(range(6, 12))


def test_the_journal_refuses_a_replay_it_cannot_give_whole() -> None:
    journal = Journal(keep=2)
    for i in range(5):
        journal.add({"n": i})
    with pytest.raises(ValueError, match="no longer kept"):
        journal.since(1)
    with pytest.raises(ValueError, match="never sent"):
        journal.since(6)
    assert [m["seq"] for m in journal.since(3)] == [4, 5]


# -- raw bytes -------------------------------------------------------------------------------


def _raw_text(messages: list[dict[str, Any] | None]) -> str:
    return "".join(base64.b64decode(m["data"]).decode() for m in messages if m is not None)


def test_raw_bytes_mask_a_secret_split_between_chunks() -> None:
    raw = RawBytes(Redactor([SECRET]))
    data = f"\x1b[1mtoken {SECRET} end".encode()
    cut = data.index(SECRET.encode()) + 5
    messages = [raw.feed(data[:cut]), raw.feed(data[cut:]), raw.feed(b" " * 40)]
    text = _raw_text(messages)
    assert SECRET not in text and "token *** end" in text


def test_raw_bytes_keep_a_character_split_between_chunks_whole() -> None:
    raw = RawBytes(Redactor())
    data = "╭─ héllo ─╮".encode()
    messages = [raw.feed(data[:2]), raw.feed(data[2:9]), raw.feed(data[9:])]
    assert _raw_text(messages) == "╭─ héllo ─╮"
    assert all(m is None or m["op"] == "raw" for m in messages)


# -- the sent profile ------------------------------------------------------------------------


def _spec(**profile: Any) -> OpenSpec:
    return OpenSpec(profile={"name": "p", **profile}, transport="pty", secrets={"TOKEN": SECRET})


def test_the_sent_profile_drops_the_clients_keys_and_takes_the_sent_secrets_as_refs() -> None:
    spec = _spec(claudePath="/local/claude", host="devbox", env={"PLAIN": "x"})
    built, environ = host_profile(spec)
    assert built.claude_path is None and built.transport == "pty"
    assert built.env["PLAIN"] == "x"
    ref = built.env["TOKEN"]
    assert not isinstance(ref, str) and ref.secret_ref.startswith("env:CLAUDE_CODER_SENT_")
    assert environ[ref.secret_ref.removeprefix("env:")] == SECRET
    assert SECRET not in repr(built) and SECRET not in str(built.to_json())


def test_a_sent_profile_this_host_cannot_read_is_one_config_error() -> None:
    with pytest.raises(ConfigError, match=r"profile 'p'.*permissionMode.*same claude-coder"):
        host_profile(_spec(permissionMode="yolo"))


def test_a_sent_secret_is_registered_with_the_members_redactor(tmp_path: Path) -> None:
    spec = OpenSpec(profile={"name": "p"}, cwd=str(tmp_path), secrets={"MY_TOKEN": SECRET})
    transport, redactor, cwd = launch_member(spec)
    assert redactor.text(f"x {SECRET} y") == "x *** y" and cwd == str(tmp_path)
    assert transport.name == "sdk"


def test_a_sent_secret_under_a_refused_name_is_refused() -> None:
    spec = OpenSpec(profile={"name": "p"}, secrets={"ANTHROPIC_API_KEY": SECRET})
    with pytest.raises(CredentialRefused) as info:
        launch_member(spec)
    assert "ANTHROPIC_API_KEY" in str(info.value) and SECRET not in str(info.value)


# -- repeated rids -----------------------------------------------------------------------------


class _Sink:
    """Stands in for a connection: keeps what is sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


async def test_a_repeated_rid_is_acted_on_once_and_answered_twice() -> None:
    calls: list[str] = []
    tasks: list[asyncio.Future[Any]] = []
    release = asyncio.Event()

    async def send(message: dict[str, Any]) -> str:
        calls.append(message["text"])
        await release.wait()
        return "sent"

    async def done(request: dict[str, Any], answer: dict[str, Any]) -> None:
        return None

    requests = Requests(
        {"send": send},
        error=lambda e: e,
        spawn=lambda c: tasks.append(asyncio.ensure_future(c)),
        done=done,
    )
    sink = _Sink()
    requests.dispatch({"op": "send", "rid": 1, "text": "a"}, sink)  # type: ignore[arg-type]
    requests.dispatch({"op": "send", "rid": 1, "text": "a"}, sink)  # type: ignore[arg-type]
    requests.dispatch({"op": "nope", "rid": 2}, sink)  # type: ignore[arg-type]
    requests.dispatch({"op": "send", "rid": "x"}, sink)  # type: ignore[arg-type]
    release.set()
    await asyncio.gather(*tasks)
    requests.dispatch({"op": "interrupt", "rid": 1}, sink)  # type: ignore[arg-type]
    requests.dispatch({"op": "send", "rid": 1, "text": "b"}, sink)  # type: ignore[arg-type]
    await asyncio.gather(*tasks)
    assert calls == ["a"]
    replies = [m for m in sink.sent if m.get("rid") == 1]
    assert replies.count({"op": "reply", "rid": 1, "ok": True, "result": "sent"}) == 3
    assert any(
        r["ok"] is False and "unknown request 'nope'" in r["error"]["message"]
        for r in sink.sent
        if r.get("rid") == 2
    )
    assert any(m["op"] == "error" and "integer rid" in m["error"]["message"] for m in sink.sent)


# -- the command ------------------------------------------------------------------------------


def test_serve_is_hidden_and_needs_stdio(capsys: pytest.CaptureFixture[str]) -> None:
    listed = CliRunner().invoke(cli, ["--help"])
    assert listed.exit_code == 0 and "serve" not in listed.output
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "--stdio" in err and "Traceback" not in err


def test_serve_on_a_regular_file_is_a_one_line_refusal(tmp_path: Path) -> None:
    given = tmp_path / "in.txt"
    given.write_text('{"op": "hello", "version": 1}\n')
    with given.open("rb") as stdin:
        proc = subprocess.run(
            [sys.executable, "-m", "claude_coder.cli.main", "serve", "--stdio"],
            stdin=stdin,
            capture_output=True,
            timeout=60,
        )
    assert proc.returncode == 2 and proc.stdout == b""
    err = proc.stderr.decode()
    assert "needs a pipe or socket" in err and "Traceback" not in err
