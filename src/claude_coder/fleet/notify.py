""" "Needs you" signals: which fleet events call a person, the payload, once per event.

:data:`SIGNALS` maps an event's ``kind`` to the signal it raises (the hook point: a new
fleet event is one line there). :class:`Notifier` reads the merged stream, turns each
envelope into at most one :class:`Signal` (deduplicated), and hands it to the outlets the
settings turn on: a badge and the bell (callbacks the TUI gives), a desktop notification,
and user hooks (:mod:`claude_coder.fleet.hooks`), each in its own task under a deadline.

The payload a hook receives (JSON), documented in ``docs/fleet.md``::

    {"version": 1, "member": "agent1", "session_id": "...", "event": "permission",
     "text": "wants to run Bash", "time": "2026-12-01T10:00:00Z"}

``text`` is short and passes the member's Redactor, so no secret reaches a hook.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from claude_coder.events import (
    Boundary,
    Envelope,
    Event,
    PermissionRequested,
    QuestionAsked,
    SessionState,
    StateChanged,
    TurnEnded,
    to_jsonable,
)
from claude_coder.fleet.hooks import NotifySettings, run_desktop, run_hook

if TYPE_CHECKING:
    from claude_coder.fleet._hub import FleetSubscription
    from claude_coder.security.redact import Redactor

__all__ = ["PAYLOAD_VERSION", "SIGNALS", "Notifier", "Signal", "signal_of"]

PAYLOAD_VERSION = 1
_TEXT_LIMIT = 200
_SEEN_LIMIT = 4096
_log = logging.getLogger(__name__)

Rule = Callable[[Event], "tuple[str, str] | None"]


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _TEXT_LIMIT else line[: _TEXT_LIMIT - 1] + "…"


def _permission(e: Event) -> tuple[str, str] | None:
    assert isinstance(e, PermissionRequested)
    return "permission", f"wants to use {e.tool}"


def _question(e: Event) -> tuple[str, str] | None:
    assert isinstance(e, QuestionAsked)
    first = e.questions[0].question if e.questions else "a question"
    return "question", f"asks: {first}"


def _turn_ended(e: Event) -> tuple[str, str] | None:
    assert isinstance(e, TurnEnded)
    result = e.result
    if result.boundary is Boundary.ERROR:
        return "error", f"turn failed: {result.error or 'error'}"
    if result.boundary is Boundary.LIMIT:
        return "finished", "turn stopped at a limit"
    if result.boundary is Boundary.INTERRUPTED:
        return "finished", "turn interrupted"
    return "finished", f"turn done: {result.text}" if result.text else "turn done"


def _state(e: Event) -> tuple[str, str] | None:
    assert isinstance(e, StateChanged)
    if e.new is SessionState.ERROR and e.old is not SessionState.ERROR:
        return "error", f"session in error (was {e.old.value})"
    return None


def _parked(e: Event) -> tuple[str, str] | None:
    resets = getattr(e, "resets_at", None)
    when = datetime.fromtimestamp(resets, UTC).strftime("%H:%M UTC") if resets else "the reset"
    return "parked", f"parked at the usage limit until {when}"


def _resumed(_e: Event) -> tuple[str, str] | None:
    return "resumed", "resumed after the usage limit reset"


SIGNALS: dict[str, Rule] = {
    "permission_requested": _permission,
    "question_asked": _question,
    "turn_ended": _turn_ended,
    "state_changed": _state,
    # Fleet limit events (``Parked``/``Resumed``, kinds "parked"/"resumed"). HOOK POINT:
    # a new event that should call a person is one line here: its kind -> a rule.
    "parked": _parked,
    "resumed": _resumed,
}
"""Event kind -> rule giving ``(signal kind, short text)`` or None (no signal)."""


@dataclass(frozen=True, slots=True)
class Signal:
    """One "needs you" moment of one member."""

    member: str
    session_id: str | None
    kind: str
    text: str
    time: datetime
    key: tuple[Any, ...] = field(compare=False, repr=False)

    def payload(self) -> dict[str, Any]:
        """The JSON a hook receives (nothing else: no prompt, no tool input)."""
        return {
            "version": PAYLOAD_VERSION,
            "member": self.member,
            "session_id": self.session_id,
            "event": self.kind,
            "text": self.text,
            "time": to_jsonable(self.time),
        }


def signal_of(env: Envelope, redactor: Redactor | None = None) -> Signal | None:
    """The signal an envelope raises, if any (pure; the text redacted and shortened)."""
    if env.name is None:
        return None
    rule = SIGNALS.get(env.event.kind)
    got = rule(env.event) if rule is not None else None
    if got is None:
        return None
    kind, text = got
    text = _short(redactor.text(text) if redactor is not None else text)
    request = getattr(env.event, "request_id", None)
    key = (env.name, kind, request) if request else (env.name, env.session_id, env.seq, kind)
    return Signal(env.name, env.session_id, kind, text, env.time, key)


class Notifier:
    """Signals from a fleet's stream to the outlets the settings turn on."""

    def __init__(
        self,
        settings: NotifySettings,
        *,
        redactor_for: Callable[[str], Redactor | None] | None = None,
        badge: Callable[[Signal], None] | None = None,
        bell: Callable[[], None] | None = None,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self._redactor_for = redactor_for or (lambda _name: None)
        self._badge = badge
        self._bell = bell
        self._on_failure = on_failure
        self._seen: OrderedDict[tuple[Any, ...], None] = OrderedDict()
        self._last: dict[str, str] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.signals: list[Signal] = []
        self.failures: list[str] = []

    def __repr__(self) -> str:
        return f"<Notifier signals={len(self.signals)} hooks={len(self.settings.hooks)}>"

    def _fresh(self, sig: Signal) -> bool:
        if sig.key in self._seen:
            return False
        if sig.kind == "error" and self._last.get(sig.member) == "error":
            return False  # the failed turn and the state change are one error
        self._seen[sig.key] = None
        if len(self._seen) > _SEEN_LIMIT:
            self._seen.popitem(last=False)
        self._last[sig.member] = sig.kind
        return True

    def feed(self, env: Envelope) -> Signal | None:
        """Take one envelope; fire its signal once (returns it, or None)."""
        if env.name is not None and env.event.kind == "user_text":
            self._last.pop(env.name, None)  # a new turn: a later error is a new one
        sig = signal_of(env, self._redactor_for(env.name) if env.name else None)
        if sig is None or sig.kind not in self.settings.events or not self._fresh(sig):
            return None
        self.signals.append(sig)
        if self.settings.badge and self._badge is not None:
            self._badge(sig)
        if self.settings.bell and self._bell is not None:
            self._bell()
        if self.settings.desktop:
            self._spawn("desktop", run_desktop(f"claude-coder: {sig.member}", sig.text))
        for hook in self.settings.hooks:
            if sig.kind in hook.events:
                self._spawn(f"hook {hook.describe()}", run_hook(hook, sig.payload()))
        return sig

    def _spawn(self, what: str, job: Any) -> None:
        async def guarded() -> None:
            try:
                problem = await job
            except Exception as exc:  # a hook must never take the fleet down
                problem = f"{type(exc).__name__}: {exc}"
            if problem:
                self._failed(f"{what} failed: {problem}")

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _failed(self, message: str) -> None:
        _log.warning("%s", message)
        self.failures.append(message)
        if self._on_failure is not None:
            self._on_failure(message)

    async def run(self, sub: FleetSubscription) -> None:
        """Feed every envelope of a fleet's stream (``fleet.events()``) until it closes."""
        async with sub:
            async for env in sub:
                self.feed(env)

    async def drain(self) -> None:
        """Wait for the hooks still running (each is bounded by its own deadline)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
