"""``usage``'s reader and scan: only real usage records count, whatever the text around
them, line endings or damage; the pool gives what one process gives; the cache follows
changes, forks included."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.transcripts import TranscriptBuilder, real_usage, write_corpus

from claude_coder.catalog import usage_decode, usage_read, usage_scan
from claude_coder.catalog.usage import default_usage_cache, load_usage
from claude_coder.catalog.usage_read import read_rows, rows_of
from claude_coder.catalog.usage_report import VIEWS, build_report

WHEN = datetime(2026, 11, 3, 10, tzinfo=UTC)


def _config() -> Path:
    return Path(os.environ["CLAUDE_CONFIG_DIR"])


def _inputs(data: bytes) -> list[int]:
    return [r.input for r in rows_of(data)]


def _builder() -> TranscriptBuilder:
    b = TranscriptBuilder(start=WHEN)
    b.user("hi")
    return b


# ---- what counts ------------------------------------------------------------------------


def test_usage_written_as_text_or_nested_in_a_tool_input_is_not_counted() -> None:
    b = _builder()
    forged = {"message": {"id": "msg_x", "usage": real_usage(9000, 9000)}, "timestamp": "x"}
    b.user(json.dumps(forged))  # a prompt quoting a record: the key is escaped, never found
    b.user(f'"usage":{json.dumps(real_usage(7000, 7000))}')  # the bare key, as text
    b.assistant(blocks=[{"type": "tool_use", "id": "t", "name": "X", "input": forged}])
    tool_result = {"type": "tool_result", "tool_use_id": "t", "content": "ok"}
    b.user([{**tool_result, "usage": real_usage(5000, 5000)}])  # a real key, in the wrong place
    b.add({"type": "assistant", "usage": real_usage(3000, 3000), "timestamp": b._ts()})
    b.assistant("real", usage=real_usage(12, 3))
    data = b.text().encode()
    assert data.count(usage_read._KEY) == 5  # found only where it is a key: then parsed, judged
    assert _inputs(data) == [10, 12]  # the tool_use line's own usage and the real one


def test_line_endings_damage_and_encodings_are_handled_like_json_loads() -> None:
    b = _builder()
    b.assistant("one", usage=real_usage(1, 1))
    b.assistant("bad \udcff", usage=real_usage(2, 1))  # becomes an invalid UTF-8 byte below
    b.assistant("three é", usage=real_usage(3, 1))
    b.assistant("last", usage=real_usage(4, 1))
    text = b.text().replace("\\udcff", "\udcff")
    data = text.encode("utf-8", "surrogateescape")
    assert b"\xff" in data
    assert _inputs(data) == [1, 3, 4]  # the line that is not UTF-8 is skipped, as before
    crlf = data.replace(b"\n", b"\r\n")
    assert _inputs(crlf) == [1, 3, 4]
    assert _inputs(data.rstrip(b"\n")) == [1, 3, 4]  # no newline after the last line
    assert _inputs(data.rstrip(b"\n")[:-40]) == [1, 3]  # a torn last line is skipped
    indented = data.replace(b'\n{"parentUuid"', b'\n  {"parentUuid"')
    assert _inputs(indented) == [1, 3, 4]  # leading blanks: json.loads accepts them


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=8,
    ),
    st.sampled_from([(",", ":"), (", ", ": ")]),
    st.sampled_from(["", " ", "\r", "\t\r", "x", "}"]),
    st.integers(min_value=0, max_value=12),
)
def test_the_fast_parse_agrees_with_json_loads(
    value: Any, separators: tuple[str, str], tail: str, cut: int
) -> None:
    line = (json.dumps({"k": value}, separators=separators) + tail).encode()
    for candidate in (line, line[: len(line) - cut]):
        try:
            expected: Any = json.loads(candidate)
        except ValueError:
            expected = ValueError
        try:
            got: Any = usage_decode.parse(candidate)
        except ValueError:
            got = ValueError
        assert repr(got) == repr(expected)


_JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
_FIELD = st.sampled_from(["x", "id", "model", "usage", "message", "timestamp", "costUSD"])
_USAGE_KEYS = st.sampled_from(
    ["input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation", "speed"]
)
_SHAPED = st.dictionaries(
    st.sampled_from(["message", "requestId", "timestamp", "entrypoint", "costUSD"]) | _FIELD,
    _JUNK
    | st.fixed_dictionaries(
        {"id": _JUNK, "usage": _JUNK | st.dictionaries(_USAGE_KEYS, _JUNK | st.integers())}
    ),
    max_size=5,
)


def _dumped(value: Any, separators: tuple[str, str], ascii_only: bool) -> str:
    return json.dumps(value, separators=separators, ensure_ascii=ascii_only)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(_FIELD | st.sampled_from(["message", "requestId"]), _SHAPED | _JUNK)),
    _SHAPED,
    st.sampled_from([(",", ":"), (", ", ": ")]),
    st.booleans(),
    st.sampled_from([b"", b" \r", b"x", b"\xff", b"\xef\xbb\xbf", b"\xed\xa0\x80"]),
    st.integers(min_value=0, max_value=12),
)
def test_the_struct_decode_agrees_with_json_loads(
    pairs: list[tuple[str, Any]],
    record: dict[str, Any],
    separators: tuple[str, str],
    ascii_only: bool,
    extra: bytes,
    cut: int,
) -> None:
    """Whatever a line holds (keys given twice, wrong types, NaN, huge numbers, bytes that
    are not UTF-8, a BOM, a torn end), the fast decode gives what ``json.loads`` and then
    the record's shape give: the same fields, or no record."""
    inner = _dumped(record, separators, ascii_only)[1:-1]
    repeated = [
        f"{json.dumps(k)}{separators[1]}{_dumped(v, separators, ascii_only)}" for k, v in pairs
    ]
    body = separators[0].join([*repeated, inner] if inner else repeated)
    line = ("{" + body + "}").encode("utf-8", "surrogatepass")
    at = len(line) // 2
    for candidate in (
        line + extra,
        extra + line,
        line[:at] + extra + line[at:],
        line[: -cut or None],
    ):
        try:
            expected: Any = usage_decode.shaped(json.loads(candidate))
        except (ValueError, RecursionError):
            expected = None
        assert repr(usage_decode.record(candidate)) == repr(expected)


def test_read_rows_reads_the_file_as_it_is(tmp_path: Path) -> None:
    b = _builder()
    b.assistant("x", usage=real_usage(5, 1))
    path = tmp_path / "t.jsonl"
    path.write_bytes(b.text().encode().replace(b"\n", b"\r\n"))
    rows, cwd = read_rows(str(path))
    assert [r.input for r in rows] == [5]
    assert cwd == b.cwd
    with pytest.raises(OSError):
        read_rows(str(tmp_path / "missing.jsonl"))


def test_a_reader_reused_for_many_files_sees_only_the_one_it_read(tmp_path: Path) -> None:
    b = _builder()
    for n in range(1, 400):  # larger than the reader's first buffer
        b.assistant("x" * 50, usage=real_usage(n, 1))
    whole = b.text().encode()
    first, torn, bare = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    first.write_bytes(whole)
    torn.write_bytes(whole[:-40])  # the buffer still holds the rest of that line after it
    bare.write_bytes(b"{}\n")
    reader = usage_read.Reader()
    rows, cwd = reader.read_rows(str(first))
    assert [r.input for r in rows] == list(range(1, 400)) and cwd == b.cwd
    rows, _ = reader.read_rows(str(torn))
    assert [r.input for r in rows] == list(range(1, 399))  # the torn line is not completed
    assert reader.read_rows(str(bare)) == ([], None)  # nor the first file's cwd kept


def test_a_reader_reads_a_file_that_grows_past_its_size(tmp_path: Path) -> None:
    b = _builder()
    for n in range(1, 800):
        b.assistant("y" * 80, usage=real_usage(n, 2))
    pipe = tmp_path / "growing.jsonl"
    os.mkfifo(pipe)  # its size says 0 however much is written to it
    writer = threading.Thread(target=pipe.write_bytes, args=(b.text().encode(),))
    writer.start()
    rows, cwd = usage_read.Reader().read_rows(str(pipe))
    writer.join()
    assert [r.input for r in rows] == list(range(1, 800)) and cwd == b.cwd


# ---- the pool ---------------------------------------------------------------------------


def _reports() -> str:
    data = load_usage(_config(), None, workers=2)
    views = {v: build_report(data, v, tz_name="Europe/Berlin", now_ms=0).to_json() for v in VIEWS}
    return json.dumps(views, sort_keys=True)


def _corpus() -> None:
    write_corpus(_config(), 40, turns=4, cwds=("/a", "/b", "/c"))
    b = _builder()
    b.assistant("shared", usage=real_usage(100, 10))
    path = b.write()
    fork = path.with_name("0f0f0f0f-0000-4000-8000-000000000000.jsonl")
    fork.write_text(path.read_text().replace(b.session_id, fork.stem))
    agent = TranscriptBuilder(session_id=b.session_id, start=WHEN + timedelta(minutes=5))
    agent.assistant("sub", sidechain=True, usage=real_usage(5, 5))
    b.write_subagent(agent)
    (path.parent / "unreadable.jsonl").mkdir()  # named like a transcript, not a file


def test_the_pool_gives_what_one_process_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    _corpus()
    monkeypatch.setattr(usage_scan, "POOL_BYTES", 10**12)
    monkeypatch.setattr(usage_scan, "SPAWN_POOL_BYTES", 10**12)
    alone = _reports()
    started: list[str] = []
    real = multiprocessing.get_context

    def spy(method: str | None = None) -> Any:
        started.append(str(method))
        return real(method)

    monkeypatch.setattr(multiprocessing, "get_context", spy)
    monkeypatch.setattr(usage_scan, "POOL_BYTES", 0)
    monkeypatch.setattr(usage_scan, "SPAWN_POOL_BYTES", 0)
    assert _reports() == alone
    assert len(started) == 1


def test_a_pool_that_cannot_start_falls_back_to_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _corpus()
    alone = _reports()

    def refuse(method: str | None = None) -> Any:
        raise OSError("no processes here")

    monkeypatch.setattr(multiprocessing, "get_context", refuse)
    monkeypatch.setattr(usage_scan, "POOL_BYTES", 0)
    monkeypatch.setattr(usage_scan, "SPAWN_POOL_BYTES", 0)
    assert _reports() == alone


_PARENT = os.getpid()
_REAL_BATCH = usage_scan._batch


def _dying_batch(paths: list[str]) -> list[Any]:
    if os.getpid() != _PARENT:
        os._exit(3)  # a worker killed mid-batch (out of memory, a signal)
    return _REAL_BATCH(paths)


def test_a_worker_that_dies_costs_the_pool_not_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    _corpus()
    alone = _reports()
    monkeypatch.setattr(usage_scan, "_start_method", lambda: "fork")
    monkeypatch.setattr(usage_scan, "_batch", _dying_batch)
    monkeypatch.setattr(usage_scan, "POOL_BYTES", 0)
    assert _reports() == alone


def test_batches_keep_the_order_and_split_by_size() -> None:
    paths = [f"p{i}" for i in range(10)]
    batches = usage_scan._batches(paths, [10] * 9 + [1], 4)
    assert [p for b in batches for p in b] == paths
    assert [len(b) for b in batches] == [3, 3, 3, 1]


# ---- the cache follows changes ----------------------------------------------------------


def _total(data: Any) -> dict[str, Any]:
    report: dict[str, Any] = build_report(data, "session", tz_name="UTC").to_json()
    return report


def test_the_cache_keeps_deduplication_and_follows_a_fork_that_changes() -> None:
    b = _builder()
    b.assistant("a", usage=real_usage(10, 1))
    path = b.write()
    fork = path.with_name("0f0f0f0f-0000-4000-8000-000000000000.jsonl")
    fork.write_text(path.read_text().replace(b.session_id, fork.stem))
    later = path.stat().st_mtime_ns + 10**9
    os.utime(fork, ns=(later, later))
    cache = default_usage_cache(_config() / "projects")
    cold = load_usage(_config(), cache)
    warm = load_usage(_config(), cache)
    assert (cold.read, warm.read, warm.cached) == (2, 0, 2)
    assert _total(warm) == _total(cold)
    assert (
        _total(warm)["totals"]["total"]["inputTokens"] == 10
    )  # the fork's copy is not counted again
    more = TranscriptBuilder(session_id=fork.stem, start=WHEN + timedelta(hours=1))
    more.assistant("b", usage=real_usage(7, 1))
    with fork.open("a") as fh:
        fh.write(more.text())
    os.utime(fork, ns=(later + 10**9, later + 10**9))
    changed = load_usage(_config(), cache)
    assert (changed.read, changed.cached) == (1, 1)
    assert _total(changed)["totals"]["total"]["inputTokens"] == 17
    assert _total(load_usage(_config(), cache)) == _total(changed)
    path.unlink()
    alone = load_usage(_config(), cache)
    assert (alone.read, alone.cached) == (0, 1)
    assert _total(alone)["totals"]["total"]["inputTokens"] == 17  # the fork now counts its history
    assert _total(load_usage(_config(), None)) == _total(alone)
