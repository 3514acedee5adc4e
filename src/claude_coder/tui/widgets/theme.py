"""Colours from the running theme's variables, so text reads on dark and light themes."""

from __future__ import annotations

from rich.style import Style
from textual.app import App
from textual.color import Color, ColorParseError

from claude_coder.tui.format import STATE_STYLE

__all__ = ["state_style", "theme_style"]


def theme_style(app: App[object], variable: str, *, bold: bool = False) -> Style:
    """A Rich style coloured by the theme variable ``variable`` (e.g. ``text-error``)."""
    variables = app.theme_variables
    value = variables.get(variable)
    if value is None:
        return Style(bold=bold)
    try:
        color = Color.parse(value)
        if color.a < 1:
            color = Color.parse(variables.get("background", "#000000")).blend(color, color.a)
    except ColorParseError:  # a theme value we cannot read: fall back to plain text
        return Style(bold=bold)
    return Style(color=color.rich_color, bold=bold)


def state_style(app: App[object], key: str) -> Style:
    """The style of a member state label (a key of ``STATE_STYLE``)."""
    return theme_style(app, STATE_STYLE.get(key, "foreground"), bold=key != "idle")
