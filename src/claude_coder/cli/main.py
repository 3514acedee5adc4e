"""The ``claude-coder`` command: the click group, global options and exit codes.

Commands live in one module per area, each exposing ``register(group)``; this module
only wires them in and maps errors to exit codes (0 done, 1 runtime error, 2 usage,
configuration or fail-closed refusal, 3 turn interrupted, 4 limit hit). A command's
module is imported when that command runs (``usage`` needs none of the session or
fleet code); listing the commands (``--help``, completion) imports them all.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click

from claude_coder import __version__
from claude_coder.cli.common import CliState, err_console
from claude_coder.errors import ClaudeCoderError
from claude_coder.security import visible

__all__ = ["cli", "main"]

_COMMAND_MODULES: tuple[str, ...] = (
    # one line per area; each module exposes register(group)
    "profiles_cmds",
    "doctor_cmds",
    "catalog_cmds",
    "session_cmds",
    "fleet_cmds",
    "usage_cmds",
    "worktree_cmds",  # after fleet_cmds: adds ``fleet remove``
    "serve_cmds",  # hidden: the host side of remote members
)
_ALONE = {"usage": "usage_cmds", "doctor": "doctor_cmds", "profiles": "profiles_cmds"}
"""Commands whose module registers only them and adds to no other command: imported
alone. Any other name imports every module (a test checks the table)."""


class _LazyGroup(click.Group):
    """The root group: command modules imported on first need, once each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: set[str] = set()

    def _load(self, modules: tuple[str, ...]) -> None:
        for name in modules:
            if name not in self._loaded:
                self._loaded.add(name)
                importlib.import_module(f"claude_coder.cli.{name}").register(self)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        alone = _ALONE.get(cmd_name)
        self._load((alone,) if alone is not None else _COMMAND_MODULES)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load(_COMMAND_MODULES)
        return super().list_commands(ctx)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="claude-coder")
@click.option(
    "--profiles",
    "profiles_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Profiles file (else $CLAUDE_CODER_PROFILES, else the user config dir).",
)
@click.pass_context
def cli(ctx: click.Context, profiles_path: Path | None) -> None:
    """Drive Claude Code on your own subscription: sessions, catalog, fleet."""
    ctx.obj = CliState(profiles_path=profiles_path)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return (and, as a script, exit with) the exit code."""
    try:
        rv = cli.main(args=argv, prog_name="claude-coder", standalone_mode=False)
    except click.exceptions.Abort:
        err_console().print("aborted")
        return 1
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return 2
    except ClaudeCoderError as exc:
        from rich.markup import escape

        err_console().print(f"[red]error:[/red] {escape(visible(exc.message))}", highlight=False)
        return exc.exit_code
    # ``ctx.exit(n)`` returns n here instead of raising when standalone_mode is off.
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
