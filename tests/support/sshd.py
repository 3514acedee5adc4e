"""A second host on this machine: a private sshd on 127.0.0.1 in front of ``ccremote``.

:class:`Harness` is one test session's host (pytest's ``tests/remote/conftest.py`` and
``bench/bench_remote.py`` both use it): the user and its venvs (:mod:`tests.support.
host_user`), a throwaway host key and user key in a root-only temp dir, and
``/usr/sbin/sshd -D`` listening on two free ports of 127.0.0.1 (config as in the reference's
section 7d: no passwords, no PAM, ``StrictModes no``). Its ssh config file
(:attr:`Harness.ssh_config`, what ``CLAUDE_CODER_SSH_CONFIG`` names) knows three hosts:

- ``devbox``: the first port, whose logins get the current test's world;
- ``devbox-bare``: the second port, a plain login with no claude-coder on its PATH;
- ``devbox-down``: a port nothing listens on (an unreachable host).

:meth:`Harness.stop` ends sshd, every connection and every process any login started,
and removes the session's files; a session that died without stopping is cleaned up by
the next one. A missing sshd, ssh or useradd raises :class:`HarnessError` (pytest FAILS,
never skips).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tests.support import host_user
from tests.support.host_user import SESSION_MARK, HarnessError, HostWorld

__all__ = ["HOST", "HOST_BARE", "HOST_DOWN", "Harness", "HarnessError", "HostWorld", "running"]

HOST, HOST_BARE, HOST_DOWN = "devbox", "devbox-bare", "devbox-down"
SSHD, SSH, KEYGEN = "/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-keygen"
START_DEADLINE = 15.0


def _free_ports(n: int) -> list[int]:
    """``n`` distinct ports free on 127.0.0.1 now (held open together while chosen)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


def _sshd_config(root: Path, ports: tuple[int, int], authorized: Path) -> str:
    lines = [f"Port {p}" for p in ports] + [
        "ListenAddress 127.0.0.1",
        f"HostKey {root / 'host_key'}",
        f"PidFile {root / 'sshd.pid'}",
        f"AuthorizedKeysFile {authorized}",
        f"AllowUsers {host_user.USER}",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin no",
        "UsePAM no",
        "StrictModes no",
        "PermitUserEnvironment no",
        "X11Forwarding no",
        "AllowTcpForwarding no",
        "PrintMotd no",
        "PrintLastLog no",
        "MaxStartups 64:30:128",
        "MaxSessions 64",
        "LogLevel VERBOSE",
    ]
    return "\n".join(lines) + "\n"


def _ssh_config(root: Path, ports: dict[str, int]) -> str:
    lines: list[str] = []
    for alias, port in ports.items():
        lines += [f"Host {alias}", f"  Port {port}"]
    lines += [
        "Host *",
        "  HostName 127.0.0.1",
        f"  User {host_user.USER}",
        f"  IdentityFile {root / 'user_key'}",
        "  IdentitiesOnly yes",
        f"  UserKnownHostsFile {root / 'known_hosts'}",
        "  StrictHostKeyChecking no",
        "  BatchMode yes",
        "  LogLevel ERROR",
        "  ControlMaster no",
        "  ControlPath none",
        "  ConnectTimeout 10",
    ]
    return "\n".join(lines) + "\n"


def _banner(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as s:
        s.settimeout(1)
        return s.recv(8).startswith(b"SSH-")
    return False


def _owner_alive(owner: Path) -> bool:
    with contextlib.suppress(OSError, ValueError, psutil.Error):
        pid, started = owner.read_text().split()[:2]
        return abs(psutil.Process(int(pid)).create_time() - float(started)) < 1
    return False


def _sweep_stale(sessions: Path) -> None:
    """End and remove the sessions whose pytest (or bench) died without stopping them."""
    for owner in sessions.glob("*/owner"):
        if _owner_alive(owner):
            continue
        with contextlib.suppress(OSError, ValueError, psutil.Error):
            sshd = psutil.Process(int(owner.read_text().split()[2]))
            if sshd.name() == "sshd":
                host_user.end([sshd, *sshd.children(recursive=True)])
        host_user.end(host_user.marked(SESSION_MARK, owner.parent.name))
        shutil.rmtree(owner.parent, ignore_errors=True)


@dataclass
class Harness:
    """One session's host: sshd, its ssh config, the host's venv, and the worlds."""

    root: Path
    host_dir: Path
    ports: dict[str, int]
    ssh_config: Path
    venv: Path
    base: Path
    proc: subprocess.Popen[bytes]
    account: pwd.struct_passwd
    _ids: Iterator[int] = field(default_factory=itertools.count)

    @property
    def session(self) -> str:
        return self.host_dir.name

    @classmethod
    def start(cls, checkout: Path | None = None) -> Harness:
        for tool in (SSHD, SSH, KEYGEN):
            if not os.access(tool, os.X_OK):
                raise HarnessError(
                    f"{tool} is missing: install openssh-server (apt-get install -y "
                    "openssh-server; .ci/run does it)"
                )
        checkout = checkout or host_user.checkout_root()
        with host_user.locked():
            account = host_user.ensure_user()
            sessions = Path(account.pw_dir) / ".cc-sessions"
            sessions.mkdir(exist_ok=True)
            os.chown(sessions, account.pw_uid, account.pw_gid)
            _sweep_stale(sessions)
            base = host_user.ensure_base(account, checkout)
        ports = dict(zip((HOST, HOST_BARE, HOST_DOWN), _free_ports(3), strict=True))
        host_dir = sessions / str(ports[HOST])
        host_dir.mkdir()
        root = Path(tempfile.mkdtemp(prefix="cc-sshd-"))
        try:
            return cls._launch(root, host_dir, ports, account, base, checkout)
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(host_dir, ignore_errors=True)
            raise

    @classmethod
    def _launch(
        cls,
        root: Path,
        host_dir: Path,
        ports: dict[str, int],
        account: pwd.struct_passwd,
        base: Path,
        checkout: Path,
    ) -> Harness:
        (host_dir / "owner").write_text(f"{os.getpid()} {psutil.Process().create_time()} 0\n")
        venv = host_user.make_venv(account, host_dir / "venv", base, checkout)
        for key in ("host_key", "user_key"):
            host_user._sh(KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(root / key))
        authorized = host_dir / "authorized_keys"
        shutil.copyfile(root / "user_key.pub", authorized)
        host_user.chown_tree(host_dir, account.pw_uid, account.pw_gid)
        config = root / "sshd_config"
        config.write_text(_sshd_config(root, (ports[HOST], ports[HOST_BARE]), authorized))
        ssh_config = root / "ssh_config"
        ssh_config.write_text(_ssh_config(root, ports))
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        proc = subprocess.Popen(
            [SSHD, "-D", "-f", str(config), "-E", str(root / "sshd.log")],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        (host_dir / "owner").write_text(
            f"{os.getpid()} {psutil.Process().create_time()} {proc.pid}\n"
        )
        harness = cls(root, host_dir, ports, ssh_config, venv, base, proc, account)
        harness._wait_ready()
        return harness

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_DEADLINE
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError(f"sshd exited ({self.proc.returncode}): {self.log_tail()}")
            if _banner(self.ports[HOST]) and _banner(self.ports[HOST_BARE]):
                return
            time.sleep(0.05)
        self.stop()
        raise HarnessError(f"sshd did not listen within {START_DEADLINE}s: {self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        """The end of sshd's log (for failure messages)."""
        with contextlib.suppress(OSError):
            return " | ".join((self.root / "sshd.log").read_text().splitlines()[-lines:])
        return ""

    def world(self, base_url: str) -> HostWorld:
        """A fresh world on the host for one test, its launcher aimed at ``base_url``."""
        root = self.host_dir / f"w{next(self._ids)}"
        root.mkdir()
        world = HostWorld(
            name=HOST,
            session=self.session,
            root=root,
            env_file=self.host_dir / "world.env",
            venv_bin=self.venv / "bin",
            claude=host_user.host_claude_binary(self.base),
            account=self.account,
            kill_connections=self.kill_ssh_connections,
        )
        return world.create(base_url)

    def ssh_argv(self, alias: str = HOST) -> list[str]:
        """The local ssh command line for ``alias`` (a remote command follows)."""
        return [SSH, "-T", "-F", str(self.ssh_config), "--", alias]

    def ssh(
        self, command: str, *, alias: str = HOST, timeout: float = 60.0
    ) -> subprocess.CompletedProcess[str]:
        """``ssh alias command`` (one remote command string, as the product sends it)."""
        return subprocess.run(
            [*self.ssh_argv(alias), command],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def connections(self) -> list[psutil.Process]:
        """The sshd processes serving the open connections (the listener's descendants)."""
        with contextlib.suppress(psutil.Error):
            kids = psutil.Process(self.proc.pid).children(recursive=True)
            return [p for p in kids if p.name() == "sshd"]
        return []

    def kill_ssh_connections(self) -> int:
        """SIGKILL every connection's sshd (the clients see the link drop); how many."""
        procs = self.connections()
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(procs, timeout=5)
        return len(procs)

    def stop(self) -> None:
        """End sshd, its connections and every process of this session; remove its files."""
        procs = [*self.connections(), *host_user.marked(SESSION_MARK, self.session)]
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        host_user.end(procs)
        host_user.end(host_user.marked(SESSION_MARK, self.session))
        shutil.rmtree(self.host_dir, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def running(checkout: Path | None = None) -> Iterator[Harness]:
    """A started :class:`Harness`, stopped on the way out."""
    harness = Harness.start(checkout)
    try:
        yield harness
    finally:
        harness.stop()
