"""secretRef resolution: env:, file: (owner-only files), keyring:; errors name the ref only."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from claude_coder.errors import SecretError
from claude_coder.profiles import SecretRef, resolve_env, resolve_ref


class MemoryKeyring(KeyringBackend):
    """A keyring backend in memory (a fake, not a mock)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


class BrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked: hunter2")


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend  # type: ignore[misc]
    keyring.set_keyring(previous)


def secret_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "token"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_env_scheme() -> None:
    assert resolve_ref("env:MY_TOKEN", environ={"MY_TOKEN": "abc123"}) == "abc123"


def test_env_scheme_missing_names_the_ref_only() -> None:
    with pytest.raises(SecretError) as info:
        resolve_ref("env:MY_TOKEN", environ={"OTHER": "abc123"}, profile="p")
    assert info.value.ref == "env:MY_TOKEN"
    assert "MY_TOKEN is not set" in str(info.value)
    assert "abc123" not in str(info.value)
    assert info.value.exit_code == 2


def test_file_scheme_owner_only(tmp_path: Path) -> None:
    path = secret_file(tmp_path, "s3cret-value\n")
    assert resolve_ref(f"file:{path}") == "s3cret-value"


def test_file_scheme_expands_home(tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])
    secret_file(home, "from-home")
    assert resolve_ref("file:~/token") == "from-home"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644, 0o620])
def test_file_scheme_refuses_group_or_other_access(tmp_path: Path, mode: int) -> None:
    path = secret_file(tmp_path, "s3cret-value", mode)
    with pytest.raises(SecretError) as info:
        resolve_ref(f"file:{path}")
    assert f"mode {mode:04o}" in str(info.value)
    assert "chmod 600" in str(info.value)
    assert "s3cret-value" not in str(info.value)


def test_file_scheme_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="cannot read the file"):
        resolve_ref(f"file:{tmp_path / 'absent'}")


def test_file_scheme_directory(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="not a regular file"):
        resolve_ref(f"file:{tmp_path}")


def test_empty_secret_is_an_error(tmp_path: Path) -> None:
    path = secret_file(tmp_path, "\n")
    with pytest.raises(SecretError, match="is empty"):
        resolve_ref(f"file:{path}")


def test_keyring_scheme(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.store[("claude-coder", "me@example.com")] = "kr-value"
    assert resolve_ref("keyring:claude-coder/me@example.com") == "kr-value"


def test_keyring_service_may_hold_slashes(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.store[("org/tool", "acct")] = "kr-value"
    assert resolve_ref("keyring:org/tool/acct") == "kr-value"


def test_keyring_missing_entry(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(SecretError, match="no such entry"):
        resolve_ref("keyring:svc/acct")


def test_keyring_backend_failure_names_the_type_only() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        with pytest.raises(SecretError) as info:
            resolve_ref("keyring:svc/acct")
    finally:
        keyring.set_keyring(previous)
    assert "KeyringLocked" in str(info.value)
    assert "hunter2" not in str(info.value)


def test_unknown_scheme() -> None:
    with pytest.raises(SecretError, match="unknown scheme"):
        resolve_ref("vault:x")


def test_resolve_env_keeps_literals_and_collects_secrets(tmp_path: Path) -> None:
    path = secret_file(tmp_path, "file-secret")
    env = {
        "PLAIN": "visible",
        "A": SecretRef(secret_ref="env:SRC"),
        "B": SecretRef(secret_ref=f"file:{path}"),
    }
    resolved = resolve_env(env, environ={"SRC": "env-secret"})
    assert dict(resolved) == {"PLAIN": "visible", "A": "env-secret", "B": "file-secret"}
    assert sorted(resolved.secrets) == ["env-secret", "file-secret"]
    assert resolved.sources == ["SRC"]
    assert "env-secret" not in repr(resolved) and "file-secret" not in str(resolved)


def test_loading_never_resolves(tmp_path: Path) -> None:
    from claude_coder.profiles import profiles_from_data

    # the variable is not set and the file does not exist: loading still succeeds
    pset = profiles_from_data(
        [{"name": "p", "env": {"T": {"secretRef": "env:NOT_SET"}, "U": {"secretRef": "file:/x"}}}]
    )
    assert pset.get("p").env["T"] == SecretRef(secret_ref="env:NOT_SET")
