"""The ``usage`` command: tokens and cost from the transcripts on disk.

``claude-coder usage [daily|monthly|session|project|model|blocks]`` (daily when
omitted) reads the transcripts through the usage cache and prints one row per group
and billing pool. On a terminal that is a table; otherwise one row per line,
tab-separated, with a header line and nothing cut. ``--json`` prints the whole report.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from claude_coder.catalog.paths import config_dir, projects_dir
from claude_coder.catalog.pricing import PRICES_AS_OF, PRICES_SOURCE
from claude_coder.catalog.usage import default_usage_cache, load_usage
from claude_coder.catalog.usage_read import KINDS
from claude_coder.catalog.usage_report import VIEWS, Report, ReportRow, Totals, build_report
from claude_coder.catalog.usage_report import parse_day as _parse_day
from claude_coder.cli.common import console, err_console
from claude_coder.security import json_text, visible_line

__all__ = ["register"]

_KEY_COLUMNS = {
    "daily": ["DATE"],
    "monthly": ["MONTH"],
    "session": ["SESSION", "PROJECT", "LAST ACTIVITY"],
    "project": ["PROJECT"],
    "model": ["MODEL"],
    "blocks": ["BLOCK START", "END", "ACTIVE"],
}
_NUMBERS = ["KIND", "INPUT", "OUTPUT", "CACHE WRITE", "CACHE READ", "TOTAL TOKENS", "COST (USD)"]


def _escape(text: str) -> str:
    from rich.markup import escape  # here: a --json answer needs no rich

    return escape(text)


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return _parse_day(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _cost(t: Totals) -> str:
    if t.messages and t.unpriced == t.messages:
        return "?"
    text = f"{t.cost:.4f}"
    return f"{text} + ?" if t.unpriced else text


def _key_cells(report: Report, row: ReportRow) -> list[str]:
    f = row.fields
    if report.view == "session":
        return [row.key, str(f.get("project", "")), str(f.get("lastActivity", ""))]
    if report.view == "blocks":
        return [str(f["start"]), str(f["end"]), "yes" if f["active"] else ""]
    return [row.key]


def _lines(report: Report) -> list[list[str]]:
    """Every table row as cells: one per billing pool present, then the group's total."""
    out: list[list[str]] = []
    groups = [*report.rows, report.totals()] if report.rows else []
    for i, row in enumerate(groups):
        last = i == len(groups) - 1
        key = ["TOTAL", *[""] * (len(_KEY_COLUMNS[report.view]) - 1)] if last else None
        kinds = [(k, row.kinds[k]) for k in KINDS if k in row.kinds]
        if len(kinds) > 1:
            kinds.append(("all", row.total()))
        for kind, t in kinds:
            cells = key if key is not None else _key_cells(report, row)
            out.append([*cells, kind, *_numbers(t)])
    return out


def _numbers(t: Totals) -> list[str]:
    return [
        str(t.input),
        str(t.output),
        str(t.cache_write),
        str(t.cache_read),
        str(t.tokens),
        _cost(t),
    ]


def _header(report: Report) -> list[str]:
    keys = list(_KEY_COLUMNS[report.view])
    if report.view in ("daily", "monthly", "blocks", "session"):
        where = 0 if report.view != "session" else 2
        keys[where] = f"{keys[where]} ({report.zone})"
    return [*keys, *_NUMBERS]


def _print_table(report: Report) -> None:
    header, lines = _header(report), _lines(report)
    if not sys.stdout.isatty():
        for cells in (header, *lines):
            click.echo("\t".join(visible_line(c) for c in cells))  # a tab or newline shows
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False)
    for i, column in enumerate(header):
        table.add_column(column, justify="right" if i >= len(header) - 6 else "left")
    for cells in lines:
        table.add_row(*(_escape(visible_line(c)) for c in cells))
    out = console()
    out.print(table)
    out.print(f"[dim]costs priced with the table of {PRICES_AS_OF} ({PRICES_SOURCE})[/dim]")


@click.command("usage")
@click.argument("view", type=click.Choice(VIEWS), default="daily", required=False)
@click.option("--since", callback=_day, help="First local date to count (YYYY-MM-DD).")
@click.option("--until", callback=_day, help="Last local date to count (YYYY-MM-DD).")
@click.option("--timezone", "-z", "tz_name", default=None, help="IANA zone for days.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--config-dir",
    "config_dir_opt",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Claude Code config dir to read (else $CLAUDE_CONFIG_DIR, else ~/.claude).",
)
@click.option("--no-cache", is_flag=True, help="Read every transcript again.")
def usage_cmd(
    view: str,
    since: date | None,
    until: date | None,
    tz_name: str | None,
    as_json: bool,
    config_dir_opt: Path | None,
    no_cache: bool,
) -> None:
    """Tokens and cost from the transcripts on disk, split into interactive (TUI) and
    programmatic (SDK, stream-json, -p) use. VIEW: daily (default), monthly, session,
    project, model or blocks (5-hour windows)."""
    if since is not None and until is not None and since > until:
        raise click.BadParameter("--since is after --until", param_hint="'--since'")
    config = config_dir_opt if config_dir_opt is not None else config_dir()
    projects = projects_dir(config)
    cache = None if no_cache else default_usage_cache(projects)
    try:
        report = build_report(
            load_usage(config, cache), view, tz_name=tz_name, since=since, until=until
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--timezone'") from None
    if as_json:
        click.echo(json_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2)))
    elif not report.rows:
        console().print(f"(no usage in {_escape(visible_line(str(projects)))})")
    else:
        _print_table(report)
    if report.unpriced_models:
        names = visible_line(", ".join(report.unpriced_models))
        err_console().print(
            f"no price for {_escape(names)}: their tokens are counted, cost unknown"
        )


def register(group: click.Group) -> None:
    """Add the ``usage`` command to the ``claude-coder`` group."""
    group.add_command(usage_cmd)
