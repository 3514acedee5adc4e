"""Fixed scenes for the TUI's snapshots and screenshots: a fleet mid-day, a catalog."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tests.tui.fakes import T0, Info, Listing, Row, ScriptedFleet, StaticCatalog

from claude_coder.errors import HostError
from claude_coder.events import (
    AssistantText,
    Boundary,
    Envelope,
    PermissionRequested,
    Question,
    QuestionAsked,
    QuestionOption,
    SessionStarted,
    SessionState,
    StateChanged,
    TextDelta,
    ToolCall,
    ToolResult,
    TurnEnded,
    TurnResult,
    Usage,
    UserText,
)

RESETS_AT = int((T0 + timedelta(minutes=52)).timestamp())

ANSWER = """The failing test is `test_roster_lock`: the lock file is created in the
current directory instead of next to the roster.

## Plan
1. Build the lock path from the roster path.
2. Add a regression test.

```python
lock = FileLock(roster.with_suffix(".lock"))
```
"""

PARTIAL = ANSWER[:210]


def _started(fleet: ScriptedFleet, name: str, transport: str = "sdk") -> None:
    fleet.emit(
        name,
        SessionStarted(f"{name}-0000-sid", transport, model="claude-sonnet-5-5"),
        StateChanged(SessionState.STARTING, SessionState.IDLE),
    )


def mid_day_fleet() -> ScriptedFleet:
    """Six members in every interesting state; agent1 is streaming an answer."""
    fleet = ScriptedFleet()
    fleet.set(
        Row(
            "agent1",
            state=SessionState.BUSY,
            session_id="3f6c1a9e-agent1",
            queued=1,
            last_boundary=Boundary.COMPLETED,
            input_tokens=18_200,
            output_tokens=2_310,
            cost_usd=0.0871,
        )
    )
    fleet.set(
        Row(
            "reviewer",
            profile="reviewer",
            state=SessionState.BUSY,
            waiting=True,
            session_id="8b20d4c1-reviewer",
            input_tokens=9_400,
            output_tokens=610,
            cost_usd=0.0312,
        )
    )
    fleet.set(
        Row(
            "docs",
            profile="writer",
            cwd="/home/dev/docs",
            session_id="c1d2e3f4-docs",
            last_boundary=Boundary.COMPLETED,
            input_tokens=4_020,
            output_tokens=1_207,
            cost_usd=0.0214,
        )
    )
    fleet.set(
        Row(
            "nightly",
            session_id="77aa0b1c-nightly",
            last_boundary=Boundary.LIMIT,
            input_tokens=120_500,
            output_tokens=30_100,
            cost_usd=1.42,
            resets_at=RESETS_AT,
        )
    )
    fleet.set(
        Row(
            "flaky",
            state=SessionState.ERROR,
            session_id="5e5e5e5e-flaky",
            last_boundary=Boundary.ERROR,
            error="Claude Code exited with code -9 mid-turn",
        )
    )
    fleet.set(Row("tui-check", profile="pty-expert", transport="pty", session_id=None))
    for name in ("agent1", "reviewer", "docs", "nightly", "flaky"):
        _started(fleet, name)
    _started(fleet, "tui-check", "pty")
    fleet.emit(
        "docs",
        UserText("Summarise the fleet docs in three bullets"),
        StateChanged(SessionState.IDLE, SessionState.BUSY),
        AssistantText("- members by name\n- a ceiling on busy members\n- a roster"),
        Usage(4_020, 1_207, 0.0214),
        TurnEnded(TurnResult(Boundary.COMPLETED, text="done", cost_usd=0.0214, duration_s=6.2)),
        StateChanged(SessionState.BUSY, SessionState.IDLE),
    )
    fleet.emit(
        "nightly",
        UserText("Run the whole benchmark suite"),
        TurnEnded(TurnResult(Boundary.LIMIT, error="usage limit reached", resets_at=RESETS_AT)),
    )
    fleet.emit(
        "flaky",
        UserText("Refactor the parser"),
        TurnEnded(TurnResult(Boundary.ERROR, error="Claude Code exited with code -9 mid-turn")),
        StateChanged(SessionState.BUSY, SessionState.ERROR),
    )
    fleet.emit(
        "reviewer",
        UserText("Review the diff and push it when it is clean"),
        ToolCall("toolu_r1", "Bash", {"command": "git diff --stat"}),
        ToolResult("toolu_r1", " src/fleet/roster.py | 12 ++++++------\n 1 file changed"),
        PermissionRequested("perm-1", "Bash", {"command": "git push origin fix/roster-lock"}),
    )
    agent1_turn(fleet)
    return fleet


def agent1_turn(fleet: ScriptedFleet) -> None:
    """agent1: a finished turn with a tool call, then a second answer half streamed."""
    fleet.emit(
        "agent1",
        UserText("Why does test_roster_lock fail?"),
        StateChanged(SessionState.IDLE, SessionState.BUSY),
        ToolCall("toolu_a1", "Bash", {"command": "pytest tests/unit/test_roster.py -q"}),
        ToolResult("toolu_a1", "F.\n1 failed, 1 passed in 0.21s", is_error=False),
        ToolCall("toolu_a2", "Read", {"file_path": "src/claude_coder/fleet/roster/_roster.py"}),
        ToolResult("toolu_a2", "class Roster:\n    ..."),
    )
    for i in range(0, len(PARTIAL), 7):
        fleet.emit("agent1", TextDelta(PARTIAL[i : i + 7]))


QUESTION = QuestionAsked(
    "q-1",
    (
        Question(
            "Which branch should the fix go to?",
            header="Branch",
            options=(
                QuestionOption("main", "straight to main"),
                QuestionOption("fix/roster-lock", "a topic branch"),
            ),
        ),
    ),
)


def catalog() -> StaticCatalog:
    """Five past sessions (one unnamed) and the history of one."""
    day = timedelta(days=1)
    sessions = [
        Info(
            "3f6c1a9e-0d4b-4c55-9f0e-6d1f1c2b7a10",
            "agent1",
            "Why does test_roster_lock fail?",
            "/home/dev/repo",
            T0 - timedelta(hours=2),
        ),
        Info(
            "8b20d4c1-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
            "reviewer",
            "Review the diff and push it when it is clean",
            "/home/dev/repo",
            T0 - day,
        ),
        Info(
            "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
            "docs",
            "Summarise the fleet docs in three bullets",
            "/home/dev/docs",
            T0 - 2 * day,
        ),
        Info(
            "0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d",
            "spike-pty",
            "Try the PTY transport on the trust dialog",
            "/tmp/spike",
            T0 - 9 * day,
        ),
    ]
    unnamed = [
        Info(
            "99887766-5544-4332-8110-ffeeddccbbaa",
            None,
            "hello from plain Claude Code",
            "/home/dev",
            T0 - 3 * day,
        ),
    ]
    history = [
        UserText("Why does test_roster_lock fail?"),
        ToolCall("toolu_a1", "Bash", {"command": "pytest tests/unit/test_roster.py -q"}),
        ToolResult("toolu_a1", "F.\n1 failed, 1 passed in 0.21s"),
        AssistantText(ANSWER),
        UserText("Fix it"),
        ToolCall("toolu_a3", "Edit", {"file_path": "src/claude_coder/fleet/roster/_roster.py"}),
        ToolResult("toolu_a3", "ok"),
        AssistantText("Done: the lock now sits next to the roster, and a test holds it."),
    ]
    return StaticCatalog(sessions, unnamed, {sessions[0].session_id: history})


class UnreachableCatalog:
    """A host's catalog that fails as an unreachable host does."""

    def __init__(self, host: str) -> None:
        self.host = host

    def list(self, all: bool = False, cwd: str | None = None) -> Listing:
        raise HostError(
            f"host {self.host!r} is unreachable over ssh: Connection refused; check "
            f"`ssh {self.host}` works with BatchMode (keys, ~/.ssh/config)",
            host=self.host,
        )

    def history(self, session_id: str) -> Iterator[Envelope]:
        raise AssertionError("an unreachable host lists no session to open")


def host_catalogs() -> dict[str, Any]:
    """Two hosts for the catalog browser: ``devbox`` with two sessions (one newer than
    every local one), ``buildbox`` unreachable."""
    devbox = StaticCatalog(
        [
            Info(
                "d0d0d0d0-1111-4222-8333-444455556666",
                "gpu-train",
                "Profile the training loop on the GPU box",
                "/home/me/ml",
                T0 - timedelta(minutes=20),
            ),
            Info(
                "d1d1d1d1-7777-4888-9999-aaaabbbbcccc",
                "nightly",
                "Why did last night's build fail?",
                "/srv/ci",
                T0 - timedelta(days=4),
            ),
        ],
        histories={"d0d0d0d0-1111-4222-8333-444455556666": [UserText("on the host")]},
    )
    return {"devbox": devbox, "buildbox": UnreachableCatalog("buildbox")}
