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


class StreamJsonChild:
    """A real Claude Code in stream-json input mode, driven line by line (harness tests only)."""

    def __init__(self, launcher: Path, cwd: Path, *flags: str, decide: Decider = allow_all) -> None:
        argv = [str(launcher), *STREAM_FLAGS, "--input-format", "stream-json"]
        argv += ["--permission-prompt-tool", "stdio", *flags]
        self.decide = decide
        self.seen: list[Message] = []
        self._ids = 0
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=child_env(),
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._lines: queue.Queue[Message | None] = queue.Queue()
        self._reader = threading.Thread(
            target=_reader, args=(self.proc.stdout, self._lines), daemon=True
        )
        self._reader.start()
        self.control("initialize")

    def send(self, msg: Message) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()

    def control(self, subtype: str, **fields: Any) -> None:
        self._ids += 1
        request = {"subtype": subtype, **fields}
        self.send({"type": "control_request", "request_id": f"t-{self._ids}", "request": request})

    def user(self, text: str) -> None:
        message = {"role": "user", "content": text}
        self.send(
            {"type": "user", "message": message, "parent_tool_use_id": None, "session_id": ""}
        )

    def read_until(self, kind: str, timeout: float = 60) -> Message:
        """Read (answering ``can_use_tool``) until a message of type ``kind``; return it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no {kind} within {timeout}s: {self.seen[-3:]}") from None
            if msg is None:
                raise RuntimeError(f"claude exited before a {kind}: {self.seen[-3:]}")
            self.seen.append(msg)
            if msg.get("type") == "control_request":
                self._answer(msg)
            if msg.get("type") == kind:
                return msg

    def _answer(self, msg: Message) -> None:
        req = msg.get("request") or {}
        body = self.decide(req) if req.get("subtype") == "can_use_tool" else {}
        resp = {"subtype": "success", "request_id": msg["request_id"], "response": body}
        self.send({"type": "control_response", "response": resp})

    def close(self) -> None:
        """Close stdin, wait (kill after 10 s), reap, close pipes."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._reader.join(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def stream_json_turn(
    launcher: Path,
    prompt: str,
    cwd: Path,
    *flags: str,
    decide: Decider = allow_all,
    timeout: float = 60,
) -> list[Message]:
    """Run one stream-json input turn to its ``result``; returns every message seen."""
    child = StreamJsonChild(launcher, cwd, *flags, decide=decide)
    try:
        child.user(prompt)
        child.read_until("result", timeout)
        return child.seen
    finally:
        child.close()
