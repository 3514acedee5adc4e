"""How an answer streams: light plain-text pieces that never change once frozen, then Markdown.

Also the garbage-collector pacing the app uses so that a full collection never lands
in the middle of a stream.
"""

from __future__ import annotations

from rich.text import Text
from tests.tui.conftest import wait_for
from tests.tui.fakes import Row, ScriptedFleet, fixed_clock
from textual.widgets import Label, Markdown

from claude_coder.events import AssistantText, TextDelta
from claude_coder.tui import make_app
from claude_coder.tui.collector import CollectorPacer
from claude_coder.tui.screens.member import MemberScreen
from claude_coder.tui.widgets.answer import PIECE, AnswerBlock, StreamPiece, split_pieces
from claude_coder.tui.widgets.text import show_text

LINE = "- item with **bold** text, streamed a few characters at a time\n"


def test_split_pieces_cuts_at_line_breaks_and_loses_nothing() -> None:
    text = LINE * 40
    pieces = split_pieces(text, limit=200)
    assert "\n".join(pieces) == text
    assert len(pieces) > 1
    assert all(len(p) <= 200 for p in pieces)


def test_split_pieces_keeps_a_long_line_whole() -> None:
    text = "x" * 500 + "\nshort\n" + "y" * 30
    assert split_pieces(text, limit=100) == ["x" * 500, "short\n" + "y" * 30]
    assert split_pieces("no break at all " * 20, limit=50) == ["no break at all " * 20]
    assert split_pieces("") == [""]


def _piece_text(piece: StreamPiece) -> str:
    rendered = piece.render()
    return rendered.plain if isinstance(rendered, Text) else str(rendered)


async def test_a_streaming_answer_is_plain_pieces_then_markdown() -> None:
    fleet = ScriptedFleet()
    fleet.set(Row("a"))
    app = make_app(fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)
    full = LINE * (2 * PIECE // len(LINE) + 3)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberScreen))
        screen = app.screen
        half = len(full) // 2
        fleet.emit("a", *(TextDelta(full[i : i + 9]) for i in range(0, half, 9)))
        await wait_for(
            pilot, lambda: any(b.shown == full[:half] for b in screen.query(AnswerBlock))
        )
        block = screen.query_one(AnswerBlock)
        first = block.query(StreamPiece).first()
        first_text = _piece_text(first)
        assert not block.query(Markdown)
        fleet.emit("a", *(TextDelta(full[i : i + 9]) for i in range(half, len(full), 9)))
        await wait_for(pilot, lambda: block.shown == full)
        pieces = list(block.query(StreamPiece))
        assert len(pieces) >= 3
        assert pieces[0] is first and _piece_text(first) == first_text  # frozen: untouched
        assert "\n".join(_piece_text(p) for p in pieces) == full
        assert all(len(_piece_text(p)) <= PIECE for p in pieces)
        fleet.emit("a", AssistantText(full))
        await wait_for(pilot, lambda: bool(block.query(Markdown)), "the answer as Markdown")
        assert block.final and not block.query(StreamPiece)
        assert screen.query_one(AnswerBlock) is block  # the block itself stayed mounted


class FakeCollector:
    """Records what the pacer asks of the garbage collector."""

    def __init__(self) -> None:
        self.threshold = (700, 10, 10)
        self.count = (0, 0, 0)
        self.frozen = False
        self.collections = 0

    def freeze(self) -> None:
        self.frozen = True

    def unfreeze(self) -> None:
        self.frozen = False

    def get_threshold(self) -> tuple[int, int, int]:
        return self.threshold

    def set_threshold(self, threshold0: int, threshold1: int = 10, threshold2: int = 10) -> None:
        self.threshold = (threshold0, threshold1, threshold2)

    def get_count(self) -> tuple[int, int, int]:
        return self.count

    def collect(self, generation: int = 2) -> int:
        self.collections += 1
        self.count = (0, 0, 0)
        return 0


def test_pacer_defers_full_collections_to_a_quiet_moment() -> None:
    now = [100.0]
    fake = FakeCollector()
    pacer = CollectorPacer(fake, clock=lambda: now[0])
    pacer.start()
    assert fake.frozen and fake.threshold == (700, 10, CollectorPacer.CAP)
    fake.count = (5, 3, 12)  # Python would have run a full collection by now
    pacer.activity()
    now[0] += CollectorPacer.QUIET / 2
    assert not pacer.tick() and fake.collections == 0  # still streaming
    now[0] += CollectorPacer.QUIET
    assert pacer.tick() and fake.collections == 1  # quiet: the deferred one runs
    now[0] += 10 * CollectorPacer.QUIET
    assert not pacer.tick() and fake.collections == 1  # nothing due since
    pacer.stop()
    assert not fake.frozen and fake.threshold == (700, 10, 10)
    pacer.stop()
    assert not pacer.running and not pacer.tick()


async def test_the_app_paces_the_collector_only_while_it_runs() -> None:
    import gc

    before = gc.get_threshold()
    fleet = ScriptedFleet()
    app = make_app(fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert gc.get_threshold()[2] == CollectorPacer.CAP
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


async def test_a_status_line_is_redrawn_only_when_its_text_changes() -> None:
    fleet = ScriptedFleet()
    fleet.set(Row("a"))
    app = make_app(fleet, None, ["claude-code-expert"], clock=fixed_clock, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.fleet_screen.table.row_count == 1)
        title = app.fleet_screen.query_one("#title", Label)
        shown = title.content
        assert isinstance(shown, Text) and "1 member" in shown.plain
        assert not show_text(title, shown.copy())
        assert title.content is shown
        assert show_text(title, Text("something else"))
        assert str(title.render()) == "something else"
