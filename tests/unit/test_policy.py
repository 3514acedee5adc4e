"""The permission-rule matcher: rule forms, precedence, shell and path globs, bad rules."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from claude_coder.errors import ConfigError
from claude_coder.policy import Policy, Rule


def bash(cmd: str) -> dict[str, str]:
    return {"command": cmd}


@pytest.mark.parametrize(
    ("rule", "command", "expected"),
    [
        ("Bash(git *)", "git status", "allow"),
        ("Bash(git *)", "git log --oneline -n 3", "allow"),
        ("Bash(git *)", "gitk", "ask"),
        ("Bash(git *)", "echo git x", "ask"),
        ("Bash(git status)", "git status", "allow"),
        ("Bash(git status)", "git status --short", "ask"),
        ("Bash(npm run test:*)", "npm run test", "allow"),
        ("Bash(npm run test:*)", "npm run test -- -k x", "allow"),
        ("Bash(npm run test:*)", "npm run testing", "ask"),
        ("Bash", "rm -rf /tmp/x", "allow"),
        ("Bash(*)", "anything at all", "allow"),
    ],
)
def test_bash_rules(rule: str, command: str, expected: str) -> None:
    assert Policy(allow=[rule]).decide("Bash", bash(command)) == expected


def test_first_matching_deny_wins_over_allow() -> None:
    p = Policy(allow=["Bash(git *)", "Bash"], deny=["Bash(git push *)"])
    assert p.decide("Bash", bash("git push origin main")) == "deny"
    assert p.decide("Bash", bash("git pull")) == "allow"
    verdict = p.verdict("Bash", bash("git push --force"))
    assert verdict.rule == "Bash(git push *)"


def test_default_applies_when_nothing_matches() -> None:
    assert Policy().decide("Write", {"file_path": "/x"}) == "ask"
    assert Policy(default="deny").decide("Write", {"file_path": "/x"}) == "deny"
    assert Policy(default="allow").decide("Write", {"file_path": "/x"}) == "allow"
    assert Policy(default="allow").verdict("Write", {}).rule is None


def test_compound_commands_are_judged_part_by_part() -> None:
    p = Policy(allow=["Bash(git *)", "Bash(ls *)"], deny=["Bash(rm *)"])
    assert p.decide("Bash", bash("git status && rm -rf /")) == "deny"
    assert p.decide("Bash", bash("ls -la | rm x")) == "deny"
    assert p.decide("Bash", bash("git status && curl evil.sh")) == "ask"
    assert p.decide("Bash", bash("git status; ls -la")) == "allow"
    assert p.decide("Bash", bash("git add . && git commit -m x")) == "allow"


def test_wildcard_allow_never_covers_substitution_or_redirection() -> None:
    p = Policy(allow=["Bash(git *)", "Bash(echo *)"])
    assert p.decide("Bash", bash("git log $(rm -rf /)")) == "ask"
    assert p.decide("Bash", bash("git log `whoami`")) == "ask"
    assert p.decide("Bash", bash("echo hi > ~/.bashrc")) == "ask"
    assert Policy(allow=["Bash(echo hi > out.txt)"]).decide("Bash", bash("echo hi > out.txt")) == (
        "allow"
    )


@pytest.mark.parametrize(
    ("rule", "path", "expected"),
    [
        ("Write(src/**)", "/repo/src/a.py", "allow"),
        ("Write(src/**)", "/repo/src/deep/er/a.py", "allow"),
        ("Write(src/**)", "src/a.py", "allow"),
        ("Write(src/**)", "/repo/tests/a.py", "ask"),
        ("Write(src/**)", "/elsewhere/src/a.py", "ask"),
        ("Write(src/*.py)", "/repo/src/a.py", "allow"),
        ("Write(src/*.py)", "/repo/src/sub/a.py", "ask"),
        ("Write(**/*.md)", "/repo/docs/x/readme.md", "allow"),
        ("Write(**/*.md)", "/repo/readme.md", "allow"),
        ("Write(/etc/**)", "/etc/passwd", "allow"),
        ("Write(/etc/**)", "/repo/etc/passwd", "ask"),
        ("Write(src/**)", "/repo/src/../../etc/passwd", "ask"),
        ("Write(a?.txt)", "/repo/ab.txt", "allow"),
    ],
)
def test_path_rules_are_relative_to_cwd(rule: str, path: str, expected: str) -> None:
    p = Policy(allow=[rule], cwd="/repo")
    assert p.decide("Write", {"file_path": path}) == expected


def test_tool_name_rules_and_wildcards() -> None:
    p = Policy(allow=["Read", "mcp__github__*"], deny=["WebFetch(domain:evil.com)"])
    assert p.decide("Read", {"file_path": "/anything"}) == "allow"
    assert p.decide("ReadMore", {}) == "ask"
    assert p.decide("mcp__github__create_issue", {}) == "allow"
    assert p.decide("mcp__gitlab__x", {}) == "ask"
    assert p.decide("WebFetch", {"url": "https://api.evil.com/x"}) == "deny"
    assert p.decide("WebFetch", {"url": "https://notevil.com/x"}) == "ask"


def test_a_rule_with_a_specifier_needs_a_subject() -> None:
    p = Policy(allow=["Write(src/**)"])
    assert p.decide("Write", {}) == "ask"
    assert p.decide("Write", {"file_path": 3}) == "ask"


@pytest.mark.parametrize("bad", ["", "Bash(", "Bash()", "Ba sh", "Bash(git *) extra", "(x)"])
def test_bad_rules_are_config_errors_naming_the_rule(bad: str) -> None:
    with pytest.raises(ConfigError) as info:
        Policy(allow=[bad])
    assert repr(bad) in str(info.value)


def test_bad_default_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="must be one of allow, deny, ask"):
        Policy(default="maybe")


def test_rule_parse_keeps_the_parts() -> None:
    rule = Rule.parse("Bash(git *)")
    assert (rule.tool, rule.spec, rule.text) == ("Bash", "git *", "Bash(git *)")
    assert Rule.parse("Read").spec is None


@dataclass
class _PP:
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    default: str = "ask"


@dataclass
class _Prof:
    permission_policy: _PP = field(default_factory=_PP)
    cwd: str | None = None


def test_from_profile_uses_its_rules_and_cwd() -> None:
    prof = _Prof(_PP(allow=("Write(src/**)",), deny=("Read",), default="deny"), cwd="/w")
    p = Policy.from_profile(prof)
    assert p.decide("Write", {"file_path": "/w/src/x"}) == "allow"
    assert p.decide("Read", {}) == "deny"
    assert p.decide("Glob", {}) == "deny"
    assert "Write(src/**)" in repr(p)
    assert Policy.from_profile(prof, cwd="/other").decide("Write", {"file_path": "/w/src/x"}) == (
        "deny"
    )
