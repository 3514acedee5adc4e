"""claude-coder: drive Claude Code the way a person would, on your own subscription."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
