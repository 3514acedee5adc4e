"""``claude-coder doctor``: what would run, on which login, and what the environment holds.

Prints the checks of :mod:`claude_coder.doctor` (the binary a session would run and why,
its version and whether the PTY band admits it, the login, every refusal a session
start would make, the login proof) for one profile, plus the profiles file's problems
and the fleet roster being private. ``doctor --host H`` asks a host the same
(:mod:`claude_coder.cli.host_cmds`). Lists the names (never values) of the variables
the child environment strips. Never prints a credential.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import click

from claude_coder.cli.common import complete_profiles, console, state
from claude_coder.doctor import check_profile
from claude_coder.errors import ClaudeCoderError, ProfileNotFoundError
from claude_coder.fleet.roster._file import default_roster_path
from claude_coder.profiles import BUILTIN_NAME, inspect_profiles
from claude_coder.security import OAUTH_TOKEN_VAR, inherited_environ

__all__ = ["register"]


def diagnose(ctx: click.Context, profile_name: str) -> dict[str, Any]:
    """Everything ``doctor`` reports, as JSON-ready data."""
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
    checks = asyncio.run(
        check_profile(profile, inherited_environ(), private={"fleet roster": default_roster_path()})
    )
    proof, ok = checks.pop("proof"), checks.pop("ok")
    return {
        **checks,
        "profiles": profiles,
        "proof": proof,
        "ok": ok and not profiles["problems"],
    }


def render_checks(report: dict[str, Any]) -> list[str]:
    """One line per check of :func:`claude_coder.doctor.check_profile`'s report (also
    for a host's report: ``doctor --host``)."""
    binary, version, login = report["binary"], report["version"], report["login"]
    env = report["environment"]
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
    return lines


def _render(report: dict[str, Any]) -> list[str]:
    profiles = report["profiles"]
    lines = render_checks(report)
    lines.append(f"profiles     {profiles['where']}: {len(profiles['names'])} profiles")
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
@click.option(
    "--host",
    default=None,
    metavar="HOST",
    help="Check a host over ssh instead: reachable, its claude-coder, Claude Code, login.",
)
@click.pass_context
def doctor_cmd(ctx: click.Context, as_json: bool, profile_name: str, host: str | None) -> None:
    """Check what a session would run: binary, version, login, environment, settings.

    Exits 0 when a session could start, 1 when something is missing or would be refused.
    """
    if host is not None:
        from claude_coder.cli.host_cmds import host_doctor

        host_doctor(ctx, host, profile_name, as_json=as_json)
        return
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
