"""The one-shot calls a host answers: its catalog (``list``, ``history``, ``resolve``) and
its doctor (``doctor``), for ``claude-coder list --host H`` and friends.

Each is answered from the host's own transcripts and environment, and everything that
leaves is masked with the host's redactor (:func:`host_redactor`): the secrets the
host's profiles resolve to and the values of the credential variables in the host's
environment. The environment is reported by NAMES only. Arguments arrive from the
other end of a connection and are checked as hostile input: a JSON object whose keys
are all known and whose values have the expected types, else a one-line
:class:`~claude_coder.errors.RemoteCallError` saying what the call takes.
"""

from __future__ import annotations

import asyncio
import json
import platform
import socket
from collections.abc import Awaitable, Callable, Mapping
from itertools import islice
from typing import Any

from claude_coder.catalog import Catalog
from claude_coder.catalog.records import profile_of
from claude_coder.doctor import check_profile
from claude_coder.errors import ClaudeCoderError, RemoteCallError
from claude_coder.events import to_jsonable
from claude_coder.profiles import BUILTIN_NAME, Profile, inspect_profiles, known_secrets
from claude_coder.security import Redactor, check_session_name, inherited_environ, stripped_secrets
from claude_coder.serve._member import host_profile
from claude_coder.transports.remote._protocol import LINE_LIMIT, OpenSpec, package_version

__all__ = ["CALLS", "answer_call", "host_redactor"]

HISTORY_LIMIT = 20_000
"""The most events one ``history`` call returns (the TUI's history view reads as many)."""

HISTORY_BUDGET = LINE_LIMIT * 3 // 4
"""The most bytes of events one ``history`` reply carries (the reply is one wire line)."""

_TEXT_MAX = 4096
"""The longest string argument taken (a session name, a path)."""

_Shape = Mapping[str, tuple[type, ...]]
_NONE = type(None)


def host_redactor(environ: Mapping[str, str] | None = None) -> Redactor:
    """A Redactor holding this host's secrets: every value its profiles resolve to (best
    effort) and the values of the credential variables set in its environment."""
    env = inherited_environ() if environ is None else environ
    try:
        pset, _ = inspect_profiles(None)
        values, _missed = known_secrets(pset)
    except (ClaudeCoderError, OSError):
        values = []
    values += stripped_secrets(env)
    return Redactor(values)


def _checked(what: str, args: Mapping[str, Any], shape: _Shape) -> dict[str, Any]:
    """``args`` if every key is in ``shape`` with a value of its types, else refused."""
    takes = ", ".join(shape) or "no arguments"
    unknown = sorted(str(k)[:40] for k in args if k not in shape)
    if unknown:
        raise RemoteCallError(f"call {what!r} takes {takes}; not {', '.join(unknown)}")
    for key, value in args.items():
        types = shape[key]
        # a bool is an int to isinstance: it counts only where a bool is wanted
        ok = isinstance(value, types) and (bool in types or not isinstance(value, bool))
        if not ok or (isinstance(value, str) and len(value) > _TEXT_MAX):
            wanted = " or ".join("null" if t is _NONE else t.__name__ for t in types)
            raise RemoteCallError(f"call {what!r}: {key} must be {wanted}")
    return dict(args)


def _session_arg(what: str, args: Mapping[str, Any]) -> str:
    session = args.get("session")
    if not isinstance(session, str) or not session.strip():
        raise RemoteCallError(f"call {what!r} needs session: a name, an id or an id prefix")
    return session


def _list(args: Mapping[str, Any]) -> list[dict[str, Any]]:
    got = _checked("list", args, {"all": (bool,), "cwd": (str, _NONE)})
    result = Catalog().list(all=bool(got.get("all", False)), cwd=got.get("cwd"))
    return [s.to_json() for s in result.sessions]


def _history(args: Mapping[str, Any]) -> dict[str, Any]:
    got = _checked("history", args, {"session": (str,), "limit": (int,)})
    session, limit = _session_arg("history", got), got.get("limit", HISTORY_LIMIT)
    if not 1 <= limit <= HISTORY_LIMIT:
        raise RemoteCallError(f"call 'history': limit must be 1 to {HISTORY_LIMIT}")
    events: list[Any] = []
    size, truncated = 0, False
    for envelope in islice(Catalog().history(session), limit + 1):
        data = envelope.to_json()
        size += len(json.dumps(to_jsonable(data), ensure_ascii=False).encode("utf-8")) + 1
        if len(events) == limit or size > HISTORY_BUDGET:
            truncated = True
            break
        events.append(data)
    return {"events": events, "truncated": truncated}


def _resolve(args: Mapping[str, Any]) -> dict[str, Any]:
    got = _checked("resolve", args, {"session": (str,), "fork": (bool,), "name": (str, _NONE)})
    catalog = Catalog()
    info = catalog.resolve(_session_arg("resolve", got))
    out: dict[str, Any] = {
        "id": info.session_id,
        "name": info.name,
        "cwd": info.cwd,
        "profile": profile_of(info.path),
    }
    if got.get("fork"):
        name = check_session_name(got.get("name") or catalog.fork_name(info))
        catalog.check_name_free(name)
        out["fork_name"] = name
    return out


def _wire_profile(definition: Any) -> Profile:
    """The profile a ``doctor`` call sent, as an ``open`` would launch it (None: the
    built-in one)."""
    if definition is None:
        return inspect_profiles(None)[0].get(BUILTIN_NAME)
    transport = definition.get("transport")
    spec = OpenSpec(
        profile=definition, transport=transport if isinstance(transport, str) else "sdk"
    )
    return host_profile(spec)[0]


async def _doctor(args: Mapping[str, Any]) -> dict[str, Any]:
    got = _checked("doctor", args, {"profile": (dict, _NONE)})
    profile = _wire_profile(got.get("profile"))
    report = await check_profile(profile, inherited_environ())
    report["claudeCoder"] = {
        "hostname": socket.gethostname(),
        "version": package_version(),
        "python": platform.python_version(),
    }
    return report


def _in_thread(
    fn: Callable[[Mapping[str, Any]], Any],
) -> Callable[[Mapping[str, Any]], Awaitable[Any]]:
    async def run(args: Mapping[str, Any]) -> Any:
        return await asyncio.to_thread(fn, args)

    return run


CALLS: Mapping[str, Callable[[Mapping[str, Any]], Awaitable[Any]]] = {
    "list": _in_thread(_list),
    "history": _in_thread(_history),
    "resolve": _in_thread(_resolve),
    "doctor": _doctor,
}
"""Every call a host answers, by name."""


async def answer_call(what: str, args: Mapping[str, Any] | None) -> Any:
    """The JSON-ready answer to the call ``what``, masked with the host's redactor.

    Raises :class:`RemoteCallError` for an unknown call or bad arguments, and the
    catalog's or doctor's own :class:`ClaudeCoderError` (its message masked too).
    """
    if not isinstance(what, str) or what not in CALLS:
        shown = str(what)[:40]
        raise RemoteCallError(f"unknown call {shown!r}: a host answers {', '.join(CALLS)}")
    if args is None:
        args = {}
    if not isinstance(args, Mapping) or not all(isinstance(k, str) for k in args):
        raise RemoteCallError(f"call {what!r}: args must be a JSON object")
    redactor = host_redactor()
    try:
        result = await CALLS[what](args)
    except ClaudeCoderError as exc:
        raise redactor.exception(exc) from None
    return redactor.obj(to_jsonable(result))
