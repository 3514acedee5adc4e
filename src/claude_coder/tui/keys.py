"""Footers that show only the keys that do something in the current view.

A screen (or the app) answers ``check_action`` from its state; :class:`ShownKeys`
redraws the footer when one of those answers changed, and only then: a footer redraw
costs a recompose and a layout, far too much to do on every event of a busy member.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.dom import DOMNode

__all__ = ["ShownKeys"]


class ShownKeys:
    """Tracks which of ``actions`` ``node`` allows, refreshing its bindings on a change."""

    def __init__(self, node: DOMNode, actions: Sequence[str]) -> None:
        self._node = node
        self._actions = tuple(actions)
        self._enabled: tuple[bool | None, ...] = ()

    def refresh(self) -> None:
        """Call after the state ``check_action`` reads may have changed."""
        enabled = tuple(self._node.check_action(a, ()) for a in self._actions)
        if enabled != self._enabled:
            self._enabled = enabled
            self._node.refresh_bindings()
