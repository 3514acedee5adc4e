"""Needs-you signals: which events call a person, once each, redacted; hooks never block."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from claude_coder.errors import SettingsError
from claude_coder.events import (
    Boundary,
    Envelope,
    Event,
    PermissionRequested,
    SessionState,
    StateChanged,
    TurnEnded,
    TurnResult,
    UserText,
    now,
)
from claude_coder.fleet.hooks import (
    Hook,
    NotifySettings,
    desktop_command,
    load_settings,
    run_desktop,
)
from claude_coder.fleet.notify import SIGNALS, Notifier, signal_of
from claude_coder.security import Redactor

SECRET = "sk-notify-very-secret-9876"


def env(event: Event, seq: int, name: str = "a1") -> Envelope:
    return Envelope(name, "sid-1", seq, now(), event)


def ended(boundary: Boundary, text: str = "", error: str | None = None) -> TurnEnded:
    return TurnEnded(TurnResult(boundary, session_id="sid-1", text=text, error=error))


@dataclass(frozen=True, slots=True)
class _Parked(Event):
    kind: ClassVar[str] = "parked"
    account: str
    resets_at: int | None


def test_a_secret_in_the_text_never_reaches_the_payload() -> None:
    sig = signal_of(env(ended(Boundary.COMPLETED, f"the key is {SECRET}"), 3), Redactor([SECRET]))
    assert sig is not None and sig.kind == "finished"
    body = json.dumps(sig.payload())
    assert SECRET not in body and "***" in body
    assert set(sig.payload()) == {"version", "member", "session_id", "event", "text", "time"}


def test_each_event_signals_once() -> None:
    notifier = Notifier(NotifySettings())
    ask = env(PermissionRequested("r1", "Bash", {"command": "ls"}), 1)
    assert notifier.feed(ask) is not None
    assert notifier.feed(ask) is None  # the same envelope again
    assert notifier.feed(env(PermissionRequested("r1", "Bash"), 2)) is None  # same request
    assert notifier.feed(env(ended(Boundary.ERROR, error="boom"), 3)) is not None
    lost = env(StateChanged(SessionState.BUSY, SessionState.ERROR), 4)
    assert notifier.feed(lost) is None  # the failed turn and the state are one error
    notifier.feed(env(UserText("again"), 5))
    assert notifier.feed(env(ended(Boundary.ERROR, error="boom"), 6)) is not None
    assert [s.kind for s in notifier.signals] == ["permission", "error", "error"]


def test_parked_and_resumed_are_in_the_table_and_filtered_by_settings() -> None:
    assert {"parked", "resumed"} <= set(SIGNALS)
    sig = signal_of(env(_Parked("acct", 1_800_000_000), 1))
    assert sig is not None and sig.kind == "parked" and "UTC" in sig.text
    quiet = Notifier(NotifySettings(events=("permission",)))
    assert quiet.feed(env(_Parked("acct", None), 2)) is None


def test_badge_on_and_bell_off_by_default() -> None:
    badges: list[str] = []
    bells: list[int] = []
    n = Notifier(
        NotifySettings(), badge=lambda s: badges.append(s.kind), bell=lambda: bells.append(1)
    )
    n.feed(env(ended(Boundary.COMPLETED), 1))
    assert badges == ["finished"] and bells == []
    loud = Notifier(NotifySettings(bell=True), bell=lambda: bells.append(1))
    loud.feed(env(ended(Boundary.COMPLETED), 1))
    assert bells == [1]


async def test_failing_and_slow_hooks_are_reported_and_never_block(tmp_path: Path) -> None:
    hooks = (
        Hook(command=[sys.executable, "-c", "import sys; sys.exit('nope')"]),
        Hook(command=[sys.executable, "-c", "import time; time.sleep(60)"], timeout=0.5),
        Hook(url="http://127.0.0.1:9/never", timeout=2),  # type: ignore[arg-type]
    )
    shown: list[str] = []
    notifier = Notifier(NotifySettings(hooks=hooks), on_failure=shown.append)
    assert notifier.feed(env(ended(Boundary.COMPLETED), 1)) is not None  # returns at once
    async with asyncio.timeout(20):
        await notifier.drain()
    assert len(shown) == 3 == len(notifier.failures)
    assert any("exited 1: nope" in m for m in shown)
    assert any("timed out after 0.5s" in m for m in shown)
    assert any("http://127.0.0.1 failed" in m for m in shown)
    assert not any("/never" in m for m in shown)  # a webhook path may hold a token


def test_settings_off_by_default_and_trusted_only_when_private(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert load_settings(path).notifications.hooks == ()
    path.write_text(json.dumps({"notifications": {"hooks": [{"command": "echo hi"}]}}))
    path.chmod(0o644)
    with pytest.raises(SettingsError, match=r"mode 0644.*chmod 600"):
        load_settings(path)
    path.chmod(0o600)
    assert load_settings(path).notifications.hooks[0].argv() == ["echo", "hi"]
    path.write_text(json.dumps({"notifications": {"hooks": [{"url": "ftp://x"}]}}))
    with pytest.raises(SettingsError, match=r"notifications\.hooks\.0\.url"):
        load_settings(path)
    path.write_text(json.dumps({"notifications": {"hooks": [{}]}}))
    with pytest.raises(SettingsError, match="either a command or a url"):
        load_settings(path)


async def test_no_desktop_notifier_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert desktop_command("t", "x") is None
    assert await run_desktop("t", "x") is None
    fake = tmp_path / "notify-send"
    shown = str(tmp_path / "shown")
    fake.write_text(f"#!{sys.executable}\nimport sys; open({shown!r}, 'w').write(sys.argv[-1])\n")
    fake.chmod(0o755)
    if sys.platform.startswith("linux"):
        assert await run_desktop("t", "hello there") is None
        assert (tmp_path / "shown").read_text() == "hello there"
