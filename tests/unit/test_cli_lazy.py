"""The root command imports a command's module only when that command runs."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import click

from claude_coder.cli import main


def test_each_alone_module_registers_exactly_its_command() -> None:
    for command, module in main._ALONE.items():
        group = click.Group("probe")
        importlib.import_module(f"claude_coder.cli.{module}").register(group)
        assert list(group.commands) == [command]
        assert module in main._COMMAND_MODULES


def test_listing_commands_loads_every_module(tmp_path: Path) -> None:
    ctx = click.Context(main.cli)
    names = main.cli.list_commands(ctx)
    for command in ("usage", "list", "run", "fleet", "diff", "doctor", "profiles"):
        assert command in names
    fleet = main.cli.get_command(ctx, "fleet")
    assert isinstance(fleet, click.Group)
    assert "remove" in fleet.commands  # worktree_cmds still adds to fleet after fleet_cmds


def test_usage_imports_no_session_fleet_or_transport_code(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "from claude_coder.cli.main import main\n"
        "rc = main(['usage', '--json', '--no-cache', '--config-dir', sys.argv[1]])\n"
        "areas = ('session', 'fleet', 'transports', 'tui', 'profiles')\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[:1] == ['claude_coder'] "
        "and m.split('.')[1:2] and m.split('.')[1] in areas)\n"
        "print(json.dumps([rc, heavy]), file=sys.stderr)\n"
    )
    (tmp_path / "projects").mkdir()
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    rc, heavy = json.loads(out.stderr.strip().splitlines()[-1])
    assert rc == 0
    assert heavy == []
    assert json.loads(out.stdout)["rows"] == []
