"""The doctor's checks: what a session with one profile would run, on which login, and
what the environment holds, as JSON-ready data.

``claude-coder doctor`` prints them (:mod:`claude_coder.cli.doctor_cmds`) and a host
answers the ``doctor`` call with them (:mod:`claude_coder.serve.calls`). Every check
uses the function a session start uses: the profile's compile step (``build_launch``:
its env, its secrets, its cwd), every settings file the child would load
(``security.settings``), files that must be private (``security.files``), and the login
proof itself (the preflight of ``security.preflight``, run against the binary: no model
request). The environment is reported by the NAMES of the variables a child environment
strips, never their values; no check returns a credential.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from claude_coder.errors import ClaudeCoderError
from claude_coder.launch import LaunchSpec, build_launch, find_claude, read_version
from claude_coder.profiles import Profile
from claude_coder.security import (
    DENIED_PREFIXES,
    OAUTH_TOKEN_VAR,
    PTY_PROVEN,
    check_pty_version,
    config_dir,
    denied_names,
    private_problem,
    prove_login,
    settings_problems,
    stripped_names,
)

__all__ = ["check_profile", "login_status"]

PROOF_TIMEOUT = 60.0
"""Seconds the login preflight may take."""


def _global_config(environ: Mapping[str, str]) -> Path:
    if environ.get("CLAUDE_CONFIG_DIR"):
        return config_dir(environ) / ".claude.json"
    return Path.home() / ".claude.json"


def _read_json(path: Path) -> tuple[bool, Any]:
    """(exists, parsed object or None when unreadable)."""
    if not path.is_file():
        return False, None
    try:
        return True, json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return True, None


def _has_oauth(creds: Any) -> bool:
    if not isinstance(creds, dict) or not isinstance(creds.get("claudeAiOauth"), dict):
        return False
    oauth = creds["claudeAiOauth"]
    return bool(oauth.get("accessToken") or oauth.get("refreshToken"))


def login_status(environ: Mapping[str, str]) -> dict[str, Any]:
    """Whether Claude Code has a subscription login in the config dir it would use.

    Looks at ``.credentials.json`` (the OAuth tokens, Linux/Windows) and ``oauthAccount``
    in ``.claude.json``; reads presence only, never returns a value.
    """
    cdir = config_dir(environ)
    creds_path = cdir / ".credentials.json"
    creds_exist, creds = _read_json(creds_path)
    global_path = _global_config(environ)
    _, global_cfg = _read_json(global_path)
    account = isinstance(global_cfg, dict) and isinstance(global_cfg.get("oauthAccount"), dict)
    tokens = _has_oauth(creds)
    keychain = sys.platform == "darwin" and account and not creds_exist
    logged_in = tokens or keychain
    if tokens:
        detail = f"logged in: OAuth tokens in {creds_path}"
    elif keychain:
        detail = f"account in {global_path}; tokens are in the macOS Keychain (not read)"
    elif creds_exist:
        detail = f"no login: {creds_path} holds no OAuth tokens; run `claude` and /login"
    else:
        detail = f"no login: Claude Code has no login in {cdir}; run `claude` and /login"
    return {
        "configDir": str(cdir),
        "loggedIn": logged_in,
        "credentialsFile": creds_exist,
        "account": account,
        "detail": detail,
    }


def _launch(profile: Profile) -> tuple[LaunchSpec | None, str | None]:
    """The LaunchSpec a session start would build, or why building it is refused."""
    try:
        return build_launch(profile), None
    except ClaudeCoderError as exc:
        return None, exc.message


def _settings_report(spec: LaunchSpec | None, environ: Mapping[str, str]) -> list[str]:
    """Every settings entry a start would refuse (names of files and keys only)."""
    if spec is not None:
        found = settings_problems(spec.cwd, spec.env, spec.argv)
    else:
        found = settings_problems(Path.cwd(), environ)
    return [p.message() for p in found]


async def _proof_report(spec: LaunchSpec | None, blocked: bool) -> dict[str, Any]:
    """Run the login preflight a start runs (Claude Code's own report, no prompt)."""
    if spec is None or blocked:
        return {"ran": False, "ok": False, "detail": "not run: fix the problems above first"}
    try:
        await prove_login(spec.binary, spec.argv, spec.env, spec.cwd, timeout=PROOF_TIMEOUT)
    except ClaudeCoderError as exc:
        return {"ran": True, "ok": False, "detail": exc.message}
    detail = "Claude Code reports the subscription login, served by Anthropic"
    return {"ran": True, "ok": True, "detail": detail}


def _files_report(private: Mapping[str, Path]) -> list[str]:
    """Each of ``private`` (what -> path) that is not private, as a start requires."""
    found = ((what, private_problem(path)) for what, path in private.items())
    return [problem.message(what) for what, problem in found if problem is not None]


def _login_report(profile: Profile, environ: Mapping[str, str]) -> dict[str, Any]:
    login = login_status(environ)
    ref = profile.env.get(OAUTH_TOKEN_VAR)
    if ref is not None and not login["loggedIn"]:
        login["loggedIn"] = True
        login["detail"] = (
            f"profile {profile.name!r} passes {OAUTH_TOKEN_VAR} from {ref} "
            "(resolved when a session starts)"
        )
    return login


def _binary_report(profile: Profile, environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"path": None, "why": None, "error": None}
    try:
        out["path"], out["why"] = find_claude(profile, environ)
    except ClaudeCoderError as exc:
        out["error"] = exc.message
    return out


def _version_report(binary: str | None) -> dict[str, Any]:
    oldest, newest = PTY_PROVEN
    out: dict[str, Any] = {"version": None, "ptyBand": f"[{oldest}, {newest}]", "ptyAdmits": False}
    out["error"] = None
    if binary is None:
        out["error"] = "no binary"
        return out
    try:
        version = read_version(binary)
    except ClaudeCoderError as exc:
        out["error"] = exc.message
        return out
    out["version"] = str(version)
    try:
        check_pty_version(version)
        out["ptyAdmits"] = True
    except ClaudeCoderError:
        out["ptyAdmits"] = False
    return out


def _environment_report(environ: Mapping[str, str]) -> dict[str, Any]:
    return {
        "denylisted": denied_names(environ),
        "stripped": stripped_names(environ),
        "oauthTokenInherited": OAUTH_TOKEN_VAR in environ,
        "deniedPrefixes": list(DENIED_PREFIXES),
    }


def _static_checks(
    profile: Profile, environ: Mapping[str, str], private: Mapping[str, Path]
) -> tuple[dict[str, Any], LaunchSpec | None]:
    """Everything but the proof (blocking: reads files, runs ``claude --version``)."""
    binary = _binary_report(profile, environ)
    spec, launch_error = _launch(profile)
    report: dict[str, Any] = {
        "profile": profile.name,
        "binary": binary,
        "version": _version_report(binary["path"]),
        "login": _login_report(profile, environ),
        "environment": _environment_report(environ),
        "launch": launch_error,
        "settings": _settings_report(spec, environ),
        "files": _files_report(private),
    }
    return report, spec


async def check_profile(
    profile: Profile,
    environ: Mapping[str, str],
    *,
    private: Mapping[str, Path] | None = None,
) -> dict[str, Any]:
    """The doctor's report for a session with ``profile`` started from ``environ``.

    ``private``: files that must be private for a start (what -> path). ``ok`` is True
    when a session could start (the caller adds what else it checks, such as the
    profiles file's problems).
    """
    report, spec = await asyncio.to_thread(_static_checks, profile, environ, private or {})
    blocked = bool(report["settings"] or report["files"] or not report["version"]["version"])
    report["proof"] = await _proof_report(spec, blocked)
    report["ok"] = bool(
        report["binary"]["path"]
        and report["version"]["version"]
        and report["login"]["loggedIn"]
        and not report["launch"]
        and not report["settings"]
        and not report["files"]
        and report["proof"]["ok"]
    )
    return report
