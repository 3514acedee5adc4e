"""build_launch: argv per transport, binary lookup order, secrets at create time, versions."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from pathlib import Path

import pytest

from claude_coder.errors import (
    BinaryNotFoundError,
    ConfigError,
    CredentialRefused,
    SecretError,
    VersionRefused,
)
from claude_coder.launch import (
    SDK_STREAM_FLAGS,
    aread_version,
    build_launch,
    bundled_claude,
    find_claude,
    read_version,
)
from claude_coder.profiles import Profile, SecretRef
from claude_coder.security import PTY_BAND, PTY_PROVEN, Redactor, Version


def stub(tmp_path: Path, name: str, body: str = 'echo "2.1.331 (Claude Code)"') -> Path:
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def claude_stub(tmp_path: Path) -> Path:
    return stub(tmp_path, "claude-stub")


def launch(profile: Profile, claude: Path, **kw: object):  # type: ignore[no-untyped-def]
    environ = {"PATH": "/usr/bin:/bin", "CLAUDE_CODER_CLAUDE": str(claude)}
    environ.update(kw.pop("environ", {}))  # type: ignore[arg-type]
    return build_launch(profile, environ=environ, **kw)  # type: ignore[arg-type]


def flag_value(argv: tuple[str, ...], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_sdk_argv_for_a_new_session(claude_stub: Path, tmp_path: Path) -> None:
    profile = Profile(
        name="p",
        model="sonnet",
        append_system_prompt="be terse",
        max_turns=4,
        mcp_servers={"files": {"command": "mcp-files"}},
    )
    spec = launch(profile, claude_stub, name="review", cwd=str(tmp_path))
    argv = spec.argv
    assert argv[0] == spec.binary == str(claude_stub.resolve())
    assert argv[1 : 1 + len(SDK_STREAM_FLAGS)] == SDK_STREAM_FLAGS
    assert "--system-prompt" not in argv
    assert flag_value(argv, "--permission-mode") == "default"
    assert "--strict-mcp-config" in argv
    assert json.loads(flag_value(argv, "--mcp-config")) == {
        "mcpServers": {"files": {"command": "mcp-files"}}
    }
    assert flag_value(argv, "--model") == "sonnet"
    assert flag_value(argv, "--append-system-prompt") == "be terse"
    assert flag_value(argv, "--max-turns") == "4"
    assert flag_value(argv, "--name") == "review"
    assert spec.session_id is not None
    assert uuid.UUID(spec.session_id)
    assert f"--session-id={spec.session_id}" in argv
    assert "--no-session-persistence" not in argv
    assert spec.transport == "sdk"
    assert spec.cwd == str(tmp_path.resolve())
    assert spec.name == "review"
    assert spec.binary_why == "$CLAUDE_CODER_CLAUDE"


def test_permission_mode_and_empty_mcp_always_explicit(claude_stub: Path) -> None:
    for transport in ("sdk", "pty"):
        spec = launch(Profile(name="p", permission_mode="plan"), claude_stub, transport=transport)
        assert flag_value(spec.argv, "--permission-mode") == "plan"
        assert flag_value(spec.argv, "--mcp-config") == '{"mcpServers":{}}'
        assert "--strict-mcp-config" in spec.argv


def test_given_session_id_and_no_persistence(claude_stub: Path) -> None:
    sid = str(uuid.uuid4())
    spec = launch(Profile(name="p"), claude_stub, session_id=sid, persist=False)
    assert f"--session-id={sid}" in spec.argv
    assert spec.argv[-1] == "--no-session-persistence"
    assert spec.session_id == sid


def test_session_id_must_be_a_uuid(claude_stub: Path) -> None:
    with pytest.raises(ConfigError, match="not a uuid"):
        launch(Profile(name="p"), claude_stub, session_id="abc")


def test_resume_and_fork(claude_stub: Path) -> None:
    sid = str(uuid.uuid4())
    resumed = launch(Profile(name="p"), claude_stub, resume=sid)
    assert f"--resume={sid}" in resumed.argv
    assert not any(a.startswith("--session-id") for a in resumed.argv)
    assert resumed.session_id == sid
    forked = launch(Profile(name="p"), claude_stub, resume=sid, fork=True)
    assert f"--resume={sid}" in forked.argv and "--fork-session" in forked.argv
    assert forked.session_id is not None and forked.session_id != sid
    assert f"--session-id={forked.session_id}" in forked.argv
    assert forked.resumed_from == sid
    with pytest.raises(ConfigError, match="fork needs"):
        launch(Profile(name="p"), claude_stub, fork=True)


def test_pty_argv(claude_stub: Path) -> None:
    spec = launch(Profile(name="p", transport="pty", max_turns=3), claude_stub, name="n")
    assert not set(SDK_STREAM_FLAGS) & {"--output-format", "--input-format"} & set(spec.argv)
    assert "--output-format" not in spec.argv and "--verbose" not in spec.argv
    assert "--max-turns" not in spec.argv
    assert f"--session-id={spec.session_id}" in spec.argv
    assert flag_value(spec.argv, "--name") == "n"
    resumed = launch(Profile(name="p"), claude_stub, transport="pty", resume="abc")
    assert flag_value(resumed.argv, "--resume") == "abc"


def test_pty_child_gets_the_emulated_terminal_and_sdk_does_not(claude_stub: Path) -> None:
    pty = launch(Profile(name="p", transport="pty"), claude_stub)
    sdk = launch(Profile(name="p"), claude_stub)
    assert pty.env["TERM"] == "xterm-256color"
    assert sdk.env.get("TERM") != "xterm-256color" or os.environ.get("TERM") == "xterm-256color"
    own = launch(Profile(name="p", transport="pty", env={"TERM": "vt100"}), claude_stub)
    assert own.env["TERM"] == "vt100"


def test_every_new_pty_session_is_named_by_its_launch(claude_stub: Path) -> None:
    spec = launch(Profile(name="p", transport="pty"), claude_stub)
    assert spec.session_id is not None and f"--session-id={spec.session_id}" in spec.argv
    sid = str(uuid.uuid4())
    given = launch(Profile(name="p"), claude_stub, transport="pty", session_id=sid)
    assert given.session_id == sid and f"--session-id={sid}" in given.argv
    # A fork is named up front too (--session-id with --resume --fork-session): a new id.
    fork = launch(Profile(name="p", transport="pty"), claude_stub, resume=sid, fork=True)
    assert fork.session_id not in (None, sid)
    at = fork.argv.index("--session-id")
    assert fork.argv[at + 1] == fork.session_id and "--fork-session" in fork.argv


def test_pty_refusals(claude_stub: Path) -> None:
    with pytest.raises(ConfigError, match="persist"):
        launch(Profile(name="p"), claude_stub, transport="pty", persist=False)
    with pytest.raises(ConfigError, match="unknown transport"):
        launch(Profile(name="p"), claude_stub, transport="ssh")


def test_secrets_resolved_at_create_and_registered(claude_stub: Path, tmp_path: Path) -> None:
    profile = Profile(
        name="p",
        env={"CLAUDE_CODE_OAUTH_TOKEN": SecretRef(secret_ref="env:MY_TOKEN"), "PLAIN": "v"},
    )
    redactor = Redactor()
    spec = launch(
        profile,
        claude_stub,
        redactor=redactor,
        environ={"MY_TOKEN": "oat-secret-1", "ANTHROPIC_API_KEY": "sk-x", "CLAUDECODE": "1"},
    )
    assert spec.redactor is redactor and redactor.count == 1
    assert spec.env["CLAUDE_CODE_OAUTH_TOKEN"] == "oat-secret-1"
    assert spec.env["PLAIN"] == "v"
    assert "MY_TOKEN" not in spec.env  # the source variable does not ride along
    assert "ANTHROPIC_API_KEY" not in spec.env and "CLAUDECODE" not in spec.env
    assert "oat-secret-1" not in repr(spec)
    assert redactor.text("Bearer oat-secret-1") == "Bearer ***"


def test_inherited_oauth_token_is_stripped(claude_stub: Path) -> None:
    spec = launch(Profile(name="p"), claude_stub, environ={"CLAUDE_CODE_OAUTH_TOKEN": "inh"})
    assert "CLAUDE_CODE_OAUTH_TOKEN" not in spec.env


def test_missing_secret_names_the_ref(claude_stub: Path) -> None:
    profile = Profile(name="p", env={"X": SecretRef(secret_ref="env:ABSENT")})
    with pytest.raises(SecretError) as info:
        launch(profile, claude_stub)
    assert info.value.ref == "env:ABSENT"


def test_auth_invariant_runs_at_create(claude_stub: Path) -> None:
    profile = Profile(name="hand-built", env={"ANTHROPIC_BASE_URL": "http://127.0.0.1:1"})
    with pytest.raises(CredentialRefused) as info:
        launch(profile, claude_stub)
    assert info.value.variable == "ANTHROPIC_BASE_URL"
    assert "127.0.0.1" not in str(info.value)


def test_cwd_from_profile_and_missing_cwd(claude_stub: Path, tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])
    (home / "proj").mkdir()
    spec = launch(Profile(name="p", cwd="~/proj"), claude_stub)
    assert spec.cwd == str((home / "proj").resolve())
    with pytest.raises(ConfigError, match="does not exist"):
        launch(Profile(name="p", cwd=str(tmp_path / "gone")), claude_stub)


def test_lookup_order(tmp_path: Path) -> None:
    from_profile = stub(tmp_path, "from-profile")
    from_env = stub(tmp_path, "from-env")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    on_path = stub(bindir, "claude")
    env = {"CLAUDE_CODER_CLAUDE": str(from_env), "PATH": str(bindir)}
    profile = Profile(name="p", claude_path=str(from_profile))
    assert find_claude(profile, env) == (str(from_profile), "profile 'p' claudePath")
    assert find_claude(Profile(name="q"), env) == (str(from_env), "$CLAUDE_CODER_CLAUDE")
    assert find_claude(None, {"PATH": str(bindir)}) == (str(on_path), "claude on PATH")
    path, why = find_claude(None, {"PATH": str(tmp_path / "empty")})
    assert why == "bundled with claude-agent-sdk"
    assert path == str(bundled_claude())


def test_named_binary_missing_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    profile = Profile(name="p", claude_path=str(tmp_path / "nope"))
    with pytest.raises(BinaryNotFoundError, match="does not exist"):
        find_claude(profile, {"PATH": ""})
    with pytest.raises(BinaryNotFoundError, match="not on PATH"):
        find_claude(None, {"CLAUDE_CODER_CLAUDE": "no-such-claude", "PATH": str(tmp_path)})
    plain = tmp_path / "plain"
    plain.write_text("x")
    with pytest.raises(BinaryNotFoundError, match="not executable"):
        find_claude(Profile(name="p", claude_path=str(plain)), {})


def test_read_version_of_a_stub(tmp_path: Path) -> None:
    assert read_version(str(stub(tmp_path, "ok"))) == Version(2, 1, 331)
    with pytest.raises(VersionRefused, match="exited with 3"):
        read_version(str(stub(tmp_path, "fails", "exit 3")))
    with pytest.raises(VersionRefused, match="could not read"):
        read_version(str(stub(tmp_path, "junk", "echo hello")))


def test_read_version_deadline_kills_the_child(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    hang = stub(tmp_path, "hang", f"echo $$ > {pidfile}; exec sleep 60")
    with pytest.raises(VersionRefused, match="did not answer"):
        read_version(str(hang), deadline_s=0.5)
    with pytest.raises(ProcessLookupError):
        os.kill(int(pidfile.read_text()), 0)


async def test_aread_version(tmp_path: Path) -> None:
    assert await aread_version(str(stub(tmp_path, "ok"))) == Version(2, 1, 331)
    pidfile = tmp_path / "pid"
    hang = stub(tmp_path, "hang", f"echo $$ > {pidfile}; exec sleep 60")
    with pytest.raises(VersionRefused, match="did not answer"):
        await aread_version(str(hang), deadline_s=0.5)
    with pytest.raises(ProcessLookupError):
        os.kill(int(pidfile.read_text()), 0)


async def test_aread_version_cancelled_leaves_no_child(tmp_path: Path) -> None:
    fifo = tmp_path / "pid-fifo"
    os.mkfifo(fifo)
    hang = stub(tmp_path, "hang", f"echo $$ > {fifo}; exec sleep 60")
    task = asyncio.create_task(aread_version(str(hang), deadline_s=30))
    async with asyncio.timeout(10):
        pid = int(await asyncio.to_thread(fifo.read_text))  # the child is running
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_version_of_the_real_bundled_binary(claude_binary: Path) -> None:
    version = read_version(str(claude_binary), deadline_s=60)
    oldest, newest = PTY_PROVEN
    assert PTY_BAND[0] <= oldest <= version <= newest < PTY_BAND[1]


def test_output_schema_is_claude_codes_json_schema_flag(claude_stub: Path) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    spec = launch(Profile(name="p"), claude_stub, output_schema=schema)
    i = spec.argv.index("--json-schema")
    assert json.loads(spec.argv[i + 1]) == schema and spec.output_schema == schema
    with pytest.raises(ConfigError, match="sdk transport"):
        launch(Profile(name="p", transport="pty"), claude_stub, output_schema=schema)
