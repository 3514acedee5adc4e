"""The fail-closed security core: the one place that decides what reaches a Claude Code child.

Auth invariant (:mod:`.auth`), child environment (:mod:`.env`), MCP isolation
(:mod:`.mcp`), the PTY version band (:mod:`.version`), the Redactor (:mod:`.redact`) and
its log hook (:mod:`.logs`), what reaches a terminal (:mod:`.terminal`) and what a
session may be named (:mod:`.names`).
See ``docs/security.md``.
"""

from __future__ import annotations

from claude_coder.security.auth import (
    DENYLIST,
    OAUTH_TOKEN_VAR,
    SETTINGS_INJECTION_KEYS,
    SKIP_AUTH_PATTERN,
    EnvProblem,
    check_api_key_source,
    check_env,
    check_profile_env,
    denied_names,
    is_denied,
    profile_env_problems,
)
from claude_coder.security.env import STRIPPED_ALWAYS, child_env, inherited_environ, stripped_names
from claude_coder.security.logs import redact_record, watch_logs
from claude_coder.security.mcp import mcp_args, mcp_config_json
from claude_coder.security.names import MAX_NAME, check_session_name, name_problem
from claude_coder.security.redact import BESIDE_TEXT, MASK, EventRedactor, Redactor, StreamRedactor
from claude_coder.security.terminal import json_text, typed, visible, visible_line, visible_obj
from claude_coder.security.version import PTY_BAND, Version, check_pty_version, parse_version

__all__ = [
    "BESIDE_TEXT",
    "DENYLIST",
    "MASK",
    "MAX_NAME",
    "OAUTH_TOKEN_VAR",
    "PTY_BAND",
    "SETTINGS_INJECTION_KEYS",
    "SKIP_AUTH_PATTERN",
    "STRIPPED_ALWAYS",
    "EnvProblem",
    "EventRedactor",
    "Redactor",
    "StreamRedactor",
    "Version",
    "check_api_key_source",
    "check_env",
    "check_profile_env",
    "check_pty_version",
    "check_session_name",
    "child_env",
    "denied_names",
    "inherited_environ",
    "is_denied",
    "json_text",
    "mcp_args",
    "mcp_config_json",
    "name_problem",
    "parse_version",
    "profile_env_problems",
    "redact_record",
    "stripped_names",
    "typed",
    "visible",
    "visible_line",
    "visible_obj",
    "watch_logs",
]
