"""The login proof's allowlist, on what Claude Code 2.1.331 reported (measured end to end)."""

from __future__ import annotations

from typing import Any

import pytest

from claude_coder.errors import LoginNotProven
from claude_coder.security import check_account, check_system_init

# The initialize answer's account, as 2.1.331 reported it on each path.
GENUINE = {
    "setup-token": {
        "account": {"tokenSource": "CLAUDE_CODE_OAUTH_TOKEN", "apiProvider": "firstParty"}
    },
    "/login file": {"account": {"subscriptionType": "Claude Max", "apiProvider": "firstParty"}},
    "claude.ai": {"account": {"tokenSource": "claude.ai", "apiProvider": "firstParty"}},
}
REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "ANTHROPIC_AUTH_TOKEN": (
        {"account": {"tokenSource": "ANTHROPIC_AUTH_TOKEN", "apiProvider": "firstParty"}},
        "account.tokenSource",
    ),
    "ANTHROPIC_API_KEY": (
        {
            "account": {
                "tokenSource": "CLAUDE_CODE_OAUTH_TOKEN",
                "apiKeySource": "ANTHROPIC_API_KEY",
                "apiProvider": "firstParty",
            },
            "auth_conflict": {"token_source": "CLAUDE_CODE_OAUTH_TOKEN", "api_key_source": "x"},
        },
        "account.apiKeySource",
    ),
    "apiKeyHelper": (
        {
            "account": {
                "tokenSource": "CLAUDE_CODE_OAUTH_TOKEN",
                "apiKeySource": "apiKeyHelper",
                "apiProvider": "firstParty",
            }
        },
        "account.apiKeySource",
    ),
    "bedrock": ({"account": {"apiProvider": "bedrock"}}, "account.apiProvider"),
    "not logged in": ({"account": {"apiProvider": "firstParty"}}, "account.tokenSource"),
    "fd token": (
        {
            "account": {
                "tokenSource": "CLAUDE_CODE_OAUTH_TOKEN_FILE_DESCRIPTOR",
                "apiProvider": "firstParty",
            }
        },
        "account.tokenSource",
    ),
    "conflict only": (
        {"account": {"tokenSource": "claude.ai", "apiProvider": "firstParty"}, "auth_conflict": {}},
        "auth_conflict",
    ),
    "no account": ({}, "account"),
}


@pytest.mark.parametrize("path", sorted(GENUINE))
def test_the_subscription_paths_pass(path: str) -> None:
    check_account(GENUINE[path])


@pytest.mark.parametrize("path", sorted(REFUSED))
def test_every_other_path_is_refused_naming_the_field(path: str) -> None:
    answer, field = REFUSED[path]
    with pytest.raises(LoginNotProven) as info:
        check_account(answer)
    assert info.value.variable == field
    assert info.value.exit_code == 2


def test_no_answer_is_refused() -> None:
    with pytest.raises(LoginNotProven):
        check_account(None)


def test_system_init_must_say_no_key_and_served_by_anthropic() -> None:
    check_system_init({"apiKeySource": "none", "served_by_anthropic": True})
    for bad, field in (
        ({"apiKeySource": "ANTHROPIC_API_KEY", "served_by_anthropic": True}, "apiKeySource"),
        ({"apiKeySource": "none", "served_by_anthropic": False}, "served_by_anthropic"),
        ({"apiKeySource": "none"}, "served_by_anthropic"),
        ({"served_by_anthropic": True}, "apiKeySource"),
    ):
        with pytest.raises(LoginNotProven) as info:
            check_system_init(bad)
        assert info.value.variable == f"system/init.{field}"


def test_a_value_that_is_not_a_short_name_is_never_shown() -> None:
    secret = "sk-ant-api03-" + "x" * 60
    with pytest.raises(LoginNotProven) as info:
        check_account({"account": {"tokenSource": secret, "apiProvider": "firstParty"}})
    assert secret not in str(info.value) and "a str" in str(info.value)
