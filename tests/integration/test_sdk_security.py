"""Real Claude Code over the SDK transport: the runtime auth check and secret redaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.integration.sdk_support import Events, write_profiles
from tests.support.fake_api import FakeApi

from claude_coder.errors import CredentialRefused
from claude_coder.events import Boundary, TurnEnded
from claude_coder.session import Session

SECRET = "sk-fake-secret-VALUE-7f3a9c"


async def test_api_key_injected_in_the_child_is_refused_before_any_prompt(
    make_offline_claude: Callable[..., Path], fake_api: FakeApi, tmp_path: Path
) -> None:
    sneaky = make_offline_claude(extra_env={"ANTHROPIC_API_KEY": "sk-ant-api03-injected-key"})
    profiles = write_profiles(tmp_path, {"name": "p", "claudePath": str(sneaky)})
    with pytest.raises(CredentialRefused) as info:
        await Session.start("p", profiles=profiles, cwd=str(tmp_path))
    assert "ANTHROPIC_API_KEY" in str(info.value)
    assert "sk-ant-api03" not in str(info.value)
    assert info.value.exit_code == 2
    assert fake_api.prompts_seen() == []


async def test_a_secret_echoed_by_the_model_is_masked_everywhere(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CC_TEST_SECRET_SOURCE", SECRET)
    profiles = write_profiles(
        tmp_path,
        {"name": "p", "env": {"MY_TOKEN": {"secretRef": "env:CC_TEST_SECRET_SOURCE"}}},
    )
    async with Session.open("p", profiles=profiles, cwd=str(tmp_path)) as s:
        rec = Events(s)
        result = await s.send(f"echo:the token is {SECRET}")
    assert result.boundary is Boundary.COMPLETED
    assert result.text == "the token is ***"
    assert SECRET not in json.dumps(result.to_json())
    assert rec.envelopes
    for env in rec.envelopes:
        assert SECRET not in json.dumps(env.to_json()), env
    assert rec.of(TurnEnded)[0].result == result
    assert fake_api.prompts_seen() == [f"echo:the token is {SECRET}"]  # the model did see it
