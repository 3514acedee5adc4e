"""One script through both transports: the same boundaries, final texts and tool calls.

The SDK transport reads them from stream-json, the PTY transport from the TUI's screen
and transcript; for the turns both can express the same way (text, a tool allowed by
the policy, a file write), a caller must not be able to tell them apart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.integration.pty_support import pty_project
from tests.support.fake_api import FakeApi

from claude_coder.events import TurnResult
from claude_coder.session import Session

SCRIPT = ["reply:conformance one", "bash:touch allowed.txt", "write:notes.txt"]


def _shape(result: TurnResult) -> dict[str, Any]:
    return {
        "boundary": result.boundary,
        "text": result.text,
        "tools": [(c.name, dict(c.input)) for c in result.tool_calls],
        "denials": [c.name for c in result.denials],
        "has_usage": result.usage is not None and result.usage.output_tokens > 0,
    }


async def _run(transport: str, root: Path, seed_tui: Callable[..., Path]) -> list[dict[str, Any]]:
    work, profiles = pty_project(root, seed_tui, transport=transport)
    async with Session.open("pty", profiles=profiles, persist=True) as s:
        assert s.transport_name == transport
        results = [await s.send(prompt) for prompt in SCRIPT]
    assert (work / "allowed.txt").exists() and (work / "notes.txt").exists()
    return [_shape(r) for r in results]


async def test_sdk_and_pty_agree_on_the_same_script(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, seed_tui: Callable[..., Path]
) -> None:
    for name in ("sdk", "pty"):
        (tmp_path / name).mkdir()
    sdk = await _run("sdk", tmp_path / "sdk", seed_tui)
    pty = await _run("pty", tmp_path / "pty", seed_tui)
    assert pty == sdk
    assert [r["tools"][0][0] for r in sdk[1:]] == ["Bash", "Write"]
