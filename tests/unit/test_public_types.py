"""Every type a public signature names is itself public (exported from ``claude_coder``).

For each name in ``claude_coder.__all__``: its signature (a function), or for a class its
fields and the signatures of its public methods and properties, are resolved with
``typing.get_type_hints`` against the exported names; every claude-coder class found
anywhere in them (inside unions, generics, callables) must be exported too. A hint
that does not resolve against the exported names is an unexported type as well.
"""

from __future__ import annotations

import inspect
import sys
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import claude_coder

EXPORTED = {name: getattr(claude_coder, name) for name in claude_coder.__all__}
EXPORTED_IDS = {id(obj) for obj in EXPORTED.values()}
INTERNAL_CONSTRUCTORS = {"Session", "Fleet", "ProfileSet"}
"""Built by ``open()``/``start()`` (``load_profiles`` for a ProfileSet), never by callers."""


def _hinted(owner: object) -> Iterator[tuple[str, Callable[..., Any] | type]]:
    """(label, object whose annotations to resolve) for one exported name."""
    if inspect.isfunction(owner):
        yield owner.__name__, owner
        return
    if not inspect.isclass(owner) or not owner.__module__.startswith("claude_coder"):
        return
    if getattr(owner, "__annotations__", None):
        yield f"{owner.__name__} fields", owner
    for attr, raw in vars(owner).items():
        if attr.startswith("_") and attr != "__init__":
            continue
        func = raw.fget if isinstance(raw, property) else raw
        func = getattr(func, "__func__", func)  # classmethod / staticmethod
        func = getattr(func, "__wrapped__", func)  # asynccontextmanager
        if inspect.isfunction(func):
            yield f"{owner.__name__}.{attr}", func


def _classes(hint: object) -> Iterator[type]:
    """Every class a resolved hint names (through unions, generics and callables)."""
    if isinstance(hint, type) and not typing.get_args(hint):
        yield hint
        return
    origin = typing.get_origin(hint)
    if isinstance(origin, type):
        yield origin
    for arg in typing.get_args(hint):
        if isinstance(arg, list):  # Callable[[A, B], R]
            for item in arg:
                yield from _classes(item)
        else:
            yield from _classes(arg)


def _resolve(obj: Callable[..., Any] | type) -> dict[str, Any]:
    module = sys.modules[obj.__module__]
    return typing.get_type_hints(obj, globalns=dict(vars(module)), localns=dict(EXPORTED))


def _problems() -> list[str]:
    bad: list[str] = []
    for name, owner in sorted(EXPORTED.items()):
        for label, obj in _hinted(owner):
            if label.endswith("__init__") and name in INTERNAL_CONSTRUCTORS:
                continue
            try:
                hints = _resolve(obj)
            except NameError as exc:
                bad.append(f"{label}: names a type that is not exported ({exc})")
                continue
            for hint in hints.values():
                for cls in _classes(hint):
                    own = cls.__module__.startswith("claude_coder")
                    # A Protocol is a shape: callers pass an exported type that has it.
                    shape = getattr(cls, "_is_protocol", False)
                    if own and not shape and id(cls) not in EXPORTED_IDS:
                        bad.append(f"{label}: {cls.__module__}.{cls.__qualname__}")
    return sorted(set(bad))


def test_every_type_in_a_public_signature_is_exported() -> None:
    assert _problems() == []


def test_the_check_sees_an_unexported_type(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checker itself: a function naming a private class is reported."""
    module = types.ModuleType("claude_coder._probe")

    class Hidden:
        pass

    Hidden.__module__ = module.__name__

    def probe(x: Hidden | None) -> list[Hidden]:
        return []

    probe.__module__ = module.__name__
    module.Hidden = Hidden  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(EXPORTED, "probe", probe)
    assert any("Hidden" in p for p in _problems())


def test_the_callback_aliases_are_exported() -> None:
    for alias in ("PermissionCallback", "QuestionCallback", "EventCallback", "SessionFactory"):
        assert alias in claude_coder.__all__


def test_typo_in_a_keyword_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="stall_timout"):
        claude_coder.Session.open("p", stall_timout=5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="max_bsy"):
        claude_coder.Fleet.open("fleet.json", max_bsy=3)  # type: ignore[call-arg]


def _all_modules() -> None:
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(claude_coder.__path__, "claude_coder."):
        if info.name != "claude_coder.__main__":
            importlib.import_module(info.name)


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


def test_every_error_lives_in_errors_py_and_is_exported() -> None:
    _all_modules()
    errors = [c for c in _subclasses(claude_coder.ClaudeCoderError) if "tests" not in c.__module__]
    assert errors, "the error tree is empty?"
    outside = [
        f"{c.__module__}.{c.__qualname__}" for c in errors if c.__module__ != "claude_coder.errors"
    ]
    assert outside == []
    unexported = [c.__name__ for c in errors if getattr(claude_coder, c.__name__, None) is not c]
    assert unexported == []
    names = [c.__name__ for c in errors]
    assert len(names) == len(set(names)), "two error classes share a name"
