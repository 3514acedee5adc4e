"""A live fleet's services: its control socket and its "needs you" notifier, together.

The TUI and ``claude-coder fleet serve`` run a fleet inside :func:`live_services`, so
another shell can drive it (:mod:`claude_coder.fleet.control`) and a person hears when
a member needs them (:mod:`claude_coder.fleet.notify`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from claude_coder.errors import ClaudeCoderError
from claude_coder.fleet.control import ControlServer
from claude_coder.fleet.hooks import NotifySettings
from claude_coder.fleet.notify import Notifier, Signal

if TYPE_CHECKING:
    from claude_coder.fleet._fleet import Fleet
    from claude_coder.security.redact import Redactor

__all__ = ["live_services"]


def _redactor_of(fleet: Fleet) -> Callable[[str], Redactor | None]:
    def redactor(name: str) -> Redactor | None:
        try:
            return fleet.session(name).redactor
        except ClaudeCoderError:
            return None

    return redactor


@contextlib.asynccontextmanager
async def live_services(
    fleet: Fleet,
    settings: NotifySettings,
    *,
    badge: Callable[[Signal], None] | None = None,
    bell: Callable[[], None] | None = None,
    on_failure: Callable[[str], None] | None = None,
) -> AsyncIterator[Notifier]:
    """Listen on the control socket and feed the notifier while the block runs."""
    notifier = Notifier(
        settings,
        redactor_for=_redactor_of(fleet),
        badge=badge,
        bell=bell,
        on_failure=on_failure,
    )
    server: ControlServer | None = ControlServer(fleet)
    assert server is not None
    try:
        await server.start()
    except OSError as exc:  # the fleet runs on; only other shells cannot reach it
        server = None
        if on_failure is not None:
            on_failure(f"control socket unavailable ({exc}); fleet send/watch cannot reach it")
    task = asyncio.get_running_loop().create_task(notifier.run(fleet.events()))
    try:
        yield notifier
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if server is not None:
            await server.close()
        await notifier.drain()
