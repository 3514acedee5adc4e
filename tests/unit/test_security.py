"""The auth invariant, the child environment, MCP flags and the version band."""

from __future__ import annotations

import json

import pytest

from claude_coder.errors import CredentialRefused, VersionRefused
from claude_coder.profiles import SecretRef
from claude_coder.security import (
    DENYLIST,
    OAUTH_TOKEN_VAR,
    PTY_BAND,
    PTY_PROVEN,
    SETTINGS_INJECTION_KEYS,
    Version,
    check_env,
    check_profile_env,
    check_pty_version,
    child_env,
    is_denied,
    mcp_args,
    parse_version,
    profile_env_problems,
)

REFERENCE_SECTION_6 = [
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_FOUNDRY_API_KEY",
    "ANTHROPIC_FOUNDRY_AUTH_TOKEN",
    "ANTHROPIC_AWS_API_KEY",
    "AWS_BEARER_TOKEN_BEDROCK",
    "CLAUDE_CODE_API_KEY_HELPER_TTL_MS",
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "CLAUDE_CODE_USE_FOUNDRY",
    "CLAUDE_CODE_USE_MANTLE",
    "CLAUDE_CODE_USE_ANTHROPIC_AWS",
    "CLAUDE_CODE_PROVIDER_MANAGED_BY_HOST",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_BEDROCK_BASE_URL",
    "ANTHROPIC_BEDROCK_MANTLE_BASE_URL",
    "ANTHROPIC_VERTEX_BASE_URL",
    "ANTHROPIC_FOUNDRY_BASE_URL",
    "ANTHROPIC_FOUNDRY_RESOURCE",
    "ANTHROPIC_AWS_BASE_URL",
    "ANTHROPIC_AWS_WORKSPACE_ID",
    "ANTHROPIC_PROFILE",
    "ANTHROPIC_FEDERATION_RULE_ID",
    "ANTHROPIC_ORGANIZATION_ID",
    "ANTHROPIC_WORKSPACE_ID",
    "ANTHROPIC_IDENTITY_TOKEN_FILE",
    "ANTHROPIC_CUSTOM_HEADERS",
    "CLAUDE_CODE_EXTRA_BODY",
    "CLAUDE_CODE_CLIENT_CERT",
    "CLAUDE_CODE_CLIENT_KEY",
    "CLAUDE_CODE_CLIENT_KEY_PASSPHRASE",
    "CLAUDE_CODE_SIMPLE",
]


REFERENCE_SECTION_6B = [
    "ANTHROPIC_UNIX_SOCKET",
    "CLAUDE_CODE_USE_GATEWAY",
    "CLAUDE_CODE_GATEWAY_TOKEN",
    "CLAUDE_CODE_USE_ANTHROPIC_GOOGLE_CLOUD",
    "ANTHROPIC_GOOGLE_CLOUD_BASE_URL",
    "_CLAUDE_CODE_ASSUME_FIRST_PARTY_BASE_URL",
    "CLAUDE_CODE_HOST_AUTH_ENV_VAR",
    "CLAUDE_CODE_PROVIDER_MANAGED_BY_HOST",
    "CLAUDE_CODE_API_KEY_FILE_DESCRIPTOR",
    "CLAUDE_CODE_OAUTH_TOKEN_FILE_DESCRIPTOR",
    "CLAUDE_CODE_OAUTH_REFRESH_TOKEN",
    "CLAUDE_CODE_CUSTOM_OAUTH_URL",
    "ANTHROPIC_IDENTITY_TOKEN",
    "ANTHROPIC_BETAS",
]


def test_denylist_holds_every_variable_of_the_reference() -> None:
    assert set(REFERENCE_SECTION_6) | set(REFERENCE_SECTION_6B) <= DENYLIST
    assert OAUTH_TOKEN_VAR not in DENYLIST


@pytest.mark.parametrize("name", REFERENCE_SECTION_6 + REFERENCE_SECTION_6B)
def test_every_reference_name_falls_under_the_rule(name: str) -> None:
    assert is_denied(name) and is_denied(name.lower())


@pytest.mark.parametrize(
    "name",
    [
        "CLAUDE_CODE_SKIP_NEWCLOUD_AUTH",  # a provider of a later release
        "ANTHROPIC_SOMETHING_NEW",
        "CLAUDE_CODE_SOMETHING_NEW",
        "_CLAUDE_CODE_SOMETHING_NEW",
        "CLAUDE_BRIDGE_OAUTH_TOKEN",
        "CCR_OAUTH_TOKEN_FILE",
        "ANTHROPIC_MODEL",
        "USE_STAGING_OAUTH",
        "Anthropic_Base_Url",
    ],
)
def test_the_rule_refuses_by_prefix_in_any_case(name: str) -> None:
    assert is_denied(name)


@pytest.mark.parametrize(
    "name",
    [
        "PATH",
        "HOME",
        "FOO",
        "DISABLE_TELEMETRY",
        "CLAUDE_CONFIG_DIR",
        "CLAUDE_CODER_PROFILES",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
        "HTTPS_PROXY",
    ],
)
def test_ordinary_names_and_the_allowlist_pass(name: str) -> None:
    assert not is_denied(name)


def test_lower_case_spelling_is_refused_too() -> None:
    assert is_denied("anthropic_api_key")


@pytest.mark.parametrize("name", sorted(DENYLIST))
def test_profile_setting_any_denylisted_name_is_refused(name: str) -> None:
    with pytest.raises(CredentialRefused) as info:
        check_profile_env("p", {name: "value-that-must-not-show"})
    assert info.value.variable == name
    assert name in str(info.value) and "'p'" in str(info.value)
    assert "value-that-must-not-show" not in str(info.value)


def test_denylisted_name_refused_even_as_a_secret_ref() -> None:
    problems = profile_env_problems({"ANTHROPIC_API_KEY": object()})
    assert [p.variable for p in problems] == ["ANTHROPIC_API_KEY"]


@pytest.mark.parametrize("key", SETTINGS_INJECTION_KEYS)
def test_settings_injection_by_name_and_by_value(key: str) -> None:
    assert [p.variable for p in profile_env_problems({key: "x"})] == [key]
    doc = json.dumps({key: "/usr/bin/print-my-key"})
    (problem,) = profile_env_problems({"MY_SETTINGS": doc})
    assert key in problem.reason


def test_settings_key_in_env_spelling() -> None:
    assert [p.variable for p in profile_env_problems({"API_KEY_HELPER": "x"})] == ["API_KEY_HELPER"]


def test_oauth_token_only_through_a_secret_ref() -> None:
    (problem,) = profile_env_problems({OAUTH_TOKEN_VAR: "literal-token"})
    assert "secretRef" in problem.reason
    assert profile_env_problems({OAUTH_TOKEN_VAR: SecretRef(secret_ref="env:T")}) == []


def test_null_entries_are_removals_not_problems() -> None:
    assert profile_env_problems({"ANTHROPIC_API_KEY": None}) == []


def test_child_env_strips_by_rule_claudecode_and_inherited_oauth() -> None:
    parent = {name: "x" for name in DENYLIST}
    parent |= {"CLAUDECODE": "1", OAUTH_TOKEN_VAR: "inherited", "PATH": "/bin", "KEEP": "k"}
    parent |= {"CLAUDE_CODE_SKIP_FOO_AUTH": "1", "apiKeyHelper": "x", "anthropic_x": "1"}
    parent |= {"CLAUDE_CONFIG_DIR": "/c", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}
    assert child_env({}, parent) == {
        "PATH": "/bin",
        "KEEP": "k",
        "CLAUDE_CONFIG_DIR": "/c",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }


def test_child_env_adds_profile_env_and_passes_oauth_from_profile() -> None:
    env = child_env({OAUTH_TOKEN_VAR: "from-secret-ref", "X": "1"}, {"X": "0", "PATH": "/b"})
    assert env == {"PATH": "/b", "X": "1", OAUTH_TOKEN_VAR: "from-secret-ref"}


def test_child_env_drops_named_sources() -> None:
    assert child_env({}, {"MY_SRC": "s", "A": "a"}, drop=["MY_SRC"]) == {"A": "a"}


def test_child_env_last_line_of_defense() -> None:
    with pytest.raises(CredentialRefused) as info:
        child_env({"ANTHROPIC_BASE_URL": "http://evil"}, {})
    assert info.value.variable == "ANTHROPIC_BASE_URL"
    assert "http://evil" not in str(info.value)


def test_check_env_start_time() -> None:
    check_env({"PATH": "/bin", OAUTH_TOKEN_VAR: "t"})
    with pytest.raises(CredentialRefused, match="CLAUDE_CODE_USE_VERTEX"):
        check_env({"CLAUDE_CODE_USE_VERTEX": "1"})


def test_mcp_args_exactly_the_servers() -> None:
    assert mcp_args(None) == ["--strict-mcp-config", "--mcp-config", '{"mcpServers":{}}']
    servers = {"files": {"command": "mcp-files", "args": ["."]}}
    flag, opt, doc = mcp_args(servers)
    assert (flag, opt) == ("--strict-mcp-config", "--mcp-config")
    assert json.loads(doc) == {"mcpServers": servers}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2.1.331 (Claude Code)\n", Version(2, 1, 331)),
        ("2.1.0 (Claude Code)", Version(2, 1, 0)),
        ("claude 10.20.30-beta.1", Version(10, 20, 30)),
    ],
)
def test_parse_version(text: str, expected: Version) -> None:
    assert parse_version(text) == expected
    assert str(parse_version(text)) == str(expected)


@pytest.mark.parametrize("text", ["", "Claude Code", "2.1", "error: unknown option"])
def test_unparseable_version_is_refused(text: str) -> None:
    with pytest.raises(VersionRefused):
        parse_version(text)


@pytest.mark.parametrize(
    ("version", "refusal"),
    [
        ("2.0.99", "outside the PTY band"),
        ("2.1.0", "older than the versions"),
        ("2.1.50", "older than the versions"),
        ("2.1.100", "older than the versions"),
        ("2.1.300", "older than the versions"),
        ("2.1.331", None),
        ("2.1.332", None),
        ("2.1.333", "newer than the versions"),
        ("2.2.0", "outside the PTY band"),
        ("3.0.0", "outside the PTY band"),
    ],
)
def test_pty_drives_only_the_proven_versions_inside_the_band(
    version: str, refusal: str | None
) -> None:
    assert (Version(2, 1, 0), Version(2, 2, 0)) == PTY_BAND
    assert PTY_BAND[0] <= PTY_PROVEN[0] <= PTY_PROVEN[1] < PTY_BAND[1]
    if refusal is None:
        assert check_pty_version(version) == parse_version(version)
    else:
        with pytest.raises(VersionRefused, match=refusal) as info:
            check_pty_version(version)
        assert info.value.version == version and version in info.value.message


def test_public_surfaces_are_real() -> None:
    import claude_coder.profiles as profiles
    import claude_coder.security as security

    # (ruff's RUF022 keeps each __all__ sorted)
    for module in (security, profiles):
        assert len(set(module.__all__)) == len(module.__all__)
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"
