"""Session names are checked where they enter; titles already in transcripts are shown.

Finding: session names were not checked (``../../x`` and ``-p`` were accepted; ``--name
-p`` reached Claude Code's argv, a control character reached ``list``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_coder.errors import BadNameError
from claude_coder.fleet import Fleet, MemberNameError
from claude_coder.security import MAX_NAME, check_session_name, name_problem
from claude_coder.session import Session
from claude_coder.transports.fake import FakeTransport
from claude_coder.tui.screens.new_member import check_member_name
from tests.integration.sdk_support import cli
from tests.support.fake_api import FakeApi

BAD = {
    "": "empty",
    "   ": "empty",
    "-p": "starts with '-'",
    "--resume": "starts with '-'",
    "../../x": "path separator",
    "a\\b": "path separator",
    "..": "not a name",
    "a\x1b[2Jb": "control character",
    "title\nfake row": "control character",
    "tab\there": "control character",
    "bidi\u202eevil": "control character",
    "c1\x9bcsi": "control character",
    " padded": "space",
    "x" * (MAX_NAME + 1): "characters long",
}
GOOD = ["agent1", "fix the login bug", "café-2", "v1.2_rc", "a..b", "x" * MAX_NAME]


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_name_is_refused_with_one_line_saying_why(name: str) -> None:
    with pytest.raises(BadNameError) as info:
        check_session_name(name)
    message = str(info.value)
    assert info.value.exit_code == 2
    assert BAD[name] in message and "\n" not in message and "\x1b" not in message
    assert name_problem(name) is not None


@pytest.mark.parametrize("name", GOOD)
def test_a_good_name_passes(name: str) -> None:
    assert check_session_name(name) == name and name_problem(name) is None


async def test_session_start_refuses_a_bad_name_before_starting_anything() -> None:
    fake = FakeTransport()
    with pytest.raises(BadNameError):
        await Session.start(name="-p", transport=fake)
    assert fake.sent == [] and not fake.closed
    async with await Session.start(name="ok name", transport=FakeTransport()) as s:
        assert s.name == "ok name"


async def test_fleet_and_the_new_member_dialog_refuse_bad_member_names(tmp_path: Path) -> None:
    async with Fleet.open(tmp_path / "fleet.json", boot_spacing=0.0) as fleet:
        for bad in ("-p", "../x", "a\x1bb", "x" * 65):
            with pytest.raises(MemberNameError):
                await fleet.add(bad)
            assert check_member_name(bad, ()) is not None
        assert fleet.members() == []
    assert check_member_name("agent1", ()) is None


def test_cli_refuses_bad_names_on_repl_and_fork_with_exit_2(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    made = cli(offline_claude, "run", "--name", "source", "reply:hi", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    for args in (
        ("repl", "--name", "-p"),
        ("repl", "--name", "a\x1b]0;t\x07"),
        ("fork", "source", "--name", "../../x"),
        ("run", "--resume", "source", "--name", "line\nbreak", "reply:no"),
    ):
        done = cli(offline_claude, *args, cwd=tmp_path, stdin="reply:no\nexit\n")
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("error: bad session name"), done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "\x1b" not in done.stderr
    assert fake_api.prompts_seen() == ["reply:hi"]
