"""The Redactor: keeps every registered secret value out of text, objects, events and errors.

A secret is replaced by ``***`` in its raw form and in the forms it is likely to take
on the way out: URL-encoded (``quote``/``quote_plus``, either hex case), JSON-escaped, and
base64 (standard and URL-safe, padded or not, and at each of the three byte alignments
it can have inside a longer base64 blob).
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
import re
import threading
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus

from claude_coder.events import Event

__all__ = ["MASK", "Redactor"]

MASK = "***"
"""What a secret becomes."""

_MIN_FORM = 4
"""Derived forms shorter than this are not masked (they would mask ordinary text)."""

_E = TypeVar("_E", bound=Event)
_X = TypeVar("_X", bound=BaseException)
_PCT = re.compile(r"%[0-9A-F]{2}")


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

    def text(self, s: str) -> str:
        """``s`` with every registered secret, in every form, replaced by ``***``."""
        pattern = self._pattern
        if pattern is None or not s:
            return s
        return pattern.sub(MASK, s)

    def obj(self, x: Any) -> Any:
        """A copy of ``x`` with every string (keys too) redacted.

        Handles str, bytes (decoded leniently), mappings, lists, tuples, sets and
        dataclass instances (rebuilt with :func:`dataclasses.replace`); anything else is
        returned unchanged.
        """
        if self._pattern is None:
            return x
        return self._walk(x)

    def _walk(self, x: Any) -> Any:
        if isinstance(x, enum.Enum):
            return x  # a StrEnum is a str, but its value is ours, never a secret
        if isinstance(x, str):
            return self.text(x)
        if isinstance(x, bytes | bytearray):
            return self.text(bytes(x).decode("utf-8", "replace")).encode("utf-8")
        if isinstance(x, Mapping):
            return {self._walk(k): self._walk(v) for k, v in x.items()}
        if isinstance(x, list):
            return [self._walk(v) for v in x]
        if isinstance(x, tuple) and not hasattr(x, "_fields"):
            return tuple(self._walk(v) for v in x)
        if isinstance(x, set | frozenset):
            return type(x)(self._walk(v) for v in x)
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            changes = {
                f.name: self._walk(getattr(x, f.name)) for f in dataclasses.fields(x) if f.init
            }
            return dataclasses.replace(x, **changes)
        return x

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
        exc.args = tuple(self._walk(a) for a in exc.args)
        message = getattr(exc, "message", None)
        if isinstance(message, str):
            exc.message = self.text(message)  # type: ignore[attr-defined]
        return exc
