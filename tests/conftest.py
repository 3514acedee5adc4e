"""Shared fixtures: a temp home for every test, the real binary, the fake API, the launcher.

- autouse ``_isolated_home``: every test gets a temp ``HOME`` and ``CLAUDE_CONFIG_DIR``
  (and XDG dirs), and loses ``CLAUDECODE``, every variable the product's rule refuses
  (``security.is_denied``: every ``ANTHROPIC_*``, ``CLAUDE_*``, ``_CLAUDE_*``, ``CCR_*``
  but the allowlist) and claude-coder's own settings that might sit in the developer's
  shell. No test can touch the real ``~/.claude``. The caller's terminal and locale
  (``NO_COLOR``, ``COLUMNS``, ``TERM``, ``LANG``, ``TEXTUAL_*``, ...) are replaced by fixed
  ones (:mod:`tests.support.hermetic`), here at import for what Textual reads once, and
  again for every test.
- ``claude_binary``: the real Claude Code bundled in claude-agent-sdk; a missing binary
  FAILS the test (never skips).
- ``fake_api``: a running ``tests.support.fake_api.FakeApi`` (see its docstring for the
  script language).
- ``offline_claude``: path of the offline launcher for this test (also exported as
  ``$CLAUDE_CODER_CLAUDE``); ``make_offline_claude(extra_env=..., unset=...)`` makes more.
- ``seed_tui``: seeds ``$CLAUDE_CONFIG_DIR/.claude.json`` for the interactive TUI.
- Tests under ``tests/integration`` are marked ``integration`` automatically.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from claude_coder.security import is_denied
from tests.support.fake_api import FakeApi
from tests.support.hermetic import FIXED, neutral_environ, reload_textual_constants, unwanted
from tests.support.launcher import seed_claude_json, write_launcher

neutral_environ(os.environ)
reload_textual_constants()

# Variables never inherited by a test from the developer's shell.
_SCRUB_EXACT = {
    "CLAUDECODE",
    "CLAUDE_CODE_ENTRYPOINT",
    "CLAUDE_CODER_CLAUDE",
    "CLAUDE_CODER_PROFILES",
    "CLAUDE_CODER_ROSTER",
    "CLAUDE_CODE_TMPDIR",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "https_proxy",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
}


def _scrubbed(name: str) -> bool:
    """The product's own rule, plus the exact names above (proxies, claude-coder's own)."""
    return name in _SCRUB_EXACT or is_denied(name)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    integration_dir = Path(__file__).parent / "integration"
    remote_dir = Path(__file__).parent / "remote"
    for item in items:
        path = Path(str(item.fspath))
        if path.is_relative_to(integration_dir):
            item.add_marker(pytest.mark.integration)
        if path.is_relative_to(remote_dir):  # one sshd and one host user: one worker
            item.add_marker(pytest.mark.xdist_group("remote"))


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A temp HOME + CLAUDE_CONFIG_DIR (+ XDG dirs) for every test; credentials scrubbed."""
    home = tmp_path_factory.mktemp("home")
    config = home / ".claude"
    config.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(config))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_DATA_HOME", ".local/share"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(var, str(home / sub))
    for name in list(os.environ):
        if _scrubbed(name):
            monkeypatch.delenv(name, raising=False)
    for name in list(unwanted(os.environ)):
        monkeypatch.delenv(name)
    for name, value in FIXED.items():
        monkeypatch.setenv(name, value)
    return home


@pytest.fixture
def temp_home(_isolated_home: Path) -> Path:
    """The test's temp HOME (``CLAUDE_CONFIG_DIR`` is its ``.claude``)."""
    return _isolated_home


def _bundled_binary() -> Path | None:
    try:
        import claude_agent_sdk
    except ImportError:
        return None
    path = Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"
    return path if path.is_file() and os.access(path, os.X_OK) else None


@pytest.fixture(scope="session")
def claude_binary() -> Path:
    """The real Claude Code bundled in claude-agent-sdk; missing means FAIL, never skip."""
    path = _bundled_binary()
    if path is None:
        pytest.fail(
            "the real Claude Code binary bundled in claude-agent-sdk was not found "
            "(expected claude_agent_sdk/_bundled/claude); install the pinned "
            "claude-agent-sdk wheel: pip install -e '.[dev]'",
            pytrace=False,
        )
    return path


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    """A running fake Messages API for this test (``.url``, ``.requests``, ...)."""
    server = FakeApi().start()
    try:
        yield server
    finally:
        server.stop()


LauncherFactory = Callable[..., Path]


@pytest.fixture
def make_offline_claude(
    tmp_path_factory: pytest.TempPathFactory, claude_binary: Path, fake_api: FakeApi
) -> LauncherFactory:
    """Factory: ``make_offline_claude(extra_env={...}, unset=[...], name=...)`` -> path."""
    counter = iter(range(1_000_000))

    def make(
        *,
        extra_env: Mapping[str, str] | None = None,
        unset: tuple[str, ...] = (),
        name: str | None = None,
        base_url: str | None = None,
        tui_only_env: Mapping[str, str] | None = None,
    ) -> Path:
        where = tmp_path_factory.mktemp("launcher")
        path = where / (name or f"claude-offline-{next(counter)}")
        return write_launcher(
            path,
            claude_binary,
            base_url or fake_api.url,
            extra_env=extra_env,
            unset=unset,
            tui_only_env=tui_only_env,
        )

    return make


@pytest.fixture
def offline_claude(make_offline_claude: LauncherFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The offline launcher for this test, also exported as ``$CLAUDE_CODER_CLAUDE``."""
    path = make_offline_claude(name="claude")
    monkeypatch.setenv("CLAUDE_CODER_CLAUDE", str(path))
    return path


@pytest.fixture
def seed_tui() -> Callable[..., Path]:
    """``seed_tui(cwd, trusted=True, extra=None)``: seed ``.claude.json`` for the TUI."""

    def seed(
        cwd: str | Path, *, trusted: bool = True, extra: Mapping[str, Any] | None = None
    ) -> Path:
        return seed_claude_json(
            os.environ["CLAUDE_CONFIG_DIR"], [cwd], trusted=trusted, extra=extra
        )

    return seed
