"""The SDK transport: Claude Code driven over stream-json with claude-agent-sdk's client.

``ClaudeSDKClient`` speaks the control protocol (initialize, interrupt, permission
callbacks); the child under it is claude-coder's own :class:`ChildProcess`, started
from the LaunchSpec alone (argv with the stream-json flags, MCP isolation, the explicit
permission mode and the pre-assigned session id; the environment built by
``claude_coder.security``). Before the child starts, the security preflight proves the
subscription login (settings files, then Claude Code's own report:
:func:`claude_coder.security.prove_login`); the session's own initialize answer must
show it too, else the start is refused (``LoginNotProven``) and the child stopped;
every ``system/init`` is checked again. Messages become events through
:class:`~claude_coder.transports.sdk._mapper.TurnMapper`. A child that exits, is killed or
breaks the stream makes ``events()`` raise a ``TransportError`` (the session ends the
turn); the start and interrupt deadlines are the session's.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, ClassVar

from claude_agent_sdk import (
    ClaudeAgentOptions,
    ClaudeSDKClient,
    PermissionResultAllow,
    PermissionResultDeny,
    ToolPermissionContext,
)
from claude_agent_sdk import Transport as SdkTransportABC

from claude_coder.errors import ChildExited, ClaudeCoderError, SecurityRefusal, TransportError
from claude_coder.events import (
    Event,
    PermissionRequest,
    QuestionRequest,
    SessionStarted,
    TurnEnded,
)
from claude_coder.launch import aread_version
from claude_coder.security import check_account, check_sdk_version, prove_login
from claude_coder.transports.base import Transport, cancel_and_wait
from claude_coder.transports.sdk._child import ChildProcess
from claude_coder.transports.sdk._cost import Totals
from claude_coder.transports.sdk._mapper import TurnMapper, questions_from_input
from claude_coder.transports.sdk._record import TurnRecord, transcript_of, unrecorded

if TYPE_CHECKING:
    from claude_coder.launch import LaunchSpec

__all__ = ["DECLINED_QUESTION", "SdkTransport"]

_log = logging.getLogger(__name__)


class _ToDebug(logging.Handler):
    """claude-agent-sdk logs a reader failure as ERROR (``Fatal error in message
    reader: ...``), which Python prints on stderr when no logging is set up, next to the
    error claude-coder reports itself: its records go to this module's log at DEBUG."""

    def emit(self, record: logging.LogRecord) -> None:
        _log.debug("claude-agent-sdk: %s", record.getMessage())


_sdk_log = logging.getLogger("claude_agent_sdk")
_sdk_log.addHandler(_ToDebug())
_sdk_log.propagate = False

DECLINED_QUESTION = (
    "The user cannot answer questions in this session (question answering is off in "
    "its claude-coder profile). Continue with your best judgement and state the "
    "assumptions you made."
)
_NO_HOOKS = "claude-coder: no session is attached to decide this request"

ChildFactory = Callable[[], SdkTransportABC]


class SdkTransport(Transport):
    """Drives one Claude Code child over stream-json (see the module docstring)."""

    name: ClassVar[str] = "sdk"

    def __init__(
        self,
        spec: LaunchSpec,
        *,
        child_factory: ChildFactory | None = None,
        ready_timeout: float | None = None,
        control_timeout: float = 15.0,
    ) -> None:
        self.spec = spec
        self._check_version = child_factory is None
        self._child_factory = child_factory or (
            lambda: ChildProcess(spec.argv, spec.env, spec.cwd, redact=spec.redactor.screen)
        )
        self._ready_timeout = ready_timeout
        self._control_timeout = control_timeout
        self._session_id = spec.session_id
        self._child: SdkTransportABC | None = None
        self._client: ClaudeSDKClient | None = None
        self._mapper = TurnMapper(
            restored_totals(spec.resumed_from, spec.env.get("CLAUDE_CONFIG_DIR")),
            structured=spec.output_schema is not None,
        )
        self._early: list[Event] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._record: TurnRecord | None = None
        self._closing = False
        self.server_info: dict[str, Any] | None = None

    def __repr__(self) -> str:
        pid = getattr(self._child, "pid", None)
        return f"<SdkTransport session_id={self._session_id} pid={pid}>"

    @property
    def session_id(self) -> str | None:
        return self._mapper.session_id or self._session_id

    @property
    def pid(self) -> int | None:
        """The Claude Code child's process id (None before start)."""
        return getattr(self._child, "pid", None)

    # -- start -------------------------------------------------------------------------

    async def start(self) -> None:
        spec = self.spec
        if self._check_version:
            check_sdk_version(await aread_version(spec.binary, environ=spec.env))
        await prove_login(
            spec.binary,
            spec.argv,
            spec.env,
            spec.cwd,
            timeout=self._ready_timeout,
            redact=spec.redactor.text,
            keep_tail=self._keep_tail,
        )
        self.failure_detail = None
        self._child = self._child_factory()
        options = ClaudeAgentOptions(can_use_tool=self._can_use_tool)
        self._client = ClaudeSDKClient(options, transport=self._child)
        try:
            async with asyncio.timeout(self._ready_timeout):  # None: the session's deadline
                await self._client.connect()
                self.server_info = await self._client.get_server_info()
            check_account(self.server_info)
        except BaseException as exc:
            await self.close()
            tail = _tail(self._child)
            self.failure_detail = self.spec.redactor.text(tail) if tail else None
            error = self._start_error(exc)
            if error is exc:
                raise
            raise error from exc
        info = self.server_info or {}
        self._early.append(
            SessionStarted(
                self.session_id,
                "sdk",
                model=self.spec.profile.model,
                cwd=self.spec.cwd,
                claude_version=info.get("claude_code_version"),
            )
        )

    def _keep_tail(self, masked: str) -> None:
        """The login preflight's stderr so far (already masked), for a start that fails."""
        self.failure_detail = masked or None

    def _start_error(self, exc: BaseException) -> BaseException:
        """What a failed start raises: refusals and cancellation as they are, anything
        else a TransportError that carries the child's last stderr lines."""
        said = f"; it said: {self.failure_detail}" if self.failure_detail else ""
        if isinstance(exc, TimeoutError):
            return TransportError(
                f"Claude Code did not answer initialize within {self._ready_timeout or 0:g}s" + said
            )
        if isinstance(exc, asyncio.CancelledError | SecurityRefusal):
            return exc
        if isinstance(exc, ChildExited):
            return TransportError(self.spec.redactor.text(exc.message))  # has the tail
        message = exc.message if isinstance(exc, ClaudeCoderError) else str(exc)
        return TransportError(f"Claude Code could not start: {message}{said}")

    # -- turns -------------------------------------------------------------------------

    async def send(self, text: str) -> None:
        client = self._live_client()
        stamp = str(uuid.uuid4())
        self._mapper.begin(stamp)
        self._record = TurnRecord(transcript_of(self.spec, self.session_id))
        message = {
            "type": "user",
            "uuid": stamp,
            "message": {"role": "user", "content": text},
            "parent_tool_use_id": None,
            "session_id": self.session_id or "default",
        }
        async with asyncio.timeout(self._control_timeout):
            await client.query(_one(message))

    async def interrupt(self) -> None:
        """Interrupt in protocol; before the turn's first message Claude Code ignores an
        interrupt, so it is held (in the mapper's turn) and sent when the turn begins."""
        client = self._live_client()
        if self._mapper.request_interrupt():
            await client.interrupt()

    def _live_client(self) -> ClaudeSDKClient:
        if self._client is None or self._closing:
            raise TransportError("Claude Code is not running")
        return self._client

    async def events(self) -> AsyncIterator[Event]:
        """Read Claude Code's messages and yield their events (read inline: no extra hop)."""
        while self._early:
            yield self._early.pop(0)
        client = self._client
        if client is None:
            return
        failure: ClaudeCoderError | None = None
        try:
            async for msg in client.receive_messages():
                for ev in self._mapper.feed(msg):
                    for checked in self._saved(ev):
                        yield checked
                if self._mapper.held_interrupt_due():
                    self._send_held_interrupt()
        except ClaudeCoderError as exc:  # ChildExited, a refused init, a broken stream
            failure = exc
        except Exception as exc:
            failure = TransportError(str(exc) or type(exc).__name__)
        if self._closing:
            return
        await self.close()
        raise failure or TransportError("Claude Code closed its output")

    def _saved(self, event: Event) -> list[Event]:
        """A completed turn missing from its transcript ends ``error``, after a
        ``SaveFailed`` saying so (see :mod:`claude_coder.transports.sdk._record`)."""
        if not isinstance(event, TurnEnded):
            return [event]
        result, lost = unrecorded(event.result, self._record)
        self._record = None
        return [event] if lost is None else [lost, TurnEnded(result)]

    def _send_held_interrupt(self) -> None:
        """The held interrupt goes out now, in a task this transport owns (cancelled on
        close); if it fails, the session's interrupt deadline stops the child."""
        task = asyncio.get_running_loop().create_task(
            self._held_interrupt(), name="sdk-held-interrupt"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _held_interrupt(self) -> None:
        try:
            async with asyncio.timeout(self._control_timeout):
                await self._live_client().interrupt()
        except Exception as exc:
            _log.warning("sending the held interrupt failed: %s", exc)

    # -- permissions and questions ---------------------------------------------------

    async def _can_use_tool(
        self, tool: str, tool_input: dict[str, Any], ctx: ToolPermissionContext
    ) -> PermissionResultAllow | PermissionResultDeny:
        hooks = self.hooks
        if hooks is None:
            return PermissionResultDeny(message=_NO_HOOKS)
        request_id = str(uuid.uuid4())
        if tool == "AskUserQuestion":
            req = QuestionRequest(request_id, questions_from_input(tool_input))
            answers = await hooks.on_question(req)
            if answers is None:
                return PermissionResultDeny(message=DECLINED_QUESTION)
            return PermissionResultAllow(updated_input={**tool_input, "answers": dict(answers)})
        decision = await hooks.on_permission(
            PermissionRequest(request_id, tool, dict(tool_input), ctx.tool_use_id)
        )
        if decision.allow:
            return PermissionResultAllow(updated_input=tool_input)
        return PermissionResultDeny(message=decision.message or "The user denied this tool use.")

    # -- close -------------------------------------------------------------------------

    async def close(self) -> None:
        """Stop the child (bounded: EOF, terminate, kill) and end ``events()``."""
        if self._closing:
            return
        self._closing = True
        await asyncio.shield(self._close())

    async def _close(self) -> None:
        client, self._client = self._client, None
        child = self._child
        if isinstance(child, ChildProcess):
            # Mid-turn, Claude Code would not leave on end-of-input: stop it at once.
            await child.close(eof_grace=0.0 if self._mapper.turn is not None else None)
        if client is not None:
            try:
                async with asyncio.timeout(30.0):
                    await client.disconnect()
            except Exception:
                _log.warning("disconnecting from Claude Code failed; killing it", exc_info=True)
        if isinstance(child, ChildProcess):
            child.kill_now()
            await child.close()
        await cancel_and_wait(list(self._tasks))


def _tail(child: SdkTransportABC | None) -> str | None:
    tail = getattr(child, "stderr_tail", "")
    return tail.strip()[-600:] or None if isinstance(tail, str) else None


def restored_totals(resumed_from: str | None, config: str | None = None) -> Totals | None:
    """What Claude Code restores on resume or fork: the source's last ``cost-state``."""
    if resumed_from is None:
        return None
    from claude_coder.catalog.records import find_transcript, last_record

    rec = last_record(find_transcript(resumed_from, config), "cost-state")
    if rec is None:
        return None
    return Totals.from_model_usage(rec.get("totalCostUSD"), rec.get("modelUsage"))


async def _one(message: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    yield message
