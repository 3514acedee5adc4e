"""The caller's terminal and locale never reach a test (tests/support/hermetic.py)."""

from __future__ import annotations

import os

import textual.constants
from tests.support.hermetic import FIXED, neutral_environ
from textual.app import App


def test_neutral_environ_drops_what_changes_drawing_and_fixes_term_and_lang() -> None:
    env = {
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "LINES": "10",
        "TERM": "dumb",
        "LANG": "C",
        "LC_ALL": "C",
        "COLORTERM": "truecolor",
        "FORCE_COLOR": "1",
        "TEXTUAL_ANIMATIONS": "none",
        "TEXTUAL_SNAPSHOT_TEMPDIR": "/kept",
        "PATH": "/bin",
    }
    neutral_environ(env)
    assert env == {"TEXTUAL_SNAPSHOT_TEMPDIR": "/kept", "PATH": "/bin", **FIXED}


def test_every_test_runs_with_the_fixed_terminal() -> None:
    for name in ("NO_COLOR", "COLUMNS", "LINES", "LC_ALL", "COLORTERM", "FORCE_COLOR"):
        assert name not in os.environ
    assert not [n for n in os.environ if n.startswith("TEXTUAL_") and "SNAPSHOT" not in n]
    assert os.environ["TERM"] == FIXED["TERM"] and os.environ["LANG"] == FIXED["LANG"]
    assert textual.constants.COLOR_SYSTEM == "auto"
    assert App().no_color is False
