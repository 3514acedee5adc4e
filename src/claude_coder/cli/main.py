"""The ``claude-coder`` command: the click group, global options and exit codes.

Commands live in one module per area, each exposing ``register(group)``; this module
only wires them in and maps errors to exit codes (0 done, 1 runtime error, 2 usage,
configuration or fail-closed refusal, 3 turn interrupted, 4 limit hit).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click
from rich.markup import escape

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


for _module in _COMMAND_MODULES:
    importlib.import_module(f"claude_coder.cli.{_module}").register(cli)


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
        err_console().print(f"[red]error:[/red] {escape(visible(exc.message))}", highlight=False)
        return exc.exit_code
    # ``ctx.exit(n)`` returns n here instead of raising when standalone_mode is off.
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
