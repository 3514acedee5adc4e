"""The TUI's "needs you" badge: which members signalled since the person last looked.

The notifier (:mod:`claude_coder.fleet.notify`) reports each signal; the badge keeps the
latest kind per member and shows them in the app's subtitle (``needs you: a1 permission
· b2 finished``) until the person opens that member.
"""

from __future__ import annotations

from claude_coder.fleet.notify import Signal

__all__ = ["NeedsBadge"]


class NeedsBadge:
    """Members with an unseen signal, in the order they signalled."""

    def __init__(self) -> None:
        self._kinds: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<NeedsBadge {self.text()!r}>"

    def add(self, sig: Signal) -> None:
        self._kinds.pop(sig.member, None)
        self._kinds[sig.member] = sig.kind

    def seen(self, member: str) -> None:
        self._kinds.pop(member, None)

    def text(self) -> str:
        """The subtitle ("" when nothing is unseen)."""
        if not self._kinds:
            return ""
        return "needs you: " + " · ".join(f"{m} {k}" for m, k in self._kinds.items())
