"""An assistant answer: plain text while it streams, rendered as Markdown once it is final.

Re-parsing and re-laying out Markdown every few deltas is what slowed the whole screen
down while a long answer streamed, so :class:`AnswerBlock` streams into light
plain-text pieces instead: only the last piece (the *tail*) ever changes, and once it
passes :data:`PIECE` characters it is frozen at a line break and a new tail started,
so an update costs the same however long the answer grew. When the answer is complete
(its whole block arrived, or the turn moved on) the pieces are replaced, once, by the
answer rendered as Markdown.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Markdown, Static

from claude_coder.tui.model import AssistantItem

__all__ = ["PIECE", "AnswerBlock", "StreamPiece", "split_pieces"]

PIECE = 800
"""A streaming tail longer than this (characters) is frozen at a line break."""


def split_pieces(text: str, limit: int = PIECE) -> list[str]:
    """Cut ``text`` at line breaks into pieces of at most ``limit`` characters where possible.

    The breaks themselves are dropped (each piece starts on a new row), so the pieces
    shown one under the other read exactly like the whole text. A line longer than
    ``limit`` stays whole; the last piece is the one that keeps growing.
    """
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.find("\n", limit)
            if cut < 0:
                break
        pieces.append(text[:cut])
        text = text[cut + 1 :]
    pieces.append(text)
    return pieces


class StreamPiece(Static):
    """A piece of an answer that is still streaming, shown as plain text."""

    DEFAULT_CSS = """
    StreamPiece { height: auto; }
    """


class AnswerBlock(Vertical):
    """Assistant text: plain pieces while it streams, one Markdown document when final."""

    DEFAULT_CSS = """
    AnswerBlock { height: auto; padding: 0 1; }
    AnswerBlock > Markdown { margin: 0; padding: 0; background: transparent; }
    """

    def __init__(self, item: AssistantItem) -> None:
        super().__init__()
        self.item = item
        self.shown = item.text
        """The text on screen (all pieces together)."""
        self.shown_at = 0.0
        """When (monotonic seconds) the text was last brought up to date."""
        self.final = not item.streaming
        """True once the answer is rendered as Markdown (it no longer changes)."""
        self._frozen = 0
        """How much of :attr:`shown` is in frozen pieces (with the breaks between them)."""
        self._tail: StreamPiece
        """The piece that grows (only while streaming)."""
        self._initial: list[Widget]
        if self.final:
            self._initial = [Markdown(item.text)]
        else:
            self._initial = self._pieces(item.text)

    def compose(self) -> ComposeResult:
        yield from self._initial

    def _pieces(self, text: str) -> list[Widget]:
        """Widgets for ``text`` (the rest of the answer after the frozen pieces)."""
        parts = split_pieces(text)
        self._frozen += sum(len(p) + 1 for p in parts[:-1])
        self._tail = StreamPiece(Text(parts[-1]))
        frozen: list[Widget] = [StreamPiece(Text(p)) for p in parts[:-1]]
        return [*frozen, self._tail]

    async def catch_up(self) -> None:
        """Show the item's current text (as Markdown once the item stopped streaming)."""
        self.shown_at = time.monotonic()
        if self.final:
            return
        text = self.item.text
        if not self.item.streaming:
            await self._render_final(text)
        elif not text.startswith(self.shown):
            self.shown, self._frozen = text, 0
            with self.app.batch_update():
                await self.remove_children()
                await self.mount_all(self._pieces(text))
        elif text != self.shown:
            self.shown = text
            await self._grow(text[self._frozen :])

    async def _grow(self, tail: str) -> None:
        """Show the new ``tail``: update the tail piece, freezing it if it grew too long."""
        if len(tail) <= PIECE:
            self._tail.update(Text(tail))
            return
        parts = split_pieces(tail)
        self._tail.update(Text(parts[0]))
        if len(parts) > 1:
            self._frozen += len(parts[0]) + 1
            await self.mount_all(self._pieces(tail[len(parts[0]) + 1 :]))

    async def _render_final(self, text: str) -> None:
        self.shown, self.final = text, True
        with self.app.batch_update():
            await self.remove_children()
            await self.mount(Markdown(text))
