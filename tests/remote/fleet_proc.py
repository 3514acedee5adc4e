"""A fleet manager with one member on a host, run as its own process for a test to kill.

``python -m tests.remote.fleet_proc ROSTER HOST``: opens the roster, adds member ``far`` on
``HOST``, gives it a first turn ``reply:first turn of far``, submits ``stall:60`` and
prints one JSON line ``{"id": session id, "ssh": pid of its ssh child, "manager": pid}``,
then waits forever. The environment (temp HOME, ``CLAUDE_CODER_SSH_CONFIG``) is the test's.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

import psutil

from claude_coder.fleet import Fleet


async def main(roster: str, host: str) -> None:
    fleet = await Fleet.start(roster, max_busy=1, boot_spacing=0.05)
    await fleet.add("far", host=host)
    await fleet.send("far", "reply:first turn of far")
    fleet.submit("far", "stall:60")
    [ssh] = [p.pid for p in psutil.Process().children(recursive=True) if p.name() == "ssh"]
    [member] = fleet.members()
    print(json.dumps({"id": member.session_id, "ssh": ssh, "manager": os.getpid()}), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
