"""The ssh child that reaches a remote member's host gets an allowlisted environment.

Debian's ``ssh_config`` sends ``LANG LC_*`` to the host (``SendEnv``) and a user's own
config may send more: whatever the ssh child inherits could cross to the host. A hostile
environment here holds every credential Claude Code or a cloud SDK reads, and a locale
variable carrying a key: none of it survives :func:`ssh_env`.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claude_coder.security import DENYLIST, OAUTH_TOKEN_VAR, SSH_KEPT, ssh_env
from tests.security.conftest import SECRET

HOSTILE: dict[str, str] = {
    **dict.fromkeys(DENYLIST, SECRET),
    OAUTH_TOKEN_VAR: SECRET,
    "ANTHROPIC_API_KEY": SECRET,
    "CLAUDE_CONFIG_DIR": "/home/me/.claude-work",
    "CLAUDE_CODER_ROSTER": "/tmp/fleet.json",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": SECRET,
    "AWS_SESSION_TOKEN": SECRET,
    "GITHUB_TOKEN": SECRET,
    "GH_TOKEN": SECRET,
    "OPENAI_API_KEY": SECRET,
    "GOOGLE_APPLICATION_CREDENTIALS": "/home/me/gcp.json",
    "DISPLAY": ":0",
    "SSH_ASKPASS": "/usr/bin/evil-askpass",
    "LD_PRELOAD": "/tmp/evil.so",
    "LC_SECRET": SECRET,
    "LC_ALL": f"en_US.UTF-8 {SECRET}",
    "LC_TOKEN": "sk-ant-oat01-abcdef",
}
PLAIN: dict[str, str] = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/home/me",
    "USER": "me",
    "LOGNAME": "me",
    "SSH_AUTH_SOCK": "/tmp/ssh-XXXX/agent.1",
    "SSH_AGENT_PID": "1234",
    "KRB5CCNAME": "FILE:/tmp/krb5cc_1000",
    "TZ": "Europe/Paris",
    "XDG_RUNTIME_DIR": "/run/user/1000",
    "LANG": "en_US.UTF-8",
    "LC_CTYPE": "C.UTF-8",
    "LC_TIME": "de_DE@euro",
    "LC_COLLATE": "C",
    "LC_MESSAGES": "POSIX",
}


def test_keeps_what_ssh_needs_and_drops_every_credential() -> None:
    env = ssh_env({**HOSTILE, **PLAIN})
    assert env == PLAIN
    assert SECRET not in "".join(env.values())


def test_drops_everything_outside_the_allowlist() -> None:
    env = ssh_env(HOSTILE)
    assert env == {}


@pytest.mark.parametrize(
    "value",
    [SECRET, "sk-ant-oat01-abc", "en_US.UTF-8;x", "en_US.UTF-8 x", "", "../../etc", "C\n"],
)
def test_a_locale_variable_that_is_not_a_locale_name_is_dropped(value: str) -> None:
    assert ssh_env({"LANG": value, "LC_ALL": value}) == {}


@given(st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=40), max_size=12))
def test_only_allowlisted_names_ever_pass(environ: dict[str, str]) -> None:
    env = ssh_env(environ)
    for name in env:
        assert name in SSH_KEPT or name == "LANG" or name.startswith("LC_")
        assert env[name] == environ[name]
