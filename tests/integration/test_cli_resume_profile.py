"""Resume and fork use the session's own profile (a ``tag`` record in its transcript) and
open with a recap, against the real Claude Code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.sdk_support import cli, cli_json, write_profiles
from tests.support.fake_api import FakeApi

from claude_coder.catalog import Catalog
from claude_coder.catalog.records import last_record


def _run(launcher: Path, cwd: Path, *args: str) -> dict[str, Any]:
    return cli_json(launcher, *args, cwd=cwd)


def test_resume_and_fork_default_to_the_recorded_profile(
    offline_claude: Path, fake_api: FakeApi, tmp_path: Path
) -> None:
    profiles = write_profiles(
        tmp_path, {"name": "toucher", "permissionPolicy": {"allow": ["Bash(touch *)"]}}
    )
    p = ("--profiles", str(profiles))
    _run(offline_claude, tmp_path, *p, "run", "reply:one", "--profile", "toucher", "--name", "t")
    tag = last_record(Catalog().resolve("t").path, "tag")
    assert tag is not None and tag["tag"] == "profile:toucher"

    resumed = _run(offline_claude, tmp_path, *p, "run", "bash:touch a.txt", "--resume", "t")
    assert resumed["denials"] == [] and (tmp_path / "a.txt").exists()
    forked = _run(offline_claude, tmp_path, *p, "run", "bash:touch b.txt", "--fork", "t")
    assert forked["denials"] == [] and (tmp_path / "b.txt").exists()
    other = _run(
        offline_claude,
        tmp_path,
        *p,
        *("run", "bash:touch c.txt", "--resume", "t", "--profile", "claude-code-expert"),
    )
    assert [d["name"] for d in other["denials"]] == ["Bash"]
    assert not (tmp_path / "c.txt").exists()


def test_resume_opens_with_a_recap(offline_claude: Path, fake_api: FakeApi, tmp_path: Path) -> None:
    _run(offline_claude, tmp_path, "run", "reply:first answer", "--name", "r")
    _run(offline_claude, tmp_path, "run", "reply:second answer", "--resume", "r")
    proc = cli(offline_claude, "resume", "r", cwd=tmp_path, stdin="exit\n")
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr
    assert "earlier in this session:" in err
    assert "you     reply:first answer" in err and "claude  second answer" in err
    assert err.index("reply:first answer") < err.index("second answer")
