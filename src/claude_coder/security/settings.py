"""Settings files: every one Claude Code would load for a session, checked before it starts.

Claude Code applies the ``env`` block of its settings files itself, after the
environment claude-coder built, and some settings keys replace the login outright
(``apiKeyHelper`` and the cloud refresh commands). So a repository's
``.claude/settings.json`` could send the subscription's OAuth token to any host. Before
a session starts, :func:`check_settings` reads every source the 2.1.331 binary reads
for that cwd, config dir and argv (found by experiment, see ``docs/security.md``):

* user: ``$CLAUDE_CONFIG_DIR/settings.json`` (``~/.claude`` when unset);
* project: ``<cwd>/.claude/settings.json``;
* local: ``<cwd>/.claude/settings.local.json`` and, inside a git work tree,
  ``<top>/.claude/settings.local.json`` of the nearest directory holding ``.git``;
* managed: ``/etc/claude-code/managed-settings.json`` and every
  ``/etc/claude-code/managed-settings.d/*.json``;
* every ``--settings`` the argv passes (inline JSON or a file).

It refuses (:class:`~claude_coder.errors.SettingsRefused`, exit 2) a file whose ``env``
sets a variable the child-environment rule refuses, ``CLAUDE_CONFIG_DIR`` or a
variable that moves where TLS goes or whom it trusts (:data:`SETTINGS_ENV_REFUSED`); a
file that sets a login key (:data:`LOGIN_KEYS`, ``forceLoginMethod`` other than
``claudeai``); and a file it cannot read or parse (fail closed). Errors name the file
and the key, never a value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claude_coder.errors import SettingsRefused
from claude_coder.security.auth import denied_names, is_denied

__all__ = [
    "LOGIN_KEYS",
    "MANAGED_DIR",
    "SETTINGS_ENV_REFUSED",
    "SettingsProblem",
    "check_settings",
    "config_dir",
    "settings_problems",
    "settings_sources",
]

MANAGED_DIR = Path("/etc/claude-code")
"""Where Claude Code on Linux reads the machine's managed settings."""

LOGIN_KEYS: tuple[str, ...] = (
    "apiKeyHelper",
    "awsAuthRefresh",
    "awsCredentialExport",
    "gcpAuthRefresh",
)
"""Settings keys that replace the subscription login with another credential."""

SETTINGS_ENV_REFUSED: frozenset[str] = frozenset(
    {
        "CLAUDE_CONFIG_DIR",
        "CLAUDE_CODE_OAUTH_TOKEN",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "NODE_EXTRA_CA_CERTS",
        "NODE_TLS_REJECT_UNAUTHORIZED",
        "NODE_OPTIONS",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    }
)
"""Names refused in a settings file's ``env`` besides the child-environment rule: the
account, a token, and what could route or trust a man in the middle. (In the person's
own environment a proxy and a CA stay theirs to set.)"""


@dataclass(frozen=True, slots=True)
class SettingsProblem:
    """One refused entry: the file, the key (``env.NAME``; None when unreadable), why."""

    file: str
    key: str | None
    reason: str

    def message(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"settings file {where} {self.reason}"


@dataclass(frozen=True, slots=True)
class _Source:
    label: str
    path: Path | None = None
    inline: str | None = None


def config_dir(environ: Mapping[str, str]) -> Path:
    """Claude Code's config dir: ``$CLAUDE_CONFIG_DIR``, else ``$HOME/.claude``."""
    raw = environ.get("CLAUDE_CONFIG_DIR")
    if raw:
        return Path(raw).expanduser()
    home = environ.get("HOME")
    return (Path(home) if home else Path.home()) / ".claude"


def _git_top(cwd: Path) -> Path | None:
    for candidate in (cwd, *cwd.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _argv_settings(argv: Sequence[str], cwd: Path) -> Iterator[_Source]:
    args = list(argv)
    for i, arg in enumerate(args):
        value: str | None = None
        if arg == "--settings" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--settings="):
            value = arg.split("=", 1)[1]
        if value is None:
            continue
        if value.lstrip().startswith("{"):
            yield _Source("--settings (inline)", inline=value)
        else:
            yield _Source("--settings", path=cwd / Path(value).expanduser())


def settings_sources(
    cwd: str | Path,
    environ: Mapping[str, str],
    argv: Sequence[str] = (),
    *,
    managed_dir: Path | None = None,
) -> list[tuple[str, Path | None, str | None]]:
    """(label, path, inline JSON) of every settings source, in Claude Code's order."""
    work = Path(cwd)
    managed = MANAGED_DIR if managed_dir is None else managed_dir
    found = [
        _Source("user", config_dir(environ) / "settings.json"),
        _Source("project", work / ".claude" / "settings.json"),
        _Source("local", work / ".claude" / "settings.local.json"),
    ]
    top = _git_top(work)
    if top is not None and top != work:
        found.append(_Source("local", top / ".claude" / "settings.local.json"))
    found.append(_Source("managed", managed / "managed-settings.json"))
    drop_in = managed / "managed-settings.d"
    if drop_in.is_dir():
        found += [
            _Source("managed", p)
            for p in sorted(drop_in.iterdir())
            if p.suffix == ".json" and not p.name.startswith(".")
        ]
    found += list(_argv_settings(argv, work))
    return [(s.label, s.path, s.inline) for s in found]


def _load(path: Path | None, inline: str | None) -> tuple[bool, Any, str | None]:
    """(present, parsed, error) of one source; a missing file is not present."""
    if inline is not None:
        text = inline
    else:
        assert path is not None
        if not path.exists():
            return False, None, None
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
            return True, None, f"cannot be read ({reason})"
    try:
        return True, json.loads(text), None
    except json.JSONDecodeError as exc:
        return True, None, f"is not valid JSON (line {exc.lineno})"


def _env_problems(file: str, env: object) -> list[SettingsProblem]:
    if not isinstance(env, dict):
        return [SettingsProblem(file, "env", "is not an object; Claude Code's env block must be")]
    refused = set(denied_names(env)) | {n for n in env if is_denied(n)}
    refused |= {n for n in env if n.upper() in SETTINGS_ENV_REFUSED}
    return [
        SettingsProblem(
            file, f"env.{name}", "sets a variable claude-coder does not pass to Claude Code"
        )
        for name in sorted(refused)
    ]


def _file_problems(file: str, data: object) -> list[SettingsProblem]:
    if not isinstance(data, dict):
        return [SettingsProblem(file, None, "is not a JSON object")]
    problems = [
        SettingsProblem(file, key, "replaces the subscription login")
        for key in LOGIN_KEYS
        if data.get(key) is not None
    ]
    method = data.get("forceLoginMethod")
    if method is not None and method != "claudeai":
        problems.append(
            SettingsProblem(file, "forceLoginMethod", "forces a login other than claudeai")
        )
    if "env" in data:
        problems += _env_problems(file, data["env"])
    return problems


def settings_problems(
    cwd: str | Path,
    environ: Mapping[str, str],
    argv: Sequence[str] = (),
    *,
    managed_dir: Path | None = None,
) -> list[SettingsProblem]:
    """Every refused entry of every settings source (names only, never values)."""
    problems: list[SettingsProblem] = []
    for label, path, inline in settings_sources(cwd, environ, argv, managed_dir=managed_dir):
        file = str(path) if path is not None else label
        present, data, error = _load(path, inline)
        if error is not None:
            problems.append(SettingsProblem(file, None, f"{error}; fix or remove it"))
        elif present:
            problems += _file_problems(file, data)
    return problems


def check_settings(
    cwd: str | Path,
    environ: Mapping[str, str],
    argv: Sequence[str] = (),
    *,
    managed_dir: Path | None = None,
) -> None:
    """Raise :class:`SettingsRefused` for the first refused settings entry (before a start)."""
    for problem in settings_problems(cwd, environ, argv, managed_dir=managed_dir):
        raise SettingsRefused(
            f"{problem.message()}; remove it (claude-coder runs Claude Code only on your "
            "subscription login)",
            file=problem.file,
            variable=problem.key,
        )
