"""Profiles: file discovery, the schema, the built-in profile and every kind of file error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from claude_coder.errors import ConfigError, CredentialRefused, ProfileNotFoundError
from claude_coder.profiles import (
    BUILTIN_NAME,
    Profile,
    ProfilesInvalidError,
    SecretRef,
    default_profiles_path,
    inspect_profiles,
    load_profiles,
    profiles_from_data,
)


def write(tmp_path: Path, data: Any, name: str = "profiles.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    _, problems = inspect_profiles(path)
    return [str(p) for p in problems]


def test_builtin_only_when_no_file_exists() -> None:
    pset = load_profiles()
    assert pset.names() == [BUILTIN_NAME]
    assert pset.path is None
    profile = pset.get(BUILTIN_NAME)
    assert profile.transport == "sdk"
    assert profile.permission_mode == "default"
    assert profile.stall_timeout_seconds == 120
    assert profile.env == {} and profile.mcp_servers == {}
    assert pset.source(BUILTIN_NAME) == "built-in"


def test_default_path_is_in_user_config_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    path = default_profiles_path()
    assert path.name == "profiles.json"
    assert "claude-coder" in path.parts
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps([{"name": "mine", "model": "haiku"}]))
    pset = load_profiles()
    assert pset.names() == [BUILTIN_NAME, "mine"]
    assert pset.origin == "user config dir"


def test_env_variable_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, [{"name": "from-env"}])
    monkeypatch.setenv("CLAUDE_CODER_PROFILES", str(path))
    pset = load_profiles()
    assert "from-env" in pset
    assert pset.origin == "$CLAUDE_CODER_PROFILES"


def test_explicit_path_wins_over_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_CODER_PROFILES", str(write(tmp_path, [{"name": "a"}], "a.json")))
    pset = load_profiles(write(tmp_path, [{"name": "b"}], "b.json"))
    assert pset.names() == [BUILTIN_NAME, "b"]


def test_named_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProfilesInvalidError, match="no such file"):
        load_profiles(tmp_path / "nope.json")


def test_every_key_in_camel_case(tmp_path: Path) -> None:
    entry = {
        "name": "full",
        "extends": BUILTIN_NAME,
        "transport": "pty",
        "cwd": "~/src",
        "model": "sonnet",
        "permissionMode": "acceptEdits",
        "appendSystemPrompt": "be brief",
        "env": {"FOO": "bar", "CLAUDE_CODE_OAUTH_TOKEN": {"secretRef": "env:MY_TOKEN"}},
        "mcpServers": {"files": {"command": "mcp-files", "args": ["--root", "."]}},
        "claudePath": "/opt/claude",
        "maxTurns": 7,
        "stallTimeoutSeconds": 30,
        "permissionPolicy": {
            "allow": ["Read", "Bash(git *)"],
            "deny": ["Write"],
            "default": "deny",
        },
        "experimentalAskUserQuestionAnswering": True,
        "trustWorkspace": True,
    }
    profile = load_profiles(write(tmp_path, [entry])).get("full")
    assert profile.transport == "pty"
    assert profile.cwd == "~/src"
    assert profile.model == "sonnet"
    assert profile.permission_mode == "acceptEdits"
    assert profile.append_system_prompt == "be brief"
    assert profile.env["FOO"] == "bar"
    assert profile.env["CLAUDE_CODE_OAUTH_TOKEN"] == SecretRef(secret_ref="env:MY_TOKEN")
    assert profile.mcp_servers == {"files": {"command": "mcp-files", "args": ["--root", "."]}}
    assert profile.claude_path == "/opt/claude"
    assert profile.max_turns == 7
    assert profile.stall_timeout_seconds == 30.0
    assert profile.permission_policy.allow == ("Read", "Bash(git *)")
    assert profile.permission_policy.deny == ("Write",)
    assert profile.permission_policy.default == "deny"
    assert profile.experimental_ask_user_question_answering is True
    assert profile.trust_workspace is True
    assert profile.to_json()["env"]["CLAUDE_CODE_OAUTH_TOKEN"] == {"secretRef": "env:MY_TOKEN"}


def test_profile_is_frozen() -> None:
    profile = Profile(name="x")
    with pytest.raises(ValueError, match="frozen"):
        profile.model = "other"  # type: ignore[misc]


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(ProfileNotFoundError, match=BUILTIN_NAME):
        load_profiles().get("nope")


def test_unknown_key_names_file_profile_and_path(tmp_path: Path) -> None:
    path = write(tmp_path, [{"name": "ok"}, {"name": "typo", "transprot": "sdk"}])
    assert problems_of(path) == [f"{path}: profile 'typo': $[1].transprot: unknown key"]


def test_nested_unknown_key(tmp_path: Path) -> None:
    path = write(tmp_path, [{"name": "p", "permissionPolicy": {"alow": ["Read"]}}])
    assert problems_of(path) == [f"{path}: profile 'p': $[0].permissionPolicy.alow: unknown key"]


@pytest.mark.parametrize(
    ("key", "value", "json_path"),
    [
        ("maxTurns", "5", "$[0].maxTurns"),
        ("maxTurns", 0, "$[0].maxTurns"),
        ("transport", "ssh", "$[0].transport"),
        ("permissionMode", "yolo", "$[0].permissionMode"),
        ("stallTimeoutSeconds", "slow", "$[0].stallTimeoutSeconds"),
        ("trustWorkspace", "yes", "$[0].trustWorkspace"),
        ("env", ["A=1"], "$[0].env"),
        ("mcpServers", {"x": "cmd"}, "$[0].mcpServers.x"),
        ("permissionPolicy", {"default": "maybe"}, "$[0].permissionPolicy.default"),
    ],
)
def test_wrong_types_are_one_line_errors(
    tmp_path: Path, key: str, value: object, json_path: str
) -> None:
    path = write(tmp_path, [{"name": "p", key: value}])
    (line,) = problems_of(path)
    assert line.startswith(f"{path}: profile 'p': {json_path}: ")
    assert "\n" not in line


def test_env_value_of_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path, [{"name": "p", "env": {"PORT": 8080}}])
    (line,) = problems_of(path)
    assert line.startswith(f"{path}: profile 'p': $[0].env.PORT: must be a string or")


def test_bad_secret_ref_scheme(tmp_path: Path) -> None:
    path = write(tmp_path, [{"name": "p", "env": {"T": {"secretRef": "vault:x"}}}])
    (line,) = problems_of(path)
    assert f"{path}: profile 'p': $[0].env.T.secretRef: " in line
    assert "env:NAME, file:PATH or keyring:SERVICE/ACCOUNT" in line


def test_bad_json_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[{"name": "p",}]')
    (line,) = problems_of(path)
    assert line.startswith(f"{path}: $: not valid JSON: ")
    assert "line 1 column" in line


def test_top_level_must_be_an_array(tmp_path: Path) -> None:
    path = write(tmp_path, {"name": "p"})
    assert problems_of(path) == [f"{path}: $: must be a JSON array of profile objects"]


def test_entries_must_be_objects(tmp_path: Path) -> None:
    path = write(tmp_path, [{"name": "p"}, "q"])
    assert problems_of(path) == [f"{path}: $[1]: must be a JSON object"]


def test_missing_name(tmp_path: Path) -> None:
    path = write(tmp_path, [{"model": "haiku"}])
    assert problems_of(path) == [f"{path}: $[0].name: is required"]


def test_duplicate_names(tmp_path: Path) -> None:
    path = write(tmp_path, [{"name": "p"}, {"name": "p"}])
    assert problems_of(path) == [
        f"{path}: profile 'p': $[1].name: duplicate profile name 'p' (first at $[0])"
    ]


def test_builtin_name_is_reserved(tmp_path: Path) -> None:
    path = write(tmp_path, [{"name": BUILTIN_NAME, "model": "haiku"}])
    (line,) = problems_of(path)
    assert f"$[0].name: '{BUILTIN_NAME}' is the built-in profile's name" in line


def test_every_problem_is_listed_and_loading_refuses(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [{"name": "a", "bogus": 1}, {"name": "b", "maxTurns": -1}, {"name": "c", "extends": "zz"}],
    )
    with pytest.raises(ProfilesInvalidError) as info:
        load_profiles(path)
    assert [p.path for p in info.value.problems] == ["$[0].bogus", "$[1].maxTurns", "$[2].extends"]
    assert info.value.exit_code == 2
    assert len(str(info.value).splitlines()) == 3


def test_denylisted_env_is_refused_at_load(tmp_path: Path) -> None:
    path = write(tmp_path, [{"name": "p", "env": {"ANTHROPIC_API_KEY": "sk-ant-hunter2"}}])
    with pytest.raises(ProfilesInvalidError) as info:
        load_profiles(path)
    (problem,) = info.value.problems
    assert problem.variable == "ANTHROPIC_API_KEY"
    assert problem.path == "$[0].env.ANTHROPIC_API_KEY"
    assert "sk-ant-hunter2" not in str(info.value)


def test_get_checks_the_auth_invariant_again() -> None:
    # a profile built in code, never through a file, is still refused at resolution
    pset = profiles_from_data([{"name": "ok"}])
    assert pset.get("ok").env == {}
    with pytest.raises(ProfilesInvalidError):
        profiles_from_data([{"name": "bad", "env": {"ANTHROPIC_BASE_URL": "http://x"}}])


def test_compile_check_on_a_hand_built_profile() -> None:
    from claude_coder.security import check_profile_env

    profile = Profile(name="hand", env={"CLAUDE_CODE_USE_BEDROCK": "1"})
    with pytest.raises(CredentialRefused) as info:
        check_profile_env(profile.name, profile.env)
    assert info.value.variable == "CLAUDE_CODE_USE_BEDROCK"
    assert isinstance(info.value, CredentialRefused) and not isinstance(info.value, ConfigError)
