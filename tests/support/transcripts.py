"""Builders of synthetic Claude Code JSONL transcripts (reference section 5) for tests.

``TranscriptBuilder`` appends records in the shapes Claude Code 2.1.x writes: ``user`` /
``assistant`` records chained by ``parentUuid``, tool uses and results, interrupts,
title records (``custom-title``, ``agent-name``, ``ai-title``, ``tag``), ``summary``,
``last-prompt``, ``queue-operation``, ``system``, ``cost-state``, ``mode``,
``permission-mode``, ``file-history-snapshot``, sidechain records, and raw lines (for
corrupt-line tests). ``write()`` puts the file where Claude Code would
(``<config>/projects/<enc>/<session-id>.jsonl``, mode 0600).

Timestamps advance one second per record from ``start``, so tests are deterministic.
``write_corpus()`` makes many sessions at once for the catalog benchmark.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

VERSION = "2.1.331"
MAX_DIR = 200
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _js_hash(text: str) -> int:
    """Claude Code's 32-bit string hash (Java-style over UTF-16 code units)."""
    h = 0
    data = text.encode("utf-16-le")
    for i in range(0, len(data), 2):
        unit = data[i] | (data[i + 1] << 8)
        h = ((h << 5) - h + unit) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def _base36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _B36[r] + out
        if n == 0:
            return out


def encode_project_dir(cwd: str | os.PathLike[str]) -> str:
    """``<enc>`` of a cwd: non-alphanumerics to ``-``; long ones cut to 200 + ``-hash``."""
    text = str(cwd)
    enc = "".join(c if c.isascii() and c.isalnum() else "-" for c in text)
    if len(enc) <= MAX_DIR:
        return enc
    return f"{enc[:MAX_DIR]}-{_base36(abs(_js_hash(text)))}"


def transcript_path(config_dir: str | Path, cwd: str | Path, session_id: str) -> Path:
    return Path(config_dir) / "projects" / encode_project_dir(cwd) / f"{session_id}.jsonl"


@dataclass
class TranscriptBuilder:
    """Accumulates transcript records; each ``user``/``assistant`` call extends the chain."""

    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    cwd: str = "/home/user/project"
    git_branch: str = "main"
    version: str = VERSION
    entrypoint: str = "cli"
    start: datetime = field(default_factory=lambda: datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    records: list[dict[str, Any] | str] = field(default_factory=list)
    leaf: str | None = None
    _tick: int = 0

    # ---- plumbing ---------------------------------------------------------------------
    def _ts(self) -> str:
        self._tick += 1
        t = self.start + timedelta(seconds=self._tick)
        return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def _base(self, kind: str, sidechain: bool) -> dict[str, Any]:
        return {
            "parentUuid": self.leaf,
            "isSidechain": sidechain,
            "userType": "external",
            "cwd": self.cwd,
            "sessionId": self.session_id,
            "version": self.version,
            "gitBranch": self.git_branch,
            "type": kind,
            "uuid": str(uuid.uuid4()),
            "timestamp": self._ts(),
        }

    def _chain(self, rec: dict[str, Any]) -> str:
        self.records.append(rec)
        self.leaf = rec["uuid"]
        return str(rec["uuid"])

    def add(self, record: dict[str, Any] | str) -> TranscriptBuilder:
        """Append any record (a dict) or a raw line (a str, e.g. corrupt JSON)."""
        self.records.append(record)
        return self

    # ---- conversation -----------------------------------------------------------------
    def user(
        self,
        content: str | list[dict[str, Any]],
        *,
        prompt_source: str = "typed",
        is_meta: bool = False,
        sidechain: bool = False,
        **extra: Any,
    ) -> str:
        """A user record (a prompt text, or content blocks); returns its uuid."""
        rec = self._base("user", sidechain)
        rec["message"] = {"role": "user", "content": content}
        rec.update(permissionMode="default", promptSource=prompt_source, entrypoint=self.entrypoint)
        if is_meta:
            rec["isMeta"] = True
        rec.update(extra)
        return self._chain(rec)

    def assistant(
        self,
        text: str | None = None,
        *,
        blocks: list[dict[str, Any]] | None = None,
        model: str = "claude-sonnet-5-5",
        sidechain: bool = False,
        stop_reason: str = "end_turn",
        usage: dict[str, Any] | None = None,
        message_id: str | None = None,
        request_id: str | None = None,
    ) -> str:
        """An assistant record with one text block (or the given blocks); returns its uuid.

        Pass the ``message_id``/``request_id``/``usage`` of the previous call to write
        another content block of the same API response, as Claude Code does.
        """
        rec = self._base("assistant", sidechain)
        content = blocks if blocks is not None else [{"type": "text", "text": text or ""}]
        rec["message"] = {
            "id": message_id or f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage if usage is not None else real_usage(10, 5),
        }
        rec["requestId"] = request_id or f"req_{uuid.uuid4().hex[:24]}"
        rec["entrypoint"] = self.entrypoint
        return self._chain(rec)

    def last_message(self) -> dict[str, Any]:
        """The ``message`` of the last assistant record (to write more blocks of it)."""
        for rec in reversed(self.records):
            if isinstance(rec, dict) and rec.get("type") == "assistant":
                message: dict[str, Any] = rec["message"]
                return message
        raise LookupError("no assistant record yet")

    def split_reply(self, text: str, tool: str, tool_input: dict[str, Any], **kw: Any) -> str:
        """One API response written as two lines (a text block, then a tool use), with
        one message id, request id and usage, as the real binary writes it."""
        self.assistant(text, stop_reason="tool_use", **kw)
        last = self.last_message()
        req = next(
            r["requestId"]
            for r in reversed(self.records)
            if isinstance(r, dict) and r.get("type") == "assistant"
        )
        tool_id = f"toolu_{uuid.uuid4().hex[:24]}"
        block = {"type": "tool_use", "id": tool_id, "name": tool, "input": tool_input}
        kw.pop("usage", None)
        self.assistant(
            blocks=[block],
            stop_reason="tool_use",
            usage=last["usage"],
            message_id=last["id"],
            request_id=req,
            **kw,
        )
        return tool_id

    def turn(self, prompt: str, reply: str) -> TranscriptBuilder:
        """A prompt and its reply."""
        self.user(prompt)
        self.assistant(reply)
        return self

    def attachment(self, kind: str = "date", **fields: Any) -> str:
        """A chained ``attachment`` record (the real binary puts these between a prompt and
        its reply, so a history walk must step over them); returns its uuid."""
        rec = self._base("attachment", False)
        rec["attachment"] = {"type": kind, **fields}
        return self._chain(rec)

    def tool_use(self, name: str, tool_input: dict[str, Any]) -> str:
        """An assistant tool use; returns the tool_use id."""
        tool_id = f"toolu_{uuid.uuid4().hex[:24]}"
        block = {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}
        self.assistant(blocks=[block], stop_reason="tool_use")
        return tool_id

    def tool_result(self, tool_use_id: str, content: str, *, is_error: bool = False) -> str:
        block = {
            "type": "tool_result",
            "tool_use_id": tool_use_id,
            "content": content,
            "is_error": is_error,
        }
        return self.user(
            [block], prompt_source="sdk", toolUseResult={"stdout": content, "stderr": ""}
        )

    def interrupted(self, *, for_tool_use: bool = False) -> str:
        text = "[Request interrupted by user" + (" for tool use]" if for_tool_use else "]")
        return self.user([{"type": "text", "text": text}])

    def command(self, name: str, stdout: str = "") -> TranscriptBuilder:
        """A local slash command as the TUI records it (not a real prompt)."""
        self.user(
            f"<command-name>/{name}</command-name>\n<command-message>{name}</command-message>"
        )
        if stdout:
            self.user(f"<local-command-stdout>{stdout}</local-command-stdout>")
        return self

    # ---- metadata records -------------------------------------------------------------
    def custom_title(self, title: str) -> TranscriptBuilder:
        return self.add(
            {"type": "custom-title", "customTitle": title, "sessionId": self.session_id}
        )

    def agent_name(self, name: str) -> TranscriptBuilder:
        return self.add({"type": "agent-name", "agentName": name, "sessionId": self.session_id})

    def ai_title(self, title: str) -> TranscriptBuilder:
        return self.add({"type": "ai-title", "aiTitle": title, "sessionId": self.session_id})

    def tag(self, tag: str) -> TranscriptBuilder:
        return self.add({"type": "tag", "tag": tag, "sessionId": self.session_id})

    def summary(self, text: str, leaf_uuid: str | None = None) -> TranscriptBuilder:
        return self.add({"type": "summary", "summary": text, "leafUuid": leaf_uuid or self.leaf})

    def last_prompt(self, text: str) -> TranscriptBuilder:
        return self.add(
            {
                "type": "last-prompt",
                "lastPrompt": text,
                "leafUuid": self.leaf,
                "sessionId": self.session_id,
            }
        )

    def queue_operation(self, operation: str = "enqueue", content: str = "") -> TranscriptBuilder:
        return self.add(
            {
                "type": "queue-operation",
                "operation": operation,
                "content": content,
                "timestamp": self._ts(),
                "sessionId": self.session_id,
            }
        )

    def system(self, subtype: str = "turn_duration", **fields: Any) -> TranscriptBuilder:
        rec = self._base("system", False)
        rec.update(subtype=subtype, **fields)
        self.records.append(rec)
        return self

    def cost_state(self, total_cost_usd: float = 0.01) -> TranscriptBuilder:
        return self.add(
            {
                "type": "cost-state",
                "totalCostUSD": total_cost_usd,
                "modelUsage": {},
                "sessionId": self.session_id,
            }
        )

    def mode(self, mode: str = "normal") -> TranscriptBuilder:
        return self.add({"type": "mode", "mode": mode, "sessionId": self.session_id})

    def permission_mode(self, mode: str = "default") -> TranscriptBuilder:
        return self.add(
            {"type": "permission-mode", "permissionMode": mode, "sessionId": self.session_id}
        )

    def file_history_snapshot(self) -> TranscriptBuilder:
        return self.add(
            {
                "type": "file-history-snapshot",
                "messageId": str(uuid.uuid4()),
                "snapshot": {"trackedFileBackups": {}, "timestamp": self._ts()},
                "isSnapshotUpdate": False,
            }
        )

    def padding(self, size: int) -> TranscriptBuilder:
        """A large unchained record (pushes other records out of a 64 KiB head/tail window)."""
        return self.add(
            {
                "type": "api-request-blob",
                "message": {"role": "user", "content": "x" * size},
                "sessionId": self.session_id,
                "hash": uuid.uuid4().hex,
            }
        )

    # ---- output -----------------------------------------------------------------------
    def text(self) -> str:
        lines = [
            r if isinstance(r, str) else json.dumps(r, ensure_ascii=False, separators=(",", ":"))
            for r in self.records
        ]
        return "".join(line + "\n" for line in lines)

    def write_to(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.text(), encoding="utf-8")
        path.chmod(0o600)
        return path

    def write(self, config_dir: str | Path | None = None) -> Path:
        """Write to ``<config>/projects/<enc(cwd)>/<id>.jsonl`` (config: $CLAUDE_CONFIG_DIR)."""
        config = config_dir if config_dir is not None else os.environ["CLAUDE_CONFIG_DIR"]
        return self.write_to(transcript_path(config, self.cwd, self.session_id))

    def write_subagent(
        self,
        agent: TranscriptBuilder,
        config_dir: str | Path | None = None,
        agent_id: str | None = None,
    ) -> Path:
        """Write ``agent`` as a subagent file of this session (sidechain records)."""
        config = config_dir if config_dir is not None else os.environ["CLAUDE_CONFIG_DIR"]
        base = transcript_path(config, self.cwd, self.session_id).with_suffix("")
        name = f"agent-{agent_id or uuid.uuid4().hex[:16]}.jsonl"
        return agent.write_to(base / "subagents" / name)


def real_usage(
    input_tokens: int,
    output_tokens: int,
    cache_write: int = 0,
    cache_read: int = 0,
    one_hour: int = 0,
) -> dict[str, Any]:
    """``message.usage`` as Claude Code 2.1.331 writes it: the cache-write total AND its
    per-duration split (``one_hour`` of it for an hour), cache reads, the extras."""
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": cache_write,
        "cache_read_input_tokens": cache_read,
        "output_tokens": output_tokens,
        "output_tokens_details": {"thinking_tokens": 0},
        "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
        "service_tier": "standard",
        "cache_creation": {
            "ephemeral_1h_input_tokens": one_hour,
            "ephemeral_5m_input_tokens": cache_write - one_hour,
        },
        "inference_geo": "",
        "iterations": [],
        "speed": "standard",
    }


def simple_session(prompts: Iterable[str] = ("hello",), **kwargs: Any) -> TranscriptBuilder:
    """A session with one ``Fake reply to: <prompt>`` turn per prompt."""
    b = TranscriptBuilder(**kwargs)
    b.queue_operation()
    for p in prompts:
        b.turn(p, f"Fake reply to: {p}")
    return b


def sidechain_session(**kwargs: Any) -> TranscriptBuilder:
    """A transcript whose first line is a sidechain record (the catalog skips these)."""
    b = TranscriptBuilder(**kwargs)
    b.user("subagent task", sidechain=True)
    b.assistant("subagent answer", sidechain=True)
    return b


def write_corpus(
    config_dir: str | Path,
    sessions: int,
    turns: int = 5,
    cwds: Iterable[str] = ("/home/user/project",),
    reply_size: int = 200,
) -> list[Path]:
    """Many sessions across the given cwds (for benchmarks); returns their paths."""
    cwd_list = list(cwds)
    paths = []
    models = ("claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-5-5", "claude-sonnet-4-5")
    for i in range(sessions):
        b = TranscriptBuilder(
            cwd=cwd_list[i % len(cwd_list)],
            start=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
            entrypoint=("cli", "sdk-cli", "sdk-py")[i % 3],
        )
        for t in range(turns):
            b.user(f"prompt {t} of session {i}", prompt_source="typed" if i % 3 == 0 else "sdk")
            n = i * turns + t  # deterministic, varied token counts
            usage = real_usage(3 + n % 50, 1 + n % 400, 2000 * (t == 0), 900 * t, 500 * (t == 0))
            model = models[n % len(models)]
            if t % 2:
                b.split_reply("r" * reply_size, "Bash", {"command": "ls"}, usage=usage, model=model)
            else:
                b.assistant("r" * reply_size, usage=usage, model=model)
        b.last_prompt(f"prompt {turns - 1} of session {i}")
        if i % 3 == 0:
            b.ai_title(f"Session number {i}")
        paths.append(b.write(config_dir))
    return paths
