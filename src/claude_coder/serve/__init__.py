"""The host side of remote members: ``claude-coder serve --stdio``, run over ``ssh -T``.

:func:`run_stdio` prepares the process (its own session, so the ssh session's teardown
does not take it along; SIGHUP and SIGPIPE ignored; stdin and stdout kept for the
protocol alone, with file descriptors 0 and 1 pointed at ``/dev/null`` and stderr so
nothing else, not a stray print nor a child, can write a byte there) and serves one
connection (:mod:`claude_coder.serve._server`). Logging goes to stderr. See
``docs/remote.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys

from claude_coder.errors import ConfigError

__all__ = ["run_stdio"]


def _own_session() -> None:
    with contextlib.suppress(OSError):  # already a session leader (sshd made it one)
        os.setsid()
    # A handler, not SIG_IGN: a handled signal is reset for the children at exec.
    signal.signal(signal.SIGHUP, lambda *_: None)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)


def _private_stdio() -> tuple[int, int]:
    """Duplicates of stdin and stdout for the protocol; fds 0 and 1 no longer reach it."""
    fd_in, fd_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    return fd_in, fd_out


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("claude-coder serve: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)


def run_stdio() -> int:
    """Serve the protocol on this process's stdin and stdout; the exit code."""
    from claude_coder.serve._lines import open_stdio
    from claude_coder.serve._server import serve_connection

    _own_session()
    fd_in, fd_out = _private_stdio()
    _log_to_stderr()

    async def main() -> int:
        try:
            lines = await open_stdio(fd_in, fd_out)
        except ValueError:  # a regular file: no pipe, socket or terminal
            raise ConfigError(
                "serve --stdio needs a pipe or socket on stdin and stdout (what ssh gives it)"
            ) from None
        return await serve_connection(lines)

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return 3
