"""``usage``: pricing, counting each message once, the cache, the views and the command."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.support.transcripts import TranscriptBuilder, real_usage

from claude_coder.catalog.pricing import canonical_model, message_cost
from claude_coder.catalog.usage import default_usage_cache, load_usage
from claude_coder.catalog.usage_report import build_report
from claude_coder.cli.main import main


def _config() -> Path:
    return Path(os.environ["CLAUDE_CONFIG_DIR"])


def _session(when: datetime, *, entrypoint: str = "cli", **kw: Any) -> TranscriptBuilder:
    b = TranscriptBuilder(start=when, entrypoint=entrypoint, **kw)
    b.user("hi")
    return b


def _totals(view: str = "daily", **kw: Any) -> dict[str, Any]:
    data = load_usage(_config(), default_usage_cache(_config() / "projects"))
    report: dict[str, Any] = build_report(data, view, tz_name="UTC", **kw).to_json()
    return report


# ---- pricing --------------------------------------------------------------------------


def test_price_table_reproduces_claude_codes_own_cost() -> None:
    # A -p turn of the real 2.1.331 on claude-sonnet-5-5 reported costUSD 0.023018 for:
    usage = real_usage(5420, 23, cache_write=3606, cache_read=15830, one_hour=900)
    assert message_cost("claude-sonnet-5-5", usage) == pytest.approx(0.023018, abs=1e-9)
    # ... and on claude-opus-5-5 0.0232782 for:
    usage = real_usage(2673, 1, cache_write=1870, cache_read=9076, one_hour=467)
    assert message_cost("claude-opus-5-5", usage) == pytest.approx(0.0232782, abs=1e-9)


def test_model_ids_are_matched_across_dates_and_providers() -> None:
    for spelled in (
        "claude-sonnet-4-5-20250929",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "claude-sonnet-4-5@20250929",
    ):
        assert canonical_model(spelled) == "claude-sonnet-4-5"
    assert canonical_model("claude-opus-4-20250514") == "claude-opus-4-0"
    assert message_cost("claude-haiku-4-5-20251001", real_usage(1_000_000, 0)) == pytest.approx(1)


def test_unknown_model_and_unpriced_speed_have_no_cost() -> None:
    assert message_cost("gpt-99", real_usage(10, 10)) is None
    fast = {**real_usage(10, 10), "speed": "fast"}
    assert message_cost("claude-sonnet-5-5", fast) is None  # no fast rate for it
    assert message_cost("claude-opus-5-5", fast) == pytest.approx((10 * 8 + 10 * 40) / 1e6)


def test_long_prompt_rate_applies_to_the_whole_request() -> None:
    short = message_cost("claude-haiku-5-5", real_usage(100_000, 0))
    long = message_cost("claude-haiku-5-5", real_usage(100_001, 0))
    assert short == pytest.approx(100_000 * 0.1 / 1e6)
    assert long == pytest.approx(100_001 * 0.5 / 1e6)


# ---- counting -------------------------------------------------------------------------


def test_a_response_written_as_several_lines_is_counted_once() -> None:
    b = _session(datetime(2026, 11, 3, 10, tzinfo=UTC))
    b.split_reply("looking", "Bash", {"command": "ls"}, usage=real_usage(100, 20, 300, 40, 100))
    no_request_id = b.assistant("again", usage=real_usage(1, 1))
    b.add("{not json")
    path = b.write()
    lines = path.read_text().splitlines()
    original = next(line for line in lines if no_request_id in line)
    rec = json.loads(original)
    rec.pop("requestId")
    lines.remove(original)
    lines += [json.dumps(rec), json.dumps(rec)]  # spaced JSON, twice, no request id
    path.write_text("\n".join(lines) + "\n")
    total = _totals()["totals"]["total"]
    assert (total["inputTokens"], total["outputTokens"]) == (101, 21)
    assert (total["cacheCreationTokens"], total["cacheReadTokens"]) == (300, 40)
    assert total["messages"] == 2


def test_a_forked_history_is_counted_once_and_subagents_count() -> None:
    b = _session(datetime(2026, 11, 3, 10, tzinfo=UTC))
    b.assistant("a", usage=real_usage(10, 1))
    path = b.write()
    fork = path.with_name("0f0f0f0f-0000-4000-8000-000000000000.jsonl")
    fork.write_text(path.read_text().replace(b.session_id, fork.stem))
    later = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(fork, ns=(later, later))
    agent = TranscriptBuilder(session_id=b.session_id, start=b.start)
    agent.assistant("sub", sidechain=True, usage=real_usage(5, 5))
    b.write_subagent(agent)
    sessions = _totals("session")["rows"]
    assert [(s["sessionId"], s["total"]["inputTokens"]) for s in sessions] == [(b.session_id, 15)]
    assert _totals()["totals"]["total"]["messages"] == 2


def test_rows_split_by_billing_pool() -> None:
    when = datetime(2026, 11, 3, 10, tzinfo=UTC)
    for entrypoint, tokens in (("cli", 1), ("sdk-cli", 20), ("sdk-py", 300), ("other-app", 4000)):
        b = _session(when, entrypoint=entrypoint)
        b.assistant("x", usage=real_usage(tokens, 0))
        b.write()
    day = _totals()["rows"][0]
    assert day["interactive"]["inputTokens"] == 1
    assert day["programmatic"]["inputTokens"] == 320
    assert day["other"]["inputTokens"] == 4000


# ---- the cache --------------------------------------------------------------------------


def test_only_changed_files_are_read_again_and_a_corrupt_cache_is_rebuilt() -> None:
    paths = []
    for i in range(3):
        b = _session(datetime(2026, 11, 3, 10 + i, tzinfo=UTC))
        b.assistant("x", usage=real_usage(10, 1))
        paths.append(b.write())
    cache = default_usage_cache(_config() / "projects")
    first = load_usage(_config(), cache)
    assert (first.read, first.cached, first.cache_rebuilt) == (3, 0, True)
    again = load_usage(_config(), cache)
    assert (again.read, again.cached, again.cache_rebuilt) == (0, 3, False)
    b = TranscriptBuilder()
    b.assistant("y", usage=real_usage(5, 0))
    with paths[1].open("a") as fh:
        fh.write(b.text())
    changed = load_usage(_config(), cache)
    assert (changed.read, changed.cached) == (1, 2)
    expected = _totals()["totals"]
    for garbage in ("{torn", json.dumps({"format": "other"})):
        cache.write_text(garbage)
        rebuilt = load_usage(_config(), cache)
        assert rebuilt.cache_rebuilt and rebuilt.read == 3
        assert _totals()["totals"] == expected
    good = json.loads(cache.read_text())
    lies: list[tuple[str, Any]] = [
        ("columns", ["AAAA"] * 12),  # packed, but not one number per bucket
        ("columns", good["files"]["columns"][:11]),  # a column short
        ("keys", "not base64!"),
        ("key_bytes", "AAAA"),  # fewer key bytes than the counts say
        ("buckets", "////////////////////w=="),  # a negative count
        ("models", []),  # a model index with no name
        ("counted", {"7": []}),  # a file that is not there
        ("counted", {"0": [["bad"] * 12]}),  # right shape, wrong types
        ("session", [1, 2, 3]),
        ("path", good["files"]["path"][:2]),  # columns of different lengths
    ]
    for name, lie in lies:
        data = json.loads(json.dumps(good))
        data["files"][name] = lie
        cache.write_text(json.dumps(data))
        assert load_usage(_config(), cache).cache_rebuilt, name
        assert _totals()["totals"] == expected


# ---- views ----------------------------------------------------------------------------


def _late_evening() -> None:
    b = _session(datetime(2026, 11, 3, 22, 50, tzinfo=UTC))  # 23:50 in Berlin, 3 Nov
    b.assistant("x", usage=real_usage(10, 1))
    b.assistant("x", usage=real_usage(10, 1))  # ...
    b.start = datetime(2026, 11, 3, 23, 30, tzinfo=UTC)  # 00:30 in Berlin, 4 Nov
    b.assistant("y", usage=real_usage(7, 1))
    b.write()


def test_days_are_local_dates_in_the_stated_zone() -> None:
    _late_evening()
    data = load_usage(_config(), None)
    utc = build_report(data, "daily", tz_name="UTC").to_json()
    berlin = build_report(data, "daily", tz_name="Europe/Berlin").to_json()
    assert [r["date"] for r in utc["rows"]] == ["2026-11-03"]
    assert [(r["date"], r["total"]["inputTokens"]) for r in berlin["rows"]] == [
        ("2026-11-03", 20),
        ("2026-11-04", 7),
    ]
    assert berlin["timezone"] == "Europe/Berlin"
    since = build_report(data, "daily", tz_name="Europe/Berlin", since=date(2026, 11, 4))
    assert [r.key for r in since.rows] == ["2026-11-04"]
    until = build_report(data, "monthly", tz_name="Europe/Berlin", until=date(2026, 11, 3))
    assert [(r.key, r.total().input) for r in until.rows] == [("2026-11", 20)]


def test_blocks_start_on_the_hour_and_end_after_five_hours_or_a_gap() -> None:
    for hour, minute in ((9, 20), (13, 10), (14, 30), (21, 0)):
        b = _session(datetime(2026, 11, 3, hour, minute, tzinfo=UTC))
        b.assistant("x", usage=real_usage(1, 1))
        b.write()
    now = int(datetime(2026, 11, 3, 21, 30, tzinfo=UTC).timestamp() * 1000)
    blocks = build_report(load_usage(_config(), None), "blocks", tz_name="UTC", now_ms=now)
    got = [(r.fields["start"], r.total().messages, r.fields["active"]) for r in blocks.rows]
    assert got == [
        ("2026-11-03T09:00+00:00", 2, False),  # 09:20 and 13:10 (within 5 h of 09:00)
        ("2026-11-03T14:00+00:00", 1, False),  # 14:30 is past 14:00
        ("2026-11-03T21:00+00:00", 1, True),  # after a gap of more than 5 hours
    ]


def test_model_and_project_views() -> None:
    a = _session(datetime(2026, 11, 3, 9, tzinfo=UTC), cwd="/work/a")
    a.assistant("x", usage=real_usage(10, 0), model="claude-opus-5-5")
    a.assistant("x", usage=real_usage(1, 0), model="mystery-model")
    a.write()
    b = _session(datetime(2026, 11, 3, 9, tzinfo=UTC), cwd="/work/b")
    b.assistant("x", usage=real_usage(100, 0))
    b.write()
    models = _totals("model")
    assert [(r["model"], r["total"]["inputTokens"]) for r in models["rows"]] == [
        ("claude-sonnet-5-5", 100),
        ("claude-opus-5-5", 10),
        ("mystery-model", 1),
    ]
    mystery = models["rows"][2]["total"]
    assert (mystery["costUSD"], mystery["costComplete"]) == (None, False)
    assert models["totals"]["total"]["costComplete"] is False
    assert models["unpricedModels"] == ["mystery-model"]
    projects = _totals("project")["rows"]
    assert [(r["project"], r["total"]["inputTokens"]) for r in projects] == [
        ("/work/b", 100),
        ("/work/a", 11),
    ]


# ---- the command ----------------------------------------------------------------------


def test_command_prints_one_tab_separated_row_per_line_when_piped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    b = _session(datetime(2026, 11, 3, 9, tzinfo=UTC), entrypoint="cli")
    b.assistant("x", usage=real_usage(10, 2, 30, 40))
    b.write()
    c = _session(datetime(2026, 11, 3, 10, tzinfo=UTC), entrypoint="sdk-cli")
    c.assistant("x", usage=real_usage(1, 1), model="mystery-model")
    c.write()
    assert main(["usage", "-z", "Europe/Berlin"]) == 0
    out, err = capsys.readouterr()
    lines = [line.split("\t") for line in out.splitlines()]
    assert lines[0][:2] == ["DATE (Europe/Berlin)", "KIND"]
    assert [cells[:2] for cells in lines[1:]] == [
        ["2026-11-03", "interactive"],
        ["2026-11-03", "programmatic"],
        ["2026-11-03", "all"],
        ["TOTAL", "interactive"],
        ["TOTAL", "programmatic"],
        ["TOTAL", "all"],
    ]
    assert lines[1][2:7] == ["10", "2", "30", "40", "82"]
    assert lines[2][-1] == "?" and lines[3][-1].endswith(" + ?")
    assert "no price for mystery-model" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "not a date"),
        (["--since", "2026-11-05", "--until", "2026-11-01"], "after --until"),
        (["-z", "Mars/Olympus"], "unknown time zone"),
        (["hourly"], "hourly"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["usage", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_no_transcripts_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["usage"]) == 0
    assert "(no usage in" in capsys.readouterr().out
