"""Profile + resolved secrets -> LaunchSpec: the only module that knows Claude Code's flags.

:func:`build_launch` is the create-time step: it finds the binary, re-checks the auth
invariant, resolves ``secretRef`` values (and registers them with the session's
Redactor), builds the child environment through :mod:`claude_coder.security.env` and
writes the argv for the chosen transport. :func:`read_version` / :func:`aread_version`
run ``<binary> --version`` with a deadline through the same environment rules.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_coder.errors import BinaryNotFoundError, ConfigError, VersionRefused
from claude_coder.profiles import Profile, resolve_env
from claude_coder.security import (
    Redactor,
    Version,
    check_profile_env,
    child_env,
    inherited_environ,
    mcp_args,
    parse_version,
)

PTY_TERM = "xterm-256color"
"""The terminal the PTY transport emulates (pyte renders an xterm)."""

__all__ = [
    "CLAUDE_ENV",
    "SDK_STREAM_FLAGS",
    "LaunchSpec",
    "aread_version",
    "build_launch",
    "bundled_claude",
    "find_claude",
    "read_version",
]

CLAUDE_ENV = "CLAUDE_CODER_CLAUDE"
"""Environment variable naming the Claude Code binary when a profile has no ``claudePath``."""

SDK_STREAM_FLAGS: tuple[str, ...] = (
    "--output-format",
    "stream-json",
    "--verbose",
    "--input-format",
    "stream-json",
    "--permission-prompt-tool",
    "stdio",
    "--include-partial-messages",
)
"""The stream-json protocol flags of the sdk transport (no ``--system-prompt``: a session
keeps Claude Code's own system prompt)."""


@dataclass(frozen=True)
class LaunchSpec:
    """Everything needed to start one Claude Code child; ``repr`` never shows the env."""

    binary: str
    argv: tuple[str, ...]
    """``argv[0]`` is the binary."""
    env: Mapping[str, str] = field(repr=False)
    """The complete child environment (built by ``security.env``; may hold secrets)."""
    cwd: str
    transport: str
    session_id: str | None
    """Pre-assigned uuid (sdk new session, any fork) or the resumed id; None when late-bound."""
    profile: Profile
    redactor: Redactor
    name: str | None = None
    output_schema: Mapping[str, Any] | None = None
    """The JSON schema every turn's structured output must match (``--json-schema``)."""
    resumed_from: str | None = None
    """The session resumed or forked from (its totals are where this process starts)."""
    binary_why: str = ""
    """Why this binary: ``profile claudePath``, ``$CLAUDE_CODER_CLAUDE``, ``PATH``, ``bundled``."""


def bundled_claude() -> Path | None:
    """The Claude Code binary shipped in the ``claude-agent-sdk`` wheel, if installed."""
    spec = importlib.util.find_spec("claude_agent_sdk")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "_bundled" / "claude"
        if candidate.is_file():
            return candidate
    return None


def _executable(raw: str, why: str, environ: Mapping[str, str]) -> str:
    path = Path(raw).expanduser()
    if os.sep not in raw and not path.exists():
        found = shutil.which(raw, path=environ.get("PATH"))
        if found is None:
            raise BinaryNotFoundError(f"{why} names {raw!r}, which is not on PATH")
        return found
    if not path.is_file():
        raise BinaryNotFoundError(f"{why} names {str(path)!r}, which does not exist")
    if not os.access(path, os.X_OK):
        raise BinaryNotFoundError(f"{why} names {str(path)!r}, which is not executable")
    return str(path.resolve())


def find_claude(
    profile: Profile | None = None, environ: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """(path, why) of the Claude Code binary a session of ``profile`` would run.

    Order: the profile's ``claudePath``, ``$CLAUDE_CODER_CLAUDE``, ``claude`` on PATH,
    the binary bundled in ``claude-agent-sdk``. A named binary that is missing is an
    error, never silently replaced by the next candidate.
    """
    env = inherited_environ() if environ is None else environ
    if profile is not None and profile.claude_path:
        why = f"profile {profile.name!r} claudePath"
        return _executable(profile.claude_path, why, env), why
    if env.get(CLAUDE_ENV):
        return _executable(env[CLAUDE_ENV], f"${CLAUDE_ENV}", env), f"${CLAUDE_ENV}"
    on_path = shutil.which("claude", path=env.get("PATH"))
    if on_path is not None:
        return on_path, "claude on PATH"
    bundled = bundled_claude()
    if bundled is not None:
        return str(bundled), "bundled with claude-agent-sdk"
    raise BinaryNotFoundError(
        "no Claude Code binary found: set claudePath in the profile or "
        f"${CLAUDE_ENV}, put `claude` on PATH, or install claude-agent-sdk"
    )


def _session_args(
    transport: str, session_id: str | None, resume: str | None, fork: bool
) -> tuple[list[str], str | None]:
    if resume is not None:
        args = [f"--resume={resume}"] if transport == "sdk" else ["--resume", resume]
        if fork:
            # A fork gets its id now, so every caller knows it before the first turn
            # (Claude Code takes --session-id together with --fork-session).
            new = session_id or str(uuid.uuid4())
            flag = [f"--session-id={new}"] if transport == "sdk" else ["--session-id", new]
            return [*args, "--fork-session", *flag], new
        return args, _as_uuid(resume)
    if fork:
        raise ConfigError("fork needs a session to fork from (resume=...)")
    # Both transports name a new session themselves: the PTY then knows its transcript
    # from the first keystroke (some TUI versions record their id late, or never).
    sid = session_id or str(uuid.uuid4())
    if _as_uuid(sid) is None:
        raise ConfigError(f"session id {sid!r} is not a uuid")
    return [f"--session-id={sid}"], sid


def _as_uuid(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def _profile_args(profile: Profile, transport: str) -> list[str]:
    args = ["--permission-mode", profile.permission_mode, *mcp_args(profile.mcp_servers)]
    if profile.model:
        args += ["--model", profile.model]
    if profile.append_system_prompt:
        args += ["--append-system-prompt", profile.append_system_prompt]
    if profile.max_turns is not None and transport == "sdk":
        args += ["--max-turns", str(profile.max_turns)]
    if profile.max_budget_usd is not None and transport == "sdk":
        args += ["--max-budget-usd", str(profile.max_budget_usd)]
    return args


def _resolve_cwd(cwd: str | None, profile: Profile) -> str:
    raw = cwd or profile.cwd
    path = Path(raw).expanduser() if raw else Path.cwd()
    if not path.is_dir():
        raise ConfigError(
            f"working directory {str(path)!r} does not exist", profile=profile.name, path="cwd"
        )
    return str(path.resolve())


def build_launch(
    profile: Profile,
    *,
    transport: str | None = None,
    session_id: str | None = None,
    name: str | None = None,
    resume: str | None = None,
    fork: bool = False,
    persist: bool = True,
    cwd: str | None = None,
    redactor: Redactor | None = None,
    environ: Mapping[str, str] | None = None,
    output_schema: Mapping[str, Any] | None = None,
) -> LaunchSpec:
    """Compile ``profile`` into a :class:`LaunchSpec` (call once per session create).

    Raises :class:`~claude_coder.errors.CredentialRefused` (auth invariant),
    :class:`~claude_coder.errors.SecretError` (a secret could not be resolved),
    :class:`~claude_coder.errors.BinaryNotFoundError` or
    :class:`~claude_coder.errors.ConfigError` (bad transport, cwd or combination).
    """
    kind = transport or profile.transport
    if kind not in ("sdk", "pty"):
        raise ConfigError(f"unknown transport {kind!r} (sdk or pty)", profile=profile.name)
    if kind == "pty" and not persist:
        raise ConfigError("pty sessions always keep a transcript (persist=False is sdk only)")
    check_profile_env(profile.name, profile.env)
    env_in = inherited_environ() if environ is None else environ
    binary, why = find_claude(profile, env_in)
    work_dir = _resolve_cwd(cwd, profile)
    red = redactor if redactor is not None else Redactor()
    compiled = resolve_env(profile.env, environ=env_in, profile=profile.name)
    for secret in compiled.secrets:
        red.add(secret)
    env = child_env(
        compiled,
        env_in,
        drop=[s for s in compiled.sources if s not in compiled],
        term=PTY_TERM if kind == "pty" else None,
    )
    session_args, sid = _session_args(kind, session_id, resume, fork)
    argv = [binary, *(SDK_STREAM_FLAGS if kind == "sdk" else ()), *_profile_args(profile, kind)]
    argv += session_args
    if name:
        argv += ["--name", name]
    if not persist:
        argv.append("--no-session-persistence")
    if output_schema is not None:
        if kind != "sdk":
            raise ConfigError("an output schema needs the sdk transport", profile=profile.name)
        argv += ["--json-schema", json.dumps(output_schema)]
    return LaunchSpec(
        binary=binary,
        argv=tuple(argv),
        env=env,
        cwd=work_dir,
        transport=kind,
        session_id=sid,
        profile=profile,
        redactor=red,
        name=name,
        resumed_from=resume,
        output_schema=output_schema,
        binary_why=why,
    )


def _version_env(environ: Mapping[str, str] | None) -> dict[str, str]:
    return child_env({}, inherited_environ() if environ is None else environ)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def read_version(
    binary: str, *, deadline_s: float = 15.0, environ: Mapping[str, str] | None = None
) -> Version:
    """Run ``<binary> --version`` (within ``deadline_s`` seconds) and parse what it prints.

    The child runs in its own process group, killed whole on timeout. Raises
    :class:`VersionRefused` when it fails, hangs or prints no version.
    """
    try:
        proc = subprocess.Popen(
            [binary, "--version"],
            env=_version_env(environ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise VersionRefused(f"{binary} --version could not run ({exc.strerror})") from None
    with proc:
        try:
            out, _ = proc.communicate(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            proc.communicate()
            raise VersionRefused(
                f"{binary} --version did not answer within {deadline_s:g}s"
            ) from None
    if proc.returncode != 0:
        raise VersionRefused(f"{binary} --version exited with {proc.returncode}")
    return parse_version(out.decode("utf-8", "replace"))


async def aread_version(
    binary: str, *, deadline_s: float = 15.0, environ: Mapping[str, str] | None = None
) -> Version:
    """:func:`read_version` for asyncio code; the child's group is killed and reaped on any exit."""
    try:
        proc = await asyncio.create_subprocess_exec(
            binary,
            "--version",
            env=_version_env(environ),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise VersionRefused(f"{binary} --version could not run ({exc.strerror})") from None
    try:
        async with asyncio.timeout(deadline_s):
            out, _ = await proc.communicate()
    except TimeoutError:
        raise VersionRefused(f"{binary} --version did not answer within {deadline_s:g}s") from None
    finally:
        if proc.returncode is None:
            _kill_group(proc.pid)
            await asyncio.shield(proc.wait())
    if proc.returncode != 0:
        raise VersionRefused(f"{binary} --version exited with {proc.returncode}")
    return parse_version(out.decode("utf-8", "replace"))
