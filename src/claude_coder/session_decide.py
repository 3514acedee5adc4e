"""Who answers Claude's permission requests and questions for a session, and how.

Permissions: a tool the person allowed "always" this session is allowed; otherwise the
profile's policy decides (first matching deny, then allow, then its default); when
that says ``ask``, the session's callback decides if there is one, else the request
waits in ``pending`` for a person (``decide()``: the REPL and the TUI do that).

Questions (AskUserQuestion): declined with a message Claude can act on unless the
profile enables ``experimentalAskUserQuestionAnswering``; then the callback answers,
else the question waits in ``pending`` for ``answer()``.

Every request and its outcome is published (``PermissionRequested`` /
``PermissionDecided``, ``QuestionAsked`` / ``QuestionAnswered``).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from claude_coder.errors import SessionError
from claude_coder.events import (
    Event,
    PermissionDecided,
    PermissionRequested,
    QuestionAnswered,
    QuestionAsked,
)
from claude_coder.policy import Policy
from claude_coder.transports.base import PermissionDecision, PermissionRequest, QuestionRequest

__all__ = ["Decider", "PermissionCallback", "QuestionCallback"]

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
    ) -> None:
        self.policy = policy
        self.always: set[str] = set()
        self._publish = publish
        self._on_permission = on_permission
        self._on_question = on_question
        self._answer_questions = answer_questions
        self._on_change = on_change
        self._pending: dict[str, _Pending] = {}

    @property
    def pending(self) -> list[PermissionRequest | QuestionRequest]:
        return [p.request for p in self._pending.values()]

    # -- hooks the transport calls -------------------------------------------------

    async def permission(self, req: PermissionRequest) -> PermissionDecision:
        self._publish(PermissionRequested(req.request_id, req.tool, dict(req.input)))
        decision = await self._decide_permission(req)
        if decision.always and decision.allow:
            self.always.add(req.tool)
        self._publish(
            PermissionDecided(req.request_id, decision.allow, decision.by, decision.message)
        )
        return decision

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
            out = self._on_permission(req)
            if inspect.isawaitable(out):
                out = await out
            if isinstance(out, PermissionDecision):
                return PermissionDecision(out.allow, "callback", out.message, out.always)
            return PermissionDecision(bool(out), by="callback")
        got = await self._wait(req)
        assert isinstance(got, PermissionDecision)
        return got

    async def question(self, req: QuestionRequest) -> Mapping[str, str] | None:
        self._publish(QuestionAsked(req.request_id, req.questions))
        answers: Mapping[str, str] | None
        if not self._answer_questions:
            answers, by = None, "policy"
        elif self._on_question is not None:
            out = self._on_question(req)
            answers = await out if inspect.isawaitable(out) else out
            by = "callback"
        else:
            got = await self._wait(req)
            answers = None if got is None else dict(got)  # type: ignore[arg-type]
            by = "person"
        self._publish(QuestionAnswered(req.request_id, answers, by))
        return answers

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

    def decide(
        self, request_id: str, allow: bool, *, always: bool = False, message: str | None = None
    ) -> None:
        p = self._take(request_id, PermissionRequest)
        if not allow and message is None:
            message = PERSON_DENIAL
        if not p.future.done():
            p.future.set_result(PermissionDecision(allow, "person", message, always and allow))

    def answer(self, request_id: str, answers: Mapping[str, str] | None) -> None:
        p = self._take(request_id, QuestionRequest)
        if not p.future.done():
            p.future.set_result(None if answers is None else dict(answers))

    @property
    def waiting(self) -> bool:
        """True while a request waits on a person (the stall clock is paused)."""
        return bool(self._pending)
