"""The byte filter and the virtual terminal: chunk-split invariance, what is dropped.

The filter is a pure ``feed()`` object: any split of the input into chunks must give the
same output as feeding it whole. Checked at every split point of a crafted stream with
every tricky sequence, and at many splits of the real captured byte streams.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_coder.transports.pty.screen import ScreenKind, ScreenSwitch, TerminalScreen, recognise
from claude_coder.transports.pty.screen.filter import Segment, TerminalFilter, join_segments

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "screens"
RAWS = sorted(ROOT.glob("*/*.raw"))

CRAFTED = b"".join(
    [
        b"\x1b7\x1b[r\x1b8\x1b[?2004h\x1b]0;\xe2\x9c\xb3 Claude Code\x07",
        b"\x1b[?1049h\x1b[2J\x1b[H",
        b"hello \xe2\x9d\xaf w\xc3\xb6rld\r\n",
        b"\x1b[<u\x1b[>0q\x1b[>4m\x1b[=5u\x1b[?u\x1b[c",
        b"\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\\r\n",
        b"\x1bP+q544e\x1b\\\x1b_apc body\x1b\\after\r\n",
        b"\x1b[38;5;174mred\x1b[39m\x1b(B\x1b[1;1H",
        b"\x1b[?1049l\x1b[?25h bye",
    ]
)


def _run(chunks: list[bytes]) -> list[Segment]:
    f = TerminalFilter()
    out: list[Segment] = []
    for chunk in chunks:
        out += f.feed(chunk)
    out += f.flush()
    return join_segments(out)


WHOLE = _run([CRAFTED])


def test_the_crafted_stream_filters_as_expected() -> None:
    assert WHOLE[0] == b"\x1b7\x1b[r\x1b8\x1b[?2004h\x1b]0;\xe2\x9c\xb3 Claude Code\x07"
    assert WHOLE[1] == ScreenSwitch(alternate=True)
    assert WHOLE[3] == ScreenSwitch(alternate=False)
    body = WHOLE[2]
    assert isinstance(body, bytes)
    for dropped in (b"\x1b[<u", b"\x1b[>0q", b"\x1b[>4m", b"\x1b[=5u", b"+q544e", b"apc body"):
        assert dropped not in body
    for kept in (b"\x1b[?u", b"\x1b[c", b"\x1b]8;;https://example.com\x1b\\", b"after"):
        assert kept in body
    assert WHOLE[4] == b"\x1b[?25h bye"


@pytest.mark.parametrize("first", range(len(CRAFTED) + 1))
def test_every_split_of_the_crafted_stream_gives_the_same_output(first: int) -> None:
    assert _run([CRAFTED[:first], CRAFTED[first:]]) == WHOLE
    for second in range(first, len(CRAFTED) + 1, 7):
        assert _run([CRAFTED[:first], CRAFTED[first:second], CRAFTED[second:]]) == WHOLE


def test_byte_at_a_time_gives_the_same_output() -> None:
    assert _run([bytes([b]) for b in CRAFTED]) == WHOLE


@pytest.mark.parametrize("raw", RAWS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_streams_filter_the_same_in_any_chunking(raw: Path) -> None:
    data = raw.read_bytes()
    whole = _run([data])
    for size in (1, 2, 3, 5, 64, 1021):
        assert _run([data[i : i + size] for i in range(0, len(data), size)]) == whole
    step = max(1, len(data) // 60)
    for cut in range(0, len(data), step):
        assert _run([data[:cut], data[cut:]]) == whole
    flat = b"".join(s for s in whole if isinstance(s, bytes))
    assert b"\x1b[<" not in flat and b"\x1b[>" not in flat and b"\x1b[=" not in flat


def test_an_unfinished_sequence_is_held_then_passed_at_the_end() -> None:
    f = TerminalFilter()
    assert f.feed(b"abc\x1b[12") == [b"abc"]
    assert f.feed(b";3") == []
    assert f.flush() == [b"\x1b[12;3"]


def test_a_runaway_csi_is_not_held_forever() -> None:
    f = TerminalFilter()
    out = f.feed(b"\x1b[" + b"1;" * 200)
    assert out and isinstance(out[0], bytes) and out[0].startswith(b"\x1b[1;")


def test_screen_renders_the_same_in_any_chunking() -> None:
    data = (ROOT / "reference-2.1.331" / "main_default.raw").read_bytes()
    whole, bytewise = TerminalScreen(), TerminalScreen()
    whole.feed(data)
    for i in range(0, len(data), 3):
        bytewise.feed(data[i : i + 3])
    assert whole.snapshot() == bytewise.snapshot()


def test_no_stray_u_from_the_kitty_keyboard_query() -> None:
    screen = TerminalScreen()
    screen.feed((ROOT / "reference-2.1.197" / "firstrun1.raw").read_bytes())
    snap = screen.snapshot()
    assert not any(line.strip() == "uu" or line.strip() == "u" for line in snap.lines)
    assert recognise(snap).kind is ScreenKind.CONNECTIVITY


def test_leaving_the_alternate_screen_restores_the_main_screen() -> None:
    screen = TerminalScreen()
    screen.feed(b"main text\r\n")
    screen.feed(b"\x1b[?1049h")
    assert screen.alternate and "main text" not in screen.snapshot().text
    screen.feed(b"\x1b[Halt text")
    assert "alt text" in screen.snapshot().text
    screen.feed(b"\x1b[?1049l")
    assert not screen.alternate
    assert screen.snapshot().text == "main text"


def test_the_exit_of_2_1_331_leaves_only_the_resume_hint() -> None:
    screen = TerminalScreen()
    screen.feed((ROOT / "reference-2.1.331" / "dlg_default.raw").read_bytes())
    found = recognise(screen.snapshot())
    assert found.kind is ScreenKind.EXITED
    assert found.resume == "e11793cd-1fd5-445c-8f5f-7bad6be0da55"
    assert "Bash command" not in screen.snapshot().text


def test_title_and_version_follow_the_stream() -> None:
    screen = TerminalScreen()
    assert screen.feed(b"\x1b]0;\xe2\x97\x90 Claude Code\x07")
    assert screen.snapshot().title == "◐ Claude Code"
    version = screen.version
    assert not screen.feed(b"")
    assert screen.version == version


def test_resize_changes_the_geometry() -> None:
    screen = TerminalScreen(80, 24)
    screen.resize(100, 30)
    assert (screen.columns, screen.lines) == (100, 30)
    assert len(screen.snapshot().lines) == 30
