"""``claude-coder profiles list|show|validate`` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from claude_coder.cli.main import main
from claude_coder.security import DENYLIST


def run(*args: str) -> tuple[int, str, str]:
    """Run ``claude-coder ARGS`` as a user would: (exit code, stdout, stderr)."""
    with CliRunner().isolation() as (out, err, _):
        code = main(list(args))
    return code, out.getvalue().decode(), err.getvalue().decode()


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "profiles.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


GOOD = [
    {"name": "base", "model": "opus", "env": {"A": "1", "B": "2"}},
    {
        "name": "work",
        "extends": "base",
        "transport": "pty",
        "env": {"B": "b", "CLAUDE_CODE_OAUTH_TOKEN": {"secretRef": "env:MY_TOKEN"}},
    },
]


def test_list_shows_builtin_and_file_profiles(tmp_path: Path) -> None:
    code, out, _ = run("--profiles", str(write(tmp_path, GOOD)), "profiles", "list")
    assert code == 0
    for word in ("claude-code-expert", "base", "work", "built-in", "pty"):
        assert word in out


def test_list_json(tmp_path: Path) -> None:
    code, out, _ = run("--profiles", str(write(tmp_path, GOOD)), "profiles", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["name"] for r in rows] == ["claude-code-expert", "base", "work"]
    assert rows[2]["extends"] == "base" and rows[2]["transport"] == "pty"
    assert rows[0]["source"] == "built-in"


def test_list_without_a_file_shows_the_builtin() -> None:
    code, out, _ = run("profiles", "list", "--json")
    assert code == 0
    assert [r["name"] for r in json.loads(out)] == ["claude-code-expert"]


def test_show_is_resolved_and_keeps_refs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_TOKEN", "oat-never-shown")
    path = write(tmp_path, GOOD)
    code, out, _ = run("--profiles", str(path), "profiles", "show", "work", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["model"] == "opus"
    assert shown["transport"] == "pty"
    assert shown["env"] == {
        "A": "1",
        "B": "b",
        "CLAUDE_CODE_OAUTH_TOKEN": {"secretRef": "env:MY_TOKEN"},
    }
    assert "oat-never-shown" not in out
    code, text, _ = run("--profiles", str(path), "profiles", "show", "work")
    assert code == 0
    assert "work <- base" in text and '"secretRef": "env:MY_TOKEN"' in text


def test_show_unknown_profile_is_exit_2(tmp_path: Path) -> None:
    code, _, err = run("--profiles", str(write(tmp_path, GOOD)), "profiles", "show", "nope")
    assert code == 2
    assert "no profile named 'nope'" in err


def test_validate_ok(tmp_path: Path) -> None:
    code, out, _ = run("--profiles", str(write(tmp_path, GOOD)), "profiles", "validate")
    assert code == 0
    assert "3 profiles valid" in out


def test_validate_without_a_file() -> None:
    code, out, _ = run("profiles", "validate")
    assert code == 0
    assert "claude-code-expert" in out


@pytest.mark.parametrize("variable", ["ANTHROPIC_API_KEY", "CLAUDE_CODE_USE_BEDROCK"])
def test_validate_refuses_a_denylisted_variable(tmp_path: Path, variable: str) -> None:
    value = "sk-ant-api03-VERY-SECRET-VALUE"
    path = write(tmp_path, [{"name": "bad", "env": {variable: value}}])
    code, out, err = run("--profiles", str(path), "profiles", "validate")
    assert code == 2
    assert f"{path}: profile 'bad': $[0].env.{variable}: env {variable}" in out
    assert value not in out + err


def test_validate_refuses_every_denylisted_name(tmp_path: Path) -> None:
    env = {name: f"value-of-{name}" for name in sorted(DENYLIST)}
    path = write(tmp_path, [{"name": "bad", "env": env}])
    code, out, err = run("--profiles", str(path), "profiles", "validate")
    assert code == 2
    lines = out.splitlines()
    assert len(lines) == len(DENYLIST)
    for name in DENYLIST:
        assert any(f"$[0].env.{name}:" in line for line in lines)
    assert "value-of-" not in out + err


def test_validate_refuses_a_denylisted_variable_through_a_parent(tmp_path: Path) -> None:
    value = "super-secret-token-value"
    data = [
        {"name": "parent", "env": {"ANTHROPIC_AUTH_TOKEN": value}},
        {"name": "kid", "extends": "parent"},
    ]
    code, out, err = run("--profiles", str(write(tmp_path, data)), "profiles", "validate")
    assert code == 2
    assert "profile 'kid': $[1].extends: env ANTHROPIC_AUTH_TOKEN (inherited from 'parent')" in out
    assert value not in out + err


def test_validate_refuses_a_literal_oauth_token(tmp_path: Path) -> None:
    data = [{"name": "p", "env": {"CLAUDE_CODE_OAUTH_TOKEN": "sk-ant-oat01-literal"}}]
    code, out, err = run("--profiles", str(write(tmp_path, data)), "profiles", "validate")
    assert code == 2
    assert "secretRef" in out
    assert "sk-ant-oat01-literal" not in out + err


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            [{"name": "a", "extends": "b"}, {"name": "b", "extends": "a"}],
            "$[0].extends: extends cycle: a -> b -> a",
        ),
        (
            [{"name": "a", "extends": "ghost"}],
            "$[0].extends: extends 'ghost', which is not defined",
        ),
        ([{"name": "a", "colour": "red"}], "$[0].colour: unknown key"),
        ([{"name": "a", "maxTurns": "ten"}], "$[0].maxTurns: must be an integer"),
        ('[{"name": "a"', "$: not valid JSON: "),
    ],
    ids=["cycle", "missing-parent", "unknown-key", "wrong-type", "bad-json"],
)
def test_validate_each_error_is_one_line(tmp_path: Path, data: Any, expected: str) -> None:
    path = write(tmp_path, data)
    code, out, err = run("--profiles", str(path), "profiles", "validate")
    assert code == 2
    (line,) = out.splitlines()
    assert line.startswith(f"{path}: ")
    assert expected in line
    assert "1 problem in" in err


def test_validate_lists_every_error(tmp_path: Path) -> None:
    data = [{"name": "a", "x": 1}, {"name": "b", "y": 2}, {"name": "c", "extends": "zz"}]
    code, out, _ = run("--profiles", str(write(tmp_path, data)), "profiles", "validate")
    assert code == 2
    assert len(out.splitlines()) == 3


def test_validate_json(tmp_path: Path) -> None:
    path = write(tmp_path, [{"name": "a", "x": 1}])
    code, out, _ = run("--profiles", str(path), "profiles", "validate", "--json")
    assert code == 2
    report = json.loads(out)
    assert report["ok"] is False
    assert report["problems"][0]["path"] == "$[0].x"


def test_other_commands_refuse_an_invalid_file(tmp_path: Path) -> None:
    path = write(tmp_path, [{"name": "a", "env": {"ANTHROPIC_API_KEY": "k-123456"}}])
    code, out, err = run("--profiles", str(path), "profiles", "list")
    assert code == 2
    assert "ANTHROPIC_API_KEY" in err
    assert "k-123456" not in out + err


def test_env_variable_names_the_profiles_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_CODER_PROFILES", str(write(tmp_path, GOOD)))
    code, out, _ = run("profiles", "list", "--json")
    assert code == 0
    assert len(json.loads(out)) == 3
