"""Fixtures of the remote-member tests: a real sshd on 127.0.0.1 and a host user behind it.

- ``remote_harness`` (session): one :class:`tests.support.sshd.Harness` for the whole run
  (the user ``ccremote``, its venv running this checkout's claude-coder, sshd on two
  ports). Anything missing (sshd, ssh, useradd, root) FAILS the tests, never skips them.
- ``remote_host`` (per test): a fresh world on the host (:class:`tests.support.
  host_user.HostWorld`): ``.name`` (``devbox``), ``.env(**vars)``, ``.run(*argv)``,
  ``.home``, ``.config_dir``, ``.kill_ssh_connections()``, ``.processes()``. Its Claude
  Code answers to this test's ``fake_api``; ``CLAUDE_CODER_SSH_CONFIG`` names the
  harness's ssh config, which also knows ``devbox-bare`` (no claude-coder on the PATH)
  and ``devbox-down`` (nothing listening). Every process the world started is ended
  after the test.

Tests here are marked ``integration``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_api import FakeApi
from tests.support.sshd import Harness, HarnessError, HostWorld

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(_HERE):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def remote_harness() -> Iterator[Harness]:
    """The session's sshd and host user (FAILS when the machine cannot provide them)."""
    try:
        harness = Harness.start()
    except HarnessError as exc:
        pytest.fail(f"the remote-member harness cannot start: {exc}", pytrace=False)
    try:
        yield harness
    finally:
        harness.stop()


@pytest.fixture
def remote_host(
    remote_harness: Harness,
    fake_api: FakeApi,
    claude_binary: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[HostWorld]:
    """This test's world on ``devbox``; ssh (the product's and the test's) finds it."""
    world = remote_harness.world(fake_api.url)
    monkeypatch.setenv("CLAUDE_CODER_SSH_CONFIG", str(remote_harness.ssh_config))
    try:
        yield world
    finally:
        world.end_processes()
