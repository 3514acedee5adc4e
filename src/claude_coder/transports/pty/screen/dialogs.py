"""Recognisers for the screens that ask something: permissions, questions, first-run.

Each function takes the lines of one region (below a full-width rule, or the whole
screen for the first-run screens that draw none) and returns a :class:`Recognition` only
when every expected part is there: title, question, an exact option list with one
selection, and the footer. Anything less returns None, and the screen stays ``unknown``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from claude_coder.transports.pty.screen.model import (
    Dialog,
    QuestionScreen,
    Recognition,
    ScreenKind,
)
from claude_coder.transports.pty.screen.parts import is_dashed, nonblank, parse_options

__all__ = [
    "api_key_dialog",
    "auto_mode_modal",
    "first_run_banner",
    "permission_dialog",
    "question_dialog",
    "rewind_menu",
    "trust_dialog",
]

_PERMISSION_KINDS = {"Bash command": "bash", "Create file": "create", "Edit file": "edit"}
_AUTO_MODE_NOTE = "Auto mode can't check actions in this session"


def _last_index(lines: Sequence[str], pred: Callable[[str], bool]) -> int | None:
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].strip() and pred(lines[i].strip()):
            return i
    return None


def _first_index(lines: Sequence[str], pred: Callable[[str], bool], start: int = 0) -> int | None:
    for i in range(start, len(lines)):
        if lines[i].strip() and pred(lines[i].strip()):
            return i
    return None


def _footer(lines: Sequence[str]) -> tuple[int, str] | None:
    idx = _last_index(lines, lambda s: True)
    return None if idx is None else (idx, lines[idx].strip())


def permission_dialog(region: Sequence[str], columns: int) -> Recognition | None:
    """``Bash command`` / ``Create file`` / ``Edit file`` / ... ``Do you want to ...?``."""
    head = _first_index(region, lambda s: True)
    foot = _footer(region)
    if head is None or foot is None or "Esc to cancel" not in foot[1]:
        return None
    q = _first_index(region, lambda s: s.startswith("Do you want to"), head + 1)
    if q is None or q >= foot[0]:
        return None
    options = parse_options(region[q + 1 : foot[0]], columns)
    if options is None:
        return None
    title = region[head].strip()
    kind, named = _permission_kind(title)
    subject, description = _subject(region[head + 1 : q], kind)
    subject = named or subject
    dialog = Dialog(kind, title, options, subject, description, region[q].strip(), foot[1])
    return Recognition(ScreenKind.PERMISSION, dialog=dialog, footer=foot[1], region=tuple(region))


def _permission_kind(title: str) -> tuple[str, str]:
    """The dialog's kind from its title, and the file the title names (2.1.0 draws
    ``Create file hello.txt``; later versions put the name on the next line)."""
    for prefix, kind in _PERMISSION_KINDS.items():
        if title == prefix:
            return kind, ""
        if kind != "bash" and title.startswith(prefix + " "):
            return kind, title[len(prefix) :].strip()
    return "other", ""


def _subject(body: Sequence[str], kind: str) -> tuple[str, str]:
    """The command or file a dialog names, and its description line(s)."""
    boxed: list[str] = []
    outside: list[str] = []
    in_box = False
    for line in body:
        if is_dashed(line):
            in_box = not in_box
            continue
        s = line.strip()
        if not s or s.startswith("Tip:") or s.startswith(_AUTO_MODE_NOTE):
            continue
        (boxed if in_box else outside).append(s)
    if kind == "bash":
        if boxed:
            return " ".join(boxed), " ".join(outside)
        return (outside[0], " ".join(outside[1:])) if outside else ("", "")
    return (outside[0] if outside else "", " ".join(outside[1:]))


def question_dialog(region: Sequence[str], columns: int) -> Recognition | None:
    """AskUserQuestion: ``☐ <header>`` / question / options / ``Enter to select ...``."""
    head = _first_index(region, lambda s: True)
    foot = _footer(region)
    if head is None or foot is None or not foot[1].startswith("Enter to select"):
        return None
    header = region[head].strip()
    if "☐" not in header:
        return None
    q = _first_index(region, lambda s: True, head + 1)
    if q is None or q >= foot[0]:
        return None
    options = parse_options(region[q + 1 : foot[0]], columns)
    if options is None:
        return None
    label = header.replace("☐", " ").replace("←", " ").replace("→", " ")
    screen = QuestionScreen(" ".join(label.split()), region[q].strip(), options, foot[1])
    return Recognition(ScreenKind.QUESTION, question=screen, footer=foot[1], region=tuple(region))


def auto_mode_modal(region: Sequence[str], columns: int) -> Recognition | None:
    """The 2.1.33x modal when auto mode's server-side check cannot run."""
    lines = nonblank(region)
    if not lines or not lines[0].startswith(_AUTO_MODE_NOTE):
        return None
    if not lines[-1].startswith("Enter to stay in auto mode"):
        return None
    return Recognition(
        ScreenKind.AUTO_MODE_UNAVAILABLE,
        footer=lines[-1],
        detail=lines[0],
        region=tuple(region),
    )


def trust_dialog(region: Sequence[str], columns: int) -> Recognition | None:
    """``Accessing workspace:`` with Yes/No (numbered in 2.1.197, reversed in 2.1.331)."""
    lines = nonblank(region)
    if not lines or lines[0] != "Accessing workspace:":
        return None
    foot = _footer(region)
    start = _first_index(region, lambda s: "trust this folder" in s or s.endswith("No, exit"))
    if foot is None or start is None or not foot[1].startswith("Enter to confirm"):
        return None
    options = parse_options(region[start : foot[0]], columns)
    labels = {o.label for o in options or ()}
    if options is None or labels != {"Yes, I trust this folder", "No, exit"}:
        return None
    path = lines[1] if len(lines) > 1 else ""
    dialog = Dialog("trust", "Accessing workspace", options, subject=path, footer=foot[1])
    return Recognition(
        ScreenKind.TRUST, dialog=dialog, footer=foot[1], detail=path, region=tuple(region)
    )


def api_key_dialog(region: Sequence[str], columns: int) -> Recognition | None:
    """``Detected a custom API key in your environment`` (default: No)."""
    lines = nonblank(region)
    if not lines or not lines[0].startswith("Detected a custom API key"):
        return None
    foot = _footer(region)
    q = _first_index(region, lambda s: s.startswith("Do you want to use this API key"))
    if foot is None or q is None or q >= foot[0]:
        return None
    options = parse_options(region[q + 1 : foot[0]], columns)
    if options is None:
        return None
    variable = lines[1].split(":", 1)[0] if len(lines) > 1 else ""
    dialog = Dialog("api_key", lines[0], options, subject=variable, footer=foot[1])
    return Recognition(
        ScreenKind.API_KEY, dialog=dialog, footer=foot[1], detail=variable, region=tuple(region)
    )


def rewind_menu(region: Sequence[str], columns: int) -> Recognition | None:
    """Esc Esc on an empty prompt: ``Rewind`` ... ``Enter to continue · Esc to cancel``."""
    lines = nonblank(region)
    if len(lines) < 2 or lines[0] != "Rewind" or not lines[-1].startswith("Enter to continue"):
        return None
    return Recognition(ScreenKind.REWIND, footer=lines[-1], region=tuple(region))


def first_run_banner(lines: Sequence[str]) -> Recognition | None:
    """Screens under the ``Welcome to Claude Code`` banner, and the root refusal."""
    text = nonblank(lines)
    if not text:
        return None
    if text[0].startswith("--dangerously-skip-permissions cannot be used with root"):
        return Recognition(ScreenKind.ROOT_REFUSED, detail=text[0], region=tuple(lines))
    if not text[0].startswith("Welcome to Claude Code"):
        return None
    found = [
        (ScreenKind.CONNECTIVITY, "Unable to connect to Anthropic services"),
        (ScreenKind.THEME, "Choose the text style that looks best with your terminal"),
        (ScreenKind.SECURITY_NOTES, "Security notes:"),
    ]
    for kind, marker in found:
        idx = next((i for i, s in enumerate(text) if s.startswith(marker)), None)
        if idx is None:
            continue
        detail = " ".join(text[idx : idx + 3]) if kind is ScreenKind.CONNECTIVITY else marker
        return Recognition(kind, detail=detail, region=tuple(lines))
    return None
