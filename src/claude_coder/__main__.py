"""``python -m claude_coder``: the ``claude-coder`` command."""

from __future__ import annotations

import sys

from claude_coder.cli.main import main

if __name__ == "__main__":  # not when a spawned worker imports this module again
    sys.exit(main())
