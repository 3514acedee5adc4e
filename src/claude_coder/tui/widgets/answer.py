"""An assistant answer rendered as Markdown while it streams, in bounded pieces.

Markdown is re-parsed and re-wrapped from the start of its last block on every append,
so one long streaming paragraph would cost more with every delta. :class:`AnswerBlock`
therefore streams into a *tail* Markdown widget and, once the tail passes
:data:`SEGMENT` characters, freezes it at a line break outside any code fence and
starts a new tail. When the answer is complete it is rendered once as one document
(unless every cut fell on a paragraph break, where the pieces already read the same).
"""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown

from claude_coder.tui.model import AssistantItem

__all__ = ["SEGMENT", "AnswerBlock", "split_point"]

SEGMENT = 1500
"""A streaming tail longer than this (characters) is frozen and a new one started."""


def split_point(text: str, limit: int = SEGMENT) -> tuple[int, bool] | None:
    """Where to cut ``text`` (an index after a newline, at most ``limit``) outside fences.

    Returns ``(index, paragraph)`` where ``paragraph`` says the cut is at a blank line,
    or None when no safe cut exists (then the tail keeps growing).
    """
    fence_open = False
    best: tuple[int, bool] | None = None
    pos = 0
    for line in text.splitlines(keepends=True):
        end = pos + len(line)
        if end > limit or not line.endswith("\n"):
            break
        if line.lstrip().startswith(("```", "~~~")):
            fence_open = not fence_open
        if not fence_open:
            paragraph = line.strip() == ""
            if paragraph or best is None or not best[1]:
                best = (end, paragraph)
        pos = end
    return best


class AnswerBlock(Vertical):
    """Assistant text as Markdown, appended to while it streams."""

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
        self._frozen = 0
        self._exact = True
        self._tail = Markdown(item.text)

    def compose(self) -> ComposeResult:
        yield self._tail

    async def catch_up(self) -> None:
        """Show the item's current text."""
        text = self.item.text
        self.shown_at = time.monotonic()
        if text == self.shown:
            if not self.item.streaming and self._frozen and not self._exact:
                await self._render_whole(text)
            return
        if not text.startswith(self.shown) or (not self.item.streaming and not self._exact):
            await self._render_whole(text)
            return
        delta, self.shown = text[len(self.shown) :], text
        tail = text[self._frozen :]
        cut = split_point(tail) if self.item.streaming and len(tail) > SEGMENT else None
        if cut is None:
            await self._tail.append(delta)
            return
        index, paragraph = cut
        self._exact = self._exact and paragraph
        await self._tail.update(tail[:index])
        self._frozen += index
        self._tail = Markdown(tail[index:])
        await self.mount(self._tail)

    async def _render_whole(self, text: str) -> None:
        self.shown, self._frozen, self._exact = text, 0, True
        await self.remove_children()
        self._tail = Markdown(text)
        await self.mount(self._tail)
