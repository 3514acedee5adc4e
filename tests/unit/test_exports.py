"""The public surface is exactly what ``claude_coder.__all__`` names, sorted, all importable."""

from __future__ import annotations

import ast
from pathlib import Path

import claude_coder

INIT = Path(claude_coder.__file__)


def test_all_is_sorted_and_unique() -> None:
    names = list(claude_coder.__all__)
    assert names == sorted(names)
    assert len(names) == len(set(names))


def test_every_exported_name_exists() -> None:
    missing = [n for n in claude_coder.__all__ if not hasattr(claude_coder, n)]
    assert missing == []


def test_every_public_import_is_exported() -> None:
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    imported = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module != "__future__"
        for alias in node.names
    }
    assert imported <= set(claude_coder.__all__)


def test_init_holds_no_logic() -> None:
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    kinds = {type(node) for node in tree.body}
    assert kinds <= {ast.Expr, ast.ImportFrom, ast.Assign}


def test_the_issue_examples_import() -> None:
    from claude_coder import Fleet, Session

    assert callable(Session.open)
    assert callable(Fleet.open)
