"""Typed text is inert: nothing claude-coder types into Claude Code's TUI can press a key.

Findings: ``keys.paste`` stripped the paste markers in one pass, so a nested marker
re-formed a real end-of-paste; ``!`` then switched the TUI to bash mode and ``ESC[13u``
pressed Enter, and a command ran although the policy denied Bash. A prompt that itself
starts with ``!`` was pasted into an empty prompt box and switched the TUI to shell mode.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from claude_coder.events import Boundary
from claude_coder.security import typed
from claude_coder.session import Session
from claude_coder.transports.pty.screen import keys
from tests.integration.pty_support import pty_project
from tests.integration.sdk_support import write_profiles
from tests.support.fake_api import FakeApi

_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Every C0 control but newline and tab, DEL, and every C1 control (0x9b is 8-bit CSI)."""

_PIECES = ["\x1b[200~", "\x1b[201~", "\x1b", "[", "20", "0~", "1~", "\x1b[13u", "\r", "\r\n"]
_PIECES += ["\x9b", "\x9b201~", "!", "\x03", "\x04", "\x15", "\x7f", "\x1b[A", "\n", "\t"]


def _nest(depth: int, outer: str) -> str:
    """A marker with the marker cut in two and itself nested ``depth`` times inside."""
    marker = outer
    for _ in range(depth):
        marker = marker[:3] + marker + marker[3:]
    return marker


_hostile = st.lists(
    st.one_of(
        st.text(max_size=8),
        st.sampled_from(_PIECES),
        st.builds(_nest, st.integers(0, 4), st.sampled_from(["\x1b[200~", "\x1b[201~"])),
        st.characters(max_codepoint=0x9F),
    ),
    max_size=30,
).map("".join)


def _check_one_inert_paste(data: bytes) -> None:
    assert data.startswith(keys.PASTE_START) and data.endswith(keys.PASTE_END)
    body = data[len(keys.PASTE_START) : len(data) - len(keys.PASTE_END)].decode("utf-8")
    assert "\x1b" not in body
    assert not _FORBIDDEN.search(body), repr(body)


@given(_hostile)
def test_a_paste_is_exactly_one_bracketed_paste_with_no_sequence_inside(text: str) -> None:
    _check_one_inert_paste(keys.paste(text))


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_any_text_at_all_is_one_inert_paste(text: str) -> None:  # lone surrogates too
    _check_one_inert_paste(keys.paste(text))


@given(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"]) | st.sampled_from("\n\t")))
def test_text_without_controls_is_typed_unchanged(text: str) -> None:
    assert typed(text) == text
    shown = " " + text if text.startswith("!") else text  # a leading ! would be shell mode
    assert keys.paste(text) == keys.PASTE_START + shown.encode() + keys.PASTE_END


def test_the_reported_payload_and_line_endings() -> None:
    assert keys.paste("\x1b[20\x1b[201~1~!id\x1b[13u") == (
        keys.PASTE_START + "␛[20␛[201~1~!id␛[13u".encode() + keys.PASTE_END
    )
    assert typed("a\r\nb\rc\n") == "a\nb\nc\n"
    assert typed("\x9b201~") == "\\x9b201~"
    assert keys.paste("\ud800!") == keys.PASTE_START + "\ufffd!".encode() + keys.PASTE_END
    assert keys.pasted_text("!id") == " !id"  # a leading ! would switch to shell mode
    assert keys.pasted_text("say !id") == "say !id"


def _attack(marker_file: Path) -> str:
    return f"\x1b[20\x1b[201~1~!touch {marker_file}\x1b[13u"


async def test_pty_a_prompt_cannot_break_out_of_its_paste_and_run_a_command(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    work, profiles = pty_project(tmp_path, seed_tui)  # the profile denies Bash(touch denied*)
    broke_out = work / "denied-broke-out"
    bash_mode = work / "denied-bash-mode"
    attack = _attack(broke_out)
    async with Session.open("pty", profiles=profiles, persist=True) as s:
        first = await s.send(attack)
        second = await s.send(f"!touch {bash_mode}")
    assert first.boundary is Boundary.COMPLETED and second.boundary is Boundary.COMPLETED
    assert not broke_out.exists() and not bash_mode.exists()
    # the model got both as text: controls made visible, a leading "!" after a space
    assert fake_api.prompts_seen() == [typed(attack), f" !touch {bash_mode}"]
    assert first.tool_calls == () and second.tool_calls == ()


async def test_sdk_the_same_prompt_reaches_the_model_as_text(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    broke_out = tmp_path / "denied-broke-out"
    profiles = write_profiles(
        tmp_path, {"name": "p", "permissionPolicy": {"deny": ["Bash"], "default": "deny"}}
    )
    async with Session.open("p", profiles=profiles, cwd=str(tmp_path)) as s:
        result = await s.send(_attack(broke_out))
    assert result.boundary is Boundary.COMPLETED and result.tool_calls == ()
    assert not broke_out.exists()
    assert fake_api.prompts_seen() == [_attack(broke_out)]
