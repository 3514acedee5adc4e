"""Small filesystems for fault tests: a tmpfs of a few MiB (full disk) or a read-only one.

Mounting needs root (the CI and development machines run tests as root). Where a mount
is not permitted, :func:`read_only_dir` falls back to a directory without write bits,
which stops a non-root user the same way; :func:`small_tmpfs` has no honest equivalent
for Claude Code's own writes, so it fails the test, saying why.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount(where: Path, options: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode == 0


def _unmount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where`` (unmounted afterwards)."""
    if not _mount(where, f"size={size},mode=0700"):
        pytest.fail(f"could not mount a {size} tmpfs at {where}: run the fault tests as root")
    try:
        yield where
    finally:
        _unmount(where)


@contextlib.contextmanager
def read_only_dir(where: Path) -> Iterator[Path]:
    """A directory nothing can be created in: a read-only tmpfs, else mode 0555."""
    if _mount(where, "ro,size=64k"):
        try:
            yield where
        finally:
            _unmount(where)
        return
    if os.geteuid() == 0:
        pytest.fail(f"could not mount a read-only tmpfs at {where} (root ignores mode bits)")
    where.mkdir(parents=True, exist_ok=True)
    where.chmod(0o555)
    try:
        yield where
    finally:
        where.chmod(0o755)
