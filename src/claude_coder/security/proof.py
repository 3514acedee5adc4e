"""The positive runtime proof: Claude Code itself must report the subscription login.

Pure checks over what Claude Code 2.1.331 reports, by allowlist (only the values seen on
the genuine subscription path pass; anything else, or a missing field, is refused):

* the initialize answer's ``account`` (:func:`check_account`): ``apiProvider`` is
  ``firstParty``; no ``apiKeySource`` and no ``auth_conflict``; ``tokenSource`` is one
  of :data:`SUBSCRIPTION_TOKEN_SOURCES` (``CLAUDE_CODE_OAUTH_TOKEN`` from ``claude
  setup-token``, ``claude.ai`` from ``/login``), or absent with a ``subscriptionType``
  (what a ``/login`` credentials file reports);
* ``system/init`` (:func:`check_system_init`): ``apiKeySource`` is ``"none"`` and
  ``served_by_anthropic`` is ``true`` (false when a base URL or socket points away from
  Anthropic).

What the refused paths report (measured): ``ANTHROPIC_AUTH_TOKEN`` gives ``tokenSource:
"ANTHROPIC_AUTH_TOKEN"``; an API key or ``apiKeyHelper`` adds ``apiKeySource`` and an
``auth_conflict``; Bedrock gives ``apiProvider: "bedrock"``; a base URL gives
``served_by_anthropic: false``. Errors name the field; a value is shown only when it is a
short identifier (these fields hold names, never secrets).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from claude_coder.errors import LoginNotProven

__all__ = [
    "SUBSCRIPTION_TOKEN_SOURCES",
    "check_account",
    "check_system_init",
]

SUBSCRIPTION_TOKEN_SOURCES: frozenset[str] = frozenset({"CLAUDE_CODE_OAUTH_TOKEN", "claude.ai"})
"""``account.tokenSource`` values of the subscription's OAuth login."""

_IDENT = re.compile(r"[A-Za-z0-9_./ -]{1,40}")


def _shown(value: object) -> str:
    if isinstance(value, str) and _IDENT.fullmatch(value):
        return repr(value)
    if value is None or isinstance(value, bool):
        return "missing" if value is None else str(value).lower()
    return f"a {type(value).__name__}"


def _refuse(field: str, value: object, want: str) -> LoginNotProven:
    return LoginNotProven(
        f"Claude Code reports {field} {_shown(value)}, not {want}: it is not on your "
        "subscription login from Anthropic, so the session was refused "
        "(run `claude-coder doctor`)",
        variable=field,
        source="Claude Code",
    )


def check_account(answer: Mapping[str, Any] | None) -> None:
    """Refuse unless the initialize answer's ``account`` shows the subscription login."""
    if not isinstance(answer, Mapping):
        raise _refuse("initialize answer", answer, "an answer")
    account = answer.get("account")
    if not isinstance(account, Mapping):
        raise _refuse("account", account, "an account block")
    provider = account.get("apiProvider")
    if provider != "firstParty":
        raise _refuse("account.apiProvider", provider, "'firstParty'")
    if account.get("apiKeySource") is not None:
        raise _refuse("account.apiKeySource", account.get("apiKeySource"), "absent")
    source = account.get("tokenSource")
    if source is None:
        subscription = account.get("subscriptionType")
        if not (isinstance(subscription, str) and subscription):
            raise LoginNotProven(
                "Claude Code reports no login: run `claude` and /login (or give the "
                "profile a CLAUDE_CODE_OAUTH_TOKEN secretRef from `claude setup-token`)",
                variable="account.tokenSource",
                source="Claude Code",
            )
    elif source not in SUBSCRIPTION_TOKEN_SOURCES:
        raise _refuse("account.tokenSource", source, "the subscription's OAuth token")
    if answer.get("auth_conflict") is not None:
        raise _refuse("auth_conflict", "present", "absent")


def check_system_init(data: Mapping[str, Any]) -> None:
    """Refuse unless ``system/init`` says no API key and served by Anthropic."""
    key_source = data.get("apiKeySource")
    if key_source != "none":
        raise _refuse("system/init.apiKeySource", key_source, "'none'")
    served = data.get("served_by_anthropic")
    if served is not True:
        raise _refuse("system/init.served_by_anthropic", served, "true")
