"""The terminal and locale every test runs under, whatever the caller's shell says.

``NO_COLOR``, ``COLUMNS``, ``LINES``, ``TERM``, ``LANG``, ``LC_*``, ``COLORTERM``,
``FORCE_COLOR``, ``TEXTUAL_*`` and friends change how Rich, Textual, Click and Claude Code
draw; a test's result must not depend on them. :func:`neutral_environ` is what the
autouse fixture applies to every test (and what subprocess helpers start from).
Textual reads its ``TEXTUAL_*`` constants when first imported (pytest's snapshot plugin
imports it before any conftest), so :func:`reload_textual_constants` reads them again.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping

__all__ = ["FIXED", "neutral_environ", "reload_textual_constants", "unwanted"]

FIXED = {"TERM": "xterm-256color", "LANG": "C.UTF-8"}
"""Set to these values for every test."""

_DROP_EXACT = frozenset(
    {
        "NO_COLOR",
        "FORCE_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "COLORTERM",
        "COLUMNS",
        "LINES",
        "LANGUAGE",
        "ESCDELAY",
        "TTY_COMPATIBLE",
        "TTY_INTERACTIVE",
        "JUPYTER_COLUMNS",
        "JUPYTER_LINES",
        "PYTHONIOENCODING",
    }
)
_DROP_PREFIXES = ("TEXTUAL_", "LC_")
_KEEP_PREFIXES = ("TEXTUAL_SNAPSHOT_",)
"""pytest-textual-snapshot's own (it sets them for its report)."""


def unwanted(environ: MutableMapping[str, str]) -> Iterator[str]:
    """Names in ``environ`` that would change how a test draws or reads text."""
    for name in list(environ):
        if name.startswith(_KEEP_PREFIXES):
            continue
        if name in _DROP_EXACT or name.startswith(_DROP_PREFIXES):
            yield name


def neutral_environ(environ: MutableMapping[str, str]) -> None:
    """Drop every :func:`unwanted` name from ``environ`` and set :data:`FIXED`."""
    for name in list(unwanted(environ)):
        del environ[name]
    environ.update(FIXED)


def reload_textual_constants() -> None:
    """Make Textual read its environment constants again (after :func:`neutral_environ`)."""
    import textual.constants

    constants = importlib.reload(textual.constants)
    for module, name in (
        ("textual._styles_cache", "DEBUG"),
        ("textual.filter", "DIM_FACTOR"),
        ("textual.message_pump", "SLOW_THRESHOLD"),
    ):
        setattr(importlib.import_module(module), name, getattr(constants, name))
