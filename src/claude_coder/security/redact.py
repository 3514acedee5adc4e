"""The Redactor: keeps every registered secret value out of text, objects, events and errors.

A secret is replaced by ``***`` in its raw form and in the forms it is likely to take
on the way out: URL-encoded (``quote``/``quote_plus``, either hex case), JSON-escaped, and
base64 (standard and URL-safe, padded or not, and at each of the three byte alignments
it can have inside a longer base64 blob).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus

from claude_coder.events import (
    Event,
    RateLimited,
    ScreenChanged,
    StateChanged,
    StreamGap,
    TextDelta,
    Usage,
)
from claude_coder.security.walk import map_strings

__all__ = ["BESIDE_TEXT", "MASK", "EventRedactor", "Redactor", "StreamRedactor"]

MASK = "***"
"""What a secret becomes."""

_MIN_FORM = 4
"""Derived forms shorter than this are not masked (they would mask ordinary text)."""

_E = TypeVar("_E", bound=Event)
_X = TypeVar("_X", bound=BaseException)
_PCT = re.compile(r"%[0-9A-F]{2}")
_WRAP = r"(?:[ \t\u2502\u2503|]*\n[ \t\u2502\u2503|]*)?"
"""Where a screen may break a line inside a secret: spaces and box edges around a newline."""


def _url_forms(secret: str) -> set[str]:
    forms = {quote(secret, safe=""), quote(secret), quote_plus(secret, safe=""), quote_plus(secret)}
    forms |= {_PCT.sub(lambda m: m.group(0).lower(), f) for f in forms}
    return forms


def _base64_cores(data: bytes) -> set[str]:
    """Base64 text that only ``data`` determines, at each byte alignment."""
    forms: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.add(encode(data).decode("ascii"))
        for skip in range(3):
            text = encode(b"\0" * skip + data).decode("ascii").rstrip("=")
            start = {0: 0, 1: 2, 2: 3}[skip]
            end = ((skip + len(data)) * 8) // 6
            forms.add(text[start:end])
    return forms


def _forms(secret: str) -> set[str]:
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    forms |= _url_forms(secret)
    forms |= _base64_cores(secret.encode("utf-8"))
    return {f for f in forms if f == secret or len(f) >= _MIN_FORM}


class Redactor:
    """Registers secret values and masks them wherever they would show.

    One Redactor per session; :func:`claude_coder.launch.build_launch` registers every
    secret it resolves. Safe to share between threads. Its ``repr`` shows a count only.
    """

    def __init__(self, secrets: list[str] | None = None) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._wrapped: re.Pattern[str] | None = None
        self._longest = 0
        for secret in secrets or ():
            self.add(secret)

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"

    @property
    def count(self) -> int:
        """How many distinct secrets are registered."""
        return len(self._secrets)

    def add(self, secret: str) -> None:
        """Register ``secret`` (empty strings are ignored: there is nothing to hide)."""
        if not secret:
            return
        with self._lock:
            if secret in self._secrets:
                return
            self._secrets.add(secret)
            self._forms |= _forms(secret)
            ordered = sorted(self._forms, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(f) for f in ordered))
            self._wrapped = None  # compiled when a screen is first redacted
            self._longest = len(ordered[0])

    @property
    def longest(self) -> int:
        """The length of the longest form a secret can take (0 with no secrets)."""
        return self._longest

    def text(self, s: str) -> str:
        """``s`` with every registered secret, in every form, replaced by ``***``."""
        pattern = self._pattern
        if pattern is None or not s:
            return s
        return pattern.sub(MASK, s)

    def screen(self, s: str) -> str:
        """:meth:`text` for a terminal screen: also masks a secret that the screen wrapped
        onto the next line (spaces and box edges around the break), keeping the line
        count."""
        if self._pattern is None or not s:
            return s
        wrapped = self._wrapped or self._compile_wrapped()
        return wrapped.sub(lambda m: MASK + "\n" * m.group(0).count("\n"), s)

    def _compile_wrapped(self) -> re.Pattern[str]:
        with self._lock:
            ordered = sorted(self._forms, key=len, reverse=True)
            wrapped = re.compile("|".join(_WRAP.join(map(re.escape, f)) for f in ordered))
            self._wrapped = wrapped
            return wrapped

    def split(self, s: str) -> tuple[str, str]:
        """``s`` cut where no secret form can still be completed by what follows.

        Returns ``(redacted head, raw tail)``: the head is final; the tail (shorter than
        the longest form) must be prefixed to the next piece of the stream.
        """
        pattern, keep = self._pattern, self._longest - 1
        if pattern is None or not s:
            return s, ""
        cut = max(len(s) - keep, 0)
        out: list[str] = []
        pos = 0
        for m in pattern.finditer(s):
            if m.start() >= cut:
                break
            out += (s[pos : m.start()], MASK)
            pos = m.end()
        end = max(pos, cut)
        out.append(s[pos:end])
        return "".join(out), s[end:]

    def stream(self) -> StreamRedactor:
        """A :class:`StreamRedactor` over this Redactor's secrets."""
        return StreamRedactor(self)

    def obj(self, x: Any) -> Any:
        """A copy of ``x`` with every string (keys too) redacted.

        Handles str, bytes (decoded leniently), mappings, lists, tuples, sets and
        dataclass instances (rebuilt with :func:`dataclasses.replace`); anything else is
        returned unchanged.
        """
        if self._pattern is None:
            return x
        return map_strings(x, self.text)

    def event(self, e: _E) -> _E:
        """The event ``e`` with every string inside it redacted (same type)."""
        out = self.obj(e)
        assert isinstance(out, type(e))
        return out

    def message(self, exc: BaseException) -> str:
        """``str(exc)``, redacted."""
        return self.text(str(exc))

    def exception(self, exc: _X) -> _X:
        """Redact ``exc`` in place (its args and a ``message`` attribute) and return it."""
        if self._pattern is None:
            return exc
        exc.args = tuple(map_strings(a, self.text) for a in exc.args)
        message = getattr(exc, "message", None)
        if isinstance(message, str):
            exc.message = self.text(message)  # type: ignore[attr-defined]
        return exc


class StreamRedactor:
    """Redacts a text stream piece by piece (pure ``feed()``/``flush()``).

    A secret split over several pieces is masked as if the stream were redacted whole:
    ``"".join(feed(p) for p in pieces) + flush() == redactor.text("".join(pieces))``.
    What could still be the start of a secret is held back until the next piece or
    :meth:`flush` (at most ``redactor.longest - 1`` characters; nothing when no secret
    is registered).
    """

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._held = ""

    def __repr__(self) -> str:
        return f"StreamRedactor({len(self._held)} chars held)"

    @property
    def holding(self) -> bool:
        """True while text is held back."""
        return bool(self._held)

    def feed(self, piece: str) -> str:
        """The redacted text that is now safe to publish (may be empty)."""
        head, self._held = self._redactor.split(self._held + piece)
        return head

    def flush(self) -> str:
        """Everything still held, redacted (the stream, or this part of it, ended)."""
        held, self._held = self._held, ""
        return self._redactor.text(held)


BESIDE_TEXT = (ScreenChanged, StateChanged, RateLimited, Usage, StreamGap)
"""Events that can come between two pieces of one streamed text (they do not end it)."""


class EventRedactor:
    """A session's events, redacted, in order (pure ``feed()``): what the session publishes.

    ``TextDelta`` pieces go through a :class:`StreamRedactor`; the text it holds back is
    published as one more ``TextDelta`` just before the next event that ends the text
    (any event but those in :data:`BESIDE_TEXT`). A ``ScreenChanged`` is redacted with
    :meth:`Redactor.screen` (wrapped lines), everything else with :meth:`Redactor.event`.
    """

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._text = StreamRedactor(redactor)

    def feed(self, event: Event) -> list[Event]:
        """The events to publish for ``event`` (none while a piece of text is held)."""
        if isinstance(event, TextDelta):
            text = self._text.feed(event.text)
            return [TextDelta(text)] if text else []
        out: list[Event] = []
        if self._text.holding and not isinstance(event, BESIDE_TEXT):
            out.append(TextDelta(self._text.flush()))
        if isinstance(event, ScreenChanged):
            out.append(ScreenChanged(self._redactor.screen(event.text)))
        else:
            out.append(self._redactor.event(event))
        return out
