"""The Textual TUI: the only package that imports textual.

``run_fleet_tui(roster_path, profiles_path)`` is what ``claude-coder fleet`` runs;
``make_app(fleet, catalog, profiles)`` builds the app around any fleet (tests).
"""

from __future__ import annotations

from claude_coder.tui.app import FleetApp, make_app, run_fleet_tui

__all__ = ["FleetApp", "make_app", "run_fleet_tui"]
