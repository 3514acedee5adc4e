"""``claude-coder doctor``: what would run, on which login, and what the environment holds.

Reports the binary a session would run and why, its version and whether the PTY band
admits it, whether Claude Code has a login in the config dir it would use, and every
refusal a session start would make, found by the same functions the start calls:
the profile's compile step (``build_launch``: its env, its secrets, its cwd), every
settings file the child would load (``security.settings``), the profiles file and the
fleet roster being private (``security.files``), and the login proof itself (the
preflight of ``security.preflight``, run against the binary: no model request). It
also lists the names (never values) of the variables the child environment strips.
Never prints a credential.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from claude_coder.cli.common import complete_profiles, console, state
from claude_coder.errors import ClaudeCoderError, ProfileNotFoundError
from claude_coder.fleet.roster._file import default_roster_path
from claude_coder.launch import LaunchSpec, build_launch, find_claude, read_version
from claude_coder.profiles import BUILTIN_NAME, Profile, inspect_profiles
from claude_coder.security import (
    DENIED_PREFIXES,
    OAUTH_TOKEN_VAR,
    PTY_PROVEN,
    check_pty_version,
    config_dir,
    denied_names,
    inherited_environ,
    private_problem,
    prove_login,
    settings_problems,
    stripped_names,
)

__all__ = ["login_status", "register"]


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
    in ``.claude.json``; reads presence only, never prints a value.
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


def _proof_report(spec: LaunchSpec | None, blocked: bool) -> dict[str, Any]:
    """Run the login preflight a start runs (Claude Code's own report, no prompt)."""
    if spec is None or blocked:
        return {"ran": False, "ok": False, "detail": "not run: fix the problems above first"}
    try:
        asyncio.run(prove_login(spec.binary, spec.argv, spec.env, spec.cwd, timeout=60.0))
    except ClaudeCoderError as exc:
        return {"ran": True, "ok": False, "detail": exc.message}
    detail = "Claude Code reports the subscription login, served by Anthropic"
    return {"ran": True, "ok": True, "detail": detail}


def _files_report() -> list[str]:
    """The fleet roster must be private, as opening a fleet requires (the profiles file's
    own check is among the profiles problems)."""
    problem = private_problem(default_roster_path())
    return [] if problem is None else [problem.message("fleet roster")]


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


def diagnose(ctx: click.Context, profile_name: str) -> dict[str, Any]:
    """Everything ``doctor`` reports, as JSON-ready data."""
    environ = inherited_environ()
    pset, problems = inspect_profiles(state(ctx).profiles_path)
    if profile_name not in pset and not problems:  # a file with problems is reported below
        raise ProfileNotFoundError(
            f"no profile {profile_name!r} in {pset.where}; "
            f"known: {', '.join(pset.names())} (see `claude-coder profiles list`)"
        )
    profiles: dict[str, Any] = {
        "file": str(pset.path) if pset.path else None,
        "where": pset.where,
        "origin": pset.origin,
        "names": pset.names(),
        "problems": [str(p) for p in problems],
    }
    try:
        profile = pset.get(profile_name)
    except ClaudeCoderError as exc:
        profiles["problems"].append(exc.message)
        profile = pset.get(BUILTIN_NAME)
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
        "files": _files_report(),
        "profiles": profiles,
    }
    blocked = bool(report["settings"] or report["files"] or not report["version"]["version"])
    report["proof"] = _proof_report(spec, blocked)
    report["ok"] = bool(
        binary["path"]
        and report["version"]["version"]
        and report["login"]["loggedIn"]
        and not launch_error
        and not report["settings"]
        and not report["files"]
        and not profiles["problems"]
        and report["proof"]["ok"]
    )
    return report


def _render(report: dict[str, Any]) -> list[str]:
    binary, version, login = report["binary"], report["version"], report["login"]
    env, profiles = report["environment"], report["profiles"]
    lines = [f"profile      {report['profile']}"]
    if binary["path"]:
        lines.append(f"binary       {binary['path']}  (from {binary['why']})")
    else:
        lines.append(f"binary       none: {binary['error']}")
    if version["version"]:
        band = "admits" if version["ptyAdmits"] else "does NOT admit"
        lines.append(
            f"version      {version['version']}; the PTY band {version['ptyBand']} {band} it"
        )
    else:
        lines.append(f"version      unknown: {version['error']}")
    lines.append(f"login        {login['detail']}")
    if env["denylisted"]:
        names = ", ".join(env["denylisted"])
        lines.append(f"environment  stripped from every session (never refused): {names}")
    else:
        lines.append("environment  no Claude Code login or endpoint variables")
    if env["oauthTokenInherited"]:
        lines.append(
            f"             {OAUTH_TOKEN_VAR} is set; it is stripped unless a profile's "
            "env passes it with a secretRef"
        )
    if report["launch"]:
        lines.append(f"launch       refused: {report['launch']}")
    for item in report["settings"]:
        lines.append(f"settings     refused: {item}")
    if not report["settings"]:
        lines.append("settings     no settings file sets a refused key or variable")
    lines += [f"files        refused: {item}" for item in report["files"]]
    proof = report["proof"]
    lines.append(f"proof        {'ok: ' if proof['ok'] else ''}{proof['detail']}")
    where = profiles["where"]
    lines.append(f"profiles     {where}: {len(profiles['names'])} profiles")
    lines += [f"             {problem}" for problem in profiles["problems"]]
    if report["ok"]:
        lines.append("ok: a session could start")
    return lines


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--profile",
    "profile_name",
    default=BUILTIN_NAME,
    show_default=True,
    shell_complete=complete_profiles,
    help="Profile to check.",
)
@click.pass_context
def doctor_cmd(ctx: click.Context, as_json: bool, profile_name: str) -> None:
    """Check what a session would run: binary, version, login, environment, settings.

    Exits 0 when a session could start, 1 when something is missing or would be refused.
    """
    report = diagnose(ctx, profile_name)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        out = console()
        for line in _render(report):
            out.print(line, markup=False)
    if not report["ok"]:
        raise ClaudeCoderError("doctor found problems: see above")


def register(group: click.Group) -> None:
    """Add ``doctor`` to the CLI."""
    group.add_command(doctor_cmd)
