"""Whatever a host sends, the local side of the wire does not fall over.

A host is another machine: its messages are input from outside. Any JSON object, with any
``op`` the protocol knows and any values in its fields, is read without an exception
escaping the reader, and an ask the host sends is answered at most once.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from claude_coder.events import PermissionDecision
from claude_coder.transports.base import TransportHooks
from claude_coder.transports.remote import OpenSpec, remote_transport

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3)
    ),
    max_leaves=8,
)
_OPS = st.sampled_from(["event", "ask", "withdrawn", "lost", "ended", "reply", "raw", "hello"])
_FIELDS = ("seq", "id", "rid", "kind", "request", "event", "error", "data", "ok", "result")
_MESSAGE = st.fixed_dictionaries(
    {"op": _OPS | _JSON},
    optional={name: _JSON for name in _FIELDS},
)


async def _feed(messages: list[dict[str, Any]]) -> int:
    asked = 0

    async def on_permission(_request: Any) -> PermissionDecision:
        nonlocal asked
        asked += 1
        return PermissionDecision(False, message="no")

    async def on_question(_request: Any) -> None:
        nonlocal asked
        asked += 1

    transport = remote_transport("devbox", OpenSpec(profile={"name": "p"}))
    transport.bind(TransportHooks(on_permission, on_question))
    for message in messages:
        transport._dispatch(message)
    await asyncio.sleep(0)  # let the answers it started run to their first await
    await transport.close()
    return asked


@settings(max_examples=300, deadline=None)
@given(st.lists(_MESSAGE, max_size=6))
def test_any_messages_from_a_host_are_read_without_an_error(messages: list[dict[str, Any]]) -> None:
    asked = asyncio.run(_feed(messages))
    ids = {json.dumps(m.get("id")) for m in messages if m.get("op") == "ask"}
    assert asked <= len(ids)
