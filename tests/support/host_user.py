"""The "remote" of the remote-member tests: a second Unix user with its own claude-coder.

A host for ``claude-coder serve --stdio`` is, on this machine, the user ``ccremote``
(created on first use: ``useradd -m``, then ``usermod -p '*'`` because sshd refuses a
locked account even for key auth). It cannot read root's interpreter or venvs, so it gets
its own, from ``/usr/bin/python3`` (the same CPython 3.11 ABI as the checkout's ``.venv``):

- ``~/.cc-base/<key>/site-packages``: a copy of the checkout venv's site-packages (the
  dependencies, the bundled Claude Code binary among them) without claude-coder's own
  editable hook. Made once per ``<key>`` (a hash of ``constraints.txt`` and
  ``pyproject.toml``), under a lock, so every later session starts offline in a second.
- ``~/.cc-sessions/<port>/venv``: a venv per test session (``--without-pip``) that reaches
  the base through a ``.pth`` and holds a fresh copy of the checkout's ``src/claude_coder``
  (plus a dist-info, so ``importlib.metadata.version("claude-coder")`` answers), and
  ``bin/claude-coder``. The host runs the code under test, and sessions from different
  checkouts on one machine do not share it.

Which session a login belongs to is the sshd port it came in on: ``~/.profile`` (and
``~/.bashrc``) source ``~/.cc-world.env``, which sources
``~/.cc-sessions/<port of $SSH_CONNECTION>/world.env`` when it exists (``$CC_WORLD`` names
it for :meth:`HostWorld.run`, which does not come in over ssh). A port with no world file
gets a plain login: no claude-coder on its PATH. :class:`HostWorld` (one per test) writes
that file: ``HOME`` (a fresh dir), ``CLAUDE_CONFIG_DIR`` seeded as the local tests seed
theirs, ``XDG_*`` dirs, ``CLAUDE_CODER_CLAUDE`` = an offline launcher of the host's own
Claude Code against the test's fake API, and whatever :meth:`HostWorld.env` adds.

Every process started for a session carries ``CC_HARNESS_SESSION`` (and for a world
``CC_HARNESS_WORLD``) in its environment, so the harness finds and ends them all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import psutil
from filelock import FileLock

from tests.support.first_party import CA_FILE
from tests.support.launcher import seed_claude_json, write_launcher

USER = "ccremote"
SYSTEM_PYTHON = "/usr/bin/python3"
USERADD, USERMOD, RUNUSER = "/usr/sbin/useradd", "/usr/sbin/usermod", "/usr/sbin/runuser"
LOCK = Path("/tmp/claude-coder-ccremote.lock")
SESSION_MARK, WORLD_MARK = "CC_HARNESS_SESSION", "CC_HARNESS_WORLD"
_SELECTOR = """\
# Written by claude-coder's test harness (tests/support/host_user.py).
cc_world="${CC_WORLD:-/home/ccremote/.cc-sessions/${SSH_CONNECTION##* }/world.env}"
if [ -r "$cc_world" ]; then . "$cc_world"; fi
"""
_SOURCE_SELECTOR = ". /home/ccremote/.cc-world.env\n"


class HarnessError(RuntimeError):
    """The harness cannot build the host (a missing tool, not root, a failed command)."""


def _sh(*argv: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise HarnessError(f"{shlex.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


def chown_tree(path: Path, uid: int, gid: int) -> None:
    """``chown -R`` without following links."""
    os.lchown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)


def _write(path: Path, text: str, account: pwd.struct_passwd, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(text)
        tmp.chmod(mode)
        os.lchown(tmp, account.pw_uid, account.pw_gid)
        tmp.replace(path)


def ensure_user() -> pwd.struct_passwd:
    """The ``ccremote`` account (created if missing, unlocked, its login files ours)."""
    if os.geteuid() != 0:
        raise HarnessError("the remote-member tests need root (they create the user ccremote)")
    for tool in (USERADD, USERMOD, RUNUSER, SYSTEM_PYTHON):
        if not os.access(tool, os.X_OK):
            raise HarnessError(
                f"{tool} is missing: the remote-member tests need it (passwd, "
                "util-linux, python3-venv)"
            )
    try:
        account = pwd.getpwnam(USER)
    except KeyError:
        _sh(USERADD, "-m", "-s", "/bin/bash", USER)
        account = pwd.getpwnam(USER)
    _sh(USERMOD, "-p", "*", USER)
    home = Path(account.pw_dir)
    if str(home) != f"/home/{USER}":
        raise HarnessError(f"{USER}'s home is {home}, not /home/{USER}: userdel -r {USER}")
    _write(home / ".cc-world.env", _SELECTOR, account)
    for rc in (".profile", ".bashrc"):
        _write(home / rc, _SOURCE_SELECTOR, account)
    return account


def checkout_root() -> Path:
    """The checkout whose claude-coder the host runs (this file's repository)."""
    return Path(__file__).resolve().parents[2]


def _base_key(checkout: Path) -> str:
    digest = hashlib.sha256()
    for name in ("constraints.txt", "pyproject.toml"):
        digest.update((checkout / name).read_bytes())
    digest.update(sys.version.split()[0].rsplit(".", 1)[0].encode())
    return digest.hexdigest()[:16]


def _not_ours(_where: str, names: list[str]) -> set[str]:
    return {n for n in names if n.startswith(("__editable__", "claude_coder", "__pycache__"))}


def ensure_base(account: pwd.struct_passwd, checkout: Path) -> Path:
    """The host's copy of the dependencies (made once per key, atomically)."""
    base = Path(account.pw_dir) / ".cc-base"
    target = base / _base_key(checkout) / "site-packages"
    if target.is_dir():
        return target
    source = Path(sysconfig.get_paths()["purelib"])
    if not (source / "claude_agent_sdk").is_dir():
        raise HarnessError(f"{source} holds no claude_agent_sdk: run make .venv/.installed")
    staging = target.parent / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging, symlinks=True, ignore=_not_ours)
    chown_tree(base, account.pw_uid, account.pw_gid)
    staging.rename(target)
    return target


def host_claude_binary(site: Path) -> Path:
    """The host's own Claude Code (its copy of the bundled binary)."""
    return site / "claude_agent_sdk" / "_bundled" / "claude"


def _system_python_version() -> str:
    out = _sh(SYSTEM_PYTHON, "-c", "import sys; print('%d.%d' % sys.version_info[:2])")
    return out.stdout.strip()


def make_venv(account: pwd.struct_passwd, where: Path, base: Path, checkout: Path) -> Path:
    """A venv at ``where`` running this checkout's claude-coder over ``base``."""
    system, ours = _system_python_version(), f"{sys.version_info[0]}.{sys.version_info[1]}"
    if system != ours:
        raise HarnessError(
            f"{SYSTEM_PYTHON} is Python {system} but the checkout's venv is {ours}: the host "
            "reuses its compiled dependencies, so both must be the same minor version"
        )
    _sh(SYSTEM_PYTHON, "-m", "venv", "--without-pip", str(where))
    site = where / "lib" / f"python{system}" / "site-packages"
    (site / "cc-base.pth").write_text(f"import site; site.addsitedir({str(base)!r})\n")
    shutil.copytree(
        checkout / "src" / "claude_coder",
        site / "claude_coder",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    ver = version("claude-coder")
    dist = site / f"claude_coder-{ver}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: claude-coder\nVersion: {ver}\n")
    (dist / "entry_points.txt").write_text(
        "[console_scripts]\nclaude-coder = claude_coder.cli.main:main\n"
    )
    (dist / "INSTALLER").write_text("tests\n")
    entry = where / "bin" / "claude-coder"
    entry.write_text(
        f"#!{where}/bin/python\nimport sys\nfrom claude_coder.cli.main import main\n"
        "sys.exit(main())\n"
    )
    entry.chmod(0o755)
    chown_tree(where, account.pw_uid, account.pw_gid)
    return where


def marked(name: str, value: str) -> list[psutil.Process]:
    """Processes of ``ccremote`` whose environment has ``name=value``, and their children."""
    uid = pwd.getpwnam(USER).pw_uid
    found: dict[int, psutil.Process] = {}
    for proc in psutil.process_iter(["uids"]):
        with contextlib.suppress(psutil.Error):
            mine = proc.info["uids"] and proc.info["uids"].real == uid
            if mine and proc.environ().get(name) == value:
                found[proc.pid] = proc
                found.update({c.pid: c for c in proc.children(recursive=True)})
    return list(found.values())


def end(procs: list[psutil.Process], grace: float = 3.0) -> None:
    """TERM, then KILL what is left after ``grace`` seconds; wait for all of them."""
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.send_signal(signal.SIGTERM)
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=grace)


@dataclass
class HostWorld:
    """One test's world on the host (``ccremote``): what its logins see."""

    name: str
    session: str
    root: Path
    env_file: Path
    venv_bin: Path
    claude: Path
    account: pwd.struct_passwd
    kill_connections: Callable[[], int]
    extra: dict[str, str] = field(default_factory=dict)
    base_url: str = ""

    @property
    def mark(self) -> str:
        """What this world's processes carry in ``$CC_HARNESS_WORLD``: the session too,
        as another harness running at the same time has worlds of the same names."""
        return f"{self.session}-{self.root.name}"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def config_dir(self) -> Path:
        return self.home / ".claude"

    @property
    def launcher(self) -> Path:
        return self.root / "launcher" / "claude"

    def create(self, base_url: str) -> HostWorld:
        """Make the dirs, seed the config, write the launcher and the world file."""
        for sub in (".config", ".cache", ".local/state", ".local/share", "work"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "run").mkdir(mode=0o700)
        shutil.copyfile(CA_FILE, self.root / "ca.pem")
        self.base_url = base_url
        self.claude_env()
        for rc in (".profile", ".bashrc"):  # a login shell started from a login reads them
            (self.home / rc).write_text(_SOURCE_SELECTOR)
        self.trust(self.account.pw_dir, self.home, self.home / "work")
        self._write_env()
        return self

    def claude_env(self, **variables: str) -> None:
        """(Re)write the host's launcher so its Claude Code itself gets ``variables`` (past
        the host's security: a misconfigured install, e.g. an ``ANTHROPIC_API_KEY``)."""
        ca = self.root / "ca.pem"
        extra = {"NODE_EXTRA_CA_CERTS": str(ca), WORLD_MARK: self.mark, **variables}
        write_launcher(self.launcher, self.claude, self.base_url, extra_env=extra)
        chown_tree(self.root / "launcher", self.account.pw_uid, self.account.pw_gid)

    def log_in(self) -> None:
        """Give the host's Claude Code a stored (dummy) subscription login, as
        ``/login`` leaves one: what ``doctor`` looks for."""
        creds = {"claudeAiOauth": {"accessToken": "sk-ant-oat01-HOST", "expiresAt": 1}}
        path = self.config_dir / ".credentials.json"
        _write(path, json.dumps(creds), self.account, mode=0o600)

    def trust(self, *cwds: str | Path) -> None:
        """Seed the host's ``.claude.json`` so Claude Code trusts ``cwds`` (the TUI asks)."""
        seed_claude_json(self.config_dir, cwds)
        chown_tree(self.root, self.account.pw_uid, self.account.pw_gid)

    def env(self, **variables: str | None) -> None:
        """Set (``None``: drop) variables in this world's logins from now on."""
        for key, value in variables.items():
            if value is None:
                self.extra.pop(key, None)
            else:
                self.extra[key] = value
        self._write_env()

    def _variables(self) -> dict[str, str]:
        home = self.home
        return {
            SESSION_MARK: self.session,
            WORLD_MARK: self.mark,
            "HOME": str(home),
            "CLAUDE_CONFIG_DIR": str(self.config_dir),
            "CLAUDE_CODER_CLAUDE": str(self.launcher),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_STATE_HOME": str(home / ".local/state"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_RUNTIME_DIR": str(self.root / "run"),
            **self.extra,
        }

    def _write_env(self) -> None:
        venv_bin = shlex.quote(str(self.venv_bin))
        lines = [f'case ":$PATH:" in *:{venv_bin}:*) ;; *) PATH={venv_bin}:"$PATH";; esac']
        lines.append("export PATH")
        lines += [f"export {k}={shlex.quote(v)}" for k, v in self._variables().items()]
        _write(self.env_file, "\n".join(lines) + "\n", self.account)

    def run(
        self, *argv: str, input: str | None = None, timeout: float = 60.0
    ) -> subprocess.CompletedProcess[str]:
        """``argv`` as ``ccremote`` in a login shell of this world (not over ssh)."""
        env = {
            "HOME": self.account.pw_dir,
            "USER": USER,
            "LOGNAME": USER,
            "SHELL": "/bin/bash",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "CC_WORLD": str(self.env_file),
        }
        prefix = [RUNUSER, "-u", USER, "--", "/usr/bin/env", "-i"]
        prefix += [f"{k}={v}" for k, v in env.items()]
        return subprocess.run(
            [*prefix, "/bin/bash", "-lc", 'exec "$@"', "bash", *argv],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def kill_ssh_connections(self) -> int:
        """SIGKILL the sshd processes of the open connections (this test's); how many."""
        return self.kill_connections()

    def processes(self) -> list[psutil.Process]:
        """This world's processes on the host (its logins and everything they started)."""
        return marked(WORLD_MARK, self.mark)

    def end_processes(self) -> None:
        end(self.processes())


@contextlib.contextmanager
def locked() -> Iterator[None]:
    """Serialize account and base-venv changes across concurrent sessions."""
    with FileLock(str(LOCK), timeout=600):
        yield
