"""The remote wire's shapes: lines, hellos, errors and specs survive the trip."""

from __future__ import annotations

import json

import pytest

from claude_coder import errors
from claude_coder.errors import HostError, LoginNotProven, TransportError
from claude_coder.events import (
    PermissionDecision,
    PermissionRequest,
    Question,
    QuestionOption,
    QuestionRequest,
)
from claude_coder.transports.remote import _protocol as wire


def test_a_line_is_one_compact_json_object_ending_in_a_newline() -> None:
    line = wire.encode({"op": "send", "rid": 3, "text": "héllo\nworld"})
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert wire.decode(line) == {"op": "send", "rid": 3, "text": "héllo\nworld"}


@pytest.mark.parametrize("line", [b"[1]", b'{"x": 1}', b"not json", b"\xff\xfe", b'{"op": 3}'])
def test_a_line_that_is_not_a_message_is_refused(line: bytes) -> None:
    with pytest.raises(ValueError):
        wire.decode(line)


def test_an_oversized_line_is_refused_before_it_is_parsed() -> None:
    with pytest.raises(ValueError, match="over the limit"):
        wire.decode(b" " * (wire.LINE_LIMIT + 1))


def test_a_hello_of_another_version_names_the_host_and_the_fix() -> None:
    theirs = wire.hello("host") | {"version": wire.PROTOCOL_VERSION + 1, "claude_coder": "9.9"}
    with pytest.raises(HostError, match=r"host 'devbox' runs claude-coder 9\.9 .*same version"):
        wire.check_hello(theirs, "devbox")
    wire.check_hello(wire.hello("host"), "devbox")


def test_something_that_is_not_a_hello_is_refused() -> None:
    with pytest.raises(HostError, match="remoteCommand"):
        wire.check_hello({"op": "event"}, "devbox")


def test_an_error_comes_back_as_its_class_with_the_host_named() -> None:
    sent = json.loads(json.dumps(wire.error_to_wire(LoginNotProven("no login"))))
    back = wire.error_from_wire(sent, "devbox")
    assert isinstance(back, LoginNotProven)
    assert str(back) == "on host 'devbox': no login" and back.exit_code == 2


def _round_trip(exc: BaseException) -> errors.ClaudeCoderError:
    return wire.error_from_wire(json.loads(json.dumps(wire.error_to_wire(exc))), "devbox")


def test_an_error_whose_constructor_needs_more_than_a_message_keeps_its_class() -> None:
    ambiguous = errors.AmbiguousSessionError("ab", [("ab1", "/w", "today"), ("ab2", "/v", "x")])
    back = _round_trip(ambiguous)
    assert isinstance(back, errors.AmbiguousSessionError) and back.exit_code == 2
    assert str(back) == f"on host 'devbox': {ambiguous}"  # every candidate line, once
    assert back.query == "ab" and [tuple(c) for c in back.candidates] == ambiguous.candidates
    for exc in (
        errors.MemberExistsError("agent1"),
        errors.SecretError("env:X", "not set", profile="p"),
        errors.ScreenError("no prompt", screen="> _"),
        errors.NameTakenError("n", "id-1"),
    ):
        again = _round_trip(exc)
        assert type(again) is type(exc) and again.exit_code == exc.exit_code
        assert str(again) == f"on host 'devbox': {exc}"  # not rebuilt, so not rewritten


def test_a_hosts_error_fields_are_taken_only_when_named_and_plain() -> None:
    forged = {
        "type": "AmbiguousSessionError",
        "message": "m",
        "fields": {"query": {"x": 1}, "candidates": "c", "__class__": "HostError", "z": 1},
    }
    back = wire.error_from_wire(forged, "h")
    assert type(back) is errors.AmbiguousSessionError and str(back) == "on host 'h': m"
    assert back.query is None and back.candidates == "c"
    assert not hasattr(back, "z")
    assert type(wire.error_from_wire({**forged, "fields": [1]}, "h")).__name__ == (
        "AmbiguousSessionError"
    )
    for not_a_mapping in ([1], "boom", 7, None):
        assert str(wire.error_from_wire(not_a_mapping, "h")) == "on host 'h': an unknown error"


def test_an_unknown_error_type_comes_back_as_a_host_error() -> None:
    back = wire.error_from_wire({"type": "KeyError", "message": "x"}, "h")
    assert isinstance(back, HostError) and isinstance(back, TransportError)
    assert back.host == "h"


def test_an_open_spec_round_trips_and_hides_its_secrets() -> None:
    spec = wire.OpenSpec(
        profile={"name": "p"}, transport="pty", name="m", cwd="/w", secrets={"K": "s3cret"}
    )
    assert "s3cret" not in repr(spec)
    back = wire.OpenSpec.from_wire(json.loads(json.dumps(spec.to_wire())))
    assert back == spec


@pytest.mark.parametrize(
    "bad",
    [{}, {"profile": 1}, {"profile": {}, "secrets": {"K": 1}}, {"profile": {}, "grace_s": -1}],
)
def test_a_malformed_open_spec_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        wire.OpenSpec.from_wire(bad)


def test_requests_and_decisions_round_trip() -> None:
    req = PermissionRequest("r1", "Bash", {"command": "ls"}, "tu1")
    assert wire.permission_from_wire(json.loads(json.dumps(wire.permission_to_wire(req)))) == req
    dec = PermissionDecision(allow=False, by="policy", message="no", always=False)
    assert wire.decision_from_wire(json.loads(json.dumps(wire.decision_to_wire(dec)))) == dec
    q = QuestionRequest("q1", (Question("Which?", "H", (QuestionOption("a", "A"),), True),))
    assert wire.question_from_wire(json.loads(json.dumps(wire.question_to_wire(q)))) == q
