"""A fleet manager run as its own process, for tests that kill it (``python -m`` this module).

``python -m tests.integration.fleet_manager_proc ROSTER N WORKDIR [--no-reaper]``: opens the roster,
adds members ``m0``..``m{N-1}`` (cwd ``WORKDIR/<name>``), gives each a first turn
``reply:first turn of <name>``, then submits a slow turn to each and prints one JSON
line ``{"ready": true, "pids": {name: child pid}, "ids": {name: session id},
"manager": pid, "watchdog": pid}``. It then waits forever (the test kills it).
The environment (temp HOME, ``CLAUDE_CODER_CLAUDE``) is inherited from the test.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from claude_coder.fleet import Fleet


async def main(roster: str, count: int, workdir: str, reap: bool) -> None:
    names = [f"m{i}" for i in range(count)]
    fleet = await Fleet.start(roster, max_busy=count, boot_spacing=0.05, reap_children=reap)
    for name in names:
        cwd = Path(workdir) / name
        cwd.mkdir(parents=True, exist_ok=True)
        await fleet.add(name, cwd=str(cwd))
    for name in names:
        await fleet.send(name, f"reply:first turn of {name}")
    for name in names:
        fleet.submit(name, "slow:200:0.2")
    pids = {n: getattr(fleet.session(n).transport, "pid", None) for n in names}
    ids = {m.name: m.session_id for m in fleet.members()}
    line = {
        "ready": True,
        "pids": pids,
        "ids": ids,
        "manager": os.getpid(),
        "watchdog": fleet.watchdog_pid,
    }
    print(json.dumps(line), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], "--no-reaper" not in sys.argv))
