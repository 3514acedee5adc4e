"""The Redactor: no registered secret survives in text, objects, events or exceptions."""

from __future__ import annotations

import base64
import json
import re
import string
from urllib.parse import quote, quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from claude_coder.errors import ConfigError, SecretError
from claude_coder.events import (
    Boundary,
    Envelope,
    Question,
    QuestionAsked,
    TextDelta,
    ToolCall,
    TurnEnded,
    TurnResult,
    now,
)
from claude_coder.security import MASK, Redactor

ALPHABET = string.ascii_letters + string.digits + "-_.~/+=:@!$&'()#%?[]{} \"\\é€"
secrets_st = st.text(alphabet=ALPHABET, min_size=6, max_size=60)
context_st = st.text(max_size=40).filter(lambda s: "*" not in s)


def forms(secret: str) -> list[str]:
    raw = secret.encode("utf-8")
    out = [
        secret,
        quote(secret),
        quote(secret, safe=""),
        quote_plus(secret),
        quote_plus(secret, safe=""),
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(secret, safe="")),
        json.dumps(secret)[1:-1],
        base64.b64encode(raw).decode(),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    ]
    return out


def revealed(text: str, secret: str) -> bool:
    """Does ``text`` still show ``secret``, directly or in a base64 run, at any alignment?"""
    raw = secret.encode("utf-8")
    if secret in text:
        return True
    for piece in text.split(MASK):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            for shift in range(4):
                chunk = piece[shift:]
                chunk = chunk[: len(chunk) - len(chunk) % 4]
                try:
                    if raw in decode(chunk):
                        return True
                except ValueError:
                    continue
    return False


@settings(max_examples=300, deadline=None)
@given(secret=secrets_st, before=context_st, after=context_st, which=st.integers(0, 10))
def test_no_form_of_a_secret_survives(secret: str, before: str, after: str, which: int) -> None:
    redactor = Redactor()
    redactor.add(secret)
    form = forms(secret)[which]
    out = redactor.text(before + form + after)
    assert form not in out
    assert secret not in out
    assert MASK in out


@settings(max_examples=300, deadline=None)
@given(secret=secrets_st, before=st.binary(max_size=20), after=st.binary(max_size=20))
def test_secret_inside_a_longer_base64_blob(secret: str, before: bytes, after: bytes) -> None:
    redactor = Redactor([secret])
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        blob = encode(before + secret.encode("utf-8") + after).decode()
        assert not revealed(redactor.text(blob), secret)


@settings(max_examples=100, deadline=None)
@given(secrets=st.lists(secrets_st, min_size=1, max_size=4), glue=context_st)
def test_several_secrets_at_once(secrets: list[str], glue: str) -> None:
    redactor = Redactor(secrets)
    out = redactor.text(glue.join(secrets))
    assert all(secret not in out for secret in secrets)


@settings(max_examples=100, deadline=None)
@given(secret=secrets_st)
def test_events_and_their_json(secret: str) -> None:
    redactor = Redactor([secret])
    result = TurnResult(
        boundary=Boundary.ERROR,
        text=f"final {secret}",
        tool_calls=(ToolCall("t1", "Bash", {"command": f"echo {secret}", secret: 1}),),
        error=f"boom {secret}",
    )
    for event in (
        TextDelta(f"a{secret}b"),
        TurnEnded(result),
        QuestionAsked("r1", (Question(question=f"use {secret}?", header="h"),)),
    ):
        clean = redactor.event(event)
        assert type(clean) is type(event)
        dumped = json.dumps(clean.to_json(), ensure_ascii=False)
        assert not revealed(dumped, secret)
        assert not revealed(json.dumps(clean.to_json()), secret)
    envelope = Envelope("s", "id", 1, now(), TextDelta(secret))
    assert secret not in json.dumps(redactor.obj(envelope).to_json(), ensure_ascii=False)


def test_exceptions_are_redacted_in_place() -> None:
    redactor = Redactor(["tok-SECRET-1"])
    exc = ConfigError("bad value tok-SECRET-1 here")
    assert redactor.exception(exc) is exc
    assert "tok-SECRET-1" not in str(exc)
    assert "tok-SECRET-1" not in exc.message
    assert "tok-SECRET-1" not in repr(exc.args)
    assert redactor.message(ValueError("x tok-SECRET-1")) == f"x {MASK}"


def test_objects_keep_their_shape() -> None:
    redactor = Redactor(["hunter22"])
    data = {"k": ["hunter22", ("a", "hunter22")], "hunter22": {"n": 1}, "b": b"xhunter22"}
    assert redactor.obj(data) == {"k": [MASK, ("a", MASK)], MASK: {"n": 1}, "b": b"x***"}


def test_repr_and_empty_values() -> None:
    redactor = Redactor()
    redactor.add("")
    assert redactor.count == 0
    assert redactor.text("anything") == "anything"
    redactor.add("very-secret-value")
    redactor.add("very-secret-value")
    assert redactor.count == 1
    assert "very-secret" not in repr(redactor)


def test_secret_error_never_carries_a_value() -> None:
    exc = SecretError("env:X", "the variable X is not set")
    assert exc.ref == "env:X"


def test_enum_fields_stay_enums_through_the_redactor() -> None:
    from claude_coder.events import Boundary, SessionState, StateChanged, TurnEnded, TurnResult
    from claude_coder.security import Redactor

    r = Redactor()
    r.add("hunter2-secret")
    changed = r.event(StateChanged(SessionState.IDLE, SessionState.BUSY))
    assert isinstance(changed, StateChanged)
    assert changed.new is SessionState.BUSY
    ended = r.event(TurnEnded(TurnResult(Boundary.COMPLETED, text="x hunter2-secret")))
    assert isinstance(ended, TurnEnded)
    assert ended.result.boundary is Boundary.COMPLETED
    assert ended.result.text == "x ***"
