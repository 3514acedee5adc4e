"""Transcript builders for the catalog's tests, and a property test holding the reader to
the official SDK's listing on generated transcripts.

The builders write records shaped like Claude Code 2.1.x's (compact JSON, one per line).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_coder.catalog import Catalog

STAMP = "2026-11-25T10:00:00.000Z"


def line(obj: dict[str, Any], *, spaced: bool = False) -> str:
    """One record: compact like Claude Code, or ``spaced`` like Python's default dumps."""
    if spaced:
        return json.dumps(obj) + "\n"
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n"


class Tx:
    """A transcript under construction: ``Tx(sid, cwd).user("hi").assistant("hello")...``."""

    def __init__(
        self,
        sid: str | None = None,
        cwd: str = "/work/proj",
        branch: str = "main",
        *,
        spaced: bool = False,
    ) -> None:
        self.sid = sid or str(uuid.uuid4())
        self.spaced = spaced
        self.cwd = cwd
        self.branch = branch
        self.lines: list[str] = []
        self.last: str | None = None

    def raw(self, text: str) -> Tx:
        self.lines.append(text)
        return self

    def record(self, **fields: Any) -> Tx:
        return self.raw(line({**fields, "sessionId": self.sid}, spaced=self.spaced))

    def entry(
        self, kind: str, message: dict[str, Any], parent: str | None = "", **extra: Any
    ) -> Tx:
        uid = extra.pop("uuid", None) or str(uuid.uuid4())
        obj = {
            "parentUuid": self.last if parent == "" else parent,
            "isSidechain": extra.pop("isSidechain", False),
            "type": kind,
            "message": message,
            "uuid": uid,
            "timestamp": extra.pop("timestamp", STAMP),
            "cwd": self.cwd,
            "sessionId": self.sid,
            "version": "2.1.331",
            "gitBranch": self.branch,
            **extra,
        }
        self.last = uid
        return self.raw(line(obj, spaced=self.spaced))

    def user(self, content: Any, **extra: Any) -> Tx:
        return self.entry("user", {"role": "user", "content": content}, **extra)

    def assistant(self, *blocks: dict[str, Any] | str, mid: str | None = None, **extra: Any) -> Tx:
        content = [{"type": "text", "text": b} if isinstance(b, str) else b for b in blocks]
        message = {
            "id": mid or f"msg_{uuid.uuid4().hex[:12]}",
            "role": "assistant",
            "content": content,
        }
        return self.entry("assistant", message, **extra)

    def title(self, name: str) -> Tx:
        return self.record(type="custom-title", customTitle=name)

    def ai_title(self, text: str) -> Tx:
        return self.record(type="ai-title", aiTitle=text)

    def last_prompt(self, text: str) -> Tx:
        return self.record(type="last-prompt", lastPrompt=text, leafUuid=self.last)

    def text(self) -> str:
        return "".join(self.lines)

    def write(self, config: Path, project: str | None = None) -> Path:
        from claude_agent_sdk._internal.sessions import _sanitize_path  # the official rule

        folder = config / "projects" / (project or _sanitize_path(self.cwd))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.sid}.jsonl"
        path.write_text(self.text(), encoding="utf-8")
        return path


def config_dir() -> Path:
    return Path(os.environ["CLAUDE_CONFIG_DIR"])


def sdk_view(config: Path) -> dict[str, tuple[str | None, str]]:
    from claude_agent_sdk import list_sessions

    before = os.environ["CLAUDE_CONFIG_DIR"]
    os.environ["CLAUDE_CONFIG_DIR"] = str(config)
    try:
        return {s.session_id: (s.custom_title, s.summary) for s in list_sessions()}
    finally:
        os.environ["CLAUDE_CONFIG_DIR"] = before


def our_view(config: Path) -> dict[str, tuple[str | None, str]]:
    result = Catalog(config, cache=False).list(all=True)
    return {s.session_id: (s.title, s.summary) for s in result.sessions}


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=0,
    max_size=260,
)
_prompt = st.one_of(
    _text,
    st.sampled_from(
        [
            "<command-name>/clear</command-name>",
            "[Request interrupted by user]",
            "<local-command-stdout>ok</local-command-stdout>",
            "  <ide_selection>x</ide_selection> ",
            "line one\nline two",
            "x" * 300,
        ]
    ),
)
_step = st.one_of(
    st.tuples(st.just("user"), _prompt),
    st.tuples(st.just("meta"), _prompt),
    st.tuples(st.just("tool_result"), _text),
    st.tuples(st.just("assistant"), _text),
    st.tuples(st.just("title"), _text),
    st.tuples(st.just("ai"), _text),
    st.tuples(st.just("last"), _text),
    st.tuples(st.just("summary"), _text),
    st.tuples(st.just("big"), st.integers(min_value=20_000, max_value=90_000)),
    st.tuples(st.just("garbage"), st.sampled_from(["{not json", '{"type":"user"', "\xff\xfe", ""])),
)


def _build(steps: list[tuple[str, Any]], spaced: bool) -> Tx:
    tx = Tx(spaced=spaced)
    for kind, value in steps:
        if kind == "user":
            tx.user(value)
        elif kind == "meta":
            tx.user(value, isMeta=True)
        elif kind == "tool_result":
            tx.user([{"type": "tool_result", "tool_use_id": "t1", "content": value}])
        elif kind == "assistant":
            tx.assistant(value)
        elif kind == "title":
            tx.title(value)
        elif kind == "ai":
            tx.ai_title(value)
        elif kind == "last":
            tx.last_prompt(value)
        elif kind == "big":
            tx.assistant("y" * int(value))
        elif kind == "summary":
            tx.record(type="summary", summary=value, leafUuid=tx.last)
        else:
            tx.raw(value + "\n")
    return tx


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.lists(_step, max_size=12), st.booleans()), min_size=1, max_size=4))
def test_reader_agrees_with_the_official_listing(
    transcripts: list[tuple[list[tuple[str, Any]], bool]],
) -> None:
    config = config_dir() / f"prop-{uuid.uuid4().hex[:8]}"
    for steps, spaced in transcripts:
        _build(steps, spaced).write(config)
    assert our_view(config) == sdk_view(config)


def test_builder_writes_what_the_sdk_lists(tmp_path: Path) -> None:
    tx = Tx().user("hello").assistant("hi").title("alpha")
    tx.write(tmp_path)
    assert sdk_view(tmp_path) == {tx.sid: ("alpha", "alpha")}
