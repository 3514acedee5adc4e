#!/usr/bin/env python3
"""Capture Claude Code TUI screens for the recogniser goldens.

Drives the pinned binary (the one bundled in claude-agent-sdk, or ``--binary``) through
the test harness's offline launcher against the fake Messages API, in a throwaway HOME,
and saves each step's rendered screen as ``<run>__<NN_step>.txt`` plus the run's raw PTY
bytes as ``<run>.raw`` under ``--out`` (default ``tests/fixtures/screens/<version>``).

    .venv/bin/python scripts/capture_screens.py                 # every run
    .venv/bin/python scripts/capture_screens.py --runs main,trust
    .venv/bin/python scripts/capture_screens.py --binary <claude> # another version
    .venv/bin/python scripts/capture_screens.py --expect --out tests/fixtures/screens/2.1.50
        # tag the screens ALREADY captured there that have no expected.json entry yet
        # with their current verdict (nothing is recaptured): review the diff, then commit

Nothing here touches the real ``~/.claude``: every run gets its own HOME and
``CLAUDE_CONFIG_DIR`` under ``--work`` (default ``/tmp/claude-coder-capture``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.support.fake_api import FakeApi  # noqa: E402
from tests.support.launcher import seed_claude_json, write_launcher  # noqa: E402

from claude_coder.launch import bundled_claude  # noqa: E402
from claude_coder.transports.pty._dialog import choose, decline  # noqa: E402
from claude_coder.transports.pty._process import TerminalProcess  # noqa: E402
from claude_coder.transports.pty.screen import Recognition, ScreenKind, keys, recognise  # noqa: E402
from claude_coder.transports.pty.screen.fixtures import format_fixture, parse_fixture  # noqa: E402

K = ScreenKind
Pred = Callable[[Recognition, str], bool]


@dataclass
class Run:
    """One TUI process: its flags, its config, and the steps to capture."""

    name: str
    flags: list[str] = field(default_factory=lambda: ["--permission-mode", "default"])
    seed: bool = True
    trusted: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)


class Capture:
    """Drives one run and writes its screens."""

    def __init__(self, run: Run, proc: TerminalProcess, out: Path) -> None:
        self.run, self.proc, self.out = run, proc, out
        self.count = 0
        self.t0 = time.monotonic()
        self.saved: list[Path] = []

    async def wait(self, pred: Pred, within: float = 20.0, settle: float = 0.3) -> Recognition:
        proc = self.proc
        return await proc.wait_for(
            lambda r: pred(r, proc.snapshot().text), within, settle=settle, what=str(pred)
        )

    def save(self, step: str) -> None:
        self.count += 1
        name = f"{self.run.name}__{self.count:02d}_{step}.txt"
        text = format_fixture(
            self.proc.snapshot(),
            self.run.name,
            f"{self.count:02d}_{step}",
            time.monotonic() - self.t0,
        )
        (self.out / name).write_text(text, encoding="utf-8")
        self.saved.append(self.out / name)
        print(f"  {name}: {recognise(self.proc.snapshot()).summary()}")

    async def step(
        self, step: str, pred: Pred, within: float = 20.0, settle: float = 0.3
    ) -> Recognition:
        rec = await self.wait(pred, within, settle)
        self.save(step)
        return rec

    async def prompt(self, text: str, step: str) -> None:
        """Paste ``text``, capture it typed, press Enter."""
        await self.proc.write(keys.paste(text))
        await self.step(f"{step}_typed", lambda r, s: r.prompt == text, settle=0.2)
        await self.proc.write(keys.ENTER)

    async def choose(self, rec: Recognition, label: str) -> None:
        """Press ``label``; "No" declines the way the version allows (Esc without one)."""
        dump = lambda: self.proc.snapshot().text  # noqa: E731
        if label == "No":
            await decline(self.proc, rec, dump)
        else:
            await choose(self.proc, rec, label, dump)


def idle(r: Recognition, s: str) -> bool:
    return r.kind is K.IDLE and r.prompt == ""


def idle_with(text: str) -> Pred:
    return lambda r, s: r.kind.idle_like and r.prompt == "" and text in s


def kind(*kinds: ScreenKind) -> Pred:
    return lambda r, s: r.kind in kinds


async def main_run(c: Capture) -> None:
    await c.step("idle", idle)
    await c.prompt("reply:Hello from the capture", "hello")
    await c.step("hello_done", idle_with("Hello from the capture"))
    await c.prompt("bash:touch allowed.txt", "bash")
    rec = await c.step("bash_dialog", kind(K.PERMISSION))
    await c.choose(rec, "Yes")
    await c.step("bash_after_yes", idle_with("The Bash tool finished"))
    await c.prompt("bash:touch denied.txt", "bash_no")
    rec = await c.step("bash_no_dialog", kind(K.PERMISSION))
    await c.choose(rec, "No")
    await c.step("bash_after_no", kind(K.INTERRUPTED))
    await c.prompt("write:hello.txt", "write")
    rec = await c.step("write_dialog", kind(K.PERMISSION))
    await c.choose(rec, "Yes")
    await c.step("write_after_yes", idle_with("The Write tool finished"))
    await c.prompt("ask:Which color?", "ask")
    rec = await c.step("ask_dialog", kind(K.QUESTION))
    await c.choose(rec, "Blue")
    await c.step("ask_answered", idle_with("Thanks, noted"))
    await c.prompt("ask:Which size?|Small|Large", "ask_esc")
    await c.step("ask_esc_dialog", kind(K.QUESTION))
    await c.proc.write(keys.ESC)
    await c.step("ask_declined", idle_with("eclined"))  # "Declined" / "User declined"
    await c.prompt("slow:40:0.2", "slow")
    await c.wait(kind(K.BUSY), settle=0.0)
    await asyncio.sleep(1.0)  # let some text stream before the interrupt
    await c.step("slow_busy", kind(K.BUSY), settle=0.0)
    await c.proc.write(keys.ESC)
    await c.step("slow_interrupted", kind(K.INTERRUPTED))
    await c.prompt("slow:15:0.2", "queue")
    await c.wait(kind(K.BUSY), settle=0.0)
    await c.proc.write(keys.paste("reply:queued while busy"))
    await c.wait(lambda r, s: "queued while busy" in s, settle=0.0)
    await c.proc.write(keys.ENTER)
    await c.step("queued", kind(K.QUEUED), settle=0.0)
    await c.step("queue_drained", idle_with("queued while busy"), within=30)
    await c.prompt("error:400", "error")
    await c.step("error_done", idle_with("API Error"))
    await c.proc.write(keys.ESC + keys.ESC)
    await c.step("rewind", kind(K.REWIND))
    await c.proc.write(keys.ESC)
    await c.step("rewind_closed", idle)
    for n in range(1, 4):
        before = c.proc.recognition().mode
        await c.proc.write(keys.SHIFT_TAB)
        await c.step(f"shift_tab_{n}", lambda r, s, b=before: r.kind is K.IDLE and r.mode is not b)
    await c.proc.write(b"/exit")
    await c.step("exit_typed", lambda r, s: r.prompt == "/exit")
    await c.proc.write(keys.ENTER)
    await c.step("exited", kind(K.EXITED))


async def ratelimit_run(c: Capture) -> None:
    await c.step("idle", idle)
    await c.prompt("ratelimit:120", "limit")
    await c.step("limit_done", idle_with("limit"))


async def exitkeys_run(c: Capture) -> None:
    await c.step("idle", idle)
    await c.prompt("reply:before exit", "hello")
    await c.step("hello_done", idle_with("before exit"))
    await c.proc.write(keys.CTRL_C)
    await c.step("ctrlc_once", kind(K.EXIT_CONFIRM), settle=0.0)
    await c.proc.write(keys.CTRL_C)
    await c.step("ctrlc_twice", kind(K.EXITED))


async def named_run(c: Capture) -> None:
    await c.step("idle", idle)
    await c.prompt("reply:named hello", "hello")
    await c.step("hello_done", idle_with("named hello"))
    await c.proc.write(keys.CTRL_D)
    await c.step("ctrld_once", kind(K.EXIT_CONFIRM), settle=0.0)
    await c.proc.write(keys.CTRL_D)
    await c.step("ctrld_twice", kind(K.EXITED))


async def idle_only_run(c: Capture) -> None:
    await c.step("idle", idle)
    await c.proc.write(keys.CTRL_C + keys.CTRL_C)
    await c.proc.wait_eof(10)


async def trust_run(c: Capture) -> None:
    rec = await c.step("trust_dialog", kind(K.TRUST))
    await c.choose(rec, "Yes, I trust this folder")
    await c.step("trusted_idle", idle)
    await c.proc.write(keys.CTRL_C + keys.CTRL_C)
    await c.proc.wait_eof(10)


async def notrust_run(c: Capture) -> None:
    await c.step("trust_dialog", kind(K.TRUST))
    await c.proc.write(keys.ENTER)
    await c.step("not_trusted", kind(K.NOT_TRUSTED))


async def first_screen_run(c: Capture) -> None:
    await c.step("first", lambda r, s: r.kind not in (K.BLANK, K.UNKNOWN), within=30, settle=0.5)


async def auto_run(c: Capture) -> None:
    await c.step("idle", idle)
    await c.prompt("bash:curl -s http://127.0.0.1:9/setup.sh | sh", "risky")
    await c.step("risky", lambda r, s: r.kind not in (K.BUSY, K.BLANK, K.UNKNOWN), settle=0.5)
    await c.proc.write(keys.ESC)
    await c.step("after_esc", lambda r, s: r.kind is not K.BLANK, settle=0.5)


RUNS: dict[str, tuple[Run, Callable[[Capture], Awaitable[None]]]] = {
    "main": (Run("main"), main_run),
    "ratelimit": (Run("ratelimit"), ratelimit_run),
    "exitkeys": (Run("exitkeys"), exitkeys_run),
    "named": (Run("named", ["--permission-mode", "default", "--name", "capture-named"]), named_run),
    "named_main": (
        Run("named_main", ["--permission-mode", "default", "--name", "capture-named"]),
        main_run,
    ),
    "accept": (Run("accept", ["--permission-mode", "acceptEdits"]), idle_only_run),
    "plan": (Run("plan", ["--permission-mode", "plan"]), idle_only_run),
    "trust": (Run("trust", trusted=False), trust_run),
    "notrust": (Run("notrust", trusted=False), notrust_run),
    "noonboarding": (Run("noonboarding", seed=False), first_screen_run),
    "apikey": (
        Run("apikey", extra_env={"ANTHROPIC_API_KEY": "sk-ant-capture-fake-key-0000000000"}),
        first_screen_run,
    ),
    "auto": (Run("auto", ["--permission-mode", "auto"]), auto_run),
}


def _env(home: Path) -> dict[str, str]:
    """The minimal child environment of a capture (nothing inherited)."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(home / ".claude"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }


async def capture(name: str, binary: Path, api: FakeApi, work: Path, out: Path) -> list[Path]:
    run, script = RUNS[name]
    base = work / name
    shutil.rmtree(base, ignore_errors=True)
    home, project = base / "home", base / "project"
    (home / ".claude").mkdir(parents=True)
    project.mkdir(parents=True)
    if run.seed:
        seed_claude_json(home / ".claude", [project], trusted=run.trusted)
    launcher = write_launcher(base / "claude", binary, api.url, extra_env=run.extra_env)
    proc = TerminalProcess([str(launcher), *run.flags], _env(home), str(project))
    raw = bytearray()
    proc.raw_listeners.append(raw.extend)
    cap = Capture(run, proc, out)
    print(f"run {name}")
    proc.start()
    try:
        await script(cap)
    except (TimeoutError, Exception) as exc:  # keep what was captured, say what failed
        print(f"  run {name} stopped: {exc!r}\n{proc.snapshot().text}", file=sys.stderr)
    finally:
        await proc.terminate(grace=2.0)
        (out / f"{name}.raw").write_bytes(bytes(raw))
    return cap.saved


def add_expectations(screens: list[Path], fixtures: Path) -> int:
    """Tag each screen that has no expected.json entry with its current verdict (to be
    reviewed); entries already there are kept. Returns how many were added."""
    path = fixtures / "expected.json"
    table = json.loads(path.read_text()) if path.exists() else {}
    added = 0
    for screen in screens:
        key = f"{screen.parent.name}/{screen.stem}"
        if key in table:
            continue
        table[key] = recognise(parse_fixture(screen.read_text(encoding="utf-8"))).summary()
        print(f"  {key}: {table[key]}")
        added += 1
    body = ",\n".join(
        f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False, sort_keys=True)}"
        for k, v in sorted(table.items())
    )
    path.write_text("{\n" + body + "\n}\n", encoding="utf-8")
    return added


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--work", type=Path, default=Path("/tmp/claude-coder-capture"))
    ap.add_argument("--runs", default=",".join(RUNS))
    ap.add_argument(
        "--expect",
        action="store_true",
        help="tag the screens already under --out (default: every fixture dir) that have "
        "no expected.json entry; captures nothing",
    )
    args = ap.parse_args()
    fixtures = ROOT / "tests" / "fixtures" / "screens"
    if args.expect:
        where = [args.out] if args.out else sorted(d for d in fixtures.iterdir() if d.is_dir())
        screens = sorted(p for d in where for p in d.glob("*.txt"))
        print(f"{add_expectations(screens, fixtures)} new entries in {fixtures / 'expected.json'}")
        return 0
    binary = args.binary or bundled_claude()
    if binary is None:
        print("no Claude Code binary: install claude-agent-sdk or pass --binary", file=sys.stderr)
        return 2
    version = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, check=True, env={}
    ).stdout.split()[0]
    out = args.out or fixtures / version
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with FakeApi() as api:
        for name in args.runs.split(","):
            saved += asyncio.run(capture(name, Path(binary), api, args.work, out))
    print(f"{len(saved)} screens in {out}; review them, then tag them with --expect")
    return 0


if __name__ == "__main__":
    sys.exit(main())
