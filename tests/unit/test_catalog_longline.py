"""A record too long to parse whole comes out as small, valid JSON that says what it cut."""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from claude_coder.catalog import longline
from claude_coder.catalog.longline import LongLine, read_record

_PIECES = ["a", '"', "\\", "\n", "é", "\u2028", "\t", "日", "\x01", "x" * 40]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)


def _record(content: str) -> dict[str, object]:
    block = {"type": "tool_result", "tool_use_id": "toolu_1", "content": content}
    return {"uuid": "u-1", "type": "user", "message": {"content": [block]}}


@settings(max_examples=300, deadline=None)
@given(content=_TEXT, keep=st.integers(16, 120), step=st.integers(1, 9), ascii_only=st.booleans())
def test_any_split_gives_valid_json_with_the_short_fields_whole(
    content: str, keep: int, step: int, ascii_only: bool
) -> None:
    line = json.dumps(_record(content), ensure_ascii=ascii_only).encode() + b"\n"
    reducer = LongLine(keep=keep)
    for i in range(0, len(line), step):
        reducer.feed(line[i : i + step])
    assert reducer.done
    out = json.loads(bytes(reducer.out).decode("utf-8", "replace"))
    assert out["uuid"] == "u-1" and out["message"]["content"][0]["tool_use_id"] == "toolu_1"
    shown = out["message"]["content"][0]["content"]
    if reducer.cut:
        assert shown.endswith(f"… [{reducer.cut} bytes not shown]")
    else:
        assert shown == content


def test_read_record_cuts_only_lines_past_the_limit() -> None:
    small = json.dumps(_record("short")).encode() + b"\n"
    huge = json.dumps(_record("z" * (longline.LINE_LIMIT + 10))).encode() + b"\n"
    fh = io.BytesIO(small + huge + small)
    first, second, third = read_record(fh), read_record(fh), read_record(fh)
    assert first == (small, len(small), 0) and third == (small, len(small), 0)
    data, size, cut = second
    assert size == len(huge) and cut == longline.LINE_LIMIT + 10 - longline.STRING_KEEP
    assert len(data) < longline.STRING_KEEP + 1000
    assert read_record(fh) == (b"", 0, 0)
