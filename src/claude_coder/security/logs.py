"""Log records without secrets: claude-coder's own loggers and claude-agent-sdk's.

claude-agent-sdk logs what goes wrong in its reader (``Fatal error in message reader:
<the exception>``, whose text can carry the child's stderr), and claude-coder's own
modules log diagnostics. :func:`watch_logs` registers a session's Redactor; from then
on every record of the ``claude_coder`` and ``claude_agent_sdk`` loggers (and their
children) is created already redacted: the message is formatted and masked, and an
attached traceback is formatted and masked too, so no handler or formatter ever sees a
registered secret. Redactors are held weakly: a finished session's secrets stop being
searched for once its Redactor is gone.
"""

from __future__ import annotations

import logging
import threading
import traceback
import weakref
from typing import Any

from claude_coder.security.redact import Redactor

__all__ = ["WATCHED_LOGGERS", "redact_record", "watch_logs"]

WATCHED_LOGGERS = ("claude_coder", "claude_agent_sdk")
"""Loggers (with their children) whose records are redacted."""

_redactors: weakref.WeakSet[Redactor] = weakref.WeakSet()
_lock = threading.Lock()
_installed: list[Any] = []


def _watched(name: str) -> bool:
    return any(name == n or name.startswith(n + ".") for n in WATCHED_LOGGERS)


def _mask(text: str) -> str:
    for redactor in list(_redactors):
        text = redactor.text(text)
    return text


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask every registered secret in ``record`` (message, args, traceback, stack)."""
    if not _redactors or not _watched(record.name):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep what there is, masked
        message = f"{record.msg} {record.args}"
    record.msg, record.args = _mask(message), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = _mask("".join(traceback.format_exception(*record.exc_info)).rstrip())
        record.exc_info = None
    if record.stack_info:
        record.stack_info = _mask(record.stack_info)
    return record


def watch_logs(redactor: Redactor) -> None:
    """Redact the watched loggers' records with ``redactor`` (installed once per process)."""
    with _lock:
        _redactors.add(redactor)
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return redact_record(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)
        _installed.append(factory)
