"""Golden tests: every captured screen of Claude Code classifies as recorded.

The screens are the reference captures of 2.1.197 and 2.1.331 plus the project's own
captures (``scripts/capture_screens.py``), one directory per version from 2.1.0 to
2.1.332, each with an unnamed (``main``) and a named (``named_main``) session, all under
``tests/fixtures/screens/``. ``expected.json`` holds the verdict for each one; a screen
without an entry fails, so a new capture is always reviewed before it counts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_coder.transports.pty.screen import ScreenKind, recognise
from claude_coder.transports.pty.screen.fixtures import parse_fixture

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "screens"
EXPECTED: dict[str, dict[str, object]] = json.loads((ROOT / "expected.json").read_text())
SCREENS = sorted(ROOT.glob("*/*.txt"))


def _key(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_there_are_screens_of_both_versions_and_our_own_captures() -> None:
    dirs = {p.parent.name for p in SCREENS}
    assert {"reference-2.1.197", "reference-2.1.331", "2.1.331"} <= dirs
    assert len(SCREENS) >= 200


def test_every_expectation_has_its_screen() -> None:
    assert sorted(EXPECTED) == sorted(_key(p) for p in SCREENS)


@pytest.mark.parametrize("path", SCREENS, ids=_key)
def test_screen_is_recognised_as_recorded(path: Path) -> None:
    expected = EXPECTED.get(_key(path))
    assert expected is not None, f"no entry for {_key(path)} in expected.json: review and add"
    found = recognise(parse_fixture(path.read_text(encoding="utf-8")))
    assert found.summary() == expected


def test_every_kind_the_driver_relies_on_is_covered() -> None:
    kinds = {str(v["kind"]) for v in EXPECTED.values()}
    needed = {
        ScreenKind.IDLE,
        ScreenKind.BUSY,
        ScreenKind.QUEUED,
        ScreenKind.INTERRUPTED,
        ScreenKind.PERMISSION,
        ScreenKind.QUESTION,
        ScreenKind.REWIND,
        ScreenKind.EXIT_CONFIRM,
        ScreenKind.EXITED,
        ScreenKind.THEME,
        ScreenKind.SECURITY_NOTES,
        ScreenKind.TRUST,
        ScreenKind.NOT_TRUSTED,
        ScreenKind.API_KEY,
        ScreenKind.CONNECTIVITY,
        ScreenKind.ROOT_REFUSED,
        ScreenKind.AUTO_MODE_UNAVAILABLE,
    }
    assert {k.value for k in needed} <= kinds


def test_the_bash_dialog_of_2_1_331_puts_no_at_four() -> None:
    text = (ROOT / "reference-2.1.331" / "dlg_default__10_bash_dialog.txt").read_text()
    dialog = recognise(parse_fixture(text)).dialog
    assert dialog is not None and dialog.kind == "bash"
    no = dialog.option("No")
    assert no is not None and no.number == 4
    third = next(o for o in dialog.options if o.number == 3)
    assert third.label.startswith("Yes, and switch to auto mode")


def test_both_trust_dialog_forms_offer_the_same_labels() -> None:
    old = parse_fixture((ROOT / "reference-2.1.197" / "notrust__first.txt").read_text())
    new = parse_fixture((ROOT / "reference-2.1.331" / "notrust__step0.txt").read_text())
    old_dialog, new_dialog = recognise(old).dialog, recognise(new).dialog
    assert old_dialog is not None and new_dialog is not None
    assert old_dialog.selected is not None and new_dialog.selected is not None
    assert old_dialog.selected.label == "Yes, I trust this folder"
    assert new_dialog.selected.label == "No, exit"
    assert new_dialog.option("Yes, I trust this folder") is not None


NO_NAME_FLAG = {"2.1.0", "2.1.50"}
"""Versions without ``--name``: no named session can exist there (the PTY refuses them)."""


@pytest.mark.parametrize(
    "version", sorted(d.name for d in ROOT.iterdir() if d.is_dir() and d.name[0].isdigit())
)
def test_every_captured_version_has_dialogs_of_unnamed_and_named_sessions(version: str) -> None:
    def kinds(run: str) -> set[object]:
        return {v["kind"] for k, v in EXPECTED.items() if k.startswith(f"{version}/{run}__")}

    assert {"permission", "question", "interrupted"} <= kinds("main")
    if version not in NO_NAME_FLAG:
        assert {"permission", "question", "interrupted"} <= kinds("named_main")
