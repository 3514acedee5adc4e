"""What the person asks the fleet to do, run as workers so the UI never waits on it.

Screens call these; each call starts a worker that awaits the fleet and turns a
:class:`~claude_coder.errors.ClaudeCoderError` into a notification (its message is
already redacted), so a failed action loses nothing and never crashes the UI.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from textual.app import App

from claude_coder.errors import ClaudeCoderError
from claude_coder.security import visible
from claude_coder.tui.model import FleetModel, PendingPermission, PendingQuestion
from claude_coder.tui.ports import FleetPort
from claude_coder.tui.screens.approval import PermissionChoice, QuestionReply
from claude_coder.tui.screens.new_member import NewMemberRequest

__all__ = ["FleetActions"]


class FleetActions:
    """The fleet's verbs as the UI uses them: fire and report, never block."""

    def __init__(self, app: App[Any], fleet: FleetPort, model: FleetModel) -> None:
        self._app = app
        self.fleet = fleet
        self._model = model
        self.on_added: Callable[[str], object] = lambda name: None
        """Called with a member's name once the fleet added it."""
        self.on_change: Callable[[], object] = lambda: None
        """Called after every action, done or failed (the app refreshes the table)."""

    def _run(self, what: str, make: Callable[[], Awaitable[object]]) -> None:
        async def guarded() -> None:
            try:
                await make()
            except ClaudeCoderError as exc:
                message = visible(exc.message)  # outside text: never markup, never ESC
                self._app.notify(message, title=what, severity="error", timeout=8, markup=False)
            finally:
                self.on_change()

        self._app.run_worker(guarded(), group="fleet-actions", exit_on_error=False)

    def submit(self, name: str, text: str) -> None:
        """Send ``text`` as a turn to ``name`` (queued behind its running turn)."""

        async def go() -> None:
            handle = self.fleet.submit(name, text)
            if inspect.isawaitable(handle):
                await handle

        self._run(f"send to {name}", go)

    def interrupt(self, name: str, drain: bool) -> None:
        self._run(f"interrupt {name}", lambda: self.fleet.interrupt(name, drain=drain))

    def close(self, name: str, worktree: Literal["keep", "remove"] = "keep") -> None:
        async def go() -> None:
            note = await self.fleet.close(name, worktree=worktree)
            self._model.forget(name)
            if isinstance(note, str):
                self._app.notify(note, title=f"{name} closed")

        self._run(f"close {name}", go)

    def restart(self, name: str) -> None:
        self._run(f"restart {name}", lambda: self.fleet.restart(name))

    def decide(self, request: PendingPermission, choice: PermissionChoice) -> None:
        """Pass the person's decision on a permission to the member."""
        self._model.resolve(request.request_id)
        allow = choice is not PermissionChoice.DENY
        always = choice is PermissionChoice.ALWAYS
        self._run(
            f"answer {request.member}",
            lambda: self.fleet.decide(request.member, request.request_id, allow, always=always),
        )

    def answer(self, request: PendingQuestion, reply: QuestionReply) -> None:
        """Pass the person's answer to a question (or the decline) to the member."""
        self._model.resolve(request.request_id)
        self._run(
            f"answer {request.member}",
            lambda: self.fleet.answer(request.member, request.request_id, reply.answers),
        )

    def add(self, request: NewMemberRequest) -> None:
        """Add a member (new, resumed or forked) to the fleet."""

        async def go() -> None:
            await self.fleet.add(
                request.name,
                request.profile,
                request.cwd,
                resume=request.resume,
                fork_from=request.fork_from,
                worktree=request.worktree or None,
                host=request.host,
            )
            self.on_added(request.name)

        self._run(f"add {request.name}", go)
