"""Recogniser edge cases: what must NOT be recognised, and where verdicts come from.

Built by editing real captured screens, so each case is one small drift away from a
screen Claude Code really draws.
"""

from __future__ import annotations

from pathlib import Path

from claude_coder.transports.pty.screen import (
    Mode,
    ScreenKind,
    Snapshot,
    TerminalScreen,
    TitleSignal,
    recognise,
)
from claude_coder.transports.pty.screen.fixtures import format_fixture, parse_fixture
from claude_coder.transports.pty.screen.parts import is_rule, parse_options, title_signal

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "screens"
BASH_331 = ROOT / "reference-2.1.331" / "dlg_default__10_bash_dialog.txt"
IDLE_331 = ROOT / "reference-2.1.331" / "main_default__01_idle.txt"
ASK_331 = ROOT / "reference-2.1.331" / "main_default__05_ask_done.txt"


def _edit(path: Path, old: str, new: str) -> Snapshot:
    text = path.read_text(encoding="utf-8")
    assert old in text
    return parse_fixture(text.replace(old, new, 1))


def test_a_dialog_without_a_selection_is_unknown() -> None:
    snap = _edit(BASH_331, " ❯ 1. Yes", "   1. Yes")
    assert recognise(snap).kind is ScreenKind.UNKNOWN


def test_a_dialog_with_two_selections_is_unknown() -> None:
    snap = _edit(BASH_331, "   4. No", " ❯ 4. No")
    assert recognise(snap).kind is ScreenKind.UNKNOWN


def test_a_dialog_with_a_new_footer_is_unknown() -> None:
    snap = _edit(BASH_331, " Esc to cancel · Tab to amend", " Press q to quit")
    assert recognise(snap).kind is ScreenKind.UNKNOWN


def test_options_out_of_order_are_unknown() -> None:
    snap = _edit(BASH_331, "   4. No", "   5. No")
    assert recognise(snap).kind is ScreenKind.UNKNOWN


def test_dialog_words_in_model_output_above_the_prompt_do_not_make_a_dialog() -> None:
    text = IDLE_331.read_text(encoding="utf-8").split("\n")
    fake = [
        "● Bash command",
        "  Do you want to proceed?",
        "  ❯ 1. Yes",
        "    2. No",
        "  Esc to cancel · Tab to amend",
    ]
    text[10 : 10 + len(fake)] = fake
    found = recognise(parse_fixture("\n".join(text)))
    assert found.kind is ScreenKind.IDLE
    assert found.mode is Mode.DEFAULT


def test_question_options_carry_their_descriptions() -> None:
    found = recognise(parse_fixture(ASK_331.read_text(encoding="utf-8")))
    assert found.question is not None
    red = found.question.option("Red")
    assert red is not None and red.number == 1 and red.description == "The color red"
    assert found.question.selected is red


def test_a_blank_screen_is_blank_and_garbage_is_unknown() -> None:
    assert recognise(Snapshot.from_text("\n\n")).kind is ScreenKind.BLANK
    assert recognise(Snapshot.from_text("something new\n  entirely")).kind is ScreenKind.UNKNOWN


def test_title_glyphs() -> None:
    assert title_signal("✳ Claude Code") is TitleSignal.IDLE
    assert title_signal("◐ Claude Code") is TitleSignal.BUSY
    assert title_signal("⠂ my title") is TitleSignal.BUSY
    assert title_signal("") is TitleSignal.NONE
    assert title_signal("Claude Code") is TitleSignal.NONE


def test_an_idle_screen_with_a_busy_title_disagrees() -> None:
    text = IDLE_331.read_text(encoding="utf-8").replace("title='✳", "title='◐", 1)
    found = recognise(parse_fixture(text))
    assert found.kind is ScreenKind.IDLE
    assert not found.agrees_with_title


def test_rules_need_the_full_width() -> None:
    assert is_rule("─" * 120, 120)
    assert is_rule("─" * 104 + " my-pty-title ──", 120)
    assert not is_rule("─" * 80, 120)
    assert not is_rule("  " + "─" * 118, 120)
    assert not is_rule("Resume this session with:" + "─" * 95, 120)


def test_parse_options_wants_exactly_one_selection() -> None:
    assert parse_options(["❯ 1. Yes", "  2. No"], 120) is not None
    assert parse_options(["  1. Yes", "  2. No"], 120) is None
    assert parse_options(["❯ Yes", "  2. No"], 120) is None
    opts = parse_options(["  No, exit", "❯ Yes, I trust this folder"], 120)
    assert opts is not None and opts[1].selected and opts[1].number is None


def test_progress_text_ignores_the_spinner_but_not_the_content() -> None:
    from claude_coder.transports.pty.screen.recognise import progress_text

    busy = ROOT / "reference-2.1.331" / "main_default__06_slow_busy.txt"
    base = progress_text(parse_fixture(busy.read_text(encoding="utf-8")))
    ticked = _edit(busy, "* Quantumizing… (2s · ↓ 18 tokens)", "✢ Quantumizing… (3s · ↓ 18 tokens)")
    assert progress_text(ticked) == base
    grown = _edit(busy, "❯ slow\n\n●\n", "❯ slow\n\n● slow-chunk-0\n")
    assert progress_text(grown) != base


def test_a_resume_hint_in_model_output_is_not_an_exit() -> None:
    text = IDLE_331.read_text(encoding="utf-8").split("\n")
    text[33:35] = [
        "  Resume this session with:",
        "  claude --resume 0b7c5a52-1111-2222-3333-444455556666",
    ]
    found = recognise(parse_fixture("\n".join(text)))
    assert found.kind is ScreenKind.IDLE


def test_last_reply_reads_the_last_answer_above_the_prompt() -> None:
    from claude_coder.transports.pty.screen.recognise import last_reply

    done = ROOT / "2.1.331" / "main__06_bash_after_yes.txt"
    snap = parse_fixture(done.read_text(encoding="utf-8"))
    assert last_reply(snap) == "The Bash tool finished: (Bash completed with no output)"
    assert last_reply(Snapshot.from_text("nothing here")) == ""


NAMED_RULE = "─" * 104 + " capture-named ─"


def test_a_dialog_with_a_named_rule_under_it_is_still_the_dialog() -> None:
    text = BASH_331.read_text(encoding="utf-8").rstrip("\n") + "\n" + NAMED_RULE + "\n"
    found = recognise(parse_fixture(text))
    assert found.kind is ScreenKind.PERMISSION and found.dialog is not None
    assert found.dialog.option("No") is not None
    noise = text.rstrip("\n") + "\n  some text after the rule\n"
    assert recognise(parse_fixture(noise)).kind is ScreenKind.UNKNOWN


def _prompt_screen(prompt: bytes) -> Snapshot:
    rule = ("─" * 120).encode()
    screen = TerminalScreen(120, 10)
    screen.feed(b"\x1b[H" + rule + b"\r\n\xe2\x9d\xaf\xc2\xa0" + prompt + b"\x1b[0m\r\n" + rule)
    screen.feed(b"\r\n  ? for shortcuts")
    return screen.snapshot()


def test_a_faint_placeholder_hint_is_not_typed_text() -> None:
    # 2.1.50: the TUI's own cursor (reverse video) on the first letter, the rest faint.
    hint = _prompt_screen(b'\x1b[7mT\x1b[27m\x1b[2mry "fix typecheck errors"\x1b[22m')
    assert 'Try "fix typecheck errors"' in hint.text
    found = recognise(hint)
    assert found.kind is ScreenKind.IDLE and found.prompt == ""
    typed = recognise(_prompt_screen(b"fix it\x1b[7m \x1b[27m"))
    assert typed.prompt == "fix it"
    coloured = recognise(_prompt_screen(b"\x1b[38;2;2;2;2mtrue colour is not faint"))
    assert coloured.prompt == "true colour is not faint"


def test_faint_spans_survive_the_fixture_format() -> None:
    snap = _prompt_screen(b'\x1b[7mT\x1b[27m\x1b[2mry "refactor"\x1b[22m')
    again = parse_fixture(format_fixture(snap, "run", "step", 0.0))
    assert again.dim == snap.dim and recognise(again).prompt == ""
