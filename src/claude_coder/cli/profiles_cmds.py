"""``claude-coder profiles``: list, show (resolved through ``extends``) and validate profiles."""

from __future__ import annotations

import json
from typing import Any

import click

from claude_coder.cli.common import (
    complete_profiles,
    console,
    err_console,
    load_profile_set,
    print_table,
    state,
    stdout_is_terminal,
)
from claude_coder.errors import ConfigError
from claude_coder.profiles import ProfileProblem, ProfileSet, inspect_profiles

__all__ = ["register"]


def _summary(pset: ProfileSet, name: str) -> dict[str, Any]:
    spec = pset.spec(name)
    profile = pset.get(name)
    return {
        "name": name,
        "transport": profile.transport,
        "extends": spec.extends,
        "model": profile.model,
        "permissionMode": profile.permission_mode,
        "source": pset.source(name),
    }


@click.group("profiles")
def profiles_group() -> None:
    """List, show and validate profiles."""


@profiles_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """List every profile: the built-in one and those in the profiles file."""
    pset = load_profile_set(ctx)
    rows = [_summary(pset, name) for name in pset.names()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    where = pset.where
    notes = console() if stdout_is_terminal() else err_console()
    notes.print(f"profiles file: {where}", markup=False)
    cells = [
        (
            row["name"],
            row["transport"],
            row["extends"] or "-",
            row["model"] or "-",
            row["permissionMode"],
            "built-in" if row["source"] == "built-in" else "file",
        )
        for row in rows
    ]
    print_table(("NAME", "TRANSPORT", "EXTENDS", "MODEL", "PERMISSION MODE", "DEFINED IN"), cells)


@profiles_group.command("show")
@click.argument("name", shell_complete=complete_profiles)
@click.option("--json", "as_json", is_flag=True, help="Print only the profile's JSON.")
@click.pass_context
def show_cmd(ctx: click.Context, name: str, as_json: bool) -> None:
    """Show profile NAME resolved through extends (secret references stay references)."""
    pset = load_profile_set(ctx)
    profile = pset.get(name)
    text = json.dumps(profile.to_json(), indent=2)
    if as_json:
        click.echo(text)
        return
    lineage = " <- ".join(pset.chain(name))
    out = console()
    out.print(f"# {lineage}  ({pset.source(name)})", markup=False)
    out.print(text, markup=False)


def _problem_json(problem: ProfileProblem) -> dict[str, Any]:
    return {
        "file": problem.file,
        "profile": problem.profile,
        "path": problem.path,
        "message": problem.message,
        "variable": problem.variable,
    }


@profiles_group.command("validate")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def validate_cmd(ctx: click.Context, as_json: bool) -> None:
    """Check the profiles file: exit 0 when every profile is valid, else 2 listing every error."""
    pset, problems = inspect_profiles(state(ctx).profiles_path)
    where = str(pset.path) if pset.path else None
    if as_json:
        report = {
            "file": where,
            "ok": not problems,
            "profiles": pset.names() if not problems else [],
            "problems": [_problem_json(p) for p in problems],
        }
        click.echo(json.dumps(report, indent=2))
    elif problems:
        out = console()
        for problem in problems:
            out.print(str(problem), markup=False)
    elif where is None:
        console().print(
            f"{pset.where}; the built-in profile {pset.names()[0]} is valid",
            markup=False,
        )
    else:
        console().print(f"{where}: {len(pset)} profiles valid: {', '.join(pset)}", markup=False)
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        raise ConfigError(f"{len(problems)} {noun} in {where or 'the profiles'}")


def register(group: click.Group) -> None:
    """Add ``profiles`` to the CLI."""
    group.add_command(profiles_group)
