"""extends: resolution to any depth, cycles named, missing parents, and the merge rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from claude_coder.errors import ProfileCycleError, ProfileNotFoundError
from claude_coder.profiles import (
    BUILTIN_NAME,
    PermissionPolicy,
    ProfileSpec,
    SecretRef,
    inspect_profiles,
    merge,
    profiles_from_data,
    resolve,
)


def pset_of(*entries: dict[str, Any]):  # type: ignore[no-untyped-def]
    return profiles_from_data(list(entries))


def test_scalars_child_wins_and_unset_keys_inherit() -> None:
    pset = pset_of(
        {"name": "base", "model": "opus", "permissionMode": "plan", "maxTurns": 3},
        {"name": "child", "extends": "base", "model": "haiku"},
    )
    child = pset.get("child")
    assert child.model == "haiku"
    assert child.permission_mode == "plan"
    assert child.max_turns == 3
    assert child.extends == "base"
    assert child.name == "child"


def test_env_merges_key_by_key_child_wins_null_removes() -> None:
    pset = pset_of(
        {"name": "base", "env": {"A": "1", "B": "2", "C": "3"}},
        {"name": "child", "extends": "base", "env": {"B": "two", "C": None, "D": "4"}},
    )
    assert pset.get("child").env == {"A": "1", "B": "two", "D": "4"}
    assert pset.get("base").env == {"A": "1", "B": "2", "C": "3"}


def test_mcp_servers_merge_key_by_key() -> None:
    pset = pset_of(
        {"name": "base", "mcpServers": {"a": {"command": "x"}, "b": {"command": "y"}}},
        {
            "name": "child",
            "extends": "base",
            "mcpServers": {"b": {"command": "z", "args": ["-v"]}, "a": None},
        },
    )
    assert pset.get("child").mcp_servers == {"b": {"command": "z", "args": ["-v"]}}


def test_permission_policy_is_replaced_whole() -> None:
    pset = pset_of(
        {"name": "base", "permissionPolicy": {"allow": ["Read"], "deny": ["Bash(rm *)"]}},
        {"name": "child", "extends": "base", "permissionPolicy": {"allow": ["Write"]}},
    )
    assert pset.get("child").permission_policy == PermissionPolicy(allow=("Write",))
    assert pset.get("base").permission_policy.deny == ("Bash(rm *)",)


def test_secret_refs_are_inherited_as_refs() -> None:
    pset = pset_of(
        {"name": "base", "env": {"CLAUDE_CODE_OAUTH_TOKEN": {"secretRef": "keyring:cc/me"}}},
        {"name": "child", "extends": "base"},
    )
    assert pset.get("child").env == {
        "CLAUDE_CODE_OAUTH_TOKEN": SecretRef(secret_ref="keyring:cc/me")
    }


def test_any_depth_nearest_wins() -> None:
    pset = pset_of(
        {"name": "a", "extends": BUILTIN_NAME, "model": "a", "cwd": "/a", "env": {"X": "a"}},
        {"name": "b", "extends": "a", "model": "b", "env": {"Y": "b"}},
        {"name": "c", "extends": "b", "transport": "pty", "env": {"X": "c"}},
    )
    c = pset.get("c")
    assert (c.model, c.cwd, c.transport) == ("b", "/a", "pty")
    assert c.env == {"X": "c", "Y": "b"}
    assert pset.chain("c") == ["c", "b", "a", BUILTIN_NAME]


def test_extending_the_builtin() -> None:
    pset = pset_of({"name": "mine", "extends": BUILTIN_NAME, "model": "sonnet"})
    mine = pset.get("mine")
    assert mine.transport == "sdk"
    assert mine.model == "sonnet"


def test_merge_function_directly() -> None:
    parent = {"model": "x", "env": {"A": "1"}}
    child = ProfileSpec(name="c", env={"A": None, "B": "2"}, model="y")
    assert merge(parent, child) == {"model": "y", "env": {"B": "2"}}
    assert parent == {"model": "x", "env": {"A": "1"}}  # untouched


def test_cycle_names_the_cycle() -> None:
    specs = {
        "a": ProfileSpec(name="a", extends="b"),
        "b": ProfileSpec(name="b", extends="c"),
        "c": ProfileSpec(name="c", extends="a"),
    }
    with pytest.raises(ProfileCycleError) as info:
        resolve("a", specs)
    assert info.value.cycle == ["a", "b", "c", "a"]
    assert "a -> b -> c -> a" in str(info.value)


def test_self_cycle(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps([{"name": "me", "extends": "me"}]))
    _, problems = inspect_profiles(path)
    assert [str(p) for p in problems] == [
        f"{path}: profile 'me': $[0].extends: extends cycle: me -> me"
    ]


def test_cycle_in_a_file_is_one_line_with_path(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    data = [
        {"name": "x", "extends": "y"},
        {"name": "y", "extends": "x"},
        {"name": "z", "extends": "y"},
    ]
    path.write_text(json.dumps(data))
    _, problems = inspect_profiles(path)
    assert [str(p) for p in problems] == [
        f"{path}: profile 'x': $[0].extends: extends cycle: x -> y -> x"
    ]


def test_missing_parent(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps([{"name": "kid", "extends": "ghost"}]))
    _, problems = inspect_profiles(path)
    assert [str(p) for p in problems] == [
        f"{path}: profile 'kid': $[0].extends: extends 'ghost', which is not defined"
    ]
    with pytest.raises(ProfileNotFoundError, match="ghost"):
        resolve("kid", {"kid": ProfileSpec(name="kid", extends="ghost")})


def test_parent_with_errors_is_said_so(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps([{"name": "p", "maxTurns": "x"}, {"name": "k", "extends": "p"}]))
    _, problems = inspect_profiles(path)
    assert [p.path for p in problems] == ["$[0].maxTurns", "$[1].extends"]
    assert "which has errors" in problems[1].message


def test_denylisted_variable_through_a_parent(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    data = [
        {"name": "parent", "env": {"ANTHROPIC_AUTH_TOKEN": "tok-value-123"}},
        {"name": "kid", "extends": "parent", "env": {"OK": "1"}},
    ]
    path.write_text(json.dumps(data))
    _, problems = inspect_profiles(path)
    assert [(p.profile, p.path, p.variable) for p in problems] == [
        ("parent", "$[0].env.ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_AUTH_TOKEN"),
        ("kid", "$[1].extends", "ANTHROPIC_AUTH_TOKEN"),
    ]
    assert "inherited from 'parent'" in problems[1].message
    assert all("tok-value-123" not in str(p) for p in problems)


def test_null_scalar_resets_to_the_default() -> None:
    pset = pset_of(
        {"name": "p", "model": "opus", "stallTimeoutSeconds": 5, "transport": "pty"},
        {"name": "k", "extends": "p", "model": None, "stallTimeoutSeconds": None},
    )
    kid = pset.get("k")
    assert kid.model is None
    assert kid.stall_timeout_seconds == 120
    assert kid.transport == "pty"
