"""Redaction holds on every path a secret can take out of a session.

Findings: a secret streamed in pieces passed redaction piece by piece (the joined
``TextDelta``s, the REPL and the TUI's live text showed it); a crashing child's stderr
went unredacted into the error message and the SDK's logger; a PTY screen wrapped a
secret across lines; ``history`` printed it from the transcript.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import signal
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_coder.catalog import Catalog
from claude_coder.errors import SessionError, TransportError
from claude_coder.events import (
    AssistantText,
    Boundary,
    ScreenChanged,
    SessionState,
    TextDelta,
)
from claude_coder.profiles import known_secrets, load_profiles
from claude_coder.security import MASK, Redactor, redact_record, watch_logs
from claude_coder.session import Session
from claude_coder.transports.fake import FakeTransport, Say
from claude_coder.tui.model import AssistantItem, ConversationLog, FleetModel
from claude_coder.tui.ports import RedactedCatalog
from tests.integration.pty_support import pty_project
from tests.integration.sdk_support import Events, cli, write_profiles
from tests.support.fake_api import FakeApi

SECRET = "sk-fake-secret-VALUE-7f3a9c0d1e2f"
LONG_SECRET = "sk-ant-oat01-" + "".join(f"{i:02d}Zq" for i in range(34))  # 149 chars, no spaces
SOURCE = "CC_TEST_SECRET_SOURCE"
STREAMED = f"start-{SECRET}-then-a-tail-long-enough-to-come-out-in-several-pieces"


def _secret_profile(tmp_path: Path, **extra: object) -> Path:
    return write_profiles(
        tmp_path, {"name": "p", "env": {"MY_TOKEN": {"secretRef": f"env:{SOURCE}"}}, **extra}
    )


# -- the pure stream redactor --------------------------------------------------------


def _pieces(text: str, cuts: list[int]) -> list[str]:
    points = sorted({min(c, len(text)) for c in cuts})
    bounds = [0, *points, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def _streamed(redactor: Redactor, pieces: list[str]) -> list[str]:
    stream = redactor.stream()
    return [*(stream.feed(p) for p in pieces), stream.flush()]


_secrets = st.text(alphabet="abcXYZ019-_+/=%", min_size=4, max_size=24)


@settings(deadline=None)
@given(
    secrets=st.lists(_secrets, min_size=1, max_size=3),
    filler=st.lists(st.text(alphabet="ab c-X\n", max_size=10), min_size=1, max_size=6),
    cuts=st.lists(st.integers(0, 200), max_size=12),
)
def test_a_stream_cut_anywhere_redacts_as_the_whole_text_does(
    secrets: list[str], filler: list[str], cuts: list[int]
) -> None:
    redactor = Redactor(secrets)
    text = "".join(f + secrets[i % len(secrets)] for i, f in enumerate(filler))
    out = _streamed(redactor, _pieces(text, cuts))
    assert "".join(out) == redactor.text(text)
    for secret in secrets:
        assert secret not in "".join(out)


def test_every_split_of_a_secret_into_two_and_three_pieces_is_masked() -> None:
    redactor = Redactor([SECRET])
    text = f"the token is {SECRET}, keep it"
    for i in range(len(text) + 1):
        for j in range(i, len(text) + 1, 3):
            joined = "".join(_streamed(redactor, [text[:i], text[i:j], text[j:]]))
            assert joined == f"the token is {MASK}, keep it", (i, j)


def test_with_no_secret_nothing_is_held_back() -> None:
    stream = Redactor().stream()
    assert [stream.feed("ab"), stream.feed("cd"), stream.flush()] == ["ab", "cd", ""]


async def test_the_session_publishes_joined_deltas_without_the_secret() -> None:
    fake = FakeTransport([[Say(f"here: {SECRET} and more text after it", chunks=17)]])
    async with await Session.start(transport=fake, redactor=Redactor([SECRET])) as s:
        rec = Events(s)
        result = await s.send("go")
    deltas = [e.text for e in rec.of(TextDelta)]
    assert len(deltas) > 1
    assert "".join(deltas) == f"here: {MASK} and more text after it" == result.text
    kinds = [type(e).__name__ for e in rec.events]
    assert kinds.index("AssistantText") > max(i for i, k in enumerate(kinds) if k == "TextDelta")


# -- screens, stderr, logs -----------------------------------------------------------


def test_a_secret_wrapped_across_screen_lines_is_found() -> None:
    redactor = Redactor([SECRET])
    screen = f"⏺ the token is {SECRET[:9]}\n  {SECRET[9:20]}  │\n│ {SECRET[20:]} ok\nnext"
    shown = redactor.screen(screen)
    assert SECRET not in re.sub(r"[\s│]+", "", shown)
    assert shown.count("\n") == screen.count("\n") and shown.endswith(" ok\nnext")


def test_a_log_record_with_a_secret_in_args_and_traceback_is_masked() -> None:
    redactor = Redactor([SECRET])
    watch_logs(redactor)
    try:
        raise RuntimeError(f"boom {SECRET}")
    except RuntimeError as exc:
        record = logging.LogRecord(
            "claude_agent_sdk._internal.query", logging.ERROR, __file__, 1,
            "Fatal error in message reader: %s", (exc,), (type(exc), exc, exc.__traceback__),
        )  # fmt: skip
    redact_record(record)
    text = logging.Formatter().format(record)
    assert SECRET not in text and f"boom {MASK}" in text and "Traceback" in text
    other = logging.LogRecord("someone.else", logging.ERROR, __file__, 1, SECRET, None, None)
    assert redact_record(other).getMessage() == SECRET  # only our loggers and the SDK's


def _crash_wrapper(where: Path, launcher: Path) -> Path:
    """Runs the offline Claude Code; when it dies, says the token on stderr, exits 9."""
    wrapper = where / "claude-crashing"
    say = 'echo "fatal: the token $MY_TOKEN was rejected" >&2'
    version = f'[ "$1" = --version ] && exec "{launcher}" --version'
    wrapper.write_text(f'#!/bin/sh\n{version}\n"{launcher}" "$@"\n{say}\nexit 9\n')
    wrapper.chmod(0o755)
    return wrapper


def _kill_real_claude() -> int:
    killed = 0
    for proc in psutil.Process().children(recursive=True):
        try:
            if any("_bundled/claude" in part for part in proc.cmdline()):
                proc.send_signal(signal.SIGKILL)
                killed += 1
        except psutil.NoSuchProcess:
            continue
    return killed


async def test_sdk_a_crashing_child_stderr_is_masked_in_errors_and_logs(
    offline_claude: Path,
    fake_api: FakeApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(SOURCE, SECRET)
    wrapper = _crash_wrapper(tmp_path, offline_claude)
    profiles = _secret_profile(tmp_path, claudePath=str(wrapper))
    caplog.set_level(logging.DEBUG)
    async with Session.open("p", profiles=profiles, cwd=str(tmp_path)) as s:
        rec = Events(s)
        handle = s.submit("stall:30")
        await fake_api.async_wait_for_stall(timeout=30)  # the turn is running
        assert _kill_real_claude() == 1
        result = await handle
        await rec.wait_state(SessionState.ERROR)
        error = s.error
        with pytest.raises(SessionError) as raised:
            await s.send("after")
    assert result.boundary is Boundary.ERROR and result.error is not None
    assert "exited with code 9" in result.error and f"the token {MASK} was rejected" in result.error
    shown = [result.error, error or "", str(raised.value), caplog.text]
    shown += [json.dumps(e.to_json()) for e in rec.envelopes]
    for text in shown:
        assert SECRET not in text
    # claude-agent-sdk's own records reach the log through claude-coder's, at debug.
    assert any("claude-agent-sdk:" in r.getMessage() for r in caplog.records)


async def test_sdk_a_child_that_dies_at_start_names_no_secret(
    make_offline_claude: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(SOURCE, SECRET)
    dies = tmp_path / "claude-dies"
    version = '[ "$1" = --version ] && echo "2.1.331 (Claude Code)" && exit 0'
    dies.write_text(f'#!/bin/sh\n{version}\necho "cannot start: $MY_TOKEN" >&2\nexit 3\n')
    dies.chmod(0o755)
    profiles = _secret_profile(tmp_path, claudePath=str(dies))
    caplog.set_level(logging.DEBUG)
    # The login preflight is the first child a session runs: it reports the early exit.
    with pytest.raises(TransportError) as raised:
        await Session.start("p", profiles=profiles, cwd=str(tmp_path))
    assert "exited with code 3" in str(raised.value)
    assert f"cannot start: {MASK}" in str(raised.value)
    assert SECRET not in str(raised.value) and SECRET not in caplog.text


# -- the real binary: streaming, REPL, run --json, TUI model, PTY screens, history ----


async def test_sdk_a_secret_streamed_in_pieces_never_shows(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SOURCE, SECRET)
    profiles = _secret_profile(tmp_path)
    model = FleetModel()
    async with Session.open("p", profiles=profiles, cwd=str(tmp_path)) as s:
        rec = Events(s)
        live: list[str] = []

        def on_envelope(env: object) -> None:
            model.ingest([env])  # type: ignore[list-item]
            items = model.conversation("").items
            live.extend(i.text for i in items if isinstance(i, AssistantItem))

        s.subscribe(on_envelope)
        result = await s.send(f"split:24:{STREAMED}")
    deltas = [e.text for e in rec.of(TextDelta)]
    masked = STREAMED.replace(SECRET, MASK)
    assert len(deltas) > 1 and "".join(deltas) == masked == result.text
    assert [e.text for e in rec.of(AssistantText)] == [masked]
    assert live and all(SECRET[:8] not in text for text in live)  # the TUI's live text
    for env in rec.envelopes:
        assert SECRET not in json.dumps(env.to_json())
    assert fake_api.prompts_seen() == [f"split:24:{STREAMED}"]


def test_cli_repl_and_run_json_never_print_a_streamed_secret(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    profiles = _secret_profile(tmp_path)
    env = {SOURCE: SECRET}
    prompt = f"split:24:{STREAMED}"
    repl = cli(offline_claude, "--profiles", str(profiles), "repl", "p",
               cwd=tmp_path, stdin=f"{prompt}\nexit\n", extra_env=env)  # fmt: skip
    run = cli(offline_claude, "--profiles", str(profiles), "run", "--profile", "p", "--json",
              prompt, cwd=tmp_path, extra_env=env)  # fmt: skip
    assert repl.returncode == 0 and run.returncode == 0, (repl.stderr, run.stderr)
    assert STREAMED.replace(SECRET, MASK) in repl.stdout
    assert json.loads(run.stdout)["text"] == STREAMED.replace(SECRET, MASK)
    for out in (repl.stdout, repl.stderr, run.stdout, run.stderr):
        assert SECRET not in out


async def test_pty_a_secret_wrapped_on_screen_is_masked_in_screens_and_dumps(
    offline_claude: Path,
    fake_api: FakeApi,
    tmp_path: Path,
    seed_tui: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SOURCE, LONG_SECRET)
    _, profiles = pty_project(tmp_path, seed_tui, env={"MY_TOKEN": {"secretRef": f"env:{SOURCE}"}})
    async with Session.open("pty", profiles=profiles, persist=True) as s:
        rec = Events(s)
        result = await s.send(f"echo:the token is {LONG_SECRET} there")
        dump = s.transport.screen_dump()  # type: ignore[attr-defined]
    assert result.boundary is Boundary.COMPLETED
    assert result.text == f"the token is {MASK} there"
    screens = [e.text for e in rec.of(ScreenChanged)]
    assert any("the token is" in text for text in screens)
    for text in [*screens, dump]:
        assert LONG_SECRET[:30] not in re.sub(r"[\s│]+", "", text)
    for env in rec.envelopes:
        assert LONG_SECRET[:30] not in json.dumps(env.to_json())


def test_history_masks_the_profiles_secrets_and_says_what_it_could_not_resolve(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profiles = write_profiles(
        tmp_path,
        {"name": "p", "env": {"MY_TOKEN": {"secretRef": f"env:{SOURCE}"}}},
        {"name": "q", "env": {"OTHER": {"secretRef": "env:CC_TEST_NOT_SET"}}},
    )
    env = {SOURCE: SECRET}
    args = ("run", "--profile", "p", "--name", "leaky", f"echo:the token is {SECRET}")
    ran = cli(offline_claude, "--profiles", str(profiles), *args, cwd=tmp_path, extra_env=env)
    assert ran.returncode == 0, ran.stderr
    transcripts = (Path(os.environ["CLAUDE_CONFIG_DIR"]) / "projects").glob("*/*.jsonl")
    assert any(SECRET in t.read_text() for t in transcripts)  # what history has to mask
    for args in (("history", "leaky"), ("history", "--json", "leaky")):
        shown = cli(offline_claude, "--profiles", str(profiles), *args, cwd=tmp_path, extra_env=env)
        assert shown.returncode == 0, shown.stderr
        assert "the token is ***" in shown.stdout
        assert SECRET not in shown.stdout + shown.stderr
        assert "q.env.OTHER" in shown.stderr  # named, not fatal
    # the TUI's history view reads the catalog through the same masking
    monkeypatch.setenv(SOURCE, SECRET)
    values, missed = known_secrets(load_profiles(profiles))
    assert values == [SECRET] and missed == ["q.env.OTHER"]
    catalog = RedactedCatalog(Catalog(), Redactor(values))
    info = Catalog().resolve("leaky")
    log = ConversationLog()
    for env in catalog.history(info.session_id):
        assert SECRET not in json.dumps(env.to_json())
        log.apply(env.event)
    assert any(getattr(i, "text", "") == f"the token is {MASK}" for i in log.items)
