"""The catalog reader: names, titles, summaries, and every kind of bad file."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from tests.unit.test_catalog_builders import Tx, line, our_view, sdk_view

from claude_coder.catalog import Catalog
from claude_coder.catalog.reader import FileFacts, Skipped, first_prompt, read_transcript

MB = 1024 * 1024


def facts(tx: Tx, tmp_path: Path) -> FileFacts:
    got = read_transcript(tx.write(tmp_path), tx.sid)
    assert isinstance(got, FileFacts), got
    return got


def test_the_last_custom_title_is_the_name(tmp_path: Path) -> None:
    tx = Tx().title("first").user("hello").assistant("hi").title("second").title("third")
    got = facts(tx, tmp_path)
    assert (got.name, got.title, got.summary) == ("third", "third", "third")


def test_an_ai_title_is_a_title_but_never_a_name(tmp_path: Path) -> None:
    got = facts(Tx().user("hello").assistant("hi").ai_title("Greeting chat"), tmp_path)
    assert got.name is None
    assert (got.title, got.summary) == ("Greeting chat", "Greeting chat")


def test_a_name_beats_an_ai_title_written_after_it(tmp_path: Path) -> None:
    got = facts(Tx().title("mine").user("hello").ai_title("Generated"), tmp_path)
    assert (got.name, got.title) == ("mine", "mine")


def test_summary_precedence_without_a_title(tmp_path: Path) -> None:
    tx = Tx().user("first prompt").assistant("ok")
    assert facts(tx, tmp_path).summary == "first prompt"
    tx.record(type="summary", summary="a summary", leafUuid=tx.last)
    assert facts(tx, tmp_path).summary == "a summary"
    tx.last_prompt("latest prompt")
    got = facts(tx, tmp_path)
    assert got.summary == "latest prompt"


def test_first_prompt_skips_what_a_person_did_not_type() -> None:
    tx = (
        Tx()
        .user("<command-name>/clear</command-name>")
        .user("ignored", isMeta=True)
        .user([{"type": "tool_result", "tool_use_id": "t", "content": "out"}])
        .user("[Request interrupted by user]")
        .user("<local-command-stdout>x</local-command-stdout>")
        .user("  <ide_selection>code</ide_selection>  ")
        .user([{"type": "text", "text": "  real\nprompt  "}])
    )
    assert first_prompt(tx.text().encode()) == "real prompt"
    assert (
        first_prompt(Tx().user("<command-name>/clear</command-name>").text().encode()) == "/clear"
    )


def test_first_prompt_is_cut_to_200_characters() -> None:
    got = first_prompt(Tx().user("word " * 100).text().encode())
    assert got is not None and len(got) == 200 and got.endswith("\u2026")


def test_cwd_branch_and_created_come_from_the_records(tmp_path: Path) -> None:
    tx = Tx(cwd="/srv/odd dir", branch="feature/x").user("hi", timestamp="2026-01-02T03:04:05.000Z")
    got = facts(tx, tmp_path)
    assert (got.cwd, got.git_branch, got.created_ms) == ("/srv/odd dir", "feature/x", 1767323045000)


def test_escaped_values_are_decoded(tmp_path: Path) -> None:
    name = 'quote " back \\ tab \t snow ☃ "customTitle":"fake"'
    got = facts(Tx().user("hi").title(name), tmp_path)
    assert got.name == name


def test_sidechain_and_metadata_only_files_are_skipped(tmp_path: Path) -> None:
    side = Tx().user("sub task", isSidechain=True)
    meta = Tx().record(type="mode", mode="normal").record(type="cost-state", totalCostUSD=0)
    assert read_transcript(side.write(tmp_path), side.sid) == Skipped(
        "sidechain", *_key(side, tmp_path)
    )
    got = read_transcript(meta.write(tmp_path), meta.sid)
    assert isinstance(got, Skipped) and got.reason == "no conversation"


def _key(tx: Tx, root: Path) -> tuple[int, int]:
    st = (root / "projects" / tx.cwd.replace("/", "-") / f"{tx.sid}.jsonl").stat()
    return st.st_size, st.st_mtime_ns


def test_a_name_in_the_tail_beyond_a_huge_line(tmp_path: Path) -> None:
    """A 50 MB line in the middle: the head and tail windows still hold what matters."""
    tx = Tx().title("big").user("look at this").assistant("x" * (50 * MB)).title("big-renamed")
    got = facts(tx, tmp_path)
    assert got.name == "big-renamed"
    assert first_prompt(tx.text().encode()[: 64 * 1024]) == "look at this"


# --- bad files, through a whole listing: each listed or counted, never an exception ---


def _bad_corpus(config: Path, *, fifo: bool = True) -> dict[str, str]:
    """Write one transcript per bad case; return {session id: expected outcome}."""
    expect: dict[str, str] = {}
    ok = Tx().user("fine").title("ok")
    ok.write(config)
    expect[ok.sid] = "listed"
    corrupt = Tx().user("corrupt in the middle").raw('{"type":"user", nope\n').assistant("still")
    corrupt.title("corrupt").write(config)
    expect[corrupt.sid] = "listed"
    cut = Tx().user("cut short").title("cut")
    cut.raw('{"type":"assistant","message":{"content":"trunc')
    cut.write(config)
    expect[cut.sid] = "listed"
    huge = Tx()
    huge.raw('{"type":"user","message":{"role":"user","content":"' + "z" * (50 * MB) + '"}}\n')
    huge.write(config)
    expect[huge.sid] = "no conversation"  # one 50 MB line: neither end holds a whole record
    bad_utf8 = Tx().user("caf\u00e9").title("utf8")
    path = bad_utf8.write(config)
    path.write_bytes(path.read_bytes().replace("caf\u00e9".encode(), b"caf\xe9\xff"))
    expect[bad_utf8.sid] = "listed"
    empty = Tx()
    empty.write(config)
    expect[empty.sid] = "empty"
    dangling = Tx()
    folder = config / "projects" / "-work-proj"
    os.symlink(folder / "missing-target", folder / f"{dangling.sid}.jsonl")
    expect[dangling.sid] = "unreadable"
    if fifo:  # (the official listing would block opening it: left out of that comparison)
        pipe = Tx()
        os.mkfifo(folder / f"{pipe.sid}.jsonl")
        expect[pipe.sid] = "not a file"
    return expect


def test_every_bad_file_is_listed_or_counted(tmp_path: Path) -> None:
    expect = _bad_corpus(tmp_path)
    result = Catalog(tmp_path, cache=False).list(all=True)
    listed = {s.session_id for s in result.sessions}
    assert listed == {sid for sid, what in expect.items() if what == "listed"}
    want: dict[str, int] = {}
    for what in expect.values():
        if what != "listed":
            want[what] = want.get(what, 0) + 1
    assert dict(result.reasons) == want
    assert result.skipped == sum(want.values()) == 4
    names = {s.session_id: s.name for s in result.sessions}
    assert sorted(n for n in names.values() if n) == ["corrupt", "cut", "ok", "utf8"]


def test_bad_files_agree_with_the_official_listing(tmp_path: Path) -> None:
    expect = _bad_corpus(tmp_path, fifo=False)
    ours = our_view(tmp_path)
    assert ours == sdk_view(tmp_path)
    assert set(ours) == {sid for sid, what in expect.items() if what == "listed"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission_is_counted(tmp_path: Path) -> None:  # pragma: no cover
    tx = Tx().user("secret").title("locked")
    tx.write(tmp_path).chmod(0)
    result = Catalog(tmp_path, cache=False).list(all=True)
    assert (result.sessions, dict(result.reasons)) == ([], {"unreadable": 1})


def test_a_file_that_vanishes_before_it_is_opened() -> None:
    assert read_transcript("/nonexistent/x.jsonl", "x") == Skipped("unreadable")


def test_a_file_growing_while_it_is_listed(tmp_path: Path) -> None:
    tx = Tx().user("growing").title("grower")
    path = tx.write(tmp_path)
    stop, grown = threading.Event(), threading.Event()
    writes = [0]
    record = line({"type": "assistant", "message": {"content": "more " * 2000}, "uuid": "u"})

    def grow() -> None:
        with open(path, "a", encoding="utf-8") as fh:
            while not stop.is_set():
                fh.write(record[: len(record) // 2])  # half lines too: a writer mid-record
                fh.flush()
                fh.write(record[len(record) // 2 :])
                fh.flush()
                writes[0] += 1
                if fh.tell() > 4 * 64 * 1024:
                    grown.set()

    writer = threading.Thread(target=grow)
    writer.start()
    try:
        assert grown.wait(timeout=30), "the writer never got going"
        catalog = Catalog(tmp_path, cache_file=tmp_path / "cache.json")
        before = writes[0]
        rounds = 0
        while writes[0] < before + 20 or rounds < 20:  # keep listing while it grows
            result = catalog.list(all=True)
            assert [s.name for s in result.sessions] == ["grower"]
            assert result.skipped == 0
            rounds += 1
            assert rounds < 100_000
    finally:
        stop.set()
        writer.join(timeout=10)


@pytest.mark.parametrize("shift", range(-60, 61, 7))
def test_a_title_where_head_and_tail_windows_meet(tmp_path: Path, shift: int) -> None:
    """A title record just before, across or after where the tail window starts."""
    from claude_coder.catalog.reader import WINDOW

    tx = Tx().user("prompt").ai_title("generated")
    tx.title("the-name")
    pad_len = WINDOW - shift  # the tail window starts ``shift`` bytes before the title ends
    filler = '{"type":"x","pad":"' + "y" * (pad_len - 22) + '"}\n'
    assert len(filler) == pad_len
    tx.raw(filler)
    got = facts(tx, tmp_path)
    assert (got.name, got.title) == ("the-name", "the-name")
    assert our_view(tmp_path) == sdk_view(tmp_path)
