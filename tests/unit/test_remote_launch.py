"""What a remote member's launch does here: the local checks, the spec that is sent, and
which secrets are resolved here (only the ``sendSecrets``)."""

from __future__ import annotations

import pytest

from claude_coder.errors import ConfigError, CredentialRefused
from claude_coder.profiles import Profile
from claude_coder.session._launch import launch_transport
from claude_coder.transports.remote import RemotePtyTransport, RemoteTransport

SENT = "sk-sent-to-the-host-0123456789"


def _launch(profile: Profile, **kwargs: object) -> RemoteTransport:
    args: dict[str, object] = {"name": "m", "cwd": None, "resume": None, "fork": False}
    merged = {**args, **kwargs}
    transport, _, cwd = launch_transport(profile, persist=True, **merged)  # type: ignore[arg-type]
    assert isinstance(transport, RemoteTransport)
    assert cwd == (merged["cwd"] or "")  # as given: the host says which directory it chose
    return transport


def test_only_the_chosen_secrets_are_resolved_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_TOKEN", SENT)
    monkeypatch.delenv("HOST_ONLY", raising=False)  # resolved on the host, never here
    profile = Profile.model_validate(
        {
            "name": "far",
            "host": "devbox",
            "claudePath": "/opt/local/claude",
            "remoteCommand": "~/.local/bin/claude-coder",
            "env": {
                "TOKEN": {"secretRef": "env:LOCAL_TOKEN"},
                "OTHER": {"secretRef": "env:HOST_ONLY"},
                "PLAIN": "literal",
            },
            "sendSecrets": ["TOKEN"],
        }
    )
    transport = _launch(profile)
    spec = transport.spec
    assert dict(spec.secrets) == {"TOKEN": SENT}
    assert set(spec.profile) >= {"name", "env"}
    assert not {"claudePath", "host", "remoteCommand", "sendSecrets"} & set(spec.profile)
    assert spec.profile["env"]["OTHER"] == {"secretRef": "env:HOST_ONLY"}
    assert spec.profile["env"]["PLAIN"] == "literal"
    assert SENT not in repr(spec) and SENT not in repr(transport)
    assert transport.remote_command == "~/.local/bin/claude-coder"
    assert transport._redactor.text(f"x {SENT} y") == "x *** y"


def test_the_profile_env_check_runs_here_before_any_ssh() -> None:
    profile = Profile.model_validate(
        {"name": "far", "host": "devbox", "env": {"ANTHROPIC_API_KEY": "sk-ant-x"}}
    )
    with pytest.raises(CredentialRefused):
        _launch(profile)


def test_the_cwd_is_never_resolved_here() -> None:
    transport = _launch(Profile(name="far", host="devbox"), cwd="no/such/dir/here")
    assert transport.spec.cwd == "no/such/dir/here"


def test_a_pty_member_asks_for_its_screen_bytes() -> None:
    transport = _launch(Profile(name="far", host="devbox", transport="pty"))
    assert isinstance(transport, RemotePtyTransport) and transport.name == "pty"
    assert transport.spec.raw and transport.spec.transport == "pty"


def test_the_grace_is_the_profiles_and_stays_out_of_the_sent_profile() -> None:
    assert _launch(Profile(name="far", host="devbox")).spec.grace_s == 30.0
    sleepy = _launch(Profile.model_validate({"name": "far", "host": "d", "hostGraceSeconds": 600}))
    assert sleepy.spec.grace_s == 600.0
    assert "hostGraceSeconds" not in sleepy.spec.profile
    assert sleepy.spec.to_wire()["grace_s"] == 600.0


def test_explicit_host_overrides_and_is_checked() -> None:
    assert _launch(Profile(name="far", host="devbox"), host="other").host == "other"
    with pytest.raises(ConfigError, match="must not start with '-'"):
        _launch(Profile(name="far"), host="-F/etc/evil")


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (
            {"host": "-oProxyCommand=touch /tmp/x"},
            "$[0].host: Value error, must not start with '-'",
        ),
        ({"host": "dev box"}, "$[0].host: Value error, must not contain whitespace"),
        ({"host": "x" * 256}, "$[0].host: Value error, must be an ssh destination of 1-255"),
        ({"remoteCommand": "cc; rm -rf ~"}, "$[0].remoteCommand: Value error, must be the path"),
        ({"sendSecrets": ["T"]}, "$[0].sendSecrets: names 'T', which is not a secretRef entry"),
        ({"sendSecrets": ["T"], "env": {"T": "lit"}}, "$[0].sendSecrets: names 'T'"),
        ({"sendSecrets": ["not a name"]}, "$[0].sendSecrets: Value error, 'not a name' is not"),
        ({"hostGraceSeconds": 0}, "$[0].hostGraceSeconds: Input should be greater than 0"),
        ({"hostGraceSeconds": 86401}, "$[0].hostGraceSeconds: Input should be less than or"),
        ({"hostGraceSeconds": "long"}, "$[0].hostGraceSeconds: must be a number"),
    ],
)
def test_remote_profile_keys_are_validated(entry: dict[str, object], problem: str) -> None:
    from claude_coder.errors import ProfilesInvalidError
    from claude_coder.profiles import profiles_from_data

    with pytest.raises(ProfilesInvalidError) as caught:
        profiles_from_data([{"name": "far", **entry}])
    assert problem in str(caught.value)


def test_sent_secrets_are_inherited_like_any_key() -> None:
    from claude_coder.profiles import profiles_from_data

    pset = profiles_from_data(
        [
            {"name": "base", "host": "devbox", "env": {"T": {"secretRef": "env:X"}}},
            {"name": "child", "extends": "base", "sendSecrets": ["T"]},
        ]
    )
    child = pset.get("child")
    assert (child.host, child.send_secrets) == ("devbox", ("T",))
    assert pset.get("base").send_secrets == ()
