"""A stand-in for ``ssh`` (``CLAUDE_CODER_SSH``): runs the host command locally, like sshd.

Usage: ``python fake_ssh.py --world FILE <ssh's own argv>``. The world file (JSON) says
where the "host" lives: ``home`` (its HOME; its ``~/.profile`` is read by the login
shell), ``env`` (variables the host's environment has), ``log`` (a JSON-lines file: this
process's argv and environment, one line per connection), ``pids`` (a directory getting
one ``<pid>`` file per live connection, so a test can kill one like a dropped link),
``hosts`` (a directory getting one file per host-side process, named by its pid).

Host names: ``refuse*`` fails like ssh to a closed port (exit 255, ssh's stderr line);
any other runs ``sh -c <command>`` the way sshd runs a remote command, in its own
session, with stdin/stdout relayed: killing this process drops the "connection" (the
host command sees EOF, the client sees this process gone) without killing the host side.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any


def _parse(argv: list[str]) -> tuple[dict[str, Any], list[str], str, str]:
    world: dict[str, Any] = {}
    if argv[:1] == ["--world"]:
        world = json.loads(Path(argv[1]).read_text())
        argv = argv[2:]
    options, rest = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    host, command = rest[0], rest[1]
    return world, options, host, command


def _pump(src: int, dst: int) -> None:
    """Copy bytes from fd ``src`` to fd ``dst`` until EOF, then close ``dst``."""
    try:
        while chunk := os.read(src, 65536):
            while chunk:
                chunk = chunk[os.write(dst, chunk) :]
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            os.close(dst)


def main() -> int:
    world, options, host, command = _parse(sys.argv[1:])
    if world.get("log"):
        with open(world["log"], "a", encoding="utf-8") as log:
            entry = {
                "argv": sys.argv[1:],
                "options": options,
                "host": host,
                "env": dict(os.environ),
            }
            log.write(json.dumps({**entry, "command": command}) + "\n")
    if host.startswith("refuse"):
        sys.stderr.write(f"ssh: connect to host {host} port 22: Connection refused\n")
        return 255
    home = world.get("home", os.environ.get("HOME", "/"))
    env = {"HOME": home, "USER": "host", "LOGNAME": "host", "SHELL": "/bin/sh"}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    env.update(world.get("env", {}))
    child = subprocess.Popen(
        ["/bin/sh", "-c", command],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,  # like sshd: the host's stderr is not this process's
        env=env,
        cwd=home,
        start_new_session=True,
    )
    pid_file = Path(world["pids"]) / str(os.getpid()) if world.get("pids") else None
    if pid_file is not None:
        pid_file.write_text(str(child.pid))
    if world.get("hosts"):  # every host-side process ever started, for the test's cleanup
        (Path(world["hosts"]) / str(child.pid)).touch()
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    up = threading.Thread(target=_pump, args=(0, child.stdin.fileno()), daemon=True)
    up.start()
    err = threading.Thread(target=_pump, args=(child.stderr.fileno(), 2), daemon=True)
    err.start()
    _pump(child.stdout.fileno(), 1)
    code = child.wait()
    err.join(5)
    if pid_file is not None:
        pid_file.unlink(missing_ok=True)
    return code


if __name__ == "__main__":
    os._exit(main())  # no interpreter shutdown while the stdin thread still reads
