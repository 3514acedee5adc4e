"""Who answers Claude's permission requests and questions for a session, and how.

Permissions: a tool the person allowed "always" this session is allowed; otherwise the
profile's policy decides (first matching deny, then allow, then its default); when
that says ``ask``, the session's callback decides if there is one, else the request
waits in ``pending`` for a person (``decide()``: the REPL and the TUI do that).

Questions (AskUserQuestion): declined with a message Claude can act on unless the
profile enables ``experimentalAskUserQuestionAnswering``; then the callback answers,
else the question waits in ``pending`` for ``answer()``.

Every request and its outcome is published (``PermissionRequested`` /
``PermissionDecided``, ``QuestionAsked`` / ``QuestionAnswered``). A callback that raises
cannot hang the turn: the permission is denied (the question declined) with the error
in the event, in what Claude is told, and in the log.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from claude_coder.errors import SessionError
from claude_coder.events import (
    Event,
    PermissionDecided,
    PermissionDecision,
    PermissionRequest,
    PermissionRequested,
    QuestionAnswered,
    QuestionAsked,
    QuestionRequest,
)
from claude_coder.policy import Policy

__all__ = ["Decider", "PermissionCallback", "QuestionCallback"]

_log = logging.getLogger(__name__)

PermissionCallback = Callable[
    [PermissionRequest], Awaitable[PermissionDecision | bool] | PermissionDecision | bool
]
"""Decides a permission: return a PermissionDecision, or True/False."""
QuestionCallback = Callable[
    [QuestionRequest], Awaitable[Mapping[str, str] | None] | Mapping[str, str] | None
]
"""Answers a question: question text -> chosen label, or None to decline."""

POLICY_DENIAL = (
    "Denied by the claude-coder permission policy (rule {rule}). Do not retry this "
    "tool use; take another approach or explain what you need."
)
DEFAULT_DENIAL = "Denied by the claude-coder permission policy (default: deny)."
PERSON_DENIAL = "The user denied this tool use."
CALLBACK_FAILED = "Denied: claude-coder's permission callback failed ({error})."
QUESTION_FAILED = "claude-coder's question callback failed ({error}); the question was declined."


_Answers = Mapping[str, str] | None


@dataclass
class _Pending:
    request: PermissionRequest | QuestionRequest
    future: asyncio.Future[PermissionDecision | Mapping[str, str] | None]


class Decider:
    """Holds a session's policy, callbacks, "always" grants and pending requests."""

    def __init__(
        self,
        policy: Policy,
        publish: Callable[[Event], None],
        *,
        on_permission: PermissionCallback | None = None,
        on_question: QuestionCallback | None = None,
        answer_questions: bool = False,
        on_change: Callable[[], None] = lambda: None,
        redact: Callable[[str], str] = str,
    ) -> None:
        self.policy = policy
        self.always: set[str] = set()
        self._publish = publish
        self._on_permission = on_permission
        self._on_question = on_question
        self._answer_questions = answer_questions
        self._on_change = on_change
        self._redact = redact
        self._pending: dict[str, _Pending] = {}
        self._delivered: dict[str, asyncio.Event] = {}

    @property
    def pending(self) -> list[PermissionRequest | QuestionRequest]:
        return [p.request for p in self._pending.values()]

    # -- hooks the transport calls -------------------------------------------------

    async def permission(self, req: PermissionRequest) -> PermissionDecision:
        delivered = self._delivered[req.request_id] = asyncio.Event()
        try:
            self._publish(PermissionRequested(req.request_id, req.tool, dict(req.input)))
            decision = await self._decide_permission(req)
            if decision.always and decision.allow:
                self.always.add(req.tool)
            self._publish(
                PermissionDecided(req.request_id, decision.allow, decision.by, decision.message)
            )
            return decision
        finally:
            self._delivered.pop(req.request_id, None)
            delivered.set()

    async def _decide_permission(self, req: PermissionRequest) -> PermissionDecision:
        if req.tool in self.always:
            return PermissionDecision(True, by="session")
        verdict = self.policy.verdict(req.tool, req.input)
        if verdict.decision == "allow":
            return PermissionDecision(True, by="policy")
        if verdict.decision == "deny":
            msg = POLICY_DENIAL.format(rule=verdict.rule) if verdict.rule else DEFAULT_DENIAL
            return PermissionDecision(False, by="policy", message=msg)
        if self._on_permission is not None:
            try:
                out = self._on_permission(req)
                if inspect.isawaitable(out):
                    out = await out
            except Exception as exc:
                error = self._failure("on_permission", exc)
                return PermissionDecision(False, "callback", CALLBACK_FAILED.format(error=error))
            if isinstance(out, PermissionDecision):
                return PermissionDecision(out.allow, "callback", out.message, out.always)
            return PermissionDecision(bool(out), by="callback")
        got = await self._wait(req)
        assert isinstance(got, PermissionDecision)
        return got

    def _failure(self, which: str, exc: Exception) -> str:
        """Log a callback's failure (redacted) and return it as one line."""
        error = self._redact(f"{type(exc).__name__}: {exc}")
        _log.warning("the %s callback raised %s; the request was refused", which, error)
        return error

    async def question(self, req: QuestionRequest) -> Mapping[str, str] | None:
        delivered = self._delivered[req.request_id] = asyncio.Event()
        try:
            self._publish(QuestionAsked(req.request_id, req.questions))
            answers, by, error = await self._answer(req)
            self._publish(QuestionAnswered(req.request_id, answers, by, error))
            return answers
        finally:
            self._delivered.pop(req.request_id, None)
            delivered.set()

    async def _answer(
        self, req: QuestionRequest
    ) -> tuple[Mapping[str, str] | None, str, str | None]:
        if not self._answer_questions:
            return None, "policy", None
        if self._on_question is not None:
            try:
                out = self._on_question(req)
                answers = await out if inspect.isawaitable(out) else out
            except Exception as exc:
                return (
                    None,
                    "callback",
                    QUESTION_FAILED.format(error=self._failure("on_question", exc)),
                )
            return answers, "callback", None
        got = await self._wait(req)
        return (None if got is None else dict(got)), "person", None  # type: ignore[arg-type]

    async def _wait(
        self, req: PermissionRequest | QuestionRequest
    ) -> PermissionDecision | Mapping[str, str] | None:
        fut: asyncio.Future[PermissionDecision | Mapping[str, str] | None]
        fut = asyncio.get_running_loop().create_future()
        self._pending[req.request_id] = _Pending(req, fut)
        self._on_change()
        try:
            return await fut
        finally:
            self._pending.pop(req.request_id, None)
            self._on_change()

    # -- a person's answers ----------------------------------------------------------

    def _take(self, request_id: str, kind: type) -> _Pending:
        p = self._pending.get(request_id)
        if p is None or not isinstance(p.request, kind):
            ids = ", ".join(self._pending) or "none"
            what = "permission request" if kind is PermissionRequest else "question"
            raise SessionError(f"no pending {what} {request_id!r} (pending: {ids})")
        return p

    async def decide(
        self, request_id: str, allow: bool, *, always: bool = False, message: str | None = None
    ) -> None:
        """Settle a pending permission; returns once the decision was handed to Claude Code."""
        p = self._take(request_id, PermissionRequest)
        if not allow and message is None:
            message = PERSON_DENIAL
        if not p.future.done():
            p.future.set_result(PermissionDecision(allow, "person", message, always and allow))
        await self._handed_over(request_id)

    async def answer(self, request_id: str, answers: Mapping[str, str] | None) -> None:
        """Settle a pending question; returns once the answer was handed to Claude Code."""
        p = self._take(request_id, QuestionRequest)
        if not p.future.done():
            p.future.set_result(None if answers is None else dict(answers))
        await self._handed_over(request_id)

    async def _handed_over(self, request_id: str) -> None:
        delivered = self._delivered.get(request_id)
        if delivered is not None:
            await delivered.wait()

    @property
    def waiting(self) -> bool:
        """True while a request waits on a person (the stall clock is paused)."""
        return bool(self._pending)
