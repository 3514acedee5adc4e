"""The fail-closed security core: the one place that decides what reaches a Claude Code child.

The variable rule (:mod:`.auth`), child environment (:mod:`.env`), settings files
(:mod:`.settings`), the login proof (:mod:`.proof`, run by :mod:`.preflight`), private
files (:mod:`.files`), MCP isolation (:mod:`.mcp`), the PTY version band
(:mod:`.version`), the Redactor (:mod:`.redact`) and its log hook (:mod:`.logs`), what
reaches a terminal (:mod:`.terminal`) and what a session may be named (:mod:`.names`).
See ``docs/security.md``.

Each name is imported on first use (PEP 562): a command that only needs
:mod:`.terminal` does not load the login proof and its asyncio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from claude_coder._lazy import lazy_exports

if TYPE_CHECKING:
    from claude_coder.security.auth import (
        ALLOWED_SWITCHES,
        DENIED_PREFIXES,
        DENYLIST,
        KEPT_NAMES,
        OAUTH_TOKEN_VAR,
        SETTINGS_INJECTION_KEYS,
        UNPREFIXED_DENIED,
        EnvProblem,
        check_env,
        check_profile_env,
        denied_names,
        is_denied,
        profile_env_problems,
    )
    from claude_coder.security.env import (
        SSH_KEPT,
        STRIPPED_ALWAYS,
        child_env,
        inherited_environ,
        inherited_environ_with,
        ssh_env,
        stripped_names,
        stripped_secrets,
    )
    from claude_coder.security.files import check_private, private_problem
    from claude_coder.security.logs import redact_record, watch_logs
    from claude_coder.security.mcp import mcp_args, mcp_config_json
    from claude_coder.security.names import MAX_NAME, check_session_name, name_problem
    from claude_coder.security.preflight import prove_login
    from claude_coder.security.proof import (
        SUBSCRIPTION_TOKEN_SOURCES,
        check_account,
        check_system_init,
    )
    from claude_coder.security.redact import (
        BESIDE_TEXT,
        MASK,
        EventRedactor,
        Redactor,
        StreamRedactor,
    )
    from claude_coder.security.settings import (
        SettingsProblem,
        check_settings,
        config_dir,
        settings_problems,
    )
    from claude_coder.security.terminal import json_text, typed, visible, visible_line, visible_obj
    from claude_coder.security.version import (
        PTY_BAND,
        PTY_PROVEN,
        SDK_FLOOR,
        Version,
        check_pty_version,
        check_sdk_version,
        parse_version,
    )

_EXPORTS = {
    "auth": (
        "ALLOWED_SWITCHES DENIED_PREFIXES DENYLIST KEPT_NAMES OAUTH_TOKEN_VAR "
        "SETTINGS_INJECTION_KEYS UNPREFIXED_DENIED EnvProblem check_env check_profile_env "
        "denied_names is_denied profile_env_problems"
    ),
    "env": (
        "SSH_KEPT STRIPPED_ALWAYS child_env inherited_environ inherited_environ_with ssh_env "
        "stripped_names stripped_secrets"
    ),
    "files": "check_private private_problem",
    "logs": "redact_record watch_logs",
    "mcp": "mcp_args mcp_config_json",
    "names": "MAX_NAME check_session_name name_problem",
    "preflight": "prove_login",
    "proof": "SUBSCRIPTION_TOKEN_SOURCES check_account check_system_init",
    "redact": "BESIDE_TEXT MASK EventRedactor Redactor StreamRedactor",
    "settings": "SettingsProblem check_settings config_dir settings_problems",
    "terminal": "json_text typed visible visible_line visible_obj",
    "version": (
        "PTY_BAND PTY_PROVEN SDK_FLOOR Version check_pty_version check_sdk_version parse_version"
    ),
}
"""The names each submodule exports, space-separated."""

__all__ = [
    "ALLOWED_SWITCHES",
    "BESIDE_TEXT",
    "DENIED_PREFIXES",
    "DENYLIST",
    "KEPT_NAMES",
    "MASK",
    "MAX_NAME",
    "OAUTH_TOKEN_VAR",
    "PTY_BAND",
    "PTY_PROVEN",
    "SDK_FLOOR",
    "SETTINGS_INJECTION_KEYS",
    "SSH_KEPT",
    "STRIPPED_ALWAYS",
    "SUBSCRIPTION_TOKEN_SOURCES",
    "UNPREFIXED_DENIED",
    "EnvProblem",
    "EventRedactor",
    "Redactor",
    "SettingsProblem",
    "StreamRedactor",
    "Version",
    "check_account",
    "check_env",
    "check_private",
    "check_profile_env",
    "check_pty_version",
    "check_sdk_version",
    "check_session_name",
    "check_settings",
    "check_system_init",
    "child_env",
    "config_dir",
    "denied_names",
    "inherited_environ",
    "inherited_environ_with",
    "is_denied",
    "json_text",
    "mcp_args",
    "mcp_config_json",
    "name_problem",
    "parse_version",
    "private_problem",
    "profile_env_problems",
    "prove_login",
    "redact_record",
    "settings_problems",
    "ssh_env",
    "stripped_names",
    "stripped_secrets",
    "typed",
    "visible",
    "visible_line",
    "visible_obj",
    "watch_logs",
]

if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {n: f"{__name__}.{m}" for m, names in _EXPORTS.items() for n in names.split()},
        __all__,
    )
