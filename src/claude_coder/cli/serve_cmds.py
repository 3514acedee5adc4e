"""``claude-coder serve --stdio``: the host side of a remote member (hidden from --help).

The local claude-coder runs it over ``ssh -T``; a person has no reason to. stdout
carries the protocol's lines only (see :mod:`claude_coder.serve`).
"""

from __future__ import annotations

import click

__all__ = ["register"]


@click.command("serve", hidden=True)
@click.option("--stdio", is_flag=True, help="Speak the remote protocol on stdin and stdout.")
@click.pass_context
def serve_cmd(ctx: click.Context, stdio: bool) -> None:
    """Serve a remote member over stdin/stdout (run by claude-coder over ssh)."""
    if not stdio:
        raise click.UsageError(
            "serve speaks only over stdio: the local claude-coder runs "
            "`claude-coder serve --stdio` on a host over ssh"
        )
    from claude_coder.serve import run_stdio

    ctx.exit(run_stdio())


def register(group: click.Group) -> None:
    group.add_command(serve_cmd)
