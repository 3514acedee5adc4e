"""Tiny synchronous drivers of the real Claude Code for harness tests (not the product's).

``run_print`` runs one ``-p`` turn with stream-json output. ``stream_json_turn`` speaks
just enough of the stream-json control protocol (initialize, one user message,
``can_use_tool`` answers) to prove the fake API's tool scripts against the real binary.
Both pass the child only ``PATH``, ``HOME`` and ``CLAUDE_CONFIG_DIR``: the offline
launcher adds the rest.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Message = dict[str, Any]
Decider = Callable[[Message], Message]

STREAM_FLAGS = ("--output-format", "stream-json", "--verbose")


def child_env() -> dict[str, str]:
    """The minimal environment for a launcher child (the test's temp HOME)."""
    return {name: os.environ[name] for name in ("PATH", "HOME", "CLAUDE_CONFIG_DIR")}


def run_print(
    launcher: Path, prompt: str, cwd: Path, *flags: str, timeout: float = 90
) -> tuple[int, list[Message], str]:
    """One ``claude -p PROMPT`` turn; returns (exit code, stream-json messages, stderr)."""
    proc = subprocess.run(
        [str(launcher), "-p", prompt, *STREAM_FLAGS, *flags],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=child_env(),
        stdin=subprocess.DEVNULL,
    )
    msgs = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc.returncode, msgs, proc.stderr


def allow_all(request: Message) -> Message:
    """A ``can_use_tool`` answer that allows; AskUserQuestion gets its first option."""
    inp = dict(request.get("input") or {})
    if request.get("tool_name") == "AskUserQuestion":
        answers = {q["question"]: q["options"][0]["label"] for q in inp.get("questions", [])}
        inp["answers"] = answers
    return {"behavior": "allow", "updatedInput": inp}


def _reader(stream: Any, out: queue.Queue[Message | None]) -> None:
    for line in stream:
        if line.strip():
            try:
                out.put(json.loads(line))
            except ValueError:
                out.put({"type": "unparsed", "line": line})
    out.put(None)


def _send(proc: subprocess.Popen[str], msg: Message) -> None:
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(msg) + "\n")
    proc.stdin.flush()


def _answer(proc: subprocess.Popen[str], msg: Message, decide: Decider) -> None:
    req = msg.get("request") or {}
    if req.get("subtype") == "can_use_tool":
        body: Message = decide(req)
    else:
        body = {}
    resp = {"subtype": "success", "request_id": msg["request_id"], "response": body}
    _send(proc, {"type": "control_response", "response": resp})


def stream_json_turn(
    launcher: Path,
    prompt: str,
    cwd: Path,
    *flags: str,
    decide: Decider = allow_all,
    timeout: float = 60,
) -> list[Message]:
    """Run one stream-json input turn to its ``result``; returns every message seen."""
    argv = [str(launcher), *STREAM_FLAGS, "--input-format", "stream-json"]
    argv += ["--permission-prompt-tool", "stdio", *flags]
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=child_env(),
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    lines: queue.Queue[Message | None] = queue.Queue()
    reader = threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True)
    reader.start()
    seen: list[Message] = []
    try:
        _send(
            proc,
            {
                "type": "control_request",
                "request_id": "init-1",
                "request": {"subtype": "initialize"},
            },
        )
        user = {
            "type": "user",
            "message": {"role": "user", "content": prompt},
            "parent_tool_use_id": None,
            "session_id": "",
        }
        _send(proc, user)
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no result within {timeout}s: {seen[-3:]}") from None
            if msg is None:
                raise RuntimeError(f"claude exited before a result: {seen[-3:]}")
            seen.append(msg)
            if msg.get("type") == "control_request":
                _answer(proc, msg, decide)
            elif msg.get("type") == "result":
                return seen
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        reader.join(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
