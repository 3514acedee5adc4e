"""Secret references: ``{"secretRef": ...}`` env values, resolved when a session is created.

They are also resolved, best effort, to mask them where a transcript is shown
(:func:`known_secrets`: ``history`` and the TUI's history view).

Schemes: ``env:NAME`` (a variable of the creating process), ``file:PATH`` (a file only its
owner may read: mode ``0600`` or stricter; ``~`` expanded; one trailing newline dropped)
and ``keyring:SERVICE/ACCOUNT`` (the system keyring through the ``keyring`` package; the
account is what follows the last ``/``). A secret that cannot be resolved is a
:class:`~claude_coder.errors.SecretError` naming the reference, never a value.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from claude_coder.errors import ClaudeCoderError, SecretError
from claude_coder.profiles.model import EnvValue, SecretRef

if TYPE_CHECKING:
    from claude_coder.profiles.load import ProfileSet

__all__ = ["ResolvedEnv", "known_secrets", "resolve_env", "resolve_ref"]


def _from_env(name: str, ref: str, environ: Mapping[str, str], profile: str | None) -> str:
    value = environ.get(name)
    if value is None:
        raise SecretError(ref, f"the variable {name} is not set", profile=profile)
    return value


def _from_file(raw: str, ref: str, profile: str | None) -> str:
    path = Path(raw).expanduser()
    try:
        st = path.stat()
    except OSError as exc:
        raise SecretError(ref, f"cannot read the file ({exc.strerror})", profile=profile) from None
    if not stat.S_ISREG(st.st_mode):
        raise SecretError(ref, "is not a regular file", profile=profile)
    if st.st_mode & 0o077:
        mode = stat.S_IMODE(st.st_mode)
        raise SecretError(
            ref,
            f"the file is open to group or others (mode {mode:04o}); run: chmod 600 {path}",
            profile=profile,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SecretError(ref, f"cannot read the file ({exc.strerror})", profile=profile) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretError(ref, "the file is not UTF-8 text", profile=profile) from None
    return text.removesuffix("\n").removesuffix("\r")


def _from_keyring(spec: str, ref: str, profile: str | None) -> str:
    service, _, account = spec.rpartition("/")
    if not service or not account:
        raise SecretError(ref, "use keyring:SERVICE/ACCOUNT", profile=profile)
    try:
        import keyring
        import keyring.errors

        value = keyring.get_password(service, account)
    except Exception as exc:  # any backend failure: name its type only
        raise SecretError(
            ref, f"the keyring could not be read ({type(exc).__name__})", profile=profile
        ) from None
    if value is None:
        raise SecretError(ref, "no such entry in the keyring", profile=profile)
    return str(value)


def resolve_ref(
    ref: SecretRef | str,
    *,
    environ: Mapping[str, str] | None = None,
    profile: str | None = None,
) -> str:
    """The value behind one reference. Raises :class:`SecretError` naming the ref."""
    text = ref.secret_ref if isinstance(ref, SecretRef) else ref
    scheme, sep, rest = text.partition(":")
    env = os.environ if environ is None else environ
    if not sep or not rest:
        raise SecretError(
            text, "use env:NAME, file:PATH or keyring:SERVICE/ACCOUNT", profile=profile
        )
    if scheme == "env":
        value = _from_env(rest, text, env, profile)
    elif scheme == "file":
        value = _from_file(rest, text, profile)
    elif scheme == "keyring":
        value = _from_keyring(rest, text, profile)
    else:
        raise SecretError(text, f"unknown scheme {scheme!r}", profile=profile)
    if not value:
        raise SecretError(text, "is empty", profile=profile)
    if "\0" in value:
        raise SecretError(text, "contains a NUL byte", profile=profile)
    return value


class ResolvedEnv(dict[str, str]):
    """A compiled profile env; ``secrets`` holds the values that came from references.

    ``sources`` names the variables ``env:`` references were read from (the launch leaves
    them out of the child, so a secret reaches it only under the profile's name).
    """

    def __init__(
        self, values: Mapping[str, str], secrets: list[str], sources: list[str] | None = None
    ) -> None:
        super().__init__(values)
        self.secrets = secrets
        self.sources = sources or []

    def __repr__(self) -> str:
        return f"ResolvedEnv(keys={sorted(self)!r}, secrets={len(self.secrets)})"


def resolve_env(
    env: Mapping[str, EnvValue],
    *,
    environ: Mapping[str, str] | None = None,
    profile: str | None = None,
) -> ResolvedEnv:
    """Resolve every ``secretRef`` in a profile's ``env`` (call at session create only)."""
    values: dict[str, str] = {}
    secrets: list[str] = []
    sources: list[str] = []
    for name, value in env.items():
        if isinstance(value, SecretRef):
            resolved = resolve_ref(value, environ=environ, profile=profile)
            secrets.append(resolved)
            values[name] = resolved
            if value.secret_ref.startswith("env:"):
                sources.append(value.secret_ref.removeprefix("env:"))
        else:
            values[name] = value
    return ResolvedEnv(values, secrets, sources)


def known_secrets(pset: ProfileSet) -> tuple[list[str], list[str]]:
    """Every secret value the profiles of ``pset`` resolve to, for masking what is shown.

    Best effort: returns ``(values, missed)``, ``missed`` naming each reference that
    could not be resolved (``PROFILE.env.VAR``) or each profile that could not be
    resolved at all; nothing is raised.
    """
    values: list[str] = []
    missed: list[str] = []
    for name in pset.names():
        try:
            env = pset.get(name).env
        except ClaudeCoderError:
            missed.append(name)
            continue
        for var, value in env.items():
            if isinstance(value, SecretRef):
                try:
                    values.append(resolve_ref(value, profile=name))
                except ClaudeCoderError:
                    missed.append(f"{name}.env.{var}")
    return values, missed
