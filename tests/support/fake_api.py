"""A fake Anthropic Messages API on 127.0.0.1 that the real Claude Code talks to in tests.

``FakeApi`` runs an aiohttp server on its own thread and event loop, so sync tests,
async tests (each with its own function-scoped loop) and subprocesses can all use it.
Its port is the first-party front (``tests/support/first_party.py``): a
``CONNECT api.anthropic.com:443`` through it reaches this server over TLS with the test
certificate, anything else is relayed as is. It serves:

- ``POST /v1/messages`` (``?beta=true`` or not): SSE when the body says ``stream: true``
  (``message_start``, ``content_block_start``, ``content_block_delta`` with
  ``text_delta`` / ``input_json_delta``, ``content_block_stop``, ``message_delta``
  with usage, ``message_stop``), plain JSON otherwise; every reply has a ``request-id``
  header and usage with cache writes (total and per-duration split) and cache reads;
- ``POST /v1/messages/count_tokens``;
- a catch-all that logs and answers 404 (this includes absolute-form proxy requests);
- a CONNECT sink: as ``HTTPS_PROXY`` it refuses every tunnel (403) and logs the target,
  so nothing leaves 127.0.0.1 and every attempt is visible in ``connect_attempts()``.

Script language. The reply is chosen from the LAST user text block of the request
(consecutive user turns are merged; ``<system-reminder>`` blocks and
``[Request interrupted by user...]`` markers are skipped; ``role: system`` entries are
ignored). A prompt is ``KEY:ARG``; anything else gets the default reply.

=========================  ==============================================================
prompt                     reply
=========================  ==============================================================
(anything else)            text ``Fake reply to: <prompt>`` (deterministic)
``reply:TEXT``             text ``TEXT`` (leading spaces trimmed)
``echo:TEXT``              text ``TEXT`` verbatim (prove secrets get redacted)
``bash:CMD``               text + ``Bash`` tool use ``{"command": CMD}``; use a writing
                           command (``touch f``) to need permission
``write:PATH[|CONTENT]``   text + ``Write`` tool use (content default: a hello line)
``tool:NAME JSON``         text + a NAME tool use with the JSON input (any tool, e.g.
                           ``tool:WebFetch {"url": "https://example.com/", "prompt": "x"}``)
``ask:Q[|OPT|OPT...]``     text + ``AskUserQuestion`` tool use (header ``Choice``,
                           default options ``Red``/``Blue``)
``slow:N[:SECONDS]``       N text deltas, SECONDS (default 0.2) apart: ``chunk0 chunk1 ..``
``deltas:N``               N text deltas with no delay: ``d0 d1 ...`` (benchmarks)
``split:N:TEXT``           ``TEXT`` streamed as N text deltas (cut between words, or inside
                           one word when TEXT has fewer than N: a secret in pieces)
``hostile:``               ``fake_scripts.HOSTILE_TEXT``: terminal escapes (OSC 52, OSC 0,
                           CSI 2J, 8-bit CSI, bidi override, BEL, CR) and Rich markup
``usage:IN:OUT``           text ``Used IN in and OUT out.``, reported as exactly IN input
                           and OUT output tokens whatever the request's size (two
                           identical turns then cost exactly the same)
``stall:[SECONDS]``        stream starts (``message_start``, an empty text block) then
                           sends nothing until ``release_stalls()`` or SECONDS (default
                           60) pass; then ``Released after a stall.``
``error:STATUS[:TYPE[:MSG]]``  HTTP STATUS with an Anthropic error JSON (type from the
                           status: 400 invalid_request_error, 500 api_error, 529
                           overloaded_error, ...) and ``x-should-retry: false``
``ratelimit:[SECONDS[:CLAIM]]``  429 ``rate_limit_error`` with the subscription
                           headers ``anthropic-ratelimit-unified-status: rejected``,
                           ``-reset: <now+SECONDS>`` (default 3600), ``-representative-
                           claim: CLAIM`` (default ``five_hour``)
``retry:STATUS[:N[:AFTER]]``  the first N (default 2) requests with this prompt get
                           HTTP STATUS with ``x-should-retry: true`` and ``retry-after:
                           AFTER`` (default 0); later ones the text ``Answered after N
                           failures.`` (Claude Code retries: a ``system/api_retry`` each)
=========================  ==============================================================

A request whose last user content is a ``tool_result`` continues the scripted tool turn
with a final text: ``The Bash tool finished: <result>`` (``failed`` when ``is_error``),
or for AskUserQuestion ``Thanks, noted. You answered: <labels>. (<result>)``.

What Claude Code 2.1.331 does with them (checked in ``tests/integration/test_smoke.py``):
``ratelimit:`` yields a ``rate_limit_event`` with ``rate_limit_info{status: "rejected",
resetsAt: <epoch s>, rateLimitType: "five_hour", isUsingOverage}`` (camelCase keys),
then a result ``is_error: true, api_error_status: 429`` (text "You've hit your 5-hour
limit ...", exit 1). ``error:500``/``error:529`` end the turn after ONE request (no
backoff, thanks to ``x-should-retry: false``). ``error:400`` is re-sent by Claude Code
several times (it retries with a different tool set), so expect repeated prompts. An
interrupt during ``stall:`` or ``slow:`` closes the connection: the record gets
``disconnected = True`` and ``in_flight`` drops. Claude Code's own stream watchdog only
aborts an idle stream after minutes, so stalls shorter than that are safe.

Side requests: a request offering no tools (title, quota checks and such) is marked
``side`` and does not count in ``in_flight``/``max_in_flight`` or ``prompts_seen()``. A
title request (no tools, system prompt mentions ``"title"``) gets
``{"title": "Fake title <first words>"}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support import fake_scripts, fake_wire, first_party
from tests.support.fake_scripts import Plan

FIRST_PARTY_ANSWERS: dict[str, Any] = {"/api/claude_code/policy_limits": {"restrictions": {}}}
"""What the first-party side endpoints answer (an account with no organization policy)."""

REDACTED_HEADERS = {"authorization", "x-api-key", "proxy-authorization", "cookie"}


@dataclass
class RequestRecord:
    """One logged request (secrets in auth headers are never kept)."""

    method: str
    path: str
    target: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None
    kind: str = "other"  # messages | count_tokens | connect | other
    script: str = ""
    side: bool = False
    status: int = 0
    disconnected: bool = False
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def prompt(self) -> str | None:
        """The last user text of a messages request (None for a tool continuation)."""
        if self.kind != "messages" or not isinstance(self.body, dict):
            return None
        return fake_scripts.last_user_text(self.body)


class FakeApi:
    """The thread-hosted fake server. Use ``start()``/``stop()`` or ``with FakeApi():``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.requests: list[RequestRecord] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.stalled = 0
        self._failed: dict[str, int] = {}
        self._cond = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._release: asyncio.Event | None = None
        self._ready = threading.Event()
        self._front: asyncio.Server | None = None
        self.front: first_party.Front | None = None
        """The first-party front on :attr:`port` (see ``tests/support/first_party.py``)."""
        self._limit_claim = "five_hour"
        self.limited_until: float | None = None
        """While ``time.time()`` is before it, every messages request gets a 429."""

    # ---- lifecycle -------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> FakeApi:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._run, args=(sock,), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake API did not start within 10 s")
        return self

    def _run(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._serve(sock))
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    async def _serve(self, sock: socket.socket) -> None:
        self._release = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024, middlewares=[self._sink])
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        backend = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        backend.bind((self.host, 0))
        await web.SockSite(self._runner, backend).start()
        self._front, self.front = await first_party.start_front(sock, backend.getsockname()[1])

    def stop(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return
        self.release_stalls()
        fut = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        with contextlib.suppress(Exception):
            fut.result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout=10)
        self._loop = None

    async def _shutdown(self) -> None:
        if self._front is not None:
            self._front.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self.front is not None:
            await self.front.close()

    def __enter__(self) -> FakeApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- test-facing helpers ----------------------------------------------------------
    def release_stalls(self) -> None:
        """Let every stalled stream (``stall:``) go on and finish."""
        loop, ev = self._loop, self._release
        if loop is not None and ev is not None and not loop.is_closed():
            loop.call_soon_threadsafe(ev.set)

    def limit_until(self, reset_at: int, claim: str = "five_hour") -> None:
        """Answer every messages request with the subscription's 429 (unified headers,
        ``-status: rejected``, ``-reset: reset_at``) until ``reset_at`` (Unix seconds):
        the account-wide limit, whatever the prompt."""
        self._limit_claim = claim
        self.limited_until = reset_at

    def reset(self) -> None:
        """Forget the log and counters; release stalls."""
        self.release_stalls()
        with self._cond:
            self.requests.clear()
            self.max_in_flight = self.in_flight

    def messages_requests(self, *, include_side: bool = False) -> list[RequestRecord]:
        with self._cond:
            recs = list(self.requests)
        return [r for r in recs if r.kind == "messages" and (include_side or not r.side)]

    def prompts_seen(self) -> list[str]:
        """Prompt texts of the main requests in order (tool continuations left out)."""
        return [p for r in self.messages_requests() if (p := r.prompt) is not None]

    def connect_attempts(self) -> list[RequestRecord]:
        with self._cond:
            return [r for r in self.requests if r.kind == "connect"]

    def foreign_requests(self) -> list[RequestRecord]:
        """Requests aimed at another host (CONNECT or absolute-form proxy requests)."""
        with self._cond:
            recs = list(self.requests)
        return [r for r in recs if r.kind == "connect" or r.target.startswith("http")]

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> bool:
        """Block until ``predicate(self)`` is true; False when the deadline passes."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.5))
        return True

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> list[RequestRecord]:
        """Wait until ``n`` main /v1/messages requests have arrived; raise on timeout."""
        ok = self.wait_for(lambda s: len(s._main_unlocked()) >= n, timeout)
        if not ok:
            got = len(self.messages_requests())
            raise TimeoutError(f"fake API saw {got} main requests, wanted {n}, in {timeout}s")
        return self.messages_requests()

    async def async_wait_for_requests(self, n: int, timeout: float = 10.0) -> list[RequestRecord]:  # noqa: ASYNC109
        return await asyncio.to_thread(self.wait_for_requests, n, timeout)

    def wait_for_stall(self, n: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``n`` streams are stalled right now; raise on timeout."""
        if not self.wait_for(lambda s: s.stalled >= n, timeout):
            raise TimeoutError(f"{self.stalled} stalled streams, wanted {n}, in {timeout}s")

    async def async_wait_for_stall(self, n: int = 1, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        await asyncio.to_thread(self.wait_for_stall, n, timeout)

    def _main_unlocked(self) -> list[RequestRecord]:
        return [r for r in self.requests if r.kind == "messages" and not r.side]

    # ---- server side ------------------------------------------------------------------
    def _log(self, request: web.Request, body: Any, kind: str) -> RequestRecord:
        headers = {k.lower(): v for k, v in request.headers.items()}
        for k in REDACTED_HEADERS & headers.keys():
            headers[k] = "<redacted>"
        rec = RequestRecord(
            method=request.method,
            path=request.path,
            target=request.raw_path,
            query=dict(request.query),
            headers=headers,
            body=body,
            kind=kind,
        )
        with self._cond:
            self.requests.append(rec)
            self._cond.notify_all()
        return rec

    def _bump(self, rec: RequestRecord, delta: int) -> None:
        with self._cond:
            if not rec.side:
                self.in_flight += delta
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if delta < 0:
                rec.finished = time.monotonic()
            self._cond.notify_all()

    def _set_stalled(self, delta: int) -> None:
        with self._cond:
            self.stalled += delta
            self._cond.notify_all()

    @web.middleware
    async def _sink(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """CONNECT never reaches a route (authority-form target): refuse and log it here."""
        if request.method == "CONNECT":
            rec = self._log(request, None, "connect")
            rec.status = 403
            return web.Response(status=403, text="fake API: no tunnels to the outside")
        return await handler(request)  # type: ignore[no-any-return]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        path = request.path.rstrip("/")
        absolute = request.raw_path.startswith("http")
        if request.method == "POST" and path == "/v1/messages" and not absolute:
            return await self._messages(request, body)
        if request.method == "POST" and path == "/v1/messages/count_tokens" and not absolute:
            rec = self._log(request, body, "count_tokens")
            rec.status = 200
            return web.json_response({"input_tokens": fake_wire.approx_tokens(body)})
        if request.method == "GET" and path in FIRST_PARTY_ANSWERS:
            rec = self._log(request, body, "other")
            rec.status = 200
            return web.json_response(FIRST_PARTY_ANSWERS[path])
        rec = self._log(request, body, "other")
        rec.status = 404
        err = {"type": "not_found_error", "message": f"fake API: no route {request.path}"}
        return web.json_response({"type": "error", "error": err}, status=404)

    async def _messages(self, request: web.Request, body: Any) -> web.StreamResponse:
        rec = self._log(request, body, "messages")
        if not isinstance(body, dict):
            rec.status = 400
            err = {"type": "invalid_request_error", "message": "body must be a JSON object"}
            return web.json_response({"type": "error", "error": err}, status=400)
        plan = fake_scripts.plan_for(body)
        until = self.limited_until
        if until is not None and time.time() < until:
            plan = fake_scripts.account_limit(int(until), self._limit_claim, plan.side)
        rec.script, rec.side = plan.script, plan.side
        self._bump(rec, +1)
        try:
            plan = self._after_failures(plan, rec.prompt or "")
            rec.status = plan.status
            if plan.error is not None:
                return web.json_response(plan.error, status=plan.status, headers=plan.headers)
            if body.get("stream"):
                return await self._stream(request, body, plan, rec)
            headers = {"request-id": fake_wire.request_id(), **plan.headers}
            return web.json_response(fake_wire.message_json(body, plan), headers=headers)
        finally:
            self._bump(rec, -1)

    def _after_failures(self, plan: fake_scripts.Plan, prompt: str) -> fake_scripts.Plan:
        """A ``retry:`` plan fails its first requests, then answers normally."""
        if not plan.fail_first:
            return plan
        with self._cond:
            seen = self._failed.get(prompt, 0)
            self._failed[prompt] = seen + 1
        if seen < plan.fail_first:
            return plan
        return dataclasses.replace(plan, status=200, error=None, headers={}, fail_first=0)

    async def _stream(
        self, request: web.Request, body: dict[str, Any], plan: Plan, rec: RequestRecord
    ) -> web.StreamResponse:
        resp = web.StreamResponse(
            headers={
                "content-type": "text/event-stream",
                "cache-control": "no-cache",
                "request-id": fake_wire.request_id(),
                **plan.headers,
            }
        )
        await resp.prepare(request)
        try:
            for chunk in fake_wire.events(body, plan):
                if chunk is fake_wire.STALL:
                    await self._stall(plan.stall_timeout or 0.0)
                    continue
                if chunk is fake_wire.DELAY:
                    await asyncio.sleep(plan.delta_delay)
                    continue
                await resp.write(chunk)
            await resp.write_eof()
        except ConnectionError:  # the client went away (an interrupt): not a server error
            rec.disconnected = True
        except asyncio.CancelledError:  # handler cancelled on disconnect
            rec.disconnected = True
            raise
        return resp

    async def _stall(self, seconds: float) -> None:
        assert self._release is not None
        self._set_stalled(+1)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), seconds)
        finally:
            self._set_stalled(-1)
