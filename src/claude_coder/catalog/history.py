"""A transcript turned into the event vocabulary, streamed in bounded memory.

Two passes over the file. The first keeps a small skeleton of each conversation entry
(its uuid, parent, kind, flags and byte offset, not its content) and finds the main
chain: the newest main-line leaf, walked back by ``parentUuid``. Parallel tool calls
fan the transcript out (one assistant entry per call, each result parented to its own
call), so entries of a response on the chain and the tool results answering its
calls are put back. The second pass seeks to each kept entry in file order and turns
it into ``user_text``, ``assistant_text``, ``tool_call`` and ``tool_result`` events
stamped with the entry's own timestamp. Sidechain (subagent), team and meta entries
are left out; corrupt lines are skipped. Memory grows with the number of entries, never
with the file's size nor with one huge line: a record longer than 4 MiB is streamed
through :mod:`claude_coder.catalog.longline`, each of its texts kept to 64 KiB, and a
note saying so follows its events.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from claude_coder.catalog.longline import STRING_KEEP, read_record
from claude_coder.events import (
    AssistantText,
    Envelope,
    Event,
    ToolCall,
    ToolResult,
    UserText,
)

__all__ = ["entry_events", "read_history"]

_CHAIN_TYPES = frozenset({"user", "assistant", "progress", "system", "attachment"})
_SIDE, _META, _TEAM = 1, 2, 4


@dataclass
class _Skeleton:
    """Per-entry facts kept from the first pass (parallel lists, indexed by file order)."""

    index: dict[str, int] = field(default_factory=dict)
    uuids: list[str] = field(default_factory=list)
    parents: list[str | None] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    flags: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    message_ids: dict[int, str] = field(default_factory=dict)
    calls: dict[int, tuple[str, ...]] = field(default_factory=dict)
    answers: dict[int, tuple[str, ...]] = field(default_factory=dict)


def _blocks(entry: dict[str, Any]) -> list[dict[str, Any]]:
    message = entry.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, list):
        return []
    return [b for b in content if isinstance(b, dict)]


def _block_ids(entry: dict[str, Any], kind: str, key: str) -> tuple[str, ...]:
    return tuple(
        b[key] for b in _blocks(entry) if b.get("type") == kind and isinstance(b.get(key), str)
    )


def _parse(line: bytes) -> dict[str, Any] | None:
    if not line.strip():
        return None
    try:
        entry = json.loads(line.decode("utf-8", "replace"))
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def _add(sk: _Skeleton, entry: dict[str, Any], offset: int) -> None:
    uuid = entry.get("uuid")
    kind = entry.get("type")
    if not isinstance(uuid, str) or kind not in _CHAIN_TYPES:
        return
    i = len(sk.uuids)
    sk.index[uuid] = i
    sk.uuids.append(uuid)
    parent = entry.get("parentUuid")
    sk.parents.append(parent if isinstance(parent, str) and parent else None)
    sk.kinds.append(str(kind))
    flags = (
        (_SIDE if entry.get("isSidechain") else 0)
        | (_META if entry.get("isMeta") else 0)
        | (_TEAM if entry.get("teamName") else 0)
    )
    sk.flags.append(flags)
    sk.offsets.append(offset)
    if kind == "assistant":
        message = entry.get("message")
        mid = message.get("id") if isinstance(message, dict) else None
        if isinstance(mid, str) and mid:
            sk.message_ids[i] = mid
        calls = _block_ids(entry, "tool_use", "id")
        if calls:
            sk.calls[i] = calls
    elif kind == "user":
        answers = _block_ids(entry, "tool_result", "tool_use_id")
        if answers:
            sk.answers[i] = answers


def _skeleton(path: Path) -> _Skeleton:
    sk = _Skeleton()
    offset = 0
    with open(path, "rb") as fh:
        while True:
            line, size, _ = read_record(fh)
            if not size:
                break
            entry = _parse(line)
            if entry is not None:
                _add(sk, entry, offset)
            offset += size
    return sk


def _leaf(sk: _Skeleton) -> int | None:
    """The newest user/assistant entry ending a main-line branch."""
    has_child = {sk.index[p] for p in sk.parents if p is not None and p in sk.index}
    best: int | None = None
    best_main: int | None = None
    for t in range(len(sk.uuids)):
        if t in has_child:
            continue
        cur: int | None = t
        seen: set[int] = set()
        while cur is not None and cur not in seen and sk.kinds[cur] not in ("user", "assistant"):
            seen.add(cur)
            parent = sk.parents[cur]
            cur = sk.index.get(parent) if parent is not None else None
        if cur is None or cur in seen:
            continue
        best = cur if best is None else max(best, cur)
        if not sk.flags[cur]:
            best_main = cur if best_main is None else max(best_main, cur)
    return best_main if best_main is not None else best


def _chain(sk: _Skeleton, leaf: int) -> set[int]:
    chain: set[int] = set()
    cur: int | None = leaf
    while cur is not None and cur not in chain:
        chain.add(cur)
        parent = sk.parents[cur]
        cur = sk.index.get(parent) if parent is not None else None
    return chain


def _with_parallel_calls(sk: _Skeleton, chain: set[int]) -> set[int]:
    """The chain plus the sibling calls and results of each response on it."""
    responses = {sk.message_ids[i] for i in chain if i in sk.message_ids}
    keep = set(chain)
    keep.update(
        i for i, mid in sk.message_ids.items() if mid in responses and not sk.flags[i] & _SIDE
    )
    open_calls = {c for i in keep if i in sk.calls for c in sk.calls[i]}
    open_calls -= {a for i in keep if i in sk.answers for a in sk.answers[i]}
    for i, answered in sk.answers.items():
        if i in keep or sk.flags[i] & _SIDE or not open_calls.intersection(answered):
            continue
        keep.add(i)
        open_calls.difference_update(answered)
    return keep


def _output(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            str(b.get("text", "")) if b.get("type") == "text" else f"[{b.get('type')}]"
            for b in content
            if isinstance(b, dict)
        ]
        return "\n".join(parts)
    return "" if content is None else json.dumps(content, ensure_ascii=False)


def entry_events(entry: dict[str, Any]) -> list[Event]:
    """The events one visible user or assistant entry stands for."""
    message = entry.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    user = entry.get("type") == "user"
    if isinstance(content, str):
        return [UserText(content) if user else AssistantText(content)] if content else []
    events: list[Event] = []
    for b in _blocks(entry):
        kind = b.get("type")
        if kind == "text" and isinstance(b.get("text"), str) and b["text"]:
            events.append(UserText(b["text"]) if user else AssistantText(b["text"]))
        elif kind == "tool_use" and not user:
            raw_input = b.get("input")
            args = raw_input if isinstance(raw_input, dict) else {}
            events.append(ToolCall(str(b.get("id", "")), str(b.get("name", "")), args))
        elif kind == "tool_result" and user:
            events.append(
                ToolResult(
                    str(b.get("tool_use_id", "")),
                    _output(b.get("content")),
                    bool(b.get("is_error", False)),
                )
            )
    return events


def _stamp(entry: dict[str, Any], fallback: datetime) -> datetime:
    raw = entry.get("timestamp")
    if isinstance(raw, str):
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            return fallback
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return fallback


def read_history(
    path: str | Path, *, session_id: str | None = None, name: str | None = None
) -> Iterator[Envelope]:
    """Stream the main conversation of the transcript at ``path`` as envelopes.

    Raises ``OSError`` if the file cannot be opened; bad lines are skipped.
    """
    path = Path(path)
    sk = _skeleton(path)
    leaf = _leaf(sk)
    if leaf is None:
        return
    keep = _with_parallel_calls(sk, _chain(sk, leaf))
    visible = sorted(i for i in keep if sk.kinds[i] in ("user", "assistant") and not sk.flags[i])
    last = datetime.fromtimestamp(0, UTC)
    seq = 0
    with open(path, "rb") as fh:
        for i in visible:
            fh.seek(sk.offsets[i])
            line, _, cut = read_record(fh)
            entry = _parse(line)
            if entry is None or entry.get("uuid") != sk.uuids[i]:
                continue  # the file changed under us: skip what no longer matches
            last = _stamp(entry, last)
            sid = session_id or entry.get("sessionId")
            events = entry_events(entry)
            if cut:
                events.append(AssistantText(_cut_note(cut)))
            for event in events:
                yield Envelope(name, sid if isinstance(sid, str) else None, seq, last, event)
                seq += 1


def _cut_note(cut: int) -> str:
    return (
        f"[claude-coder: this record is too long to show whole; {cut} bytes of it were "
        f"left out, each text kept to its first {STRING_KEEP // 1024} KiB]"
    )
