"""Declining a dialog the way its version allows, on captured screens of real versions.

A stand-in terminal shows one captured screen and, when the expected key arrives, the
next captured screen: the keys ``decline`` sends are exactly what is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from claude_coder.errors import ScreenError
from claude_coder.transports.pty._dialog import decline
from claude_coder.transports.pty.screen import Recognition, keys, recognise
from claude_coder.transports.pty.screen.fixtures import parse_fixture

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "screens"


def _screen(name: str) -> Recognition:
    return recognise(parse_fixture((ROOT / name).read_text(encoding="utf-8")))


class _Terminal:
    """Shows ``before`` until ``key`` is written, then ``after``."""

    def __init__(self, before: Recognition, key: bytes, after: Recognition) -> None:
        self.now, self.key, self.after = before, key, after
        self.written: list[bytes] = []

    def recognition(self) -> Recognition:
        return self.now

    async def write(self, data: bytes, within: float = 10.0) -> None:
        self.written.append(data)
        if data == self.key:
            self.now = self.after

    async def wait_for(
        self, predicate: Callable[[Recognition], bool], within: float, **_: object
    ) -> Recognition:
        if predicate(self.now):
            return self.now
        raise TimeoutError


async def test_a_dialog_without_a_no_is_declined_with_esc() -> None:
    dialog = _screen("2.1.0/main__08_bash_no_dialog.txt")
    assert dialog.dialog is not None and dialog.dialog.option("No") is None
    term = _Terminal(dialog, keys.ESC, _screen("2.1.0/main__09_bash_after_no.txt"))
    await decline(term, dialog, lambda: "")  # type: ignore[arg-type]
    assert term.written == [keys.ESC]


async def test_a_dialog_with_a_no_is_declined_by_its_digit() -> None:
    dialog = _screen("2.1.331/named_main__08_bash_no_dialog.txt")
    no = dialog.dialog.option("No") if dialog.dialog else None
    assert no is not None and no.number == 4
    term = _Terminal(dialog, keys.digit(4), _screen("2.1.331/named_main__09_bash_after_no.txt"))
    await decline(term, dialog, lambda: "")  # type: ignore[arg-type]
    assert term.written == [b"4"]


async def test_a_question_is_declined_with_esc_never_by_an_option() -> None:
    question = _screen("2.1.331/main__17_ask_esc_dialog.txt")
    assert question.question is not None
    term = _Terminal(question, keys.ESC, _screen("2.1.331/main__18_ask_declined.txt"))
    await decline(term, question, lambda: "")  # type: ignore[arg-type]
    assert term.written == [keys.ESC]


async def test_a_screen_with_no_way_to_decline_gets_no_key() -> None:
    idle = _screen("2.1.331/main__01_idle.txt")
    term = _Terminal(idle, keys.ESC, idle)
    with pytest.raises(ScreenError, match="no way to decline"):
        await decline(term, idle, lambda: "")  # type: ignore[arg-type]
    assert term.written == []
