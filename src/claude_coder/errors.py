"""The one error tree of claude-coder: every error a user can see derives from here.

::

    ClaudeCoderError                  root; ``exit_code`` says how the CLI ends
    ├── ConfigError                   exit 2: bad profiles file, bad key, bad type
    │   ├── ProfileNotFoundError      a named profile (or an ``extends`` parent) is missing
    │   ├── ProfileCycleError         ``extends`` loops back on itself
    │   ├── ProfilesInvalidError      a profiles file has problems (each one listed)
    │   ├── SecretError               a ``secretRef`` cannot be resolved (names the ref only)
    │   └── RemoteCallError           a host refused a one-shot call: unknown, or bad args
    ├── SecurityRefusal               exit 2: the fail-closed posture said no
    │   ├── CredentialRefused         an API key, base URL, cloud credential or helper
    │   │   ├── SettingsRefused       a settings file Claude Code would load sets one
    │   │   └── LoginNotProven        Claude Code did not report the subscription login
    │   ├── UnsafeFileRefused         a profiles file or roster others can write
    │   └── VersionRefused            Claude Code outside the PTY band
    ├── BinaryNotFoundError           exit 2: no Claude Code binary could be found
    ├── SessionError                  exit 1: a session could not do what was asked
    │   ├── SessionClosedError        the session is closed
    │   └── TransportError            the child crashed, hung or spoke nonsense
    │       ├── ChildExited           Claude Code exited (or was killed) while still needed
    │       ├── HostError             a remote member's host: unreachable, no claude-coder,
    │       │                         another protocol, or the connection lost for good
    │       └── ScreenError           PTY: the screen was not what a keystroke needed
    ├── CatalogError                  exit 1 (2 for a bad SESSION argument)
    │   ├── SessionNotFoundError      no session matches a name, id or prefix
    │   ├── AmbiguousSessionError     several match; the candidates are listed
    │   ├── NameTakenError            a name is already used by another session
    │   └── BadNameError              exit 2: a session name that cannot be used
    └── FleetError                    exit 1
        ├── RosterLockedError         another process holds the roster
        ├── RosterCorruptError        the roster could not be read; a backup was kept
        ├── RosterLocationError       the roster's place cannot hold it (read-only, odd)
        ├── MemberNotFoundError       no member by that name
        ├── MemberExistsError         a member by that name is already in the fleet
        ├── MemberNameError           a name that cannot be a member's name
        └── WorktreeError             exit 2: a worktree could not be made, read or landed
            ├── MergeConflictError    exit 1: the branch does not apply cleanly (files named)
            └── GhNotFoundError       exit 2: ``merge --pr`` needs the GitHub CLI

Messages are written for the person reading them and never contain a secret value:
the security module's Redactor runs over every message built from outside input.
"""

from __future__ import annotations

import signal
from collections.abc import Sequence
from typing import ClassVar

__all__ = [
    "AmbiguousSessionError",
    "BadNameError",
    "BinaryNotFoundError",
    "CatalogError",
    "ChildExited",
    "ClaudeCoderError",
    "ConfigError",
    "ControlProtocolError",
    "CredentialRefused",
    "FleetError",
    "FleetNotRunningError",
    "FleetRequestError",
    "GhNotFoundError",
    "HostError",
    "LoginNotProven",
    "MemberExistsError",
    "MemberNameError",
    "MemberNotFoundError",
    "MergeConflictError",
    "NameTakenError",
    "ProfileCycleError",
    "ProfileNotFoundError",
    "ProfilesInvalidError",
    "RemoteCallError",
    "RosterCorruptError",
    "RosterLocationError",
    "RosterLockedError",
    "ScreenError",
    "SecretError",
    "SecurityRefusal",
    "SessionClosedError",
    "SessionError",
    "SessionNotFoundError",
    "SettingsError",
    "SettingsRefused",
    "TransportError",
    "UnsafeFileRefused",
    "VersionRefused",
    "WorktreeError",
]


class ClaudeCoderError(Exception):
    """Root of every claude-coder error."""

    exit_code: ClassVar[int] = 1
    """The CLI's exit code when this error ends a command."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(ClaudeCoderError):
    """Configuration is wrong: a profiles file, a key, a type, a value."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        profile: str | None = None,
        path: str | None = None,
    ) -> None:
        where = ": ".join(p for p in (file, profile and f"profile {profile!r}", path) if p)
        super().__init__(f"{where}: {message}" if where else message)
        self.file = file
        self.profile = profile
        self.path = path


class ProfileNotFoundError(ConfigError):
    """A profile named by the user or by ``extends`` does not exist."""


class ProfileCycleError(ConfigError):
    """``extends`` forms a cycle; ``cycle`` lists the names in order."""

    def __init__(self, cycle: list[str], *, file: str | None = None) -> None:
        super().__init__("extends cycle: " + " -> ".join(cycle), file=file)
        self.cycle = cycle


class ProfilesInvalidError(ConfigError):
    """A profiles file has problems; ``problems`` lists every one (one line each)."""

    def __init__(self, problems: Sequence[object]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)


class SecretError(ConfigError):
    """A ``secretRef`` could not be resolved. Carries the ref, never a value."""

    def __init__(self, ref: str, reason: str, *, profile: str | None = None) -> None:
        super().__init__(f"secret {ref!r}: {reason}", profile=profile)
        self.ref = ref


class RemoteCallError(ConfigError):
    """A host refused a one-shot call (``list``, ``history``, ``doctor`` ...): a call it
    does not know, or arguments of the wrong shape (each named, with what it takes)."""


class SecurityRefusal(ClaudeCoderError):
    """The fail-closed posture refused something."""

    exit_code = 2


class CredentialRefused(SecurityRefusal):
    """A credential or endpoint other than the subscription login was found.

    ``variable`` is the name of the variable or setting (never its value); ``source`` says
    where it was found (a profile, the environment, Claude Code's own report).
    """

    def __init__(self, message: str, *, variable: str | None = None, source: str = "") -> None:
        super().__init__(message)
        self.variable = variable
        self.source = source


class SettingsRefused(CredentialRefused):
    """A settings file Claude Code would load sets a refused variable or login key.

    ``file`` is the settings file, ``variable`` the key (``env.NAME`` for its ``env``
    block); the value is never kept. An unreadable or unparseable file is refused too,
    with ``variable`` None.
    """

    def __init__(self, message: str, *, file: str, variable: str | None = None) -> None:
        super().__init__(message, variable=variable, source=file)
        self.file = file


class LoginNotProven(CredentialRefused):
    """Claude Code's own report does not show the subscription login from Anthropic.

    ``variable`` names the reported field (``account.tokenSource``,
    ``system/init.served_by_anthropic``, ...).
    """


class UnsafeFileRefused(SecurityRefusal):
    """A file that decides what runs (profiles, fleet roster) is writable by others.

    ``path`` is the file or directory at fault, ``fix`` the command that fixes it.
    """

    def __init__(self, message: str, *, path: str, fix: str) -> None:
        super().__init__(message)
        self.path = path
        self.fix = fix


class VersionRefused(SecurityRefusal):
    """The Claude Code binary's version is outside the band a transport allows."""

    def __init__(self, message: str, *, version: str | None = None) -> None:
        super().__init__(message)
        self.version = version


class BinaryNotFoundError(ClaudeCoderError):
    """No Claude Code binary could be found."""

    exit_code = 2


class SessionError(ClaudeCoderError):
    """A session could not do what was asked."""


class SessionClosedError(SessionError):
    """The session is closed and takes no more turns."""


class TransportError(SessionError):
    """The Claude Code child crashed, hung, or said something that could not be understood."""


class ChildExited(TransportError):
    """Claude Code exited (or was killed) while claude-coder still needed it.

    ``returncode`` is the child's exit status when known (negative: killed by a signal).
    """

    def __init__(self, message: str = "Claude Code exited", *, returncode: int | None = None):
        super().__init__(message)
        self.returncode = returncode

    @classmethod
    def with_code(cls, returncode: int | None, stderr_tail: str = "") -> ChildExited:
        """The error for a child that ended with ``returncode`` (and its stderr's tail)."""
        if returncode is not None and returncode < 0:
            try:
                how = f"was killed by {signal.Signals(-returncode).name}"
            except ValueError:
                how = f"was killed by signal {-returncode}"
        else:
            how = f"exited with code {returncode}"
        tail = f": {stderr_tail.strip()[-400:]}" if stderr_tail.strip() else ""
        return cls(f"Claude Code {how}{tail}", returncode=returncode)


class HostError(TransportError):
    """A remote member's host could not be used: unreachable over ssh, no claude-coder
    there, another protocol version, or the connection was lost for good.

    ``host`` is the ssh destination as the user gave it; the message names it and says
    what to do.
    """

    def __init__(self, message: str, *, host: str) -> None:
        super().__init__(message)
        self.host = host


class ScreenError(TransportError):
    """PTY: the screen was not what the next keystroke needed; no key was sent.

    ``screen`` is the (redacted) screen text at the moment of refusal.
    """

    def __init__(self, message: str, *, screen: str = "") -> None:
        super().__init__(message + (f"\n--- screen ---\n{screen}" if screen else ""))
        self.screen = screen


class CatalogError(ClaudeCoderError):
    """The catalog could not answer."""


class SessionNotFoundError(CatalogError):
    """No persisted session matches a name, id or id prefix."""

    exit_code = 2


class AmbiguousSessionError(CatalogError):
    """Several sessions match; ``candidates`` holds (id, cwd, modified) for each."""

    exit_code = 2

    def __init__(self, query: str, candidates: list[tuple[str, str, str]]) -> None:
        lines = [f"{query!r} matches {len(candidates)} sessions:"]
        lines += [f"  {sid}  {cwd}  {modified}" for sid, cwd, modified in candidates]
        super().__init__("\n".join(lines))
        self.query = query
        self.candidates = candidates


class NameTakenError(CatalogError):
    """The name is already used by another session."""

    exit_code = 2

    def __init__(self, name: str, session_id: str) -> None:
        super().__init__(f"the name {name!r} is already used by session {session_id}")
        self.name = name
        self.session_id = session_id


class FleetError(ClaudeCoderError):
    """The fleet could not do what was asked."""


class RosterLockedError(FleetError):
    """Another process has the roster open."""

    exit_code = 2


class RosterCorruptError(FleetError):
    """The roster file could not be read; it was kept aside as ``backup``."""

    exit_code = 2

    def __init__(self, message: str, *, backup: str | None = None) -> None:
        super().__init__(message)
        self.backup = backup


class RosterLocationError(FleetError):
    """The roster cannot be locked or written where it is (a read-only directory, a
    directory where its lock file goes, ...): a configuration problem."""

    exit_code = 2


class MemberNotFoundError(FleetError):
    """No fleet member has that name."""

    exit_code = 2


class MemberExistsError(FleetError):
    """A member by that name is already in the fleet."""

    exit_code = 2

    def __init__(self, name: str) -> None:
        super().__init__(f"the fleet already has a member named {name!r}; pick another name")
        self.name = name


class MemberNameError(FleetError):
    """A member name that cannot be used (it becomes a catalog name and a file key)."""

    exit_code = 2

    def __init__(self, name: str) -> None:
        super().__init__(
            f"bad member name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
        self.name = name


class BadNameError(CatalogError):
    """A session name that cannot be used (control characters, a leading ``-``, ...)."""

    exit_code = 2


class WorktreeError(FleetError):
    """A member's git worktree could not be created, read, merged or removed (what to fix
    is in the message: not a repository, a dirty main checkout, no git identity...)."""

    exit_code = 2


class FleetNotRunningError(FleetError):
    """No live fleet listens for the roster (``fleet send``/``approve`` need one)."""

    exit_code = 2


class MergeConflictError(WorktreeError):
    """The member's branch does not apply cleanly to its base; nothing was changed."""

    exit_code = 1

    def __init__(self, message: str, files: Sequence[str]) -> None:
        super().__init__(message)
        self.files = tuple(files)


class GhNotFoundError(WorktreeError):
    """``merge --pr`` needs the GitHub CLI (``gh``), which is not installed."""

    exit_code = 2


class ControlProtocolError(FleetError):
    """The fleet's control socket and this client do not speak the same protocol."""

    exit_code = 2


class SettingsError(ConfigError):
    """claude-coder's settings file cannot be used (bad JSON, a bad key, not private)."""


class FleetRequestError(FleetError):
    """A live fleet refused a request made over its control socket as bad input."""

    exit_code = 2
