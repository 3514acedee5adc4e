"""``claude-coder doctor``: binary, version, login, environment names; never a credential."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from claude_coder.cli.main import main


def run(*args: str) -> tuple[int, str, str]:
    with CliRunner().isolation() as (out, err, _):
        code = main(list(args))
    return code, out.getvalue().decode(), err.getvalue().decode()


ROOT = Path(__file__).resolve().parents[2]


def stub_claude(tmp_path: Path, version: str = "2.1.331") -> Path:
    """A stand-in binary: prints its version, answers the login preflight as the genuine
    subscription path does (``tests/support/stub_claude.py``)."""
    path = tmp_path / "claude"
    answer = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
        "from tests.support.stub_claude import answer_preflight; answer_preflight()"
    )
    path.write_text(
        f'#!/bin/sh\nif [ "$1" = --version ]; then echo "{version} (Claude Code)"; exit 0; fi\n'
        f'exec {sys.executable} -c "{answer}" "$@"\n'
    )
    path.chmod(0o755)
    return path


def config_dir() -> Path:
    return Path(os.environ["CLAUDE_CONFIG_DIR"])


def log_in(token: str = "sk-ant-oat01-ACCESS", refresh: str = "sk-ant-ort01-REFRESH") -> None:
    creds = {"claudeAiOauth": {"accessToken": token, "refreshToken": refresh, "expiresAt": 1}}
    path = config_dir() / ".credentials.json"
    path.write_text(json.dumps(creds))
    path.chmod(0o600)
    account = {"oauthAccount": {"emailAddress": "me@example.com", "accountUuid": "u-1"}}
    (config_dir() / ".claude.json").write_text(json.dumps(account))


@pytest.fixture
def claude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = stub_claude(tmp_path)
    monkeypatch.setenv("CLAUDE_CODER_CLAUDE", str(path))
    return path


def test_no_login_is_said_plainly(claude: Path) -> None:
    code, out, err = run("doctor")
    assert "no login: Claude Code has no login in " + str(config_dir()) in out
    assert "/login" in out
    assert code == 1
    assert "doctor found problems" in err


def test_with_a_login_everything_is_ok(claude: Path) -> None:
    log_in()
    code, out, _ = run("doctor")
    assert code == 0, out
    assert f"binary       {claude}  (from $CLAUDE_CODER_CLAUDE)" in out
    assert "2.1.331; the PTY band [2.1.331, 2.1.332] admits it" in out
    assert "logged in" in out
    assert "proof        ok: Claude Code reports the subscription login" in out
    assert "ok: a session could start" in out
    for secret in ("sk-ant-oat01-ACCESS", "sk-ant-ort01-REFRESH", "me@example.com"):
        assert secret not in out


def test_json_report(claude: Path) -> None:
    log_in()
    code, out, _ = run("doctor", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["binary"] == {"path": str(claude), "why": "$CLAUDE_CODER_CLAUDE", "error": None}
    assert report["version"]["version"] == "2.1.331"
    assert report["version"]["ptyAdmits"] is True
    assert report["login"]["loggedIn"] is True
    assert report["login"]["configDir"] == str(config_dir())
    assert "sk-ant" not in out


def test_version_outside_the_band(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_CODER_CLAUDE", str(stub_claude(tmp_path, "2.2.3")))
    log_in()
    code, out, _ = run("doctor")
    assert "2.2.3; the PTY band [2.1.331, 2.1.332] does NOT admit it" in out
    assert code == 0  # the sdk transport still runs it


def test_denylisted_names_only(claude: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log_in()
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-DO-NOT-PRINT")
    monkeypatch.setenv("CLAUDE_CODE_SKIP_VERTEX_AUTH", "1")
    monkeypatch.setenv("CLAUDE_CODE_OAUTH_TOKEN", "oat-DO-NOT-PRINT")
    _, out, _ = run("doctor")
    assert "ANTHROPIC_API_KEY" in out and "CLAUDE_CODE_SKIP_VERTEX_AUTH" in out
    assert "CLAUDE_CODE_OAUTH_TOKEN is set; it is stripped" in out
    assert "DO-NOT-PRINT" not in out
    _, out, _ = run("doctor", "--json")
    assert json.loads(out)["environment"]["denylisted"] == [
        "ANTHROPIC_API_KEY",
        "CLAUDE_CODE_SKIP_VERTEX_AUTH",
    ]
    assert "DO-NOT-PRINT" not in out


def test_login_changing_settings_are_reported(claude: Path) -> None:
    log_in()
    settings = {"apiKeyHelper": "/bin/print-key", "env": {"ANTHROPIC_BASE_URL": "http://x"}}
    (config_dir() / "settings.json").write_text(json.dumps(settings))
    code, out, _ = run("doctor")
    assert code == 1
    assert "settings.json: apiKeyHelper replaces the subscription login" in out
    assert "settings.json: env.ANTHROPIC_BASE_URL sets a variable" in out
    assert "/bin/print-key" not in out and "http://x" not in out


def test_missing_binary_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_CODER_CLAUDE", str(tmp_path / "nowhere"))
    code, out, _ = run("doctor")
    assert code == 1
    assert "binary       none:" in out and "does not exist" in out


def test_credentials_without_tokens_is_no_login(claude: Path) -> None:
    (config_dir() / ".credentials.json").write_text("{}")
    code, out, _ = run("doctor")
    assert code == 1
    assert "no login:" in out and "holds no OAuth tokens" in out


def test_doctor_with_the_real_bundled_binary(claude_binary: Path) -> None:
    code, out, _ = run("doctor", "--json")
    report = json.loads(out)
    assert report["binary"]["why"] in ("bundled with claude-agent-sdk", "claude on PATH")
    assert report["version"]["version"] is not None
    assert report["login"]["loggedIn"] is False  # a temp HOME has no login
    assert code == 1


def test_login_through_a_profile_secret_ref(
    claude: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profiles = tmp_path / "profiles.json"
    env = {"CLAUDE_CODE_OAUTH_TOKEN": {"secretRef": "env:MY_SUB_TOKEN"}}
    profiles.write_text(json.dumps([{"name": "tok", "env": env}]))
    code, out, _ = run("--profiles", str(profiles), "doctor", "--profile", "tok")
    assert code == 1  # the secret cannot be resolved: a start would fail, doctor says so
    assert "launch       refused:" in out and "MY_SUB_TOKEN" in out
    monkeypatch.setenv("MY_SUB_TOKEN", "sk-ant-oat01-FROM-THE-SECRET")
    code, out, _ = run("--profiles", str(profiles), "doctor", "--profile", "tok")
    assert code == 0, out
    assert "passes CLAUDE_CODE_OAUTH_TOKEN from secretRef:env:MY_SUB_TOKEN" in out
    assert "FROM-THE-SECRET" not in out


def test_invalid_profiles_file_is_reported(claude: Path, tmp_path: Path) -> None:
    log_in()
    profiles = tmp_path / "profiles.json"
    profiles.write_text(json.dumps([{"name": "x", "env": {"ANTHROPIC_API_KEY": "k-99999"}}]))
    code, out, _ = run("--profiles", str(profiles), "doctor")
    assert code == 1
    assert "$[0].env.ANTHROPIC_API_KEY" in out
    assert "k-99999" not in out
