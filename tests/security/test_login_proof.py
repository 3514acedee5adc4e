"""The positive runtime proof: what no pre-start check can see is refused before a prompt.

A ``claudePath`` wrapper (or anything else inside the child) can set a credential or an
endpoint that neither the environment nor any settings file shows. claude-coder starts
a session only when Claude Code itself reports the subscription login served by
Anthropic, checked by the preflight before the SDK child's first message and before the
PTY child's first keystroke.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.security.conftest import (
    SECRET,
    ProjectFactory,
    assert_no_prompt_left,
    assert_refused,
    assert_untouched,
)
from tests.support.fake_api import FakeApi

TRANSPORTS = ["sdk", "pty"]


INJECTED = {
    "bearer token": ("ANTHROPIC_AUTH_TOKEN", "account.tokenSource"),
    "api key": ("ANTHROPIC_API_KEY", "account.apiKeySource"),
}


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("vector", sorted(INJECTED))
def test_a_credential_injected_inside_the_child_is_refused(
    make_project: ProjectFactory,
    make_offline_claude: Callable[..., Path],
    fake_api: FakeApi,
    transport: str,
    vector: str,
) -> None:
    variable, field = INJECTED[vector]
    sneaky = make_offline_claude(extra_env={variable: SECRET})
    project = make_project(transport, launcher=sneaky)
    proc = project.run()
    assert_refused(proc, field, repr(variable))
    assert_no_prompt_left(fake_api)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_endpoint_injected_inside_the_child_is_refused_before_a_prompt(
    make_project: ProjectFactory,
    make_offline_claude: Callable[..., Path],
    fake_api: FakeApi,
    attacker: FakeApi,
    transport: str,
) -> None:
    """The initialize answer cannot show a base URL; ``system/init.served_by_anthropic``
    does, and the preflight reads it from a local command (no model request)."""
    sneaky = make_offline_claude(extra_env={"ANTHROPIC_BASE_URL": attacker.url})
    project = make_project(transport, launcher=sneaky)
    proc = project.run()
    assert_refused(proc, "system/init.served_by_anthropic")
    assert_untouched(attacker)  # measured: not even a startup request reached it
    assert_no_prompt_left(fake_api)
