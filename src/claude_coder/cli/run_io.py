"""What ``run`` reads and writes for scripts: the prompt and stdin, progress, output formats.

- The prompt: ``-`` reads it from stdin; otherwise piped stdin (not a terminal) is
  added after the prompt as context, inside ``<stdin>`` ... ``</stdin>`` (so
  ``git diff | claude-coder run "review this"`` works as with ``claude -p``). An empty
  prompt is a usage error.
- Progress: while the turn runs, a one-line status on stderr (only when stderr is a
  terminal): elapsed time, tool calls so far, the latest tool.
- ``--output-format``: ``text`` (the final text), ``json`` (one TurnResult object),
  ``stream-json`` (every event as one JSON line as it happens; the last is
  ``turn_ended``).
- ``--json-schema FILE``: structured output (Claude Code's ``--json-schema``); text
  output is then the value as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import click

from claude_coder.errors import ConfigError
from claude_coder.events import Envelope, ToolCall, TurnEnded

__all__ = ["OUTPUT_FORMATS", "Progress", "load_schema", "read_prompt", "stream_printer"]

OUTPUT_FORMATS = ("text", "json", "stream-json")


def read_prompt(prompt: str, stdin: IO[str] | None = None) -> str:
    """The text of the turn: PROMPT, ``-`` = stdin, piped stdin appended as context."""
    stream = stdin if stdin is not None else sys.stdin
    piped = stream is not None and not _isatty(stream)
    if prompt == "-":
        text = stream.read() if piped else ""
        if not text.strip():
            raise click.UsageError("PROMPT is '-' but stdin had no text: pipe the prompt in")
        return text
    if not prompt.strip():
        raise click.UsageError("PROMPT is empty: give the turn some text (or '-' for stdin)")
    context = stream.read() if piped else ""
    if not context.strip():
        return prompt
    return f"{prompt}\n\n<stdin>\n{context.rstrip(chr(10))}\n</stdin>"


def load_schema(path: Path | None) -> dict[str, Any] | None:
    """The JSON schema in ``--json-schema FILE`` (a JSON object), or a one-line error."""
    if path is None:
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read it: {exc.strerror}", file=str(path)) from None
    except ValueError as exc:
        raise ConfigError(f"not JSON ({exc}): give a JSON schema file", file=str(path)) from None
    if not isinstance(value, dict) or not value:
        raise ConfigError("a JSON schema is a non-empty JSON object", file=str(path))
    return value


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def stream_printer(out: IO[str]) -> Callable[[Envelope], None]:
    """A subscriber writing each envelope as one JSON line, flushed at once, up to and
    including the first ``turn_ended`` (the stream of one turn)."""
    ended = False

    def write(envelope: Envelope) -> None:
        nonlocal ended
        if ended:
            return
        out.write(json.dumps(envelope.to_json(), ensure_ascii=False) + "\n")
        out.flush()
        ended = isinstance(envelope.event, TurnEnded)

    return write


class Progress:
    """A status line on a terminal's stderr while a turn runs (nothing elsewhere)."""

    def __init__(self, err: IO[str], enabled: bool | None = None) -> None:
        self._err = err
        self.enabled = _isatty(err) if enabled is None else enabled
        self._start = time.monotonic()
        self._tools = 0
        self._last = ""

    def start(self) -> None:
        """Show the status line at once (before the first event)."""
        if self.enabled:
            self._draw()

    def __call__(self, envelope: Envelope) -> None:
        if not self.enabled:
            return
        event = envelope.event
        if isinstance(event, ToolCall):
            self._tools += 1
            self._last = event.name
        if isinstance(event, TurnEnded):
            self._err.write("\r\x1b[2K")
            self._err.flush()
            return
        self._draw()

    def _draw(self) -> None:
        elapsed = time.monotonic() - self._start
        parts: list[Any] = [f"working {elapsed:.0f}s"]
        if self._tools:
            parts.append(f"{self._tools} tool call{'s' if self._tools > 1 else ''}")
        if self._last:
            parts.append(f"last {self._last}")
        self._err.write("\r\x1b[2K" + ", ".join(str(p) for p in parts))
        self._err.flush()
