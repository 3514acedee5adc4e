"""The public surface is exactly what ``claude_coder.__all__`` names, sorted, all importable,
and ``import claude_coder`` imports none of it until a name is used."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import claude_coder

INIT = Path(claude_coder.__file__)


def test_all_is_sorted_and_unique() -> None:
    names = list(claude_coder.__all__)
    assert names == sorted(names)
    assert len(names) == len(set(names))


def test_every_exported_name_exists() -> None:
    missing = [n for n in claude_coder.__all__ if not hasattr(claude_coder, n)]
    assert missing == []


def _type_checking_imports() -> dict[str, str]:
    """name -> module of every import under ``if TYPE_CHECKING:`` in the package init."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    blocks = [
        n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    ]
    assert len(blocks) == 1
    return {
        alias.asname or alias.name: str(node.module)
        for node in blocks[0].body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_every_public_import_is_exported() -> None:
    imported = _type_checking_imports()
    assert set(imported) == set(claude_coder.__all__) - {"__version__"}


def test_the_lazy_table_matches_what_type_checkers_see() -> None:
    lazy = {n: m for m, names in claude_coder._EXPORTS.items() for n in names.split()}
    assert lazy == _type_checking_imports()
    for name, module in lazy.items():
        assert getattr(claude_coder, name) is getattr(importlib.import_module(module), name)


def test_dir_lists_every_export() -> None:
    assert set(claude_coder.__all__) <= set(dir(claude_coder))


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        claude_coder.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


def test_import_loads_no_submodule_until_a_name_is_used() -> None:
    code = (
        "import json, sys; import claude_coder; before = sorted(m for m in sys.modules "
        "if m.startswith('claude_coder.') and m != 'claude_coder._lazy'); claude_coder.Session; "
        "print(json.dumps([before, 'claude_coder.session' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, loaded = json.loads(out.stdout)
    assert before == []
    assert loaded is True


def test_init_holds_no_logic() -> None:
    """Only imports, assignments and the PEP 562 hooks, made by ``claude_coder._lazy``."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    kinds = {type(node) for node in tree.body}
    assert kinds <= {ast.Expr, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.If}
    hooks = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and "lazy_exports" in ast.unparse(node.value)
    ]
    assert [ast.unparse(node.targets[0]) for node in hooks] == ["(__getattr__, __dir__)"]


def test_the_issue_examples_import() -> None:
    from claude_coder import Fleet, Session

    assert callable(Session.open)
    assert callable(Fleet.open)
