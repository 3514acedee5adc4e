"""Settings sources as Claude Code 2.1.331 resolves them, and what in them is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_coder.errors import SettingsRefused
from claude_coder.security import check_settings, settings_problems


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    home = tmp_path / "home"
    return {
        "cwd": tmp_path / "repo",
        "config": home / ".claude",
        "managed": tmp_path / "etc-claude-code",
        "home": home,
    }


def problems(world: dict[str, Path], argv: tuple[str, ...] = ()) -> list[tuple[str, str | None]]:
    world["cwd"].mkdir(parents=True, exist_ok=True)
    environ = {"HOME": str(world["home"]), "CLAUDE_CONFIG_DIR": str(world["config"])}
    found = settings_problems(world["cwd"], environ, argv, managed_dir=world["managed"])
    return [(p.file, p.key) for p in found]


def test_managed_settings_and_drop_ins_are_read(world: dict[str, Path]) -> None:
    main = write(world["managed"] / "managed-settings.json", {"env": {"ANTHROPIC_BASE_URL": "x"}})
    drop = write(world["managed"] / "managed-settings.d" / "10-gw.json", {"awsAuthRefresh": "x"})
    write(world["managed"] / "managed-settings.d" / "README", "not json, not read")
    assert problems(world) == [(str(main), "env.ANTHROPIC_BASE_URL"), (str(drop), "awsAuthRefresh")]


def test_inline_and_file_settings_flags(world: dict[str, Path]) -> None:
    path = write(world["cwd"] / "extra.json", {"gcpAuthRefresh": "x"})
    argv = ("--settings", '{"env": {"CLAUDE_CODE_USE_VERTEX": "1"}}', "--settings=extra.json")
    assert problems(world, argv) == [
        ("--settings (inline)", "env.CLAUDE_CODE_USE_VERTEX"),
        (str(path), "gcpAuthRefresh"),
    ]


def test_config_dir_defaults_to_home_claude(world: dict[str, Path]) -> None:
    path = write(world["home"] / ".claude" / "settings.json", {"apiKeyHelper": "x"})
    world["cwd"].mkdir(parents=True)
    found = settings_problems(
        world["cwd"], {"HOME": str(world["home"])}, managed_dir=world["managed"]
    )
    assert [(p.file, p.key) for p in found] == [(str(path), "apiKeyHelper")]


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"forceLoginMethod": "console"}, "forceLoginMethod"),
        ({"env": {"CLAUDE_CONFIG_DIR": "/elsewhere"}}, "env.CLAUDE_CONFIG_DIR"),
        ({"env": {"CLAUDE_CODE_OAUTH_TOKEN": "t"}}, "env.CLAUDE_CODE_OAUTH_TOKEN"),
        ({"env": {"NODE_OPTIONS": "--require /x.js"}}, "env.NODE_OPTIONS"),
        ({"env": {"https_proxy": "http://x"}}, "env.https_proxy"),
        ({"env": ["not", "an", "object"]}, "env"),
        ([1, 2], None),
    ],
)
def test_refused_entries(world: dict[str, Path], data: object, key: str | None) -> None:
    path = write(world["cwd"] / ".claude" / "settings.json", data)
    assert problems(world) == [(str(path), key)]


def test_harmless_entries_pass(world: dict[str, Path]) -> None:
    write(
        world["cwd"] / ".claude" / "settings.json",
        {
            "forceLoginMethod": "claudeai",
            "forceLoginOrgUUID": "org",
            "permissions": {"allow": ["Read"]},
            "env": {"DISABLE_TELEMETRY": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"},
        },
    )
    assert problems(world) == []


def test_the_refusal_names_file_and_key_never_the_value(world: dict[str, Path]) -> None:
    path = write(
        world["cwd"] / ".claude" / "settings.local.json",
        {"env": {"ANTHROPIC_AUTH_TOKEN": "sk-VALUE"}},
    )
    with pytest.raises(SettingsRefused) as info:
        check_settings(world["cwd"], {"HOME": str(world["home"])}, managed_dir=world["managed"])
    assert info.value.file == str(path) and info.value.variable == "env.ANTHROPIC_AUTH_TOKEN"
    assert str(path) in str(info.value) and "sk-VALUE" not in str(info.value)
    assert info.value.exit_code == 2
