"""One conformance script, through both transports, on each chosen Claude Code version.

Every scenario runs against the real binary of that version and the fake API: a text
turn, a tool allowed and one denied by the policy, a question answered and one declined,
an interrupt mid-stream, the next turn, resume, close; a named session and an unnamed
one. A version the PTY transport is not proven on must be refused before any keystroke
(no TUI started, no request made). Each scenario's outcome goes to the report file
(``CLAUDE_CODER_MATRIX_REPORT``) that ``scripts/matrix.py`` turns into the table in
docs/transports.md; the test fails if any scenario does.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from claude_coder.errors import VersionRefused
from claude_coder.events import Boundary, TurnResult
from claude_coder.launch import read_version
from claude_coder.security import check_pty_version
from claude_coder.session import Session
from claude_coder.transports.base import QuestionRequest
from tests.matrix.conftest import PINNED, REPORT, chosen_versions, installed_binary
from tests.support.fake_api import FakeApi
from tests.support.launcher import seed_claude_json, write_launcher
from tests.support.procs import gone

pytestmark = pytest.mark.timeout(420)

SCENARIOS = (
    "text",
    "tool allowed",
    "tool denied",
    "question answered",
    "question declined",
    "interrupt",
    "next turn",
    "resume",
    "close",
    "unnamed",
)
PROFILE: dict[str, Any] = {
    "name": "matrix",
    "permissionMode": "default",
    "permissionPolicy": {
        "allow": ["Bash(touch allowed*)"],
        "deny": ["Bash(touch denied*)"],
        "default": "deny",
    },
    "experimentalAskUserQuestionAnswering": True,
}


class Report:
    """Each scenario's outcome, kept and appended to the report file."""

    def __init__(self, version: str, transport: str) -> None:
        self.version, self.transport = version, transport
        self.failures: list[str] = []
        self.done: set[str] = set()

    def missed(self, scenarios: tuple[str, ...], why: BaseException) -> None:
        """A session that failed (to start, to close): its scenarios not yet run fail."""
        for scenario in scenarios:
            if scenario not in self.done:
                self.record(scenario, False, f"{type(why).__name__}: {why}")

    def record(self, scenario: str, ok: bool, detail: str = "") -> None:
        self.done.add(scenario)
        if not ok:
            self.failures.append(f"{scenario}: {detail}")
        if REPORT:
            line = {"version": self.version, "transport": self.transport}
            line |= {"scenario": scenario, "ok": ok, "detail": detail[:300]}
            with open(REPORT, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(line) + "\n")

    async def check(
        self, scenario: str, turn: Awaitable[TurnResult], ok: Callable[[TurnResult], bool]
    ) -> TurnResult | None:
        try:
            result = await asyncio.wait_for(turn, 120)
        except Exception as exc:  # a scenario's failure is reported, the script goes on
            self.record(scenario, False, f"{type(exc).__name__}: {exc}")
            return None
        good = ok(result)
        self.record(scenario, good, "" if good else repr(result)[:300])
        return result


def _binary(version: str, bundled: Path) -> Path:
    if version == PINNED:
        return bundled
    path = installed_binary(version)
    if not path.exists():
        pytest.fail(
            f"Claude Code {version} is not installed at {path}: "
            f"run scripts/matrix.py --install {version}",
            pytrace=False,
        )
    return path


@pytest.fixture
def world(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    fake_api: FakeApi,
    claude_binary: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[str, Path, Path]]:
    """(version shown by the binary, project dir, profiles file) for this run."""
    version: str = request.node.callspec.params["version"]
    transport: str = request.node.callspec.params["transport"]
    launcher = write_launcher(tmp_path / "claude", _binary(version, claude_binary), fake_api.url)
    monkeypatch.setenv("CLAUDE_CODER_CLAUDE", str(launcher))
    work = tmp_path / "project"
    work.mkdir()
    seed_claude_json(os.environ["CLAUDE_CONFIG_DIR"], [work])
    profiles = tmp_path / "profiles.json"
    profiles.write_text(json.dumps([{**PROFILE, "transport": transport, "cwd": str(work)}]))
    yield str(read_version(str(launcher), deadline_s=60)), work, profiles


async def _blue(q: QuestionRequest) -> dict[str, str] | None:
    return {q.questions[0].question: "Blue"} if "color" in q.questions[0].question else None


async def _named(report: Report, profiles: Path, work: Path, api: FakeApi) -> str | None:
    """Every scenario of a named session; returns its id (for resume)."""
    async with Session.open(
        "matrix", profiles=profiles, name=f"matrix-{report.transport}", on_question=_blue
    ) as s:
        await report.check("text", s.send("reply:hello matrix"), lambda r: r.text == "hello matrix")
        await report.check(
            "tool allowed",
            s.send("bash:touch allowed.txt"),
            lambda r: r.boundary is Boundary.COMPLETED and (work / "allowed.txt").exists(),
        )
        await report.check(
            "tool denied",
            s.send("bash:touch denied.txt"),
            lambda r: (
                [d.name for d in r.denials] == ["Bash"] and not (work / "denied.txt").exists()
            ),
        )
        await report.check(
            "question answered",
            s.send("ask:Which color?|Red|Blue"),
            lambda r: "You answered: Blue" in r.text,
        )
        await report.check(
            "question declined",
            s.send("ask:Which size?|Small|Large"),
            lambda r: r.boundary is Boundary.COMPLETED and bool(r.denials),
        )
        await report.check(
            "interrupt", _interrupt(s, api), lambda r: r.boundary is Boundary.INTERRUPTED
        )
        await report.check("next turn", s.send("reply:after"), lambda r: r.text == "after")
        sid = s.session_id
    return sid


async def _interrupt(s: Session, api: FakeApi) -> TurnResult:
    """Interrupted while the reply streams: the stream has started and holds (some
    versions draw streamed text only at the end, so the screen cannot say when)."""
    handle = s.submit("stall:120")
    try:
        await api.async_wait_for_stall(1, 60)
        await s.interrupt()
        return await handle
    finally:
        api.release_stalls()


async def _run(report: Report, profiles: Path, work: Path, api: FakeApi) -> None:
    try:
        sid = await _named(report, profiles, work, api)
    except Exception as exc:  # the named session could not start (or close)
        report.missed(SCENARIOS[:7], exc)
        sid = None
    try:
        await _resume(report, profiles, sid)
    except Exception as exc:
        report.missed(("resume", "close"), exc)
    try:
        async with Session.open("matrix", profiles=profiles, persist=True) as plain:
            await report.check(
                "unnamed",
                plain.send("bash:touch allowed-unnamed.txt"),
                lambda r: (
                    r.boundary is Boundary.COMPLETED and (work / "allowed-unnamed.txt").exists()
                ),
            )
    except Exception as exc:
        report.missed(("unnamed",), exc)


async def _resume(report: Report, profiles: Path, sid: str | None) -> None:
    if sid is None:
        report.missed(("resume", "close"), RuntimeError("no named session to resume"))
        return
    async with Session.open("matrix", profiles=profiles, resume=sid) as again:
        await report.check(
            "resume",
            again.send("reply:resumed"),
            lambda r: r.text == "resumed" and r.session_id == sid,
        )
    report.record("close", _closed(again))


def _closed(s: Session) -> bool:
    pid = getattr(getattr(s.transport, "process", None), "pid", None)
    if pid is None:
        return s.state.value == "closed"
    return s.state.value == "closed" and gone(pid)


@pytest.mark.parametrize("transport", ["sdk", "pty"])
@pytest.mark.parametrize("version", chosen_versions())
async def test_conformance(
    version: str, transport: str, world: tuple[str, Path, Path], fake_api: FakeApi
) -> None:
    shown, work, profiles = world
    report = Report(shown, transport)
    if transport == "pty":
        try:
            check_pty_version(shown)
        except VersionRefused:
            with pytest.raises(VersionRefused, match=shown):
                await Session.start("matrix", profiles=profiles, persist=True)
            assert fake_api.messages_requests(include_side=True) == []
            for scenario in SCENARIOS:
                report.record(scenario, True, "refused")
            return
    await _run(report, profiles, work, fake_api)
    assert not report.failures, "\n".join(report.failures)
