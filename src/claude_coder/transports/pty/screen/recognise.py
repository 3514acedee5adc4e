"""Classify a rendered Claude Code screen: the one entry point is :func:`recognise`.

Model output can contain any words, so the TUI's own chrome anchors every verdict: the
full-width rules (which model text, always indented, never draws). A dialog is read from
the region below the last rule; the prompt box is the two rules around the ``❯`` line
with the footer below. Screens drawn before any conversation (first run) are read from
the whole screen under the ``Welcome to Claude Code`` banner. Whatever matches no
recogniser exactly is ``unknown``, and a driver sends it no keystroke.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

from claude_coder.transports.pty.screen.dialogs import (
    api_key_dialog,
    auto_mode_modal,
    first_run_banner,
    permission_dialog,
    question_dialog,
    rewind_menu,
    trust_dialog,
)
from claude_coder.transports.pty.screen.model import Recognition, ScreenKind
from claude_coder.transports.pty.screen.parts import (
    footer_mode,
    is_rule,
    rule_indices,
    title_signal,
)
from claude_coder.transports.pty.screen.terminal import Snapshot

__all__ = ["QUEUED_PLACEHOLDER", "last_reply", "progress_text", "recognise"]

QUEUED_PLACEHOLDER = "Press up to edit queued messages"
_INTERRUPTED = "Interrupted · What should Claude do instead?"
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NAME_RE = re.compile(r'--resume\s+"([^"]+)"')
_DONE_RE = re.compile(r"^✻ [A-Z][\w'-]* for \d")
"""``✻ Cooked for 0s · done 8:55 AM``: 2.1.250 draws it under an interrupted turn too."""
_SPINNER_RE = re.compile(r"^[^\w\s●❯⎿▎│] [A-Z][\w'-]*…")
_NOTICES = {
    "Auto mode is now Claude Code's default permission mode": "auto_mode_default",
    "Usage limit reached": "usage_limit",
    "Continuing automatically at": "auto_continue",
}

Region = Callable[[Sequence[str], int], Recognition | None]
_DIALOGS: tuple[Region, ...] = (
    trust_dialog,
    api_key_dialog,
    auto_mode_modal,
    permission_dialog,
    rewind_menu,
    question_dialog,
)
_DIALOG_TOPS = 4
"""How many of the lowest rules may be a dialog's top (a question's options have a rule
inside, a named session draws one more under the dialog)."""


def progress_text(snap: Snapshot) -> str:
    """The screen without its spinner lines: it changes only when something happened.

    The spinner animates and counts seconds even when nothing arrives, so a screen
    compared this way stops changing when the turn stalls.
    """
    return "\n".join(line for line in snap.lines if not _SPINNER_RE.match(line))


def last_reply(snap: Snapshot) -> str:
    """The last ``●`` block above the prompt box, as drawn (the transcript's fallback).

    Continuation lines (indented two spaces) are joined with spaces; tool-call lines
    (``● Name(...)``) and the result lines under them are not replies.
    """
    lines = [line.replace("\xa0", " ").rstrip() for line in snap.lines]
    rules = rule_indices(lines, snap.columns)
    end = rules[-2] if len(rules) >= 2 else len(lines)
    block: list[str] = []
    for line in reversed(lines[:end]):
        if line.startswith("● "):
            head = line[2:].strip()
            if re.match(r"^[A-Z]\w*\(.*\)$", head):
                block = []
                continue
            return " ".join([head, *reversed(block)]).strip()
        if line.startswith("  ") and not line.strip().startswith("⎿"):
            block.append(line.strip())
        elif line.strip():
            block = []
    return ""


def recognise(snap: Snapshot) -> Recognition:
    """The kind of screen ``snap`` shows, with what it offers (options, mode, prompt)."""
    typed = [snap.undimmed(row).replace("\xa0", " ") for row in range(len(snap.lines))]
    found = _classify(list(snap.lines), snap.columns, typed)
    return dataclasses.replace(found, title=title_signal(snap.title))


def _classify(lines: list[str], columns: int, typed: list[str]) -> Recognition:
    """``typed``: the same lines with faint text blanked (a prompt's placeholder hint)."""
    lines = [line.replace("\xa0", " ") for line in lines]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return Recognition(ScreenKind.BLANK)
    ended = _exited(lines)
    if ended is not None:
        return ended
    rules = rule_indices(lines, columns)
    if rules:
        found = _dialog(lines, rules, columns)
        if found is not None:
            return found
        found = _prompt_box(lines, rules, columns, typed)
        if found is not None:
            return found
    found = first_run_banner(lines) or rewind_menu(_after_last_banner(lines), columns)
    return found or Recognition(ScreenKind.UNKNOWN, region=tuple(lines[-12:]))


def _dialog(lines: list[str], rules: list[int], columns: int) -> Recognition | None:
    """A dialog, found by its own structure: it starts right under a full-width rule
    (which model text never draws) and runs to the bottom of the screen, where rules
    that only decorate (one may carry the session name) are left out."""
    for top in reversed(rules[-_DIALOG_TOPS:]):
        region = lines[top + 1 :]
        while region and (not region[-1].strip() or is_rule(region[-1], columns)):
            region = region[:-1]
        for recogniser in _DIALOGS:
            found = recogniser(region, columns)
            if found is not None:
                return found
    return None


def _after_last_banner(lines: list[str]) -> list[str]:
    """Lines below the last line of ``▔`` (2.1.331 draws the rewind menu under one)."""
    for i in range(len(lines) - 1, -1, -1):
        s = lines[i].strip()
        if len(s) >= 20 and set(s) == {"▔"}:
            return lines[i + 1 :]
    return lines


def _exited(lines: list[str]) -> Recognition | None:
    """The process printed its goodbye: the resume hint, or the untrusted-folder note.

    Both start at column 0, where model output (always indented) never does.
    """
    tail = [(i, s.rstrip()) for i, s in enumerate(lines) if s.strip()][-6:]
    for pos, (i, text) in enumerate(tail):
        if text.startswith("Claude Code didn't start because this folder isn't trusted"):
            return Recognition(ScreenKind.NOT_TRUSTED, detail=text, region=tuple(lines[i:]))
        if not text.startswith("Resume this session with:") or pos + 1 >= len(tail):
            continue
        hint = tail[pos + 1][1]
        if not hint.startswith("claude ") or "--resume" not in hint:
            continue
        named = _NAME_RE.search(hint)
        ident = _UUID_RE.search(hint)
        resume = named.group(1) if named else ident.group(0) if ident else None
        return Recognition(ScreenKind.EXITED, resume=resume, region=tuple(lines[i:]))
    return None


def _box_text(body: Sequence[str]) -> str:
    return "\n".join([body[0][1:].strip(), *(line[2:].rstrip() for line in body[1:])]).rstrip("\n")


def _prompt_box(
    lines: list[str], rules: list[int], columns: int, typed: list[str]
) -> Recognition | None:
    """Rule, ``❯`` line(s), rule, footer: idle, busy, queued, interrupted, exit-confirm.

    The prompt is the typed text only: a faint placeholder hint is not part of it."""
    if len(rules) < 2:
        return None
    top, bottom = rules[-2], rules[-1]
    body = lines[top + 1 : bottom]
    if not body or not body[0].startswith("❯"):
        return None
    if any(line[:2].strip() for line in body[1:]):
        return None
    shown = _box_text(body)
    prompt = _box_text(typed[top + 1 : bottom]) if typed[top + 1].startswith("❯") else shown
    after = [s.strip() for s in lines[bottom + 1 :] if s.strip()]
    footer = "\n".join(after) if after and not after[0].startswith("/") else ""
    above = _above(lines, top)
    kind = _box_kind(footer, shown, above)
    notices = tuple(
        tag for marker, tag in _NOTICES.items() if any(marker in s for s in (*lines[:top], *after))
    )
    region = tuple(lines[top:])
    return Recognition(kind, footer_mode(footer), prompt, footer, notices=notices, region=region)


def _above(lines: list[str], top: int) -> list[str]:
    """The few meaningful lines right above the prompt box, nearest last."""
    out: list[str] = []
    for line in reversed(lines[:top]):
        s = line.strip()
        if not s or s.endswith("/effort") or s.startswith("⎿  Tip:"):
            continue
        out.insert(0, line)
        if len(out) == 3:
            break
    return out


def _box_kind(footer: str, prompt: str, above: list[str]) -> ScreenKind:
    if footer.startswith("Press Ctrl-C again to exit") or footer.startswith(
        "Press Ctrl-D again to exit"
    ):
        return ScreenKind.EXIT_CONFIRM
    spinning = any(_SPINNER_RE.match(line) for line in above)
    queued = prompt == QUEUED_PLACEHOLDER or any("⎿  Queued ·" in line for line in above)
    if "esc to interrupt" in footer or spinning:
        return ScreenKind.QUEUED if queued else ScreenKind.BUSY
    said = [line for line in above if not _DONE_RE.match(line.strip())]
    if said and said[-1].strip().lstrip("⎿").strip() == _INTERRUPTED:
        return ScreenKind.INTERRUPTED
    return ScreenKind.IDLE
