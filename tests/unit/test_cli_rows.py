"""The listing layout: natural widths, cuts only where allowed, no control characters."""

from __future__ import annotations

from rich.cells import cell_len

from claude_coder.cli.rows import layout


def test_columns_take_their_widest_cell() -> None:
    lines = layout(("A", "BB"), [("xyz", "1"), ("q", "22222")], width=None)
    assert lines == ["A   BB", "xyz 1", "q   22222"]


def test_a_narrow_terminal_cuts_the_flex_columns_last_first() -> None:
    rows = [("name", "/a/long/working/dir/somewhere", "a summary that is long enough to cut")]
    lines = layout(("NAME", "CWD", "SUMMARY"), rows, width=40, flex=(1, 2))
    assert all(cell_len(line) <= 40 for line in lines)
    assert lines[1].startswith("name /a/long/working/dir/")  # the name is never cut
    assert lines[1].endswith(" a summa…")  # the summary keeps 8 cells, then CWD gives


def test_wide_characters_count_as_two_cells() -> None:
    lines = layout(("N", "S"), [("日本", "x"), ("ab", "y")], width=None)
    assert lines[1] == "日本 x" and lines[2] == "ab   y"


def test_control_characters_never_reach_the_terminal() -> None:
    lines = layout(("S",), [("evil\x1b[2Jclear\r\n",)], width=None)
    assert lines[1] == "evil?[2Jclear??"
