"""Where ``run`` and ``repl`` run Claude Code: ``--host``, else the profile's ``host``.

A remote session's ``--cwd`` is a directory on its host, so it is checked here only
for a local one.
"""

from __future__ import annotations

from pathlib import Path

import click

from claude_coder.profiles import BUILTIN_NAME, ProfileSet

__all__ = ["HOST_OPTION", "host_of", "local_cwd"]

HOST_OPTION = click.option(
    "--host",
    default=None,
    metavar="HOST",
    help="Run Claude Code on this ssh destination (as ~/.ssh/config knows it); "
    "--cwd is then a directory there.",
)


def host_of(pset: ProfileSet, profile: str | None, host: str | None) -> str | None:
    """Where the session runs: ``--host``, else the profile's ``host`` (None: here)."""
    if host is not None:
        return host
    name = profile or BUILTIN_NAME
    return pset.get(name).host if name in pset else None


def local_cwd(cwd: Path | None, host: str | None) -> str | None:
    if cwd is None:
        return None
    if host is None and not cwd.is_dir():
        raise click.BadParameter(f"directory {str(cwd)!r} does not exist", param_hint="--cwd")
    return str(cwd)
