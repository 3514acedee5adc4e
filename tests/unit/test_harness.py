"""The test harness itself: temp home isolation, the launcher script, transcript builders."""

from __future__ import annotations

import itertools
import json
import os
import pwd
import stat
import subprocess
from pathlib import Path

import pytest
from tests.support.first_party import CA_FILE
from tests.support.launcher import REFUSED_EXIT, seed_claude_json, write_launcher
from tests.support.transcripts import (
    TranscriptBuilder,
    encode_project_dir,
    sidechain_session,
    simple_session,
    write_corpus,
)


def test_every_test_has_a_temp_home(tmp_path: Path) -> None:
    real = pwd.getpwuid(os.getuid()).pw_dir
    home = Path(os.environ["HOME"])
    assert str(home) != real
    assert Path(os.environ["CLAUDE_CONFIG_DIR"]) == home / ".claude"
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        assert os.environ[var].startswith(str(home))
    assert "CLAUDECODE" not in os.environ
    assert "ANTHROPIC_API_KEY" not in os.environ


def _fake_binary(tmp_path: Path) -> Path:
    """A stand-in binary that prints its environment and arguments as JSON."""
    stub = tmp_path / "stub-claude"
    stub.write_text(
        "#!/usr/bin/env python3\nimport json, os, sys\n"
        "print(json.dumps({'argv': sys.argv[1:], 'env': dict(os.environ)}))\n"
    )
    stub.chmod(0o755)
    return stub


def _run(launcher: Path, *args: str, env: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
    base = {"PATH": os.environ["PATH"], "HOME": os.environ["HOME"]}
    proc = subprocess.run(
        [str(launcher), *args], env=env or base, capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_launcher_sets_offline_env(tmp_path: Path) -> None:
    launcher = write_launcher(tmp_path / "claude", _fake_binary(tmp_path), "http://127.0.0.1:9")
    assert launcher.stat().st_mode & stat.S_IXUSR
    out = _run(launcher, "-p", 'it\'s a "test"', "--flag")
    assert out["argv"] == ["-p", 'it\'s a "test"', "--flag"]
    env = out["env"]
    assert "ANTHROPIC_BASE_URL" not in env  # first party: api.anthropic.com via the front
    assert env["NODE_EXTRA_CA_CERTS"] == str(CA_FILE)
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        assert env[name] == "http://127.0.0.1:9"
    assert env["NO_PROXY"] == "127.0.0.1,localhost"
    assert env["CLAUDE_CODE_OAUTH_TOKEN"]
    assert env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] == "1"
    assert env["CLAUDE_CONFIG_DIR"] == os.environ["HOME"] + "/.claude"
    assert Path(env["XDG_RUNTIME_DIR"]).is_dir() and Path(env["CLAUDE_CODE_TMPDIR"]).is_dir()


def test_launcher_extra_and_unset(tmp_path: Path) -> None:
    launcher = write_launcher(
        tmp_path / "claude",
        _fake_binary(tmp_path),
        "http://127.0.0.1:9",
        extra_env={"ANTHROPIC_API_KEY": "sk-x", "CLAUDE_CODE_OAUTH_TOKEN": ""},
        unset=["SOMETHING"],
    )
    env = _run(
        launcher, env={"PATH": os.environ["PATH"], "HOME": os.environ["HOME"], "SOMETHING": "1"}
    )["env"]
    assert env["ANTHROPIC_API_KEY"] == "sk-x"
    assert env["CLAUDE_CODE_OAUTH_TOKEN"] == ""
    assert "SOMETHING" not in env


@pytest.mark.parametrize("which", ["home", "config"])
def test_launcher_refuses_real_login(tmp_path: Path, which: str) -> None:
    launcher = write_launcher(tmp_path / "claude", _fake_binary(tmp_path), "http://127.0.0.1:9")
    real = pwd.getpwuid(os.getuid()).pw_dir
    env = {"PATH": os.environ["PATH"], "HOME": real if which == "home" else str(tmp_path)}
    if which == "config":
        env["CLAUDE_CONFIG_DIR"] = real + "/.claude"
    proc = subprocess.run([str(launcher)], env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == REFUSED_EXIT
    assert "refusing" in proc.stderr


def test_seed_claude_json(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    path = seed_claude_json(tmp_path / "cfg", [project], trusted=False, extra={"theme": "light"})
    data = json.loads(path.read_text())
    assert data["hasCompletedOnboarding"] is True and data["hasSeenAutoDefaultNotice"] is True
    assert data["projects"][str(project)]["hasTrustDialogAccepted"] is False
    assert data["theme"] == "light"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    seed_claude_json(tmp_path / "cfg", [project])
    assert json.loads(path.read_text())["projects"][str(project)]["hasTrustDialogAccepted"] is True


def test_encode_project_dir() -> None:
    assert encode_project_dir("/home/u/my_proj.v2") == "-home-u-my-proj-v2"
    long = "/x" * 150
    enc = encode_project_dir(long)
    assert enc.startswith("-x" * 100) and len(enc) > 201 and enc[200] == "-"
    assert encode_project_dir(long) == enc and encode_project_dir(long + "y") != enc


def test_builder_chain_and_write(tmp_path: Path) -> None:
    b = TranscriptBuilder(cwd="/p")
    first = b.user("hello")
    b.attachment("date", date="2026-11-01")
    reply = b.assistant("hi")
    tool = b.tool_use("Bash", {"command": "ls"})
    b.tool_result(tool, "a b")
    b.interrupted()
    b.custom_title("one").custom_title("two").ai_title("ai").last_prompt("hello").summary("sum")
    b.add("{not json")
    path = b.write(tmp_path)
    assert path == tmp_path / "projects" / "-p" / f"{b.session_id}.jsonl"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text().splitlines()
    assert lines[-1] == "{not json"
    recs = [json.loads(x) for x in lines[:-1]]
    chained = [r for r in recs if "parentUuid" in r]
    assert chained[0]["uuid"] == first and chained[0]["parentUuid"] is None
    assert all(b2["parentUuid"] == a["uuid"] for a, b2 in itertools.pairwise(chained))
    assert any(r["uuid"] == reply for r in chained)
    assert [r["customTitle"] for r in recs if r["type"] == "custom-title"] == ["one", "two"]
    assert recs[-1] == {"type": "summary", "summary": "sum", "leafUuid": b.leaf}


def test_sidechain_subagent_and_corpus(tmp_path: Path) -> None:
    parent = simple_session(["a", "b"], cwd="/p")
    parent.write(tmp_path)
    sub = parent.write_subagent(sidechain_session(cwd="/p"), tmp_path, agent_id="abc")
    assert sub == tmp_path / "projects" / "-p" / parent.session_id / "subagents" / "agent-abc.jsonl"
    assert json.loads(sub.read_text().splitlines()[0])["isSidechain"] is True
    paths = write_corpus(tmp_path / "c", 6, turns=2, cwds=["/a", "/b"])
    assert len({p.parent.name for p in paths}) == 2 and all(p.is_file() for p in paths)
