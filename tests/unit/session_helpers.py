"""Helpers for session tests on FakeTransport: start a session, wait on its events."""

from __future__ import annotations

from typing import Any

from tests.support.recorder import EventRecorder

from claude_coder.policy import Policy
from claude_coder.session import Session
from claude_coder.transports.fake import FakeTransport

DEADLINE = 10.0


async def start(fake: FakeTransport | None = None, **kwargs: Any) -> Session:
    kwargs.setdefault("name", "t")
    kwargs.setdefault("policy", Policy())
    return await Session.start(transport=fake or FakeTransport(), **kwargs)


class Recorder(EventRecorder):
    """Records every envelope of a session (a callback subscriber)."""

    deadline = DEADLINE
