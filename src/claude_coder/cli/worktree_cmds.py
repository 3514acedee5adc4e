"""The worktree commands: ``diff``, ``merge``, ``worktrees``, ``prune``, ``fleet remove``.

``diff NAME`` and ``merge NAME`` take a fleet member (its worktree is in the roster) or
the name of a worktree under the repository's ``.claude/worktrees/`` (one Claude Code
made, say). ``worktrees`` and ``prune`` work on the repository holding ``--repo``
(default: the current directory). See ``docs/worktrees.md``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from claude_coder.cli.common import console, err_console
from claude_coder.errors import MemberNotFoundError, WorktreeError
from claude_coder.fleet._member import worktree_of
from claude_coder.fleet.gitrun import current_branch, repo_top
from claude_coder.fleet.landing import (
    MergeMode,
    WorktreeDiff,
    merge_worktree,
    open_pull_request,
    worktree_diff,
)
from claude_coder.fleet.roster import Roster
from claude_coder.fleet.roster._file import read_roster
from claude_coder.fleet.worktrees import (
    WORKTREES_DIR,
    WorktreeRef,
    branch_for,
    list_worktrees,
    prune_worktrees,
    remove_if_merged,
)

__all__ = ["register", "roster_worktrees"]

_ROSTER = click.option(
    "--roster",
    "roster_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Roster file (else $CLAUDE_CODER_ROSTER, else fleet.json in the user state dir).",
)
_REPO = click.option(
    "--repo",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=".",
    show_default=True,
    help="A directory inside the repository.",
)


def roster_worktrees(roster_path: Path | None) -> list[tuple[str, WorktreeRef]]:
    """(member, worktree) for every roster member that has one."""
    rows = []
    for m in read_roster(roster_path).members:
        ref = worktree_of(m)
        if ref is not None:
            rows.append((m.name, ref))
    return rows


def _resolve(name: str, roster_path: Path | None) -> WorktreeRef:
    for member, ref in roster_worktrees(roster_path):
        if member == name:
            return ref
    if name in {m.name for m in read_roster(roster_path).members}:
        raise WorktreeError(f"member {name!r} has no worktree (it works in its cwd)")
    top = _top_or_none(Path.cwd())
    path = top / WORKTREES_DIR / name if top else None
    base = current_branch(top) if top else None
    if top is None or path is None or not path.is_dir() or base is None:
        raise MemberNotFoundError(
            f"no fleet member or worktree named {name!r}; `claude-coder worktrees` lists them"
        )
    branch = current_branch(path) or branch_for(name)
    return WorktreeRef(str(top), str(path), branch, base)


def _top_or_none(where: Path) -> Path | None:
    try:
        return repo_top(where)
    except WorktreeError:
        return None


@click.command("diff")
@click.argument("name")
@click.option("--stat", is_flag=True, help="Files and line counts only.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_ROSTER
def diff_cmd(name: str, stat: bool, as_json: bool, roster_path: Path | None) -> None:
    """A member's changes against its base branch (committed or not, new files too)."""
    ref = _resolve(name, roster_path)
    diff = worktree_diff(ref, patch=not stat)
    if as_json:
        doc = {"member": name, "worktree": ref.path, **diff.to_json(patch=not stat)}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    elif stat:
        click.echo(_stat(diff), nl=False)
    else:
        click.echo(diff.patch, nl=False)


def _stat(diff: WorktreeDiff) -> str:
    lines = []
    for f in diff.files:
        counts = "binary" if f.added is None else f"+{f.added} -{f.deleted}"
        lines.append(f" {f.status} {f.path} | {counts}\n")
    n = len(diff.files)
    lines.append(f" {n} file{'s' if n != 1 else ''} changed against {diff.base}\n")
    return "".join(lines)


@click.command("merge")
@click.argument("name")
@click.option("--squash", "mode", flag_value="squash", help="One commit on the base.")
@click.option("--rebase", "mode", flag_value="rebase", help="Rebase, then fast-forward.")
@click.option("--pr", is_flag=True, help="Push the branch and open a pull request (gh).")
@_ROSTER
def merge_cmd(name: str, mode: str | None, pr: bool, roster_path: Path | None) -> None:
    """Land a member's branch in its base branch (in the main checkout), or change nothing."""
    ref = _resolve(name, roster_path)
    if pr:
        click.echo(open_pull_request(ref, name))
        return
    how: MergeMode = "squash" if mode == "squash" else "rebase" if mode == "rebase" else "merge"
    result = merge_worktree(ref, name, how)
    if result.commit is None:
        click.echo(f"nothing to merge: {ref.branch} is already in {ref.base}")
        return
    n = len(result.files)
    click.echo(
        f"{_DONE[how]} {ref.branch} into {ref.base} ({n} file{'s' if n != 1 else ''}): "
        f"{result.commit[:10]}; the worktree stays (`claude-coder prune` removes it)"
    )


_DONE = {"merge": "merged", "squash": "squashed", "rebase": "rebased"}


@click.command("worktrees")
@_REPO
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@_ROSTER
def worktrees_cmd(repo: Path, as_json: bool, roster_path: Path | None) -> None:
    """Every worktree under .claude/worktrees/: member, branch, merged, dirty."""
    rows = list_worktrees(repo, roster_worktrees(roster_path))
    if as_json:
        click.echo(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        console().print("(no worktrees)")
        return
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("WORKTREE", "MEMBER", "BRANCH", "BASE", "MERGED", "DIRTY", "PATH"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            escape(Path(r.path).name),
            escape(r.member or "-"),
            escape(r.branch or "(detached)"),
            escape(r.base or "-"),
            "yes" if r.merged else "no",
            "yes" if r.dirty else "no",
            escape(r.path),
        )
    console().print(table)


@click.command("prune")
@_REPO
@click.option("--force", is_flag=True, help="Also remove unmerged and dirty worktrees.")
@_ROSTER
def prune_cmd(repo: Path, force: bool, roster_path: Path | None) -> None:
    """Remove merged, clean worktrees (and their branches); --force removes the rest too."""
    result = prune_worktrees(repo, roster_worktrees(roster_path), force=force)
    for st in result.removed:
        click.echo(f"removed {st.path} ({st.branch or 'detached'})")
    for st, why in result.kept:
        click.echo(f"kept {st.path}: {why}")
    if not result.removed and not result.kept:
        click.echo("(no worktrees)")


@click.command("remove")
@click.argument("name")
@click.option("--keep-worktree", "what", flag_value="keep", help="Leave its worktree as it is.")
@click.option(
    "--remove-worktree", "what", flag_value="remove", help="Remove it when merged and clean."
)
@_ROSTER
@click.pass_context
def remove_cmd(ctx: click.Context, name: str, what: str | None, roster_path: Path | None) -> None:
    """Remove a member from a roster no fleet has open (its transcript stays)."""
    path = roster_path or ctx.meta.get("fleet_roster")
    with Roster.open(path) as roster:
        ref = worktree_of(roster.get(name))
        if ref is not None and what is None:
            what = _ask_what(name, ref)
        roster.remove(name)
    click.echo(f"removed member {name}")
    if ref is not None:
        note = remove_if_merged(ref) if what == "remove" else f"kept the worktree {ref.path}"
        click.echo(note)


def _ask_what(name: str, ref: WorktreeRef) -> str:
    if not sys.stdin.isatty():
        raise click.UsageError(
            f"member {name} has the worktree {ref.path}: pass --keep-worktree or "
            "--remove-worktree (removed only when merged and clean)"
        )
    err_console().print(f"{name} works in {ref.path} (branch {ref.branch}).", markup=False)
    return str(
        click.prompt(
            "Keep the worktree, or remove it if merged?",
            type=click.Choice(["keep", "remove"]),
            default="keep",
        )
    )


def register(group: click.Group) -> None:
    """Add ``diff``, ``merge``, ``worktrees``, ``prune`` and ``fleet remove``."""
    for command in (diff_cmd, merge_cmd, worktrees_cmd, prune_cmd):
        group.add_command(command)
    fleet = group.commands.get("fleet")
    if isinstance(fleet, click.Group):
        fleet.add_command(remove_cmd)
