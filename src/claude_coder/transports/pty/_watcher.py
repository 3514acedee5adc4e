"""One PTY turn, from the submitted prompt to its boundary.

:class:`TurnWatcher` follows a running turn: it reads the transcript as it grows (text,
tool calls, results, usage), asks the session's hooks about permission dialogs and
questions and answers them through :func:`~claude_coder.transports.pty._dialog.choose`,
and decides the boundary when the prompt is back. Anything it does not know gets no
keystroke: the turn ends ``error`` with a redacted screen dump
(:class:`~claude_coder.errors.ScreenError`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from claude_coder.errors import ScreenError
from claude_coder.events import (
    Boundary,
    Event,
    Question,
    QuestionOption,
    ToolCall,
    TurnResult,
)
from claude_coder.transports.base import PermissionRequest, QuestionRequest, TransportHooks
from claude_coder.transports.pty._dialog import choose, decline, same_screen
from claude_coder.transports.pty._process import ChildExited, TerminalProcess
from claude_coder.transports.pty._transcript import TranscriptFile, TurnReader, resets_at
from claude_coder.transports.pty.screen import (
    Dialog,
    QuestionScreen,
    Recognition,
    ScreenKind,
    keys,
)
from claude_coder.transports.pty.screen.limits import limit_screen
from claude_coder.transports.pty.screen.recognise import last_reply

__all__ = ["TurnWatcher"]

_log = logging.getLogger(__name__)
_K = ScreenKind
_TOOLS = {"bash": ("Bash",), "create": ("Write",), "edit": ("Edit", "MultiEdit", "NotebookEdit")}
_SCREEN_INPUT = {"bash": ("Bash", "command"), "create": ("Write", "file_path")}
_FREE_FORM = ("Type something.", "Chat about this")
_ids = itertools.count(1)
T = TypeVar("T")

Dump = Callable[[], str]


def _questions(call: ToolCall | None, screen: QuestionScreen) -> tuple[Question, ...]:
    raw = call.input.get("questions") if call is not None else None
    if isinstance(raw, list) and raw:
        return tuple(
            Question(
                str(q.get("question", "")),
                str(q.get("header", "")),
                tuple(
                    QuestionOption(str(o.get("label", "")), str(o.get("description", "")))
                    for o in q.get("options", [])
                    if isinstance(o, Mapping)
                ),
                bool(q.get("multiSelect", False)),
            )
            for q in raw
            if isinstance(q, Mapping)
        )
    opts = tuple(
        QuestionOption(o.label, o.description) for o in screen.options if o.label not in _FREE_FORM
    )
    return (Question(screen.question, screen.header, opts),)


class TurnWatcher:
    """Follows one submitted turn to its boundary; see the module docstring."""

    def __init__(
        self,
        proc: TerminalProcess,
        transcript: TranscriptFile | None,
        hooks: TransportHooks,
        emit: Callable[[Event], None],
        dump: Dump,
        *,
        session_id: str | None,
        unknown_grace: float = 15.0,
        end_grace: float = 3.0,
    ) -> None:
        self.proc = proc
        self.transcript = transcript
        self.hooks = hooks
        self.emit = emit
        self.dump = dump
        self.session_id = session_id
        self.reader = TurnReader()
        self.denials: list[ToolCall] = []
        self.declined = False
        self.interrupt_requested = False
        self.lost: str | None = None
        """Why the child was stopped mid-turn (an interrupt it did not obey)."""
        self.unknown_grace = unknown_grace
        self.end_grace = end_grace
        self.keys = asyncio.Lock()

    def pump(self) -> None:
        """Emit the events of every transcript record appended since the last call."""
        if self.transcript is None:
            return
        for record in self.transcript.read_new():
            for event in self.reader.feed(record):
                self.emit(event)

    async def run(self, started: float) -> TurnResult:
        """Watch until the turn ends; returns its result (raises ScreenError if lost)."""
        loop = asyncio.get_running_loop()
        unknown_since: float | None = None
        while True:
            self.pump()
            try:
                rec = await self.proc.wait_for(_settled_kind, 0.25, settle=0.15)
            except TimeoutError:
                unknown_since = None
                continue
            if rec.kind in (_K.PERMISSION, _K.QUESTION):
                rec = await self._steady(rec)
            if rec.kind is _K.PERMISSION:
                await self._permission(rec)
            elif rec.kind is _K.QUESTION:
                await self._question(rec)
            elif rec.kind.idle_like:
                if await self._over():
                    result = self.result(rec, loop.time() - started)
                    if result.reason == "rate_limit":
                        await self._cancel_auto_continue()
                    return result
            elif rec.kind is _K.EXITED or self.lost is not None:
                raise ChildExited("Claude Code exited mid-turn")
            elif rec.kind is _K.AUTO_MODE_UNAVAILABLE:
                raise ScreenError(
                    "Claude Code says auto mode cannot check actions in this session; no key "
                    "was sent: use permissionMode default (or acceptEdits) in the profile",
                    screen=self.dump(),
                )
            else:
                unknown_since = unknown_since or loop.time()
                if loop.time() - unknown_since >= self.unknown_grace:
                    raise ScreenError(
                        f"Claude Code shows a screen claude-coder does not know ({rec.kind}); "
                        "no key was sent",
                        screen=self.dump(),
                    )

    async def _steady(self, rec: Recognition) -> Recognition:
        """A dialog just drawn may not take keys yet: let it stand still a moment."""
        try:
            return await self.proc.wait_for(lambda r: same_screen(r, rec), 2, settle=0.4)
        except TimeoutError:
            return self.proc.recognition()

    async def _over(self) -> bool:
        """The prompt is back: wait (briefly) for the transcript to say how it ended.

        The prompt staying idle for ``end_grace`` ends the turn even when the transcript
        says nothing (the screen is the fallback); it coming back busy does not."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.end_grace
        while loop.time() < deadline:
            self.pump()
            if self.reader.end is not None:
                return True
            try:
                await self.proc.wait_for(lambda r: not r.kind.idle_like, 0.1, settle=0)
                return False
            except TimeoutError:
                continue
        self.pump()
        if self.reader.end is None and not self.reader.started:
            _log.info("the transcript says nothing of this turn; the screen ends it")
        return True

    def lost_result(self, duration: float) -> TurnResult | None:
        """The child left mid-turn (it exited, or an interrupt it did not obey had it
        stopped): the turn ``interrupted`` if the last screen said so, else None (the
        session ends it ``error`` from the ChildExited the transport raises)."""
        if not (self.interrupt_requested and self.proc.recognition().kind is _K.INTERRUPTED):
            return None
        return TurnResult(
            Boundary.INTERRUPTED,
            self.session_id,
            text=self.reader.final_text,
            tool_calls=tuple(self.reader.tool_calls),
            denials=tuple(self.denials),
            usage=self.reader.usage(),
            duration_s=round(duration, 6),
        )

    def result(self, rec: Recognition, duration: float) -> TurnResult:
        """The turn's result; the boundary from the transcript, else from the screen."""
        r = self.reader
        end = r.end
        if end is Boundary.INTERRUPTED and r.interrupted_for_tool and not self.interrupt_requested:
            end = Boundary.COMPLETED if (self.denials or self.declined) else end
        if end is None:
            interrupted = self.interrupt_requested or rec.kind is _K.INTERRUPTED
            end = Boundary.INTERRUPTED if interrupted else Boundary.COMPLETED
        return TurnResult(
            boundary=end,
            session_id=self.session_id,
            text=r.final_text if self.transcript is not None else last_reply(self.proc.snapshot()),
            tool_calls=tuple(r.tool_calls),
            denials=tuple(self.denials),
            usage=r.usage(),
            duration_s=round(duration, 6),
            error=r.error if end in (Boundary.ERROR, Boundary.LIMIT) else None,
            resets_at=self._resets_at(r.error) if end is Boundary.LIMIT else None,
            reason=r.limit_reason if end is Boundary.LIMIT else None,
        )

    def _resets_at(self, error: str | None) -> int | None:
        """The reset of a usage limit: the end of the minute the screen shows, else
        the transcript's wording."""
        shown = limit_screen(self.proc.snapshot().lines)
        minute = resets_at(shown.reset) if shown is not None and shown.reset else None
        return minute + 59 if minute is not None else resets_at(error or "")

    async def _cancel_auto_continue(self) -> None:
        """Claude Code offers to continue by itself at the reset (``Esc to cancel``):
        cancel it, so the only turn sent after the reset is the one its caller sends."""
        shown = limit_screen(self.proc.snapshot().lines)
        if shown is None or not shown.auto_continue:
            return
        async with self.keys:
            await self.proc.write(keys.ESC)
            try:
                await self.proc.wait_for(_no_auto_continue, 5, what="auto-continue cancelled")
            except TimeoutError:
                _log.warning("Claude Code's auto-continue could not be cancelled with Esc")

    async def _pending_call(self, names: tuple[str, ...]) -> ToolCall | None:
        """The tool call the dialog is about, from the transcript (it may lag a little)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 2.0
        while True:
            self.pump()
            call = self.reader.pending_call(names)
            if call is not None or loop.time() >= deadline or self.transcript is None:
                return call
            await asyncio.sleep(0.05)

    async def _permission(self, rec: Recognition) -> None:
        dialog = rec.dialog
        assert dialog is not None
        call = await self._pending_call(_TOOLS.get(dialog.kind, ()))
        tool, tool_input = self._tool_of(dialog, call)
        req = PermissionRequest(f"pty-{next(_ids)}", tool, tool_input, call.id if call else None)
        decision = await self._ask(self.hooks.on_permission(req), rec)
        if decision is None:
            return
        async with self.keys:
            if self.interrupt_requested and not same_screen(self.proc.recognition(), rec):
                return
            if decision.allow:
                await choose(self.proc, rec, "Yes", self.dump)
            else:
                await decline(self.proc, rec, self.dump)
        if not decision.allow:
            self.denials.append(
                call or ToolCall(req.tool_use_id or req.request_id, tool, tool_input)
            )

    async def _ask(self, hook: Awaitable[T], rec: Recognition) -> T | None:
        """Await the session's answer, unless the dialog leaves the screen first (an
        interrupt, or a person at the terminal): then the question is moot (None)."""
        answer = asyncio.ensure_future(hook)
        gone = asyncio.ensure_future(
            self.proc.wait_for(lambda r: not same_screen(r, rec), float("inf"), settle=0.3)
        )
        try:
            await asyncio.wait({answer, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            if not answer.done():
                answer.cancel()
        with contextlib.suppress(asyncio.CancelledError, ChildExited):
            await gone
        await asyncio.wait({answer})  # a cancel is only asked for: let it land, never raise
        if answer.cancelled():
            return None
        return answer.result()

    def _tool_of(self, dialog: Dialog, call: ToolCall | None) -> tuple[str, dict[str, Any]]:
        if call is not None:
            shown = dialog.subject.split()[:1]
            if dialog.kind == "bash" and shown and shown[0] not in str(call.input.get("command")):
                raise ScreenError(
                    "the permission dialog does not match the pending tool call; no key was sent",
                    screen=self.dump(),
                )
            return call.name, dict(call.input)
        if dialog.kind in _SCREEN_INPUT and dialog.subject:
            tool, key = _SCREEN_INPUT[dialog.kind]
            return tool, {key: dialog.subject}
        raise ScreenError(
            f"a {dialog.title!r} dialog with no tool call to match it; no key was sent",
            screen=self.dump(),
        )

    async def _question(self, rec: Recognition) -> None:
        screen = rec.question
        assert screen is not None
        call = await self._pending_call(("AskUserQuestion",))
        questions = _questions(call, screen)
        asked = self.hooks.on_question(QuestionRequest(f"pty-{next(_ids)}", questions))
        answers = await self._ask(_boxed(asked), rec)
        if answers is None:
            return
        label = _single_answer(questions, answers.value)
        async with self.keys:
            if self.interrupt_requested and not same_screen(self.proc.recognition(), rec):
                return
            if label is None or screen.option(label) is None:
                if answers.value is not None:
                    _log.warning("answer cannot be typed on the PTY; the question is declined")
                await self._decline(rec)
                if call is not None:
                    self.denials.append(call)
                return
            await choose(self.proc, rec, label, self.dump)

    async def _decline(self, rec: Recognition) -> None:
        self.declined = True
        await decline(self.proc, rec, self.dump)


@dataclass(frozen=True, slots=True)
class _Box(Generic[T]):
    """A value that may itself be None (a declined question), told apart from "moot"."""

    value: T


async def _boxed(aw: Awaitable[T]) -> _Box[T]:
    return _Box(await aw)


def _no_auto_continue(rec: Recognition) -> bool:
    return "auto_continue" not in rec.notices


def _settled_kind(rec: Recognition) -> bool:
    return not rec.kind.busy_like and rec.kind is not _K.BLANK


def _single_answer(
    questions: tuple[Question, ...], answers: Mapping[str, str] | None
) -> str | None:
    """The one label to press: PTY answers one single-choice question, else declines."""
    if answers is None or len(questions) != 1 or questions[0].multi_select:
        return None
    return answers.get(questions[0].question)
