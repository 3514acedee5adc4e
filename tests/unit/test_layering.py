"""Architecture rules over the source tree (AST): import layering, textual only in tui/,
and no child environment built outside ``claude_coder.security``."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "claude_coder"

RANK = {
    "_lazy": 0,
    "errors": 0,
    "events": 0,
    "events_json": 0,
    "security": 1,
    "profiles": 1,
    "policy": 1,
    "catalog": 1,
    "launch": 2,
    "transports": 3,
    "session": 4,
    "doctor": 4,
    "fleet": 5,
    "serve": 5,
    "cli": 6,
    "tui": 6,
    "__init__": 7,
    "__main__": 7,
}
"""errors, events <- profiles, security <- launch <- transports <- session, doctor <- fleet,
serve <- cli, tui."""

RESTRICTED = {
    "catalog": {"errors", "events", "_lazy"},
    "policy": {"errors", "events", "_lazy"},
}
"""Areas that may import only these (besides themselves)."""

EXTRA = {
    ("events", "errors"),
    ("events_json", "events"),
    ("events", "events_json"),
    ("profiles", "security"),
    ("cli", "tui"),
    ("tui", "cli"),
}
"""Same-rank imports the design allows."""


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def area_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, absolute module) for every import, relative ones resolved."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base == "claude_coder":
                for alias in node.names:
                    yield node.lineno, f"claude_coder.{alias.name}"
            else:
                yield node.lineno, base


def target_area(module: str) -> str | None:
    """The claude_coder area a module belongs to (None for third-party modules)."""
    parts = module.split(".")
    if parts[0] != "claude_coder":
        return None
    if len(parts) == 1:
        return "__init__"
    head = parts[1]
    # ``from claude_coder import __version__`` reads the package's own __init__.
    return "__init__" if head.startswith("__") and head not in RANK else head


def allowed(importer: str, imported: str) -> bool:
    if importer == imported:
        return True
    if imported == "__init__":  # the root package re-exports everything: top layers only
        return RANK[importer] >= RANK["cli"]
    if importer in RESTRICTED:
        return imported in RESTRICTED[importer]
    if (importer, imported) in EXTRA:
        return True
    return RANK[imported] < RANK[importer]


def test_every_module_has_a_known_area() -> None:
    unknown = sorted({area_of(p) for p in modules()} - set(RANK))
    assert unknown == [], f"add these areas to the layering map: {unknown}"


def test_import_layering() -> None:
    bad: list[str] = []
    for path in modules():
        importer = area_of(path)
        if importer not in RANK:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, module in imported_modules(path, tree):
            imported = target_area(module)
            if imported is None:
                continue
            if imported not in RANK:
                bad.append(f"{path.relative_to(SRC)}:{line} imports unknown {module}")
            elif not allowed(importer, imported):
                bad.append(f"{path.relative_to(SRC)}:{line} ({importer}) imports {module}")
    assert bad == []


def test_only_tui_imports_textual() -> None:
    bad = []
    for path in modules():
        if area_of(path) == "tui":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, module in imported_modules(path, tree):
            if module == "textual" or module.startswith("textual."):
                bad.append(f"{path.relative_to(SRC)}:{line}")
    assert bad == []


class EnvCopyFinder(ast.NodeVisitor):
    """Finds expressions that copy os.environ into a new environment."""

    def __init__(self, tree: ast.AST) -> None:
        self.environ_names = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "os"
            for alias in node.names
            if alias.name == "environ"
        }
        self.found: list[int] = []

    def is_environ(self, node: ast.AST | None) -> bool:
        if isinstance(node, ast.Attribute) and node.attr == "environ":
            return isinstance(node.value, ast.Name) and node.value.id == "os"
        if isinstance(node, ast.Name):
            return node.id in self.environ_names
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return node.func.attr == "items" and self.is_environ(node.func.value)
        return False

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        copies = isinstance(func, ast.Attribute) and func.attr in ("copy", "deepcopy")
        builds = isinstance(func, ast.Name) and func.id in ("dict", "copy", "deepcopy")
        on_environ = copies and self.is_environ(getattr(func, "value", None))
        of_environ = (copies or builds) and any(self.is_environ(a) for a in node.args)
        if on_environ or of_environ:
            self.found.append(node.lineno)
        for keyword in node.keywords:
            if keyword.arg == "env" and self.is_environ(keyword.value):
                self.found.append(node.lineno)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None and self.is_environ(value):
                self.found.append(node.lineno)
        self.generic_visit(node)

    def visit_DictComp(self, node: ast.DictComp) -> None:
        if any(self.is_environ(g.iter) for g in node.generators):
            self.found.append(node.lineno)
        self.generic_visit(node)


def env_copies(source: str) -> list[int]:
    tree = ast.parse(source)
    finder = EnvCopyFinder(tree)
    finder.visit(tree)
    return finder.found


@pytest.mark.parametrize(
    "source",
    [
        "import os\nenv = os.environ.copy()",
        "import os\nenv = dict(os.environ)",
        "import os\nenv = dict(os.environ.items())",
        "import os\nenv = {**os.environ, 'A': '1'}",
        "import os, subprocess\nsubprocess.run(['x'], env=os.environ)",
        "import os\nenv = {k: v for k, v in os.environ.items()}",
        "import copy, os\nenv = copy.copy(os.environ)",
        "from os import environ as e\nenv = dict(e)",
    ],
)
def test_the_finder_catches_each_pattern(source: str) -> None:
    assert env_copies(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "import os\nx = os.environ.get('HOME')",
        "import os\nhome = os.environ['HOME']",
        "from claude_coder.security import child_env\nenv = child_env({}, None)",
    ],
)
def test_the_finder_allows_reading(source: str) -> None:
    assert env_copies(source) == []


def test_no_child_environment_outside_security() -> None:
    bad = []
    for path in modules():
        if area_of(path) == "security":
            continue
        for line in env_copies(path.read_text(encoding="utf-8")):
            bad.append(f"{path.relative_to(SRC)}:{line}")
    assert bad == [], "build child environments with claude_coder.security.child_env"


ROOT_MODULES = {
    "__init__",
    "__main__",
    "_lazy",  # the PEP 562 hooks the package inits share
    "errors",
    "events",
    "events_json",
    "launch",
    "policy",
}
"""The only modules at the package root: every other area is a folder."""


def test_areas_are_folders_not_name_prefixes() -> None:
    root = {p.stem for p in SRC.glob("*.py")}
    assert root <= ROOT_MODULES, f"move {sorted(root - ROOT_MODULES)} into their area's folder"
    for path in modules():
        assert area_of(path) in RANK, f"{path.relative_to(SRC)} is in no ranked area"
