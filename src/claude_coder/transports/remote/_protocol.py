"""The wire between a local claude-coder and ``claude-coder serve --stdio`` on a host.

Both sides import this module; it does no I/O. One JSON object per line (UTF-8, compact,
at most :data:`LINE_LIMIT` bytes), each with an ``op``. Version 1:

Opening (every connection): the local side sends ``hello``; the host answers ``hello``
(same version) or ``error`` and hangs up::

    -> {"op": "hello", "version": 1, "claude_coder": "0.1.0", "role": "client"}
    <- {"op": "hello", "version": 1, "claude_coder": "0.1.0", "role": "host",
        "hostname": "devbox", "python": "3.11.2"}

Then the first request decides what the connection is for.

A session (``open`` or ``attach``), requests carrying a ``rid`` the host answers once::

    -> {"op": "open", "rid": 1, "spec": OpenSpec.to_wire()}
    <- {"op": "reply", "rid": 1, "ok": true,
        "result": {"handle": "<hex>", "session_id": "<uuid>"|null, "cwd": "/home/u/x"}}
    -> {"op": "attach", "rid": 1, "handle": "<hex>", "since": <last seq seen>}
    <- {"op": "reply", "rid": 1, "ok": true,
        "result": {"handle", "session_id", "cwd", "replayed": n, "busy": bool}}
                                               (then the replay; busy: a turn sent, not ended)
    -> {"op": "send", "rid": n, "text": "..."}      <- {"op": "reply", "rid": n, "ok": true}
    -> {"op": "interrupt", "rid": n}                <- {"op": "reply", "rid": n, "ok": true}
    -> {"op": "close", "rid": n}                    <- {"op": "reply", ...} then "ended"
    -> {"op": "answer", "id": k, "decision": decision_to_wire(...)}        (a permission)
    -> {"op": "answer", "id": k, "answers": {"question": "label"} | null}  (a question)

    <- {"op": "event", "seq": s, "event": Event.to_json()}     an event of the transport
    <- {"op": "ask", "seq": s, "id": k, "kind": "permission", "request": {...}}
    <- {"op": "ask", "seq": s, "id": k, "kind": "question", "request": {...}}
    <- {"op": "withdrawn", "seq": s, "id": k}    Claude Code dropped ask k (an interrupt)
    <- {"op": "lost", "seq": s, "error": error_to_wire(...)}   the transport raised
    <- {"op": "ended", "seq": s}                                events ended (closed)
    <- {"op": "raw", "data": "<base64>"}     PTY bytes for a viewer (not sequenced)

A failed request: ``{"op": "reply", "rid": n, "ok": false, "error": error_to_wire(...)}``.
Sequenced messages (``seq`` from 1, no gaps) are kept by the host for replay after a
dropped connection; a request re-sent with a ``rid`` the host already answered gets the
same reply again and is not acted on twice. An ``ask`` not yet answered is asked again on
replay (same ``id``); answering an ``id`` twice is ignored. An ask still open when its
turn ends, or ``withdrawn``, is pending no more on the local side.

A one-shot call (the catalog and doctor on a host)::

    -> {"op": "call", "rid": 1, "what": "list" | "history" | "doctor" | ..., "args": {...}}
    <- {"op": "reply", "rid": 1, "ok": true, "result": ...}

Nothing here carries a secret but :attr:`OpenSpec.secrets` (the values the profile's
``sendSecrets`` chose to send), which never appears in a repr.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from claude_coder import errors
from claude_coder.errors import ClaudeCoderError, HostError
from claude_coder.events import (
    PermissionDecision,
    PermissionRequest,
    Question,
    QuestionOption,
    QuestionRequest,
    to_jsonable,
)

__all__ = [
    "CLIENT_ONLY_KEYS",
    "DEFAULT_GRACE",
    "LINE_LIMIT",
    "PROTOCOL_VERSION",
    "OpenSpec",
    "check_hello",
    "decision_from_wire",
    "decision_to_wire",
    "decode",
    "encode",
    "error_from_wire",
    "error_to_wire",
    "hello",
    "package_version",
    "permission_from_wire",
    "permission_to_wire",
    "question_from_wire",
    "question_to_wire",
]

PROTOCOL_VERSION = 1
"""The version both sides must speak; a hello with another one is refused."""

LINE_LIMIT = 16 << 20
"""The longest line either side accepts (a big tool result fits; a runaway does not)."""

DEFAULT_GRACE = 30.0
"""Seconds a host keeps a member whose connection dropped, unless the profile says."""

CLIENT_ONLY_KEYS = ("claudePath", "host", "remoteCommand", "sendSecrets", "hostGraceSeconds")
"""Profile keys that are the local side's business and never travel in an OpenSpec: a
host finds its own Claude Code, and is the host."""

Message = dict[str, Any]


def package_version() -> str:
    """This claude-coder's version (what a hello says)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("claude-coder")
    except PackageNotFoundError:
        return "unknown"


def encode(message: Mapping[str, Any]) -> bytes:
    """One message as its line (with the newline)."""
    return (
        json.dumps(to_jsonable(message), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        + b"\n"
    )


def decode(line: bytes) -> Message:
    """One line back into a message; ``ValueError`` if it is not a JSON object with an op."""
    if len(line) > LINE_LIMIT:
        raise ValueError(f"a line of {len(line)} bytes is over the limit of {LINE_LIMIT}")
    try:
        message = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a JSON line: {exc}") from None
    if not isinstance(message, dict) or not isinstance(message.get("op"), str):
        raise ValueError("not a message: a JSON object with an 'op' was expected")
    return message


def hello(role: str, **extra: Any) -> Message:
    """The opening message of ``role`` (``client`` or ``host``)."""
    return {
        "op": "hello",
        "version": PROTOCOL_VERSION,
        "claude_coder": package_version(),
        "role": role,
        **extra,
    }


def check_hello(message: Mapping[str, Any], host: str) -> None:
    """Raise :class:`HostError` unless ``message`` is a hello in this protocol version."""
    if message.get("op") == "error":
        raise error_from_wire(message.get("error") or {}, host)
    if message.get("op") != "hello":
        raise HostError(
            f"host {host!r} did not answer as claude-coder serve does "
            f"(got {str(message.get('op'))[:40]!r}): check the profile's remoteCommand",
            host=host,
        )
    version = message.get("version")
    if version != PROTOCOL_VERSION:
        theirs = str(message.get("claude_coder", "?"))[:40]
        raise HostError(
            f"host {host!r} runs claude-coder {theirs} (protocol {version}); this one "
            f"({package_version()}) speaks protocol {PROTOCOL_VERSION}: install the same "
            "version on both",
            host=host,
        )


def error_to_wire(exc: BaseException) -> Message:
    """An error as it travels (its message must already be redacted): its class name,
    message, exit code and the plain values of the fields its constructor names."""
    code = exc.exit_code if isinstance(exc, ClaudeCoderError) else 1
    out: Message = {"type": type(exc).__name__, "message": str(exc), "exit_code": code}
    if isinstance(exc, ClaudeCoderError):
        names = _field_names(type(exc))
        fields = {k: v for k, v in vars(exc).items() if k in names and _plain(v)}
        if fields:
            out["fields"] = fields
    return out


_FIELD_ITEMS = 64
"""The longest list a field may carry over the wire."""


def _plain(value: object, depth: int = 0) -> bool:
    """A value a field may carry over the wire: JSON scalars, or short lists of them."""
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple) and depth < 2 and len(value) <= _FIELD_ITEMS:
        return all(_plain(item, depth + 1) for item in value)
    return False


def _field_names(cls: type[ClaudeCoderError]) -> frozenset[str]:
    """The public names the constructors of ``cls`` and its bases take, ``message`` aside."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or not issubclass(klass, ClaudeCoderError):
            continue
        params = inspect.signature(init).parameters.values()
        names |= {
            p.name
            for p in params
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            and p.name not in ("self", "message")
            and not p.name.startswith("_")
        }
    return frozenset(names)


def _error_class(name: str) -> type[ClaudeCoderError] | None:
    cls = getattr(errors, name, None)
    if isinstance(cls, type) and issubclass(cls, ClaudeCoderError):
        return cls
    return None


def error_from_wire(data: object, host: str) -> ClaudeCoderError:
    """The error a host reported, as the same class (so the same exit code), its message
    prefixed ``on host 'H': ``; an unknown class comes back as :class:`HostError`.

    The instance is not built by its constructor (which may need more than a message, or
    rewrite it): it gets the message as sent and the fields its constructor names, each
    one not sent, or not plain, left ``None``.
    """
    data = data if isinstance(data, Mapping) else {}
    message = f"on host {host!r}: {data.get('message') or 'an unknown error'!s}"
    cls = _error_class(str(data.get("type", "")))
    if cls is None or cls is HostError:
        return HostError(message, host=host)
    built = cls.__new__(cls)
    ClaudeCoderError.__init__(built, message)
    sent = data.get("fields")
    sent = sent if isinstance(sent, Mapping) else {}
    for name in _field_names(cls):
        value = sent.get(name)
        setattr(built, name, value if _plain(value) else None)
    return built


@dataclass(frozen=True)
class OpenSpec:
    """What the host needs to launch a member's Claude Code: the ``open`` request's spec."""

    profile: Mapping[str, Any]
    """The profile's definition (``model_dump(mode="json", by_alias=True)``) without
    the keys of :data:`CLIENT_ONLY_KEYS`."""
    transport: str = "sdk"
    name: str | None = None
    cwd: str | None = None
    """A directory on the host (None: the host user's home)."""
    resume: str | None = None
    fork: bool = False
    persist: bool = True
    output_schema: Mapping[str, Any] | None = None
    session_id: str | None = None
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Env name -> value, for the profile's ``sendSecrets`` only."""
    grace_s: float = DEFAULT_GRACE
    """How long the host keeps the session when the connection drops (the profile's
    ``hostGraceSeconds``)."""
    raw: bool = False
    """Send the PTY's raw bytes (``raw`` messages) for a viewer."""

    def to_wire(self) -> Message:
        out: Message = to_jsonable(
            {
                "profile": dict(self.profile),
                "transport": self.transport,
                "name": self.name,
                "cwd": self.cwd,
                "resume": self.resume,
                "fork": self.fork,
                "persist": self.persist,
                "output_schema": self.output_schema,
                "session_id": self.session_id,
                "secrets": dict(self.secrets),
                "grace_s": self.grace_s,
                "raw": self.raw,
            }
        )
        return out

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> OpenSpec:
        """The spec in an ``open`` request; ``ValueError`` when a field has the wrong type."""
        profile = data.get("profile")
        secrets = data.get("secrets") or {}
        if not isinstance(profile, Mapping) or not isinstance(secrets, Mapping):
            raise ValueError("an open request needs a profile object")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in secrets.items()):
            raise ValueError("secrets must map names to strings")
        schema = data.get("output_schema")
        grace = data.get("grace_s", DEFAULT_GRACE)
        if not isinstance(grace, int | float) or isinstance(grace, bool) or grace < 0:
            raise ValueError("grace_s must be a number of seconds")
        return cls(
            profile=dict(profile),
            transport=_text(data, "transport") or "sdk",
            name=_text(data, "name"),
            cwd=_text(data, "cwd"),
            resume=_text(data, "resume"),
            fork=bool(data.get("fork", False)),
            persist=bool(data.get("persist", True)),
            output_schema=dict(schema) if isinstance(schema, Mapping) else None,
            session_id=_text(data, "session_id"),
            secrets=dict(secrets),
            grace_s=float(grace),
            raw=bool(data.get("raw", False)),
        )


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


def permission_to_wire(request: PermissionRequest) -> Message:
    out: Message = to_jsonable(request)
    return out


def permission_from_wire(data: Mapping[str, Any]) -> PermissionRequest:
    return PermissionRequest(
        request_id=str(data["request_id"]),
        tool=str(data["tool"]),
        input=dict(data.get("input") or {}),
        tool_use_id=data.get("tool_use_id"),
    )


def decision_to_wire(decision: PermissionDecision) -> Message:
    out: Message = to_jsonable(decision)
    return out


def decision_from_wire(data: Mapping[str, Any]) -> PermissionDecision:
    message = data.get("message")
    return PermissionDecision(
        allow=bool(data.get("allow", False)),
        by=str(data.get("by", "policy")),
        message=str(message) if message is not None else None,
        always=bool(data.get("always", False)),
    )


def question_to_wire(request: QuestionRequest) -> Message:
    out: Message = to_jsonable(request)
    return out


def question_from_wire(data: Mapping[str, Any]) -> QuestionRequest:
    return QuestionRequest(
        request_id=str(data["request_id"]),
        questions=tuple(
            Question(
                question=str(q["question"]),
                header=str(q.get("header", "")),
                options=tuple(
                    QuestionOption(str(o["label"]), str(o.get("description", "")))
                    for o in q.get("options", ())
                ),
                multi_select=bool(q.get("multi_select", False)),
            )
            for q in data.get("questions", ())
        ),
    )
