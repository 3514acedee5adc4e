"""Answering a dialog on the TUI, verified before and after the key.

:func:`choose` presses the option with a given LABEL, and only after checking that the
very dialog it was asked about (kind, title, subject, options) is still on screen; then
it checks that the dialog went away. Numbered options take their digit (read from the
same screen, next to the label); unnumbered ones are reached with the arrow keys, each
step verified, then Enter.
"""

from __future__ import annotations

from collections.abc import Callable

from claude_coder.errors import ScreenError
from claude_coder.transports.pty._process import TerminalProcess
from claude_coder.transports.pty.screen import Dialog, QuestionScreen, Recognition, keys

__all__ = ["choose", "decline", "same_screen"]

Chooser = Dialog | QuestionScreen
Dump = Callable[[], str]


def _chooser(rec: Recognition) -> Chooser | None:
    return rec.dialog or rec.question


def same_screen(a: Recognition, b: Recognition) -> bool:
    """Both show the same dialog or question (selection aside)."""
    ca, cb = _chooser(a), _chooser(b)
    if a.kind is not b.kind or ca is None or cb is None:
        return False
    labels_a = [(o.number, o.label) for o in ca.options]
    labels_b = [(o.number, o.label) for o in cb.options]
    if isinstance(ca, Dialog) and isinstance(cb, Dialog):
        return (ca.kind, ca.title, ca.subject, labels_a) == (
            cb.kind,
            cb.title,
            cb.subject,
            labels_b,
        )
    if isinstance(ca, QuestionScreen) and isinstance(cb, QuestionScreen):
        return (ca.header, ca.question, labels_a) == (cb.header, cb.question, labels_b)
    return False


async def choose(proc: TerminalProcess, seen: Recognition, label: str, dump: Dump) -> None:
    """Select the option labelled exactly ``label`` of the dialog ``seen``; verified.

    Raises :class:`ScreenError` (no key sent) when the dialog on screen is no longer
    ``seen`` or has no such option, and when it does not go away afterwards.
    """
    chooser = _chooser(seen)
    option = chooser.option(label) if chooser is not None else None
    if chooser is None or option is None:
        raise ScreenError(f"the dialog offers no option {label!r}; no key was sent", screen=dump())
    now = proc.recognition()
    if not same_screen(now, seen):
        raise ScreenError("the dialog changed before it could be answered", screen=dump())
    if option.number is None:
        await _navigate(proc, now, label, dump)
        await _closed(proc, seen, label, dump, 10)
        return
    for attempt in range(3):
        await proc.write(keys.digit(option.number))
        try:
            await _closed(proc, seen, label, dump, 3 if attempt < 2 else 5)
            return
        except ScreenError:
            # A key pressed while the dialog was still mounting is lost: press it again,
            # but only while exactly the same dialog, same selection, is still shown.
            if attempt == 2 or proc.recognition() != now:
                raise


async def decline(proc: TerminalProcess, seen: Recognition, dump: Dump) -> None:
    """Refuse the dialog ``seen``: a permission dialog's ``No`` when it offers one; else
    Esc, when the footer says Esc cancels (a question, whose options are answers, and
    2.1.0's permission dialogs, which have no ``No``). Verified like :func:`choose`;
    raises :class:`ScreenError` (no key sent) when neither is offered."""
    chooser = _chooser(seen)
    if isinstance(chooser, Dialog) and chooser.option("No") is not None:
        await choose(proc, seen, "No", dump)
        return
    footer = chooser.footer if chooser is not None else ""
    if "Esc to cancel" not in footer:
        raise ScreenError("the dialog offers no way to decline; no key was sent", screen=dump())
    if not same_screen(proc.recognition(), seen):
        raise ScreenError("the dialog changed before it could be declined", screen=dump())
    await proc.write(keys.ESC)
    await _closed(proc, seen, "Esc", dump, 10)


async def _closed(
    proc: TerminalProcess, seen: Recognition, label: str, dump: Dump, within: float
) -> None:
    try:
        await proc.wait_for(lambda r: not same_screen(r, seen), within, what="the dialog to close")
    except TimeoutError:
        raise ScreenError(
            f"the dialog stayed open after choosing {label!r}", screen=dump()
        ) from None


async def _navigate(proc: TerminalProcess, now: Recognition, label: str, dump: Dump) -> None:
    """Unnumbered options: arrow to ``label`` (each step verified), then Enter."""
    for _ in range(12):
        chooser = _chooser(now)
        assert chooser is not None
        labels = [o.label for o in chooser.options]
        current = chooser.selected
        if current is None:
            raise ScreenError("the dialog shows no selection; no key was sent", screen=dump())
        if current.label == label:
            await proc.write(keys.ENTER)
            return
        step = keys.DOWN if labels.index(label) > labels.index(current.label) else keys.UP
        await proc.write(step)
        was = current.label

        def moved(r: Recognition, was: str = was, now: Recognition = now) -> bool:
            c = _chooser(r)
            return (
                same_screen(r, now)
                and c is not None
                and c.selected is not None
                and (c.selected.label != was)
            )

        try:
            now = await proc.wait_for(moved, 5, settle=0.05, what="the selection to move")
        except TimeoutError:
            raise ScreenError("the selection did not move", screen=dump()) from None
    raise ScreenError(f"could not reach option {label!r}", screen=dump())
