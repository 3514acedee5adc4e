"""The PTY transport's eyes: byte filter, virtual terminal, pure screen recognisers, keys."""

from claude_coder.transports.pty.screen.filter import ScreenSwitch, TerminalFilter
from claude_coder.transports.pty.screen.model import (
    FIRST_RUN_KINDS,
    Dialog,
    Mode,
    Option,
    QuestionScreen,
    Recognition,
    ScreenKind,
    TitleSignal,
)
from claude_coder.transports.pty.screen.recognise import recognise
from claude_coder.transports.pty.screen.terminal import Snapshot, TerminalScreen

__all__ = [
    "FIRST_RUN_KINDS",
    "Dialog",
    "Mode",
    "Option",
    "QuestionScreen",
    "Recognition",
    "ScreenKind",
    "ScreenSwitch",
    "Snapshot",
    "TerminalFilter",
    "TerminalScreen",
    "TitleSignal",
    "recognise",
]
