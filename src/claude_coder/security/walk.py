"""One walk over a value's strings, shared by redaction and terminal display."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["map_strings"]


def map_strings(x: Any, fn: Callable[[str], str]) -> Any:
    """A copy of ``x`` with ``fn`` applied to every string in it (mapping keys too).

    Handles str, bytes (decoded leniently), mappings, lists, tuples, sets and dataclass
    instances (rebuilt with :func:`dataclasses.replace`); enums (a StrEnum is a str,
    but its value is the program's own) and anything else are returned unchanged.
    """
    if isinstance(x, enum.Enum):
        return x
    if isinstance(x, str):
        return fn(x)
    if isinstance(x, bytes | bytearray):
        return fn(bytes(x).decode("utf-8", "replace")).encode("utf-8")
    if isinstance(x, Mapping):
        return {map_strings(k, fn): map_strings(v, fn) for k, v in x.items()}
    if isinstance(x, list):
        return [map_strings(v, fn) for v in x]
    if isinstance(x, tuple) and not hasattr(x, "_fields"):
        return tuple(map_strings(v, fn) for v in x)
    if isinstance(x, set | frozenset):
        return type(x)(map_strings(v, fn) for v in x)
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        changes = {
            f.name: map_strings(getattr(x, f.name), fn) for f in dataclasses.fields(x) if f.init
        }
        return dataclasses.replace(x, **changes)
    return x
