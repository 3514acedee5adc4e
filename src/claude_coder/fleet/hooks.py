"""Where "needs you" signals go besides the TUI: the settings file, desktop notices, user hooks.

The settings file is claude-coder's own ``settings.json`` in the user config dir
(``$CLAUDE_CODER_SETTINGS`` overrides the path), JSON, validated here. It is trusted only
when private (ours, mode 0600 or stricter), since it names commands to run. Every
outlet is off by default. A hook gets the payload (see :mod:`claude_coder.fleet.notify`)
as JSON: a ``command`` on its stdin, a ``url`` as the body of a POST. Each runs under its
own deadline; a failure is returned as text, never raised, so nothing blocks the fleet.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import sys
import urllib.request
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, model_validator

from claude_coder.errors import SettingsError
from claude_coder.security.env import child_env
from claude_coder.security.private import private_file_problem

__all__ = [
    "SETTINGS_ENV",
    "SIGNAL_KINDS",
    "Hook",
    "NotifySettings",
    "Settings",
    "default_settings_path",
    "desktop_command",
    "load_settings",
    "run_desktop",
    "run_hook",
]

SETTINGS_ENV = "CLAUDE_CODER_SETTINGS"
SignalKind = Literal["permission", "question", "finished", "error", "parked", "resumed"]
SIGNAL_KINDS: tuple[SignalKind, ...] = (
    "permission",
    "question",
    "finished",
    "error",
    "parked",
    "resumed",
)
_OUTPUT_LIMIT = 300


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Hook(_Model):
    """One user hook: ``command`` (argv list or a string split like a shell) or ``url``."""

    command: list[str] | str | None = None
    url: HttpUrl | None = None
    events: tuple[SignalKind, ...] = SIGNAL_KINDS
    timeout: float = Field(default=10.0, gt=0, le=300)

    @model_validator(mode="after")
    def _one_target(self) -> Hook:
        if (self.command is None) == (self.url is None):
            raise ValueError("give a hook either a command or a url")
        if isinstance(self.command, list) and not self.command:
            raise ValueError("a hook command needs at least the program")
        return self

    def argv(self) -> list[str]:
        if isinstance(self.command, str):
            return shlex.split(self.command)
        return list(self.command or [])

    def describe(self) -> str:
        """What to call the hook in a message (a URL by its host only: paths may hold tokens)."""
        if self.url is not None:
            return f"{self.url.scheme}://{self.url.host}"
        return shlex.join(self.argv())


class NotifySettings(_Model):
    """``notifications`` in the settings file."""

    badge: bool = True
    bell: bool = False
    desktop: bool = False
    events: tuple[SignalKind, ...] = SIGNAL_KINDS
    hooks: tuple[Hook, ...] = ()


class Settings(_Model):
    notifications: NotifySettings = NotifySettings()


def default_settings_path() -> Path:
    env = os.environ.get(SETTINGS_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir("claude-coder")) / "settings.json"


def load_settings(path: Path | None = None) -> Settings:
    """The settings (defaults when the file does not exist); SettingsError when unusable."""
    where = path or default_settings_path()
    if not where.exists():
        return Settings()
    problem = private_file_problem(where)
    if problem is not None:
        raise SettingsError(f"settings not trusted: {problem}")
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SettingsError(f"{where}: not valid JSON ({exc}); fix or remove the file") from None
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        at = ".".join(str(p) for p in first["loc"]) or "$"
        raise SettingsError(f"{where}: {at}: {first['msg']}") from None


# -- outlets ---------------------------------------------------------------------------


def desktop_command(title: str, text: str) -> list[str] | None:
    """The desktop notification command for this system, or None when there is none."""
    if sys.platform == "darwin" and shutil.which("osascript"):
        script = f"display notification {json.dumps(text)} with title {json.dumps(title)}"
        return ["osascript", "-e", script]
    if shutil.which("notify-send"):
        return ["notify-send", "--app-name=claude-coder", title, text]
    return None


async def _run_argv(argv: list[str], stdin: bytes, deadline: float) -> str | None:
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env=child_env(),
            start_new_session=True,
        )
    except OSError as exc:
        return f"cannot run {argv[0]}: {exc.strerror or exc}"
    try:
        _, err = await asyncio.wait_for(proc.communicate(stdin), deadline)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return f"timed out after {deadline:g}s"
    if proc.returncode:
        tail = err.decode("utf-8", "replace").strip()[-_OUTPUT_LIMIT:]
        return f"exited {proc.returncode}" + (f": {tail}" if tail else "")
    return None


def _post(url: str, body: bytes, timeout: float) -> None:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read(_OUTPUT_LIMIT)


async def run_hook(hook: Hook, payload: dict[str, Any]) -> str | None:
    """Run one hook with ``payload``; the failure as one line, or None when it worked."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    if hook.url is None:
        return await _run_argv(hook.argv(), body, hook.timeout)
    try:
        await asyncio.wait_for(
            asyncio.to_thread(_post, str(hook.url), body, hook.timeout), hook.timeout + 1
        )
    except TimeoutError:
        return f"timed out after {hook.timeout:g}s"
    except OSError as exc:  # URLError and HTTPError are OSErrors
        return str(exc)
    return None


async def run_desktop(title: str, text: str) -> str | None:
    """Show a desktop notification if this system has a way; never fails when it has none."""
    argv = desktop_command(title, text)
    if argv is None:
        return None
    return await _run_argv(argv, b"", 10.0)
