"""A live fleet driven from other processes: send, approve, watch, status; hooks fire once.

``claude-coder fleet serve`` runs the fleet (the real binary against the fake API) in
its own process; the CLI in further processes drives it over the control socket. The
user's settings turn on a command hook (writes each payload to a file) and a webhook
(POSTs to an aiohttp server on 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from tests.support.fake_api import FakeApi

from claude_coder.fleet import Fleet

pytestmark = pytest.mark.timeout(300)
DEADLINE = 90.0
SECRET = "s3cr3t-live-token-4242"
PAYLOAD_KEYS = {"version", "member", "session_id", "event", "text", "time"}


async def _cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "claude_coder.cli.main",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), DEADLINE)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def _until(check: Any, what: str) -> Any:
    async with asyncio.timeout(DEADLINE):
        while not (got := await check()):  # noqa: ASYNC110 - another process: no event crosses
            await asyncio.sleep(0.1)
    assert got, what
    return got


@pytest.fixture
async def children() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """Processes a test starts; any still running at the end (a failed test) are killed."""
    procs: list[asyncio.subprocess.Process] = []
    yield procs
    for proc in procs:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.fixture
async def webhook() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    got: list[dict[str, Any]] = []

    async def receive(request: web.Request) -> web.Response:
        got.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook/{token}", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/hook/t0k", got
    await runner.cleanup()


def _setup(tmp_path: Path, hook_url: str) -> tuple[dict[str, str], Path, Path, Path]:
    runtime = Path(tempfile.mkdtemp(prefix="cc-rt-"))
    out = tmp_path / "payloads.jsonl"
    writer = f"import sys; open({str(out)!r}, 'a').write(sys.stdin.read() + '\\n')"
    settings = tmp_path / "settings.json"
    hooks = [{"command": [sys.executable, "-c", writer]}, {"url": hook_url, "timeout": 5}]
    settings.write_text(json.dumps({"notifications": {"hooks": hooks}}))
    settings.chmod(0o600)
    profiles = tmp_path / "profiles.json"
    profiles.write_text(
        json.dumps([{"name": "p", "env": {"LIVE_TOKEN": {"secretRef": "env:CC_LIVE_SECRET"}}}])
    )
    env = dict(os.environ)
    env |= {"XDG_RUNTIME_DIR": str(runtime), "CLAUDE_CODER_SETTINGS": str(settings)}
    env |= {"CC_LIVE_SECRET": SECRET, "CLAUDE_CODER_PROFILES": str(profiles)}
    env["PYTHONUNBUFFERED"] = "1"
    return env, out, profiles, runtime


async def test_send_approve_watch_against_a_live_fleet_and_hooks_fire_once(
    offline_claude: Path,
    fake_api: FakeApi,
    tmp_path: Path,
    webhook: Any,
    monkeypatch: pytest.MonkeyPatch,
    children: list[asyncio.subprocess.Process],
) -> None:
    url, posted = webhook
    env, out, profiles, runtime = _setup(tmp_path, url)
    monkeypatch.setenv("CC_LIVE_SECRET", SECRET)
    roster, work = tmp_path / "fleet.json", tmp_path / "work"
    work.mkdir()
    async with Fleet.open(roster, profiles=profiles, boot_spacing=0) as fleet:
        await fleet.add("a1", profile="p", cwd=str(work))
    r = ("--roster", str(roster))

    code, _, err = await _cli("fleet", "send", "a1", "reply:hi", *r, env=env)
    assert code == 2 and "no fleet is running" in err and len(err.strip().splitlines()) == 1

    serve = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "claude_coder.cli.main",
        "fleet",
        "serve",
        *r,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    children.append(serve)
    assert serve.stderr is not None
    line = await asyncio.wait_for(serve.stderr.readline(), DEADLINE)
    assert b"fleet serving" in line, line
    sock = next((runtime / "claude-coder").glob("fleet-*.sock"))
    assert sock.stat().st_mode & 0o777 == 0o600
    assert (runtime / "claude-coder").stat().st_mode & 0o777 == 0o700

    watch = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "claude_coder.cli.main",
        "fleet",
        "watch",
        "--json",
        *r,
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    children.append(watch)

    async def status() -> dict[str, Any]:
        code, text, err = await _cli("fleet", "status", "--json", *r, env=env)
        assert code == 0, err
        return dict(json.loads(text))

    await _until(lambda: _watchers(status), "the watch subscribed")

    code, text, err = await _cli("fleet", "send", "a1", f"reply:token {SECRET} here", *r, env=env)
    assert code == 0, err
    assert SECRET not in text and "token" in text

    code, text, err = await _cli(
        "fleet", "send", "a1", "bash:touch approved.txt", "--no-wait", *r, env=env
    )
    assert code == 0 and "queued" in text, err

    async def waiting() -> bool:
        return bool((await status())["members"][0]["waiting"])

    await _until(waiting, "a1 waits on a permission")
    code, text, err = await _cli("fleet", "approve", "a1", *r, env=env)
    assert code == 0 and "allowed Bash" in text, err

    async def touched() -> bool:
        return (work / "approved.txt").exists()

    await _until(touched, "the approved command ran")

    async def idle_again() -> bool:
        m = (await status())["members"][0]
        return m["state"] == "idle" and m["queued"] == 0

    await _until(idle_again, "the approved turn ended")
    code, text, err = await _cli("fleet", "approve", "a1", *r, env=env)
    assert code == 2 and "no permission request waiting" in err

    serve.terminate()
    assert await asyncio.wait_for(serve.wait(), DEADLINE) == 0
    assert watch.stdout is not None
    watched = [
        json.loads(x) for x in (await asyncio.wait_for(watch.stdout.read(), DEADLINE)).splitlines()
    ]
    await asyncio.wait_for(watch.wait(), DEADLINE)
    kinds = [e["event"]["kind"] for e in watched if e["name"] == "a1"]
    assert "permission_requested" in kinds and "permission_decided" in kinds
    assert kinds.count("turn_ended") == 2

    payloads = [json.loads(x) for x in out.read_text().splitlines() if x.strip()]
    assert [p["event"] for p in payloads] == ["finished", "permission", "finished"]
    assert all(set(p) == PAYLOAD_KEYS and p["member"] == "a1" for p in payloads)
    assert len({p["session_id"] for p in payloads}) == 1 and payloads[0]["session_id"]
    assert sorted(map(json.dumps, posted)) == sorted(map(json.dumps, payloads))
    assert SECRET not in out.read_text() and "***" in payloads[0]["text"]
    assert payloads[1]["text"] == "wants to use Bash"


async def _watchers(status: Any) -> bool:
    return bool((await status())["watchers"] == 1)
