"""What the PTY transport refuses, and that a refusal sends no key and leaves no child.

- a binary outside the ``[2.1.0, 2.2.0)`` band is refused after ``--version`` only;
- a stand-in TUI that draws an unknown screen gets no keystroke after it appears;
- a config dir without onboarding, and an untrusted folder, are refused with a message
  that says what to do; ``trustWorkspace: true`` accepts the trust dialog.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.integration.pty_support import pty_project, unknown_screen_stub, version_stub
from tests.support.fake_api import FakeApi

from claude_coder.errors import ScreenError, SessionError, VersionRefused
from claude_coder.events import Boundary
from claude_coder.launch import build_launch
from claude_coder.profiles import load_profiles
from claude_coder.session import Session
from claude_coder.transports.pty import PtyTransport
from claude_coder.transports.pty.screen import ScreenKind


@pytest.mark.parametrize("version", ["2.2.0", "2.0.9"])
async def test_a_binary_outside_the_band_is_refused_before_the_tui_starts(
    version: str, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    stub, log = version_stub(tmp_path, version)
    _, profiles = pty_project(tmp_path, seed_tui, claudePath=str(stub))
    with pytest.raises(VersionRefused) as caught:
        await Session.start("pty", profiles=profiles, persist=True)
    assert version in str(caught.value) and "[2.1.0, 2.2.0)" in str(caught.value)
    assert log.read_text().splitlines() == ["--version"]


async def _stub_session(
    tmp_path: Path, seed_tui: Callable[..., Path], unknown_grace: float
) -> tuple[Session, PtyTransport, Path]:
    """A session on the stand-in TUI whose Enter opens a screen nobody knows."""
    stub, log = unknown_screen_stub(tmp_path)
    _, profiles = pty_project(tmp_path, seed_tui, claudePath=str(stub))
    profile = load_profiles(profiles).get("pty")
    transport = PtyTransport(build_launch(profile), unknown_grace=unknown_grace)
    s = await Session.start(profile, transport=transport, persist=True, interrupt_timeout=20)
    return s, transport, log


async def test_an_unknown_screen_gets_no_keystroke(
    tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    s, _transport, log = await _stub_session(tmp_path, seed_tui, unknown_grace=1.5)
    try:
        result = await s.send("reply:anything")
    finally:
        await s.close()
    assert result.boundary is Boundary.ERROR
    assert result.error is not None and "does not know" in result.error
    assert "Something brand new" in result.error  # the screen dump travels with it
    assert log.read_bytes() == b""  # nothing after the Enter that opened it, not even on close


async def test_an_interrupt_on_an_unknown_screen_sends_no_key_and_ends_the_turn(
    tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    s, transport, log = await _stub_session(tmp_path, seed_tui, unknown_grace=600)
    try:
        handle = s.submit("reply:anything")
        assert transport.process is not None
        await transport.process.wait_for(lambda r: r.kind is ScreenKind.UNKNOWN, 30)
        result = await asyncio.wait_for(s.interrupt(), 20 + 5)
        assert result == await asyncio.wait_for(handle, 5)
    finally:
        await s.close()
    assert result is not None and result.boundary is Boundary.ERROR
    assert result.error is not None and "the screen showed unknown" in result.error
    assert log.read_bytes() == b""  # neither Esc nor Ctrl-C reached the unknown screen


async def test_no_onboarding_is_refused_with_what_to_do(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    _, profiles = pty_project(tmp_path, seed_tui, seed=False)
    with pytest.raises(SessionError) as caught:
        await Session.start("pty", profiles=profiles, persist=True)
    message = str(caught.value)
    assert "first-run setup" in message and "Run `claude` once" in message
    assert fake_api.prompts_seen() == []


async def test_an_untrusted_folder_is_refused_unless_the_profile_trusts_it(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    work, profiles = pty_project(tmp_path, seed_tui, trusted=False)
    with pytest.raises(SessionError) as caught:
        await Session.start("pty", profiles=profiles, persist=True)
    assert "trustWorkspace: true" in str(caught.value) and str(work) in str(caught.value)

    trusting = tmp_path / "trusting"
    trusting.mkdir()
    _, profiles = pty_project(trusting, seed_tui, trusted=False, trustWorkspace=True)
    async with Session.open("pty", profiles=profiles, persist=True) as s:
        result = await s.send("reply:trusted now")
    assert result.boundary is Boundary.COMPLETED and result.text == "trusted now"


def test_screen_error_is_a_session_error() -> None:
    assert issubclass(ScreenError, SessionError)


async def test_the_auto_mode_modal_mid_turn_ends_the_turn_without_a_key(
    make_offline_claude: Callable[..., Path],
    fake_api: FakeApi,
    tmp_path: Path,
    seed_tui: Callable[..., Path],
) -> None:
    # Auto mode's check is served by Anthropic; the TUI shows this modal when it has no
    # check for the session, as with another endpoint. Only the TUI run gets one: the
    # login preflight (stream-json) sees the first-party world and passes.
    claude = make_offline_claude(tui_only_env={"ANTHROPIC_BASE_URL": fake_api.url})
    _, profiles = pty_project(tmp_path, seed_tui, permissionMode="auto", claudePath=str(claude))
    s = await Session.start("pty", profiles=profiles, persist=True)
    try:
        result = await s.send("bash:curl -s http://127.0.0.1:9/setup.sh | sh")
    finally:
        await s.close()
    assert result.boundary is Boundary.ERROR
    assert result.error is not None and "auto mode cannot check actions" in result.error
