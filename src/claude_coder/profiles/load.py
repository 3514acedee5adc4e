"""Finding, reading and checking a profiles file, plus the built-in ``claude-code-expert``.

Where the file is: ``--profiles FILE``, else ``$CLAUDE_CODER_PROFILES``, else
``profiles.json`` in the platform's user config dir for ``claude-coder`` (optional: a
missing default file means only the built-in profile). The file holds a JSON array of
profile objects. Every problem is collected as a :class:`ProfileProblem` (one line, with
the file and the JSON path); loading refuses a file with any problem.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import ValidationError

from claude_coder.errors import (
    ProfileCycleError,
    ProfileNotFoundError,
    ProfilesInvalidError,
)
from claude_coder.profiles.inherit import chain, resolve
from claude_coder.profiles.model import Profile, ProfileSpec, SecretRef
from claude_coder.security.auth import check_profile_env, profile_env_problems
from claude_coder.security.files import private_problem

__all__ = [
    "BUILTIN_NAME",
    "BUILTIN_PROFILES",
    "PROFILES_ENV",
    "ProfileProblem",
    "ProfileSet",
    "ProfilesInvalidError",
    "default_profiles_path",
    "find_profiles_file",
    "inspect_profiles",
    "load_profiles",
    "profiles_from_data",
]

PROFILES_ENV = "CLAUDE_CODER_PROFILES"
BUILTIN_NAME = "claude-code-expert"
BUILTIN_PROFILES: tuple[ProfileSpec, ...] = (ProfileSpec(name=BUILTIN_NAME, transport="sdk"),)
"""The single built-in profile: Claude Code as it is, on the sdk transport."""

_BUILTIN_SOURCE = "built-in"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class ProfileProblem:
    """One thing wrong in a profiles file; ``str()`` is the one-line message."""

    file: str
    path: str
    """JSON path, e.g. ``$[1].env.ANTHROPIC_API_KEY``."""
    message: str
    profile: str | None = None
    variable: str | None = None
    """For a refused credential: the variable's name (never its value)."""

    def __str__(self) -> str:
        who = f"profile {self.profile!r}: " if self.profile else ""
        return f"{self.file}: {who}{self.path}: {self.message}"


def json_path(index: int | None, loc: tuple[str | int, ...] = ()) -> str:
    """``$[index]`` followed by ``loc`` in JSON path notation."""
    out = "$" if index is None else f"$[{index}]"
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


def default_profiles_path() -> Path:
    """``profiles.json`` in the platform's user config dir for ``claude-coder``."""
    return platformdirs.user_config_path("claude-coder") / "profiles.json"


def find_profiles_file(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Path, str, bool]:
    """(file, why it was chosen, whether it must exist)."""
    env = os.environ if environ is None else environ
    if path is not None:
        return Path(path).expanduser(), "--profiles", True
    if env.get(PROFILES_ENV):
        return Path(env[PROFILES_ENV]).expanduser(), f"${PROFILES_ENV}", True
    return default_profiles_path(), "user config dir", False


@dataclass(frozen=True, slots=True)
class _Entry:
    spec: ProfileSpec
    index: int | None
    source: str


class ProfileSet:
    """The profiles a user can start sessions from: the built-in one plus a file's.

    ``get(name)`` resolves through ``extends`` (cached) and checks the auth invariant.
    """

    def __init__(
        self,
        entries: list[_Entry],
        *,
        path: Path | None = None,
        origin: str = "",
        looked_in: Path | None = None,
    ) -> None:
        self._entries = {e.spec.name: e for e in entries}
        self._specs = {name: e.spec for name, e in self._entries.items()}
        self._resolved: dict[str, Profile] = {}
        self.path = path
        """The profiles file read (None when only the built-in is known)."""
        self.origin = origin
        """Why that file: ``--profiles``, ``$CLAUDE_CODER_PROFILES`` or ``user config dir``."""
        self.looked_in = looked_in or path
        """The file looked for, whether or not it exists."""

    @property
    def where(self) -> str:
        """The file and why it was chosen, always naming the path looked in."""
        if self.path is not None:
            return f"{self.path} ({self.origin})"
        if self.looked_in is not None:
            return f"no file at {self.looked_in} ({self.origin})"
        return f"no file ({self.origin})" if self.origin else "no file"

    def __repr__(self) -> str:
        return f"ProfileSet({self.names()!r}, path={str(self.path) if self.path else None!r})"

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        """Every profile name: the built-in first, then the file's in file order."""
        return list(self._entries)

    def spec(self, name: str) -> ProfileSpec:
        """The profile as written, before ``extends``."""
        self._require(name)
        return self._specs[name]

    def source(self, name: str) -> str:
        """Where the profile is defined: ``built-in`` or the file path."""
        self._require(name)
        return self._entries[name].source

    def _require(self, name: str) -> None:
        if name not in self._entries:
            known = ", ".join(self.names())
            raise ProfileNotFoundError(
                f"no profile named {name!r} in {self.where} (known: {known})"
            )

    def _where(self, name: str) -> tuple[str | None, str | None]:
        entry = self._entries.get(name)
        if entry is None or entry.index is None:
            return entry.source if entry else None, None
        return entry.source, json_path(entry.index, ("extends",))

    def get(self, name: str) -> Profile:
        """The profile ``name`` resolved through ``extends``."""
        self._require(name)
        if name not in self._resolved:
            profile = resolve(name, self._specs, where=self._where)
            check_profile_env(name, profile.env)
            self._resolved[name] = profile
        return self._resolved[name]

    def chain(self, name: str) -> list[str]:
        """``name`` and its ancestors, nearest first."""
        return [s.name for s in chain(name, self._specs, where=self._where)]


_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "is required",
    "tuple_type": "must be an array of strings",
    "list_type": "must be an array",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
}


def _builtin_entries() -> list[_Entry]:
    return [_Entry(spec, None, _BUILTIN_SOURCE) for spec in BUILTIN_PROFILES]


def _env_problems(item: Mapping[str, Any], index: int, file: str) -> list[ProfileProblem]:
    env = item.get("env")
    if not isinstance(env, Mapping):
        return []
    name = item.get("name") if isinstance(item.get("name"), str) else None
    return [
        ProfileProblem(
            file,
            json_path(index, ("env", p.variable)),
            f"env {p.variable} {p.reason}",
            profile=name,
            variable=p.variable,
        )
        for p in profile_env_problems(env)
    ]


def _parse_item(
    item: object, index: int, file: str
) -> tuple[ProfileSpec | None, list[ProfileProblem]]:
    if not isinstance(item, dict):
        return None, [ProfileProblem(file, json_path(index), "must be a JSON object")]
    name = item.get("name") if isinstance(item.get("name"), str) else None
    problems = _env_problems(item, index, file)
    try:
        spec = ProfileSpec.model_validate(item)
    except ValidationError as exc:
        for err in exc.errors(include_input=False, include_url=False):
            message = _MESSAGES.get(err["type"], err["msg"])
            problems.append(ProfileProblem(file, json_path(index, err["loc"]), message, name))
        return None, problems
    return spec, problems


def _parse_entries(data: Any, file: str) -> tuple[list[_Entry], list[ProfileProblem]]:
    if not isinstance(data, list):
        return [], [ProfileProblem(file, "$", "must be a JSON array of profile objects")]
    entries: list[_Entry] = []
    problems: list[ProfileProblem] = []
    first: dict[str, int] = {spec.name: -1 for spec in BUILTIN_PROFILES}
    for index, item in enumerate(data):
        spec, found = _parse_item(item, index, file)
        problems += found
        if spec is None:
            continue
        if spec.name in first:
            where = first[spec.name]
            message = (
                f"{spec.name!r} is the built-in profile's name; choose another name"
                if where < 0
                else f"duplicate profile name {spec.name!r} (first at {json_path(where)})"
            )
            problems.append(ProfileProblem(file, json_path(index, ("name",)), message, spec.name))
            continue
        first[spec.name] = index
        entries.append(_Entry(spec, index, file))
    return entries, problems


def _resolution_problems(
    pset: ProfileSet, entries: list[_Entry], invalid: set[str]
) -> list[ProfileProblem]:
    problems: list[ProfileProblem] = []
    seen_cycles: set[frozenset[str]] = set()
    for entry in entries:
        name, file = entry.spec.name, entry.source
        try:
            lineage = pset.chain(name)
        except ProfileCycleError as exc:
            if frozenset(exc.cycle) not in seen_cycles:
                seen_cycles.add(frozenset(exc.cycle))
                head = pset._entries[exc.cycle[0]]
                path = json_path(head.index, ("extends",))
                message = "extends cycle: " + " -> ".join(exc.cycle)
                problems.append(ProfileProblem(file, path, message, exc.cycle[0]))
            continue
        except ProfileNotFoundError as exc:
            if exc.profile == name:
                parent = entry.spec.extends
                why = "has errors (see its own lines)" if parent in invalid else "is not defined"
                message = f"extends {parent!r}, which {why}"
                problems.append(ProfileProblem(file, exc.path or "$", message, name))
            continue
        problems += _inherited_problems(pset, entry, lineage)
    return problems


def _inherited_problems(
    pset: ProfileSet, entry: _Entry, lineage: list[str]
) -> list[ProfileProblem]:
    own = set((entry.spec.env or {}).keys())
    resolved = resolve(entry.spec.name, pset._specs)
    out: list[ProfileProblem] = []
    for p in profile_env_problems(resolved.env):
        if p.variable in own:
            continue
        origin = next(n for n in lineage[1:] if p.variable in (pset.spec(n).env or {}))
        out.append(
            ProfileProblem(
                entry.source,
                json_path(entry.index, ("extends",)),
                f"env {p.variable} (inherited from {origin!r}) {p.reason}",
                entry.spec.name,
                p.variable,
            )
        )
    for name in (
        n for n in resolved.send_secrets if not isinstance(resolved.env.get(n), SecretRef)
    ):
        why = f"names {name!r}, which is not a secretRef entry of env"
        where = json_path(entry.index, ("sendSecrets",))
        out.append(ProfileProblem(entry.source, where, why, entry.spec.name))
    return out


def _check(
    data: Any, file: str, path: Path | None, origin: str
) -> tuple[ProfileSet, list[ProfileProblem]]:
    entries, problems = _parse_entries(data, file)
    pset = ProfileSet(_builtin_entries() + entries, path=path, origin=origin)
    invalid = {p.profile for p in problems if p.profile}
    problems += _resolution_problems(pset, entries, invalid)
    return pset, sorted(problems, key=_position)


def _position(problem: ProfileProblem) -> int:
    match = re.match(r"\$\[(\d+)\]", problem.path)
    return int(match.group(1)) if match else -1


def _read(file: Path) -> tuple[Any, list[ProfileProblem]]:
    shown = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except IsADirectoryError:
        return None, [ProfileProblem(shown, "$", "is a directory, not a profiles file")]
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        return None, [ProfileProblem(shown, "$", f"cannot be read ({reason})")]
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        message = f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        return None, [ProfileProblem(shown, "$", message)]


def inspect_profiles(
    path: str | Path | None = None, *, environ: Mapping[str, str] | None = None
) -> tuple[ProfileSet, list[ProfileProblem]]:
    """Read and check the profiles file; return the valid profiles and every problem."""
    file, origin, required = find_profiles_file(path, environ)
    if not file.exists():
        problems = (
            [ProfileProblem(str(file), "$", f"no such file (named by {origin})")]
            if required
            else []
        )
        return ProfileSet(_builtin_entries(), origin=origin, looked_in=file), problems
    unsafe = private_problem(file)
    if unsafe is not None:
        problem = ProfileProblem(str(file), "$", unsafe.message("profiles file"))
        return ProfileSet(_builtin_entries(), path=file, origin=origin), [problem]
    data, problems = _read(file)
    if problems:
        return ProfileSet(_builtin_entries(), path=file, origin=origin), problems
    return _check(data, str(file), file, origin)


def load_profiles(
    path: str | Path | None = None, *, environ: Mapping[str, str] | None = None
) -> ProfileSet:
    """The profiles from ``path`` (else ``$CLAUDE_CODER_PROFILES``, else the user config
    dir) plus the built-in ``claude-code-expert``.

    Raises :class:`ProfilesInvalidError` listing every problem when the file has any.
    """
    pset, problems = inspect_profiles(path, environ=environ)
    if problems:
        raise ProfilesInvalidError(problems)
    return pset


def profiles_from_data(data: Any, *, file: str = "<memory>") -> ProfileSet:
    """A :class:`ProfileSet` from already-parsed JSON (a list of profile objects)."""
    pset, problems = _check(data, file, None, file)
    if problems:
        raise ProfilesInvalidError(problems)
    return pset
