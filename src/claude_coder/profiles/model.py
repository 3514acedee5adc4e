"""The profile schema: pydantic models for a profiles file (camelCase JSON, snake_case Python).

Two shapes: :class:`ProfileSpec` is one entry as written in a file (every key optional
except ``name``, ``null`` in ``env``/``mcpServers`` removes an inherited key), and
:class:`Profile` is a profile resolved through ``extends``, frozen, with defaults filled
in. Both forbid unknown keys and take types strictly (``"5"`` is not a number).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    field_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "PERMISSION_MODES",
    "TRANSPORTS",
    "EnvValue",
    "Host",
    "PermissionMode",
    "PermissionPolicy",
    "Profile",
    "ProfileSpec",
    "SecretRef",
    "Transport",
]

Transport = Literal["sdk", "pty"]
TRANSPORTS: tuple[str, ...] = ("sdk", "pty")

PermissionMode = Literal["default", "acceptEdits", "plan", "auto", "dontAsk", "bypassPermissions"]
PERMISSION_MODES: tuple[str, ...] = (
    "default",
    "acceptEdits",
    "plan",
    "auto",
    "dontAsk",
    "bypassPermissions",
)

_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_SECRET_REF_RE = re.compile(r"^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+|keyring:.+/[^/]+)$")
_UNSAFE_RE = re.compile(r"[\s\x00-\x1f\x7f]")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _host(value: str) -> str:
    """An ssh destination (``devbox``, ``me@devbox``): never an option, one shell word."""
    if not value or len(value) > 255:
        raise ValueError("must be an ssh destination of 1-255 characters")
    if value.startswith("-"):
        raise ValueError("must not start with '-' (it would be read as an ssh option)")
    if _UNSAFE_RE.search(value):
        raise ValueError("must not contain whitespace or control characters")
    return value


def _remote_command(value: str) -> str:
    if not value or len(value) > 1024 or value.startswith("-") or _UNSAFE_RE.search(value):
        raise ValueError(
            "must be the path or name of claude-coder on the host (no whitespace or "
            "control characters, not starting with '-'), e.g. ~/.local/bin/claude-coder"
        )
    return value


def _secret_names(value: tuple[str, ...]) -> tuple[str, ...]:
    for name in value:
        if not _ENV_NAME_RE.match(name):
            raise ValueError(f"{name!r} is not an environment variable name")
    return value


Host = Annotated[str, AfterValidator(_host)]
"""A remote member's ssh destination, as ``~/.ssh/config`` knows it."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class _Strict(BaseModel):
    model_config = ConfigDict(
        alias_generator=_camel,
        populate_by_name=True,
        extra="forbid",
        strict=True,
        frozen=True,
    )


class SecretRef(_Strict):
    """``{"secretRef": "env:NAME" | "file:PATH" | "keyring:SERVICE/ACCOUNT"}``.

    Resolved only when a session is created (:mod:`claude_coder.profiles.secrets`);
    the value never lives in a profile.
    """

    secret_ref: str

    @field_validator("secret_ref")
    @classmethod
    def _scheme(cls, ref: str) -> str:
        if not _SECRET_REF_RE.match(ref):
            raise ValueError("must be env:NAME, file:PATH or keyring:SERVICE/ACCOUNT")
        return ref

    def __str__(self) -> str:
        return f"secretRef:{self.secret_ref}"


def _env_value(value: object) -> str | SecretRef:
    if isinstance(value, str | SecretRef):
        return value
    if isinstance(value, dict) and "secretRef" in value:
        return SecretRef.model_validate(value)
    raise PydanticCustomError(
        "env_value",
        'must be a string or {"secretRef": "env:NAME" | "file:PATH" | "keyring:SERVICE/ACCOUNT"}',
    )


def _env_json(value: str | SecretRef) -> str | dict[str, str]:
    return value if isinstance(value, str) else {"secretRef": value.secret_ref}


EnvValue = Annotated[
    str | SecretRef, PlainValidator(_env_value), PlainSerializer(_env_json, return_type=Any)
]
"""A profile ``env`` value: a literal string or a secret reference."""


class PermissionPolicy(_Strict):
    """Rules Claude's tool calls are decided by: first matching deny, then allow, then default."""

    allow: Annotated[tuple[str, ...], Field(strict=False)] = ()
    """Rules such as ``"Read"``, ``"Bash(git *)"``, ``"Write(src/**)"``."""
    deny: Annotated[tuple[str, ...], Field(strict=False)] = ()
    default: Literal["ask", "allow", "deny"] = "ask"


class _Fields(_Strict):
    """Keys shared by the file entry and the resolved profile."""

    name: Annotated[str, Field(pattern=_NAME_PATTERN)]
    cwd: str | None = None
    """Working directory of the session (``~`` expanded at launch); else the caller's."""
    model: str | None = None
    """Model alias or id passed as ``--model``."""
    append_system_prompt: str | None = None
    """Appended to Claude Code's own system prompt (``--append-system-prompt``)."""
    claude_path: str | None = None
    """The Claude Code binary to run; else ``$CLAUDE_CODER_CLAUDE``, PATH, the bundled one."""
    max_turns: Annotated[int, Field(ge=1)] | None = None
    """``--max-turns`` (sdk transport only)."""
    worktree_setup: str | None = None
    """A shell command run once in a member's new worktree (install dependencies, say)."""
    max_budget_usd: Annotated[float, Field(gt=0)] | None = None
    """``--max-budget-usd`` (sdk transport only): the turn that would pass it is refused."""
    resume_after_limit: bool | None = None
    """In a fleet: resume this member's waiting turns after a usage limit resets (else
    they end ``limit``); None leaves it to the fleet's ``resume_after_limit``."""
    host: Host | None = None
    """Run Claude Code on this ssh destination (``devbox``, ``me@devbox``); else here."""
    remote_command: Annotated[str, AfterValidator(_remote_command)] | None = None
    """How the host starts claude-coder (default ``claude-coder`` on its login PATH)."""
    send_secrets: Annotated[
        tuple[str, ...], Field(strict=False), AfterValidator(_secret_names)
    ] = ()
    """Names of ``env`` entries whose ``secretRef`` is resolved here and sent to the host
    (every other reference travels as a reference and is resolved there)."""
    host_grace_seconds: Annotated[float, Field(gt=0, le=86400)] | None = None
    """How long the host keeps Claude Code running when the ssh connection drops, for a
    re-attach to the running turn (default 30; a laptop that sleeps wants longer)."""


class ProfileSpec(_Fields):
    """One entry of a profiles file, before ``extends`` is resolved."""

    extends: Annotated[str, Field(pattern=_NAME_PATTERN)] | None = None
    transport: Transport | None = None
    permission_mode: PermissionMode | None = None
    env: dict[str, EnvValue | None] | None = None
    mcp_servers: dict[str, dict[str, Any] | None] | None = None
    stall_timeout_seconds: Annotated[float, Field(gt=0)] | None = None
    permission_policy: PermissionPolicy | None = None
    experimental_ask_user_question_answering: bool | None = None
    trust_workspace: bool | None = None
    worktree: bool | None = None


class Profile(_Fields):
    """A profile resolved through ``extends``: what a session is created from."""

    extends: str | None = None
    """The parent it was resolved from (informational)."""
    transport: Transport = "sdk"
    permission_mode: PermissionMode = "default"
    """Always passed explicitly: without it Claude Code 2.1.33x starts in auto mode."""
    env: dict[str, EnvValue] = Field(default_factory=dict)
    mcp_servers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    stall_timeout_seconds: Annotated[float, Field(gt=0)] = 120.0
    permission_policy: PermissionPolicy = Field(default_factory=PermissionPolicy)
    experimental_ask_user_question_answering: bool = False
    """SDK: answer Claude's AskUserQuestion prompts programmatically."""
    trust_workspace: bool = False
    """PTY: accept Claude Code's workspace-trust prompt for ``cwd``."""
    worktree: bool = False
    """A fleet member (or ``run``/``repl``) with this profile works in its own git worktree."""

    def to_json(self) -> dict[str, Any]:
        """The profile as camelCase JSON; secret references stay references."""
        out: dict[str, Any] = self.model_dump(mode="json", by_alias=True)
        return out
