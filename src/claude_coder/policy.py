"""The permission policy: pure matching of a tool use against a profile's allow/deny rules.

A rule is a tool name, optionally with a specifier in parentheses:

- ``Read``, ``Bash``, ``mcp__github__*``: every use of the tool (``*`` in a tool name
  matches any run of characters).
- ``Bash(git *)``: the shell command matched as a glob where ``*`` matches anything;
  ``Bash(npm run test:*)`` (Claude Code's legacy form) is a prefix match on whole words.
- ``Write(src/**)``, ``Read(/etc/*)``, ``Edit(*.py)``: the file path matched as a path
  glob (``**`` crosses directories, ``*`` and ``?`` stay within one). A relative
  pattern is matched against the path relative to the session's working directory.
- ``WebFetch(domain:example.com)``: the URL's host (or any of its subdomains).

Decisions: the first matching ``deny`` rule wins, then the first matching ``allow``
rule, then the policy's ``default`` (``ask`` unless the profile says otherwise).

Shell commands are judged conservatively: a compound command (``a && b``, ``a | b``,
``a; b``) is denied when any part matches a deny rule and allowed only when every part
matches an allow rule; a command with substitution (``$(...)``, backticks) or an output
redirection is never allowed by a wildcard rule. Nothing here does I/O.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from claude_coder.errors import ConfigError

__all__ = ["Decision", "Policy", "Rule", "Verdict"]

Decision = Literal["allow", "deny", "ask"]
_DECISIONS: tuple[str, ...] = ("allow", "deny", "ask")

_RULE_RE = re.compile(r"^\s*([A-Za-z0-9_*.\-]+)\s*(?:\((.*)\))?\s*$", re.DOTALL)
_PATH_TOOLS = frozenset({"Read", "Write", "Edit", "MultiEdit", "NotebookEdit", "Glob", "Grep"})
_PATH_KEYS = ("file_path", "notebook_path", "path")
_SUBJECT_KEYS = ("command", *_PATH_KEYS, "url", "pattern", "query", "prompt")
_SHELL_SPLIT = re.compile(r"\s*(?:&&|\|\||[;|&\n])\s*")
_UNSAFE_SHELL = ("$(", "`", "<(", ">(", ">")


class _PolicySource(Protocol):
    @property
    def allow(self) -> Iterable[str]: ...

    @property
    def deny(self) -> Iterable[str]: ...

    @property
    def default(self) -> str: ...


class _ProfileLike(Protocol):
    @property
    def permission_policy(self) -> _PolicySource: ...

    @property
    def cwd(self) -> str | None: ...


def _tool_regex(name: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(p) for p in name.split("*")) + "$")


def _shell_regex(spec: str) -> re.Pattern[str]:
    if spec.endswith(":*"):
        return re.compile("^" + re.escape(spec[:-2]) + r"(?:\s.*)?$", re.DOTALL)
    return re.compile("^" + ".*".join(re.escape(p) for p in spec.split("*")) + "$", re.DOTALL)


def _path_regex(spec: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(spec):
        if spec.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif spec.startswith("**", i):
            out.append(".*")
            i += 2
        elif spec[i] == "*":
            out.append("[^/]*")
            i += 1
        elif spec[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(spec[i]))
            i += 1
    return re.compile("^" + "".join(out) + "$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Rule:
    """One parsed rule, e.g. ``Bash(git *)``."""

    text: str
    tool: str
    spec: str | None

    @classmethod
    def parse(cls, text: str) -> Rule:
        """Parse a rule; raises :class:`ConfigError` naming the bad rule."""
        m = _RULE_RE.match(text) if isinstance(text, str) else None
        if m is None:
            raise ConfigError(
                f"permission rule {text!r} is not of the form Tool or Tool(specifier), "
                "e.g. 'Read' or 'Bash(git *)'",
                path="permissionPolicy",
            )
        spec = m.group(2)
        if spec is not None and not spec.strip():
            raise ConfigError(
                f"permission rule {text!r} has an empty specifier; write {m.group(1)!r} "
                "to match every use of the tool",
                path="permissionPolicy",
            )
        return cls(text=text.strip(), tool=m.group(1), spec=spec.strip() if spec else None)

    def matches_tool(self, tool: str) -> bool:
        return bool(_tool_regex(self.tool).match(tool))

    @property
    def is_wildcard(self) -> bool:
        return self.spec is not None and "*" in self.spec


@dataclass(frozen=True, slots=True)
class Verdict:
    """A decision and the rule that made it (None when the default decided)."""

    decision: Decision
    rule: str | None = None


def _relative(path: str, cwd: str | None) -> str:
    if cwd and posixpath.isabs(path):
        root = posixpath.normpath(cwd)
        norm = posixpath.normpath(path)
        if norm == root:
            return "."
        if norm.startswith(root.rstrip("/") + "/"):
            return norm[len(root.rstrip("/")) + 1 :]
    return posixpath.normpath(path) if path else path


def _subject(tool: str, tool_input: Mapping[str, Any]) -> str | None:
    keys = _PATH_KEYS if tool in _PATH_TOOLS else _SUBJECT_KEYS
    for key in keys:
        value = tool_input.get(key)
        if isinstance(value, str):
            return value
    return None


class Policy:
    """Allow/deny rules and a default, as a profile's ``permissionPolicy`` states them."""

    def __init__(
        self,
        allow: Iterable[str] = (),
        deny: Iterable[str] = (),
        default: str = "ask",
        *,
        cwd: str | None = None,
    ) -> None:
        if default not in _DECISIONS:
            raise ConfigError(
                f"permission default {default!r} must be one of allow, deny, ask",
                path="permissionPolicy.default",
            )
        self.allow: tuple[Rule, ...] = tuple(Rule.parse(r) for r in allow)
        self.deny: tuple[Rule, ...] = tuple(Rule.parse(r) for r in deny)
        self.default: Decision = default  # type: ignore[assignment]
        self.cwd = cwd

    @classmethod
    def from_profile(cls, profile: _ProfileLike, *, cwd: str | None = None) -> Policy:
        """The policy of a profile; ``cwd`` (else the profile's) anchors relative paths."""
        pp = profile.permission_policy
        return cls(pp.allow, pp.deny, pp.default, cwd=cwd or profile.cwd)

    def __repr__(self) -> str:
        allow = [r.text for r in self.allow]
        deny = [r.text for r in self.deny]
        return f"Policy(allow={allow!r}, deny={deny!r}, default={self.default!r})"

    def decide(self, tool: str, tool_input: Mapping[str, Any] | None = None) -> Decision:
        """``allow``, ``deny`` or ``ask`` for one tool use."""
        return self.verdict(tool, tool_input).decision

    def verdict(self, tool: str, tool_input: Mapping[str, Any] | None = None) -> Verdict:
        """The decision and the rule behind it."""
        tool_input = tool_input or {}
        for rule in self.deny:
            if self._matches(rule, tool, tool_input, for_allow=False):
                return Verdict("deny", rule.text)
        for rule in self.allow:
            if self._matches(rule, tool, tool_input, for_allow=True):
                return Verdict("allow", rule.text)
        if tool == "Bash" and self._allowed_part_by_part(tool_input):
            return Verdict("allow", "+".join(r.text for r in self.allow if r.tool == "Bash"))
        return Verdict(self.default, None)

    def _matches(
        self, rule: Rule, tool: str, tool_input: Mapping[str, Any], *, for_allow: bool
    ) -> bool:
        if not rule.matches_tool(tool):
            return False
        if rule.spec is None:
            return True
        subject = _subject(tool, tool_input)
        if subject is None:
            return False
        if tool == "Bash":
            return self._shell_match(rule, subject, for_allow=for_allow)
        if tool in _PATH_TOOLS:
            return self._path_match(rule.spec, subject)
        if rule.spec.startswith("domain:"):
            host = urlsplit(subject).hostname or ""
            want = rule.spec[len("domain:") :].lower()
            return host == want or host.endswith("." + want)
        return bool(_shell_regex(rule.spec).match(subject))

    def _shell_match(self, rule: Rule, command: str, *, for_allow: bool) -> bool:
        assert rule.spec is not None
        pattern = _shell_regex(rule.spec)
        parts = [p for p in _SHELL_SPLIT.split(command.strip()) if p]
        if not for_allow:
            return bool(pattern.match(command.strip())) or any(pattern.match(p) for p in parts)
        if len(parts) != 1:
            return False  # compound commands are judged part by part
        if rule.is_wildcard and any(tok in command for tok in _UNSAFE_SHELL):
            return False
        return bool(pattern.match(parts[0]))

    def _allowed_part_by_part(self, tool_input: Mapping[str, Any]) -> bool:
        command = tool_input.get("command")
        if not isinstance(command, str):
            return False
        parts = [p for p in _SHELL_SPLIT.split(command.strip()) if p]
        if len(parts) < 2:
            return False
        return all(
            any(
                self._matches(rule, "Bash", {"command": part}, for_allow=True)
                for rule in self.allow
            )
            for part in parts
        )

    def _path_match(self, spec: str, path: str) -> bool:
        pattern = _path_regex(spec)
        if posixpath.isabs(spec):
            return bool(pattern.match(posixpath.normpath(path)))
        rel = _relative(path, self.cwd)
        if posixpath.isabs(rel):
            return False  # outside the working directory: only absolute rules match
        return bool(pattern.match(rel))
