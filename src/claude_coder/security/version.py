"""Claude Code's version: the parser for ``claude --version``, the PTY transport's band
and the SDK transport's floor."""

from __future__ import annotations

import re
from typing import NamedTuple

from claude_coder.errors import VersionRefused

__all__ = [
    "PTY_BAND",
    "PTY_PROVEN",
    "SDK_FLOOR",
    "Version",
    "check_pty_version",
    "check_sdk_version",
    "parse_version",
]


class Version(NamedTuple):
    """A ``major.minor.patch`` version; compares as a tuple."""

    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


PTY_BAND: tuple[Version, Version] = (Version(2, 1, 0), Version(2, 2, 0))
"""The family the PTY recognisers are written for, ``[low, high)``: the outer band. Only
the proven versions inside it are driven (:data:`PTY_PROVEN`)."""

PTY_PROVEN: tuple[Version, Version] = (Version(2, 1, 331), Version(2, 1, 332))
"""The versions the PTY transport drives, ``[oldest, newest]`` inclusive: the versions
that both pass the version matrix (``scripts/matrix.py``, docs/transports.md) and prove
the login (:mod:`claude_coder.security.proof`). 2.1.100 to 2.1.300 passed the matrix but
report no ``served_by_anthropic`` in ``system/init``, so the first-party proof cannot hold
there; 2.1.0 and 2.1.50 lack ``--name``. A newer one is adopted by capture, goldens and the
matrix before this moves."""

SDK_FLOOR = Version(2, 1, 331)
"""The oldest Claude Code the SDK transport drives: the oldest that reports
``served_by_anthropic`` (the login proof needs it; 2.1.300 and older do not send it) and
passed the matrix. Older ones are refused at start with a message naming the version."""

_VERSION_RE = re.compile(r"(?<![\d.])(\d+)\.(\d+)\.(\d+)(?![\d])")


def parse_version(text: str) -> Version:
    """Read the version from ``claude --version`` output, e.g. ``2.1.331 (Claude Code)``.

    Raises :class:`VersionRefused` when no version can be read: an unknown binary is
    refused, never guessed at.
    """
    match = _VERSION_RE.search(text.strip().splitlines()[0] if text.strip() else "")
    if match is None:
        shown = text.strip()[:60]
        raise VersionRefused(f"could not read a Claude Code version from {shown!r}")
    major, minor, patch = (int(g) for g in match.groups())
    return Version(major, minor, patch)


def check_pty_version(version: Version | str) -> Version:
    """Refuse a version the PTY transport is not proven on (:data:`PTY_PROVEN`, inside
    :data:`PTY_BAND`); return the parsed version otherwise."""
    parsed = parse_version(version) if isinstance(version, str) else version
    low, high = PTY_BAND
    oldest, newest = PTY_PROVEN
    if not low <= parsed < high:
        raise VersionRefused(
            f"Claude Code {parsed} is outside the PTY band [{low}, {high}); "
            f"use the sdk transport or Claude Code {oldest} to {newest}",
            version=str(parsed),
        )
    if not oldest <= parsed <= newest:
        when = "older" if parsed < oldest else "newer"
        raise VersionRefused(
            f"Claude Code {parsed} is {when} than the versions the PTY transport is proven "
            f"on ({oldest} to {newest}); use the sdk transport or one of those versions",
            version=str(parsed),
        )
    return parsed


def check_sdk_version(version: Version | str) -> Version:
    """Refuse a version below :data:`SDK_FLOOR`; return the parsed version otherwise."""
    parsed = parse_version(version) if isinstance(version, str) else version
    if parsed < SDK_FLOOR:
        raise VersionRefused(
            f"Claude Code {parsed} is older than {SDK_FLOOR}, the oldest the sdk transport "
            "trusts to speak stream-json; update Claude Code, or set claudePath in the "
            "profile to a newer one",
            version=str(parsed),
        )
    return parsed
