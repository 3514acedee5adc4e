"""A stub ``claude`` that dumps its environment proves no denylisted variable reaches the child."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from claude_coder.launch import build_launch
from claude_coder.profiles import Profile, SecretRef
from claude_coder.security import DENYLIST, OAUTH_TOKEN_VAR, SETTINGS_INJECTION_KEYS

EXTRA_FAMILY = ("CLAUDE_CODE_SKIP_BEDROCK_AUTH", "CLAUDE_CODE_SKIP_SOMEFUTURE_AUTH")


def env_dumping_claude(tmp_path: Path) -> tuple[Path, Path]:
    dump = tmp_path / "child-env"
    claude = tmp_path / "claude"
    claude.write_text(f'#!/bin/sh\nenv -0 > "{dump}"\n')
    claude.chmod(0o755)
    return claude, dump


def run_child(profile: Profile, *, transport: str = "sdk") -> dict[str, str]:
    spec = build_launch(profile, transport=transport)
    done = subprocess.run(list(spec.argv), env=dict(spec.env), cwd=spec.cwd, timeout=30, check=True)
    assert done.returncode == 0
    dump = Path(spec.binary).parent / "child-env"
    pairs = [item.split("=", 1) for item in dump.read_text().split("\0") if item]
    return {k: v for k, v in pairs}


@pytest.fixture
def poisoned_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every denylisted variable, CLAUDECODE and an OAuth token set in this process."""
    claude, _ = env_dumping_claude(tmp_path)
    for name in sorted(DENYLIST) + list(EXTRA_FAMILY):
        monkeypatch.setenv(name, f"poison-{name}")
    for key in SETTINGS_INJECTION_KEYS:
        monkeypatch.setenv(key, "poison-setting")
    monkeypatch.setenv("anthropic_api_key", "poison-lower")
    monkeypatch.setenv("CLAUDECODE", "1")
    monkeypatch.setenv(OAUTH_TOKEN_VAR, "poison-inherited-token")
    monkeypatch.setenv("INNOCENT", "kept")
    monkeypatch.setenv("CLAUDE_CODER_CLAUDE", str(claude))
    return claude


@pytest.mark.parametrize("transport", ["sdk", "pty"])
def test_no_denylisted_variable_reaches_the_child(poisoned_parent: Path, transport: str) -> None:
    child = run_child(Profile(name="plain"), transport=transport)
    leaked = sorted(k for k, v in child.items() if v.startswith("poison"))
    assert leaked == []
    assert "CLAUDECODE" not in child
    assert OAUTH_TOKEN_VAR not in child
    assert child["INNOCENT"] == "kept"
    assert not DENYLIST & set(child)


def test_oauth_token_passes_only_through_a_secret_ref(
    poisoned_parent: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_SUBSCRIPTION_TOKEN", "oat-from-ref")
    profile = Profile(
        name="with-token",
        env={OAUTH_TOKEN_VAR: SecretRef(secret_ref="env:MY_SUBSCRIPTION_TOKEN"), "EXTRA": "1"},
    )
    child = run_child(profile)
    assert child[OAUTH_TOKEN_VAR] == "oat-from-ref"
    assert "MY_SUBSCRIPTION_TOKEN" not in child
    assert child["EXTRA"] == "1"
    assert sorted(k for k, v in child.items() if v.startswith("poison")) == []
