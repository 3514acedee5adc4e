"""The catalog and doctor of devbox, asked from here: ``list --host``, ``doctor --host``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.remote.support import local_cli
from tests.support.fake_api import FakeApi
from tests.support.host_user import HostWorld

pytestmark = pytest.mark.timeout(180)
SECRET = "sk-ant-api03-HOST-SECRET-do-not-print-9c1d"


def test_list_host_shows_the_session_run_there(
    remote_host: HostWorld, fake_api: FakeApi, tmp_path: Path
) -> None:
    run = local_cli(
        "run",
        "--host",
        "devbox",
        "reply:remember me",
        "--name",
        "far-named",
        "--json",
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    sid = json.loads(run.stdout)["session_id"]
    listed = local_cli("list", "--host", "devbox", "--all", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = {r["session_id"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == {sid} and rows[sid]["name"] == "far-named"
    assert rows[sid]["cwd"] == str(remote_host.home)
    here = local_cli("list", "--all", "--json", cwd=tmp_path)
    assert here.returncode == 0 and json.loads(here.stdout) == [], "nothing of it here"


def test_doctor_host_reports_the_hosts_versions_login_and_names_only(
    remote_host: HostWorld, fake_api: FakeApi, tmp_path: Path
) -> None:
    remote_host.log_in()
    remote_host.env(ANTHROPIC_API_KEY=SECRET)
    proc = local_cli("doctor", "--host", "devbox", "--json", cwd=tmp_path)
    assert SECRET not in proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    text = json.dumps(report)
    assert "devbox" in text
    assert report["version"]["version"] == "2.1.331"
    assert report["binary"]["path"] == str(remote_host.launcher)
    assert report["login"]["loggedIn"] is True
    assert report["login"]["configDir"] == str(remote_host.config_dir)
    assert "ANTHROPIC_API_KEY" in report["environment"]["denylisted"]
    human = local_cli("doctor", "--host", "devbox", cwd=tmp_path)
    assert "devbox" in human.stdout and "2.1.331" in human.stdout
    assert SECRET not in human.stdout + human.stderr
