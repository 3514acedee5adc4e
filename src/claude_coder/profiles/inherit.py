"""``extends``: resolving a profile through its parents, with cycle detection and the merge rules.

Merge rules (root first, each child laid over its parent):

* scalar keys (``transport``, ``cwd``, ``model``, ``permissionMode``, ...): the child's
  value wins when the child sets the key;
* ``env`` and ``mcpServers``: merged key by key, the child wins per key, and a child's
  ``null`` removes the key it inherited;
* ``permissionPolicy``: replaced as a whole (rule lists are never concatenated, so a
  child reads exactly the policy it runs under).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from claude_coder.errors import ProfileCycleError, ProfileNotFoundError
from claude_coder.profiles.model import Profile, ProfileSpec

__all__ = ["MERGED_KEYS", "chain", "merge", "resolve"]

MERGED_KEYS: tuple[str, ...] = ("env", "mcp_servers")
"""Keys merged key by key; every other key is taken whole from the nearest profile setting it."""

_NOT_INHERITED = frozenset({"name", "extends"})


def chain(
    name: str,
    specs: Mapping[str, ProfileSpec],
    *,
    where: Callable[[str], tuple[str | None, str | None]] = lambda _: (None, None),
) -> list[ProfileSpec]:
    """``name`` and its ancestors, nearest first.

    ``where(profile)`` gives (file, JSON path of its ``extends``) for error messages.
    Raises :class:`ProfileNotFoundError` for a missing profile or parent and
    :class:`ProfileCycleError` naming the cycle.
    """
    if name not in specs:
        raise ProfileNotFoundError(f"no profile named {name!r}")
    seen: list[str] = []
    current: str | None = name
    while current is not None:
        if current in seen:
            cycle = [*seen[seen.index(current) :], current]
            raise ProfileCycleError(cycle, file=where(cycle[0])[0])
        seen.append(current)
        spec = specs[current]
        parent = spec.extends
        if parent is not None and parent not in specs:
            file, path = where(current)
            raise ProfileNotFoundError(
                f"extends {parent!r}, which is not defined", file=file, profile=current, path=path
            )
        current = parent
    return [specs[n] for n in seen]


def merge(parent: Mapping[str, Any], child: ProfileSpec) -> dict[str, Any]:
    """Lay ``child``'s set keys over the merged ``parent`` fields (see the module rules)."""
    out = dict(parent)
    for key in child.model_fields_set - _NOT_INHERITED:
        value = getattr(child, key)
        if key in MERGED_KEYS:
            merged = dict(out.get(key) or {})
            for k, v in (value or {}).items():
                if v is None:
                    merged.pop(k, None)
                else:
                    merged[k] = v
            out[key] = merged
        elif value is not None:
            out[key] = value
        else:
            out.pop(key, None)
    return out


def resolve(
    name: str,
    specs: Mapping[str, ProfileSpec],
    *,
    where: Callable[[str], tuple[str | None, str | None]] = lambda _: (None, None),
) -> Profile:
    """The profile ``name`` resolved through ``extends`` to any depth."""
    lineage = chain(name, specs, where=where)
    fields: dict[str, Any] = {}
    for spec in reversed(lineage):
        fields = merge(fields, spec)
    leaf = lineage[0]
    return Profile(name=leaf.name, extends=leaf.extends, **fields)
