"""What a recogniser says about a screen: the kind of screen and what it offers.

Frozen value types only. A :class:`Recognition` names the :class:`ScreenKind`, the
permission mode read from the footer, the prompt's text, and for dialogs the options with
their numbers, labels and which one is selected, so a driver can choose by label.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = [
    "FIRST_RUN_KINDS",
    "Dialog",
    "Mode",
    "Option",
    "QuestionScreen",
    "Recognition",
    "ScreenKind",
    "TitleSignal",
]


class ScreenKind(enum.StrEnum):
    """Every screen claude-coder knows; anything else is ``unknown`` and gets no key."""

    BLANK = "blank"
    IDLE = "idle"
    BUSY = "busy"
    QUEUED = "queued"
    """Busy, with input typed while busy waiting in the queue."""
    INTERRUPTED = "interrupted"
    """Idle, right after a turn was interrupted or a tool was refused."""
    PERMISSION = "permission"
    QUESTION = "question"
    REWIND = "rewind"
    EXIT_CONFIRM = "exit_confirm"
    EXITED = "exited"
    THEME = "theme"
    SECURITY_NOTES = "security_notes"
    TRUST = "trust"
    NOT_TRUSTED = "not_trusted"
    API_KEY = "api_key"
    CONNECTIVITY = "connectivity"
    ROOT_REFUSED = "root_refused"
    AUTO_MODE_UNAVAILABLE = "auto_mode_unavailable"
    UNKNOWN = "unknown"

    @property
    def idle_like(self) -> bool:
        """The prompt takes input now."""
        return self in (ScreenKind.IDLE, ScreenKind.INTERRUPTED)

    @property
    def busy_like(self) -> bool:
        """A turn is running."""
        return self in (ScreenKind.BUSY, ScreenKind.QUEUED)


FIRST_RUN_KINDS = frozenset(
    {
        ScreenKind.THEME,
        ScreenKind.SECURITY_NOTES,
        ScreenKind.TRUST,
        ScreenKind.NOT_TRUSTED,
        ScreenKind.API_KEY,
        ScreenKind.CONNECTIVITY,
        ScreenKind.ROOT_REFUSED,
        ScreenKind.AUTO_MODE_UNAVAILABLE,
    }
)
"""Screens a person must deal with before (or instead of) a session."""


class Mode(enum.StrEnum):
    """The permission mode shown in the footer."""

    DEFAULT = "default"
    ACCEPT_EDITS = "acceptEdits"
    PLAN = "plan"
    AUTO = "auto"
    BYPASS = "bypassPermissions"


class TitleSignal(enum.StrEnum):
    """What the window title (OSC 0) says: its first glyph is a state marker."""

    IDLE = "idle"
    BUSY = "busy"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Option:
    """One choice of a dialog: its digit (None when unnumbered), label, selection."""

    label: str
    number: int | None = None
    selected: bool = False
    description: str = ""


class _Choices:
    """What a screen offering numbered options answers: which one is selected, which is which."""

    __slots__ = ()
    options: tuple[Option, ...]

    @property
    def selected(self) -> Option | None:
        """The option the cursor is on."""
        return next((o for o in self.options if o.selected), None)

    def option(self, label: str) -> Option | None:
        """The option whose label is exactly ``label``."""
        return next((o for o in self.options if o.label == label), None)


@dataclass(frozen=True, slots=True)
class Dialog(_Choices):
    """A permission dialog (or a first-run choice) read from the screen."""

    kind: str
    """``bash``, ``create``, ``edit``, ``other`` for permissions; the screen kind else."""
    title: str
    options: tuple[Option, ...]
    subject: str = ""
    """The command (bash) or file name (create, edit) the dialog is about."""
    description: str = ""
    question: str = ""
    """The ``Do you want to ...?`` line."""
    footer: str = ""


@dataclass(frozen=True, slots=True)
class QuestionScreen(_Choices):
    """An AskUserQuestion on screen: header, question, options."""

    header: str
    question: str
    options: tuple[Option, ...]
    footer: str = ""


@dataclass(frozen=True, slots=True)
class Recognition:
    """The verdict on one screen."""

    kind: ScreenKind
    mode: Mode | None = None
    prompt: str | None = None
    """The prompt box's text (None when no prompt box is shown)."""
    footer: str = ""
    dialog: Dialog | None = None
    question: QuestionScreen | None = None
    resume: str | None = None
    """For ``exited``: the session id or name in the resume hint."""
    detail: str = ""
    """For first-run screens: what the screen says, in a line."""
    notices: tuple[str, ...] = ()
    """Informational notices above the prompt (e.g. ``auto_mode_default``)."""
    title: TitleSignal = TitleSignal.NONE
    region: tuple[str, ...] = field(default=(), compare=False)
    """The lines the verdict was read from (the bottom region)."""

    def summary(self) -> dict[str, object]:
        """The verdict's essentials as plain JSON values (golden files, logs)."""
        out: dict[str, object] = {"kind": self.kind.value}
        if self.mode is not None:
            out["mode"] = self.mode.value
        if self.prompt is not None:
            out["prompt"] = self.prompt
        if self.resume is not None:
            out["resume"] = self.resume
        if self.notices:
            out["notices"] = list(self.notices)
        if self.title is not TitleSignal.NONE:
            out["title"] = self.title.value
        chooser = self.dialog or self.question
        if self.dialog is not None:
            out["dialog"] = self.dialog.kind
            if self.dialog.subject:
                out["subject"] = self.dialog.subject
        if self.question is not None:
            out["header"] = self.question.header
            out["question"] = self.question.question
        if chooser is not None:
            out["options"] = [
                f"{o.number}. {o.label}" if o.number is not None else o.label
                for o in chooser.options
            ]
            out["selected"] = chooser.selected.label if chooser.selected else None
        return out

    @property
    def agrees_with_title(self) -> bool:
        """The title does not contradict the screen (busy glyph vs idle prompt)."""
        if self.title is TitleSignal.NONE:
            return True
        if self.kind.idle_like:
            return self.title is TitleSignal.IDLE
        return True
