"""The message prompt: an Input that keeps a fast burst of keys apart and a paste whole.

Textual's ``Input`` submits through its ``enter`` binding, and a widget's (non-priority)
bindings are looked up only when the key event has bubbled from the focused widget back
up to the App, through each message queue on the way. The characters typed after Enter
in the same burst are meanwhile forwarded to the Input and inserted, so ``Submitted``
carries the next message too (``say hello Xsay hello Y``, twice). :class:`PromptInput`
handles Enter in its own key handler, in order with the characters: it takes its value,
clears itself and posts ``Submitted`` with exactly what was typed before that Enter.

``Input`` also keeps only the first line of a paste; :class:`PromptInput` keeps every
line (drawn as ``⏎`` on its one row) and submits them as one multi-line message.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Input

__all__ = ["NEWLINE_MARK", "PromptInput"]

NEWLINE_MARK = "⏎"
"""How a line break inside the message is drawn (one cell, like the break it stands for)."""


class PromptInput(Input):
    """One message to send; Enter submits and clears in order with the keys around it."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key != "enter":
            return  # Input's own handler inserts printable keys
        event.stop()
        event.prevent_default()
        value = self.value
        validation = self.validate(value) if "submitted" in self.validate_on else None
        self.clear()
        self.post_message(self.Submitted(self, value, validation))

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        text = event.text.replace("\r\n", "\n").replace("\r", "\n")
        if not text:
            return
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)

    @property
    def _value(self) -> Text:
        shown = self.value.replace("\n", NEWLINE_MARK)
        return Text(shown, no_wrap=True, overflow="ignore", end="")
