"""The PTY session's edges: from spawn to the idle prompt, and from the prompt to exit.

:func:`reach_prompt` waits for the first screen Claude Code settles on and deals with
it: the idle prompt (its mode checked against the profile), the workspace-trust dialog
(accepted only when the profile says ``trustWorkspace: true``), every other first-run
screen refused with what the person must do. :func:`goodbye` exits politely (``/exit``
verified, else Ctrl-C twice) and never presses a key on a screen it does not know.
:func:`clear_restored` empties a prompt that an early interrupt put back in the box.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from claude_coder.errors import CredentialRefused, ScreenError, TransportError
from claude_coder.transports.pty._dialog import choose, same_screen
from claude_coder.transports.pty._process import ChildExited, TerminalProcess
from claude_coder.transports.pty.screen import Mode, Recognition, ScreenKind, keys

if TYPE_CHECKING:
    from claude_coder.launch import LaunchSpec

__all__ = ["clear_restored", "echoed", "goodbye", "reach_prompt"]

_K = ScreenKind
Dump = Callable[[], str]

_MODES = {
    "default": Mode.DEFAULT,
    "acceptEdits": Mode.ACCEPT_EDITS,
    "plan": Mode.PLAN,
    "auto": Mode.AUTO,
    "bypassPermissions": Mode.BYPASS,
}
_ONBOARDING = (
    "Claude Code has not finished its first-run setup for this config dir ({what}). "
    "Run `claude` once in a terminal with the same CLAUDE_CONFIG_DIR, finish the setup "
    "(theme, security notes, login), then start the session again."
)
_REFUSALS = {
    _K.THEME: _ONBOARDING.format(what="theme picker"),
    _K.SECURITY_NOTES: _ONBOARDING.format(what="security notes"),
    _K.CONNECTIVITY: _ONBOARDING.format(what="its connectivity check failed"),
    _K.ROOT_REFUSED: "Claude Code refuses to skip permissions as root: use another "
    "permissionMode, or run as a normal user.",
    _K.AUTO_MODE_UNAVAILABLE: "Claude Code says auto mode cannot check actions in this "
    "session: use permissionMode default (or acceptEdits) in the profile.",
    _K.NOT_TRUSTED: "Claude Code did not start because the folder is not trusted.",
}


def _known(rec: Recognition) -> bool:
    return rec.kind not in (_K.BLANK, _K.UNKNOWN)


async def reach_prompt(
    proc: TerminalProcess, spec: LaunchSpec, dump: Dump, start_timeout: float
) -> Recognition:
    """From spawn to the idle prompt; first-run screens are answered or refused."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + start_timeout
    while True:
        remaining = deadline - loop.time()
        try:
            rec = await proc.wait_for(_known, max(0.1, remaining), settle=0.05, what="the prompt")
        except TimeoutError:
            raise ScreenError(
                f"Claude Code did not reach its prompt within {start_timeout:g}s", screen=dump()
            ) from None
        except ChildExited:
            raise TransportError("Claude Code exited before its prompt:\n" + dump()) from None
        if rec.kind.idle_like:
            _check_mode(rec, spec, dump)
            return rec
        await _first_run(proc, rec, spec, dump)


async def _first_run(proc: TerminalProcess, rec: Recognition, spec: LaunchSpec, dump: Dump) -> None:
    if rec.kind is _K.TRUST:
        if spec.profile is None or not spec.profile.trust_workspace:
            raise ScreenError(
                f"Claude Code asks whether to trust {rec.detail or spec.cwd}: run `claude` "
                "there once and choose Yes, or set trustWorkspace: true in the profile",
                screen=dump(),
            )
        # A dialog just drawn may not take keys yet: let it stand still first.
        steady = await proc.wait_for(lambda r: same_screen(r, rec), 5, settle=0.4)
        await choose(proc, steady, "Yes, I trust this folder", dump)
        return
    if rec.kind is _K.API_KEY:
        raise CredentialRefused(
            f"Claude Code found an API key ({rec.detail or 'in its environment'}); "
            "claude-coder drives only the subscription login: remove the key",
            variable=rec.detail or None,
            source="Claude Code's API-key prompt",
        )
    if rec.kind in _REFUSALS:
        raise ScreenError(_REFUSALS[rec.kind], screen=dump())
    if rec.kind.busy_like:
        await proc.wait_for(lambda r: not r.kind.busy_like, 30, what="the prompt")
        return
    raise ScreenError(
        f"Claude Code shows {rec.kind} before its prompt; no key was sent", screen=dump()
    )


def _check_mode(rec: Recognition, spec: LaunchSpec, dump: Dump) -> None:
    want = _MODES.get(spec.profile.permission_mode) if spec.profile is not None else None
    if want is not None and rec.mode is not None and rec.mode is not want:
        raise ScreenError(
            f"Claude Code started in {rec.mode} mode but the profile asks for {want}",
            screen=dump(),
        )


async def clear_restored(proc: TerminalProcess, text: str) -> None:
    """An interrupt before any reply puts the prompt back in the box: clear it with
    Ctrl-U, each press only while the box still holds (a part of) that prompt."""
    flat = "".join(text.split())
    for _ in range(2 * text.count("\n") + 3):
        now = proc.recognition()
        shown = "".join((now.prompt or "").split())
        if not now.kind.idle_like or not shown or not flat.startswith(shown):
            return
        await proc.write(keys.CTRL_U)
        was = now.prompt
        with contextlib.suppress(TimeoutError):
            await proc.wait_for(lambda r: r.prompt != was, 0.5, settle=0.05)  # noqa: B023


async def goodbye(proc: TerminalProcess) -> None:
    """``/exit`` (verified), else Ctrl-C twice; each step bounded. A screen that is not
    recognised gets no key at all: the caller terminates the child instead."""
    if proc.exited:
        return
    now = proc.recognition()
    if now.kind in (_K.UNKNOWN, _K.BLANK):
        return
    if now.kind.idle_like and not now.prompt:
        await proc.write(b"/exit")
        with contextlib.suppress(TimeoutError):
            await proc.wait_for(lambda r: r.prompt == "/exit", 3, what="/exit to show")
            await proc.write(keys.ENTER)
            if await proc.wait_eof(5):
                return
    for _ in range(2):
        if proc.exited:
            return
        await proc.write(keys.CTRL_C)
        with contextlib.suppress(TimeoutError, ChildExited):
            await proc.wait_for(lambda r: r.kind in (_K.EXIT_CONFIRM, _K.EXITED), 1, settle=0)
    await proc.wait_eof(3)


def echoed(prompt: str | None, text: str) -> bool:
    """The prompt box shows ``text`` (whitespace aside), or Claude Code's paste marker."""
    if not prompt:
        return False
    shown, wanted = "".join(prompt.split()), "".join(text.split())
    if shown == wanted:
        return True
    if prompt.startswith("[Pasted text #") and prompt.endswith("]"):
        return True
    return len(wanted) > 800 and len(shown) >= 200 and shown in wanted
