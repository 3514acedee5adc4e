"""The listing cache: a second listing reads only what changed; a bad cache is rebuilt."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import platformdirs
from tests.unit.test_catalog_builders import Tx

from claude_coder.catalog import Catalog
from claude_coder.catalog.index import FORMAT


def _corpus(config: Path, n: int = 5) -> list[Tx]:
    txs = [Tx(cwd=f"/p/{i % 2}").user(f"prompt {i}").title(f"s{i}") for i in range(n)]
    for tx in txs:
        tx.write(config)
    return txs


def _names(result_sessions: list[object]) -> set[str]:
    return {s.name for s in result_sessions}  # type: ignore[attr-defined]


def test_second_listing_reads_only_what_changed(tmp_path: Path) -> None:
    txs = _corpus(tmp_path / "cfg")
    catalog = Catalog(tmp_path / "cfg", cache_file=tmp_path / "cache.json")
    first = catalog.list()
    assert (first.stats.files, first.stats.read, first.stats.cached) == (5, 5, 0)
    second = catalog.list()
    assert (second.stats.read, second.stats.cached) == (0, 5)
    assert second.sessions == first.sessions
    txs[0].title("renamed").write(tmp_path / "cfg")
    third = catalog.list()
    assert (third.stats.read, third.stats.cached) == (1, 4)
    assert "renamed" in _names(third.sessions) and "s0" not in _names(third.sessions)


def test_a_new_process_uses_the_cache_file(tmp_path: Path) -> None:
    _corpus(tmp_path / "cfg")
    Catalog(tmp_path / "cfg", cache_file=tmp_path / "cache.json").list()
    again = Catalog(tmp_path / "cfg", cache_file=tmp_path / "cache.json").list()
    assert (again.stats.read, again.stats.cached, again.stats.cache_rebuilt) == (0, 5, False)


def test_default_cache_lives_in_the_user_cache_dir(tmp_path: Path) -> None:
    _corpus(tmp_path / "cfg", 1)
    catalog = Catalog(tmp_path / "cfg")
    catalog.list()
    assert catalog.cache_file is not None
    assert catalog.cache_file.parent == Path(platformdirs.user_cache_dir("claude-coder"))
    assert catalog.cache_file.is_file()


def test_a_corrupt_cache_is_rebuilt_never_trusted(tmp_path: Path) -> None:
    _corpus(tmp_path / "cfg")
    cache = tmp_path / "cache.json"
    Catalog(tmp_path / "cfg", cache_file=cache).list()
    for garbage in (b"\x00\xffnot json", b"[1, 2]", b'{"format": "other"}', b""):
        cache.write_bytes(garbage)
        result = Catalog(tmp_path / "cfg", cache_file=cache).list()
        assert result.stats.cache_rebuilt and result.stats.read == 5
        assert _names(result.sessions) == {f"s{i}" for i in range(5)}
        assert json.loads(cache.read_text())["format"] == FORMAT


def test_lying_cache_rows_are_not_believed(tmp_path: Path) -> None:
    """Rows with a wrong size or mtime, or a broken shape, are read again from disk."""
    _corpus(tmp_path / "cfg", 3)
    cache = tmp_path / "cache.json"
    Catalog(tmp_path / "cfg", cache_file=cache).list()
    data = json.loads(cache.read_text())
    paths = sorted(data["files"])
    data["files"][paths[0]][0] += 1  # size differs
    data["files"][paths[1]][6] = None  # summary missing
    data["files"][paths[2]][4] = "forged name"
    data["files"][paths[2]][1] += 1  # mtime differs
    cache.write_text(json.dumps(data))
    result = Catalog(tmp_path / "cfg", cache_file=cache).list()
    assert (result.stats.read, result.stats.cache_rebuilt) == (3, False)
    assert "forged name" not in _names(result.sessions)


def test_a_cache_of_another_config_dir_is_not_used(tmp_path: Path) -> None:
    _corpus(tmp_path / "a")
    _corpus(tmp_path / "b", 2)
    cache = tmp_path / "cache.json"
    Catalog(tmp_path / "a", cache_file=cache).list()
    result = Catalog(tmp_path / "b", cache_file=cache).list()
    assert result.stats.cache_rebuilt and len(result.sessions) == 2


def test_deleted_files_leave_the_cache(tmp_path: Path) -> None:
    txs = _corpus(tmp_path / "cfg", 3)
    cache = tmp_path / "cache.json"
    catalog = Catalog(tmp_path / "cfg", cache_file=cache)
    catalog.list()
    os.unlink(tmp_path / "cfg" / "projects" / "-p-0" / f"{txs[0].sid}.jsonl")
    assert len(catalog.list().sessions) == 2
    assert len(json.loads(cache.read_text())["files"]) == 2
    shutil.rmtree(tmp_path / "cfg" / "projects" / "-p-1")  # a whole project goes
    assert len(catalog.list().sessions) == 1
    assert len(json.loads(cache.read_text())["files"]) == 1


def test_listing_one_cwd_keeps_the_other_projects_cached(tmp_path: Path) -> None:
    _corpus(tmp_path / "cfg", 4)
    cache = tmp_path / "cache.json"
    catalog = Catalog(tmp_path / "cfg", cache_file=cache)
    catalog.list()
    only = catalog.list(cwd="/p/1")
    assert {s.cwd for s in only.sessions} == {"/p/1"} and len(only.sessions) == 2
    assert catalog.list().stats.read == 0


def test_the_cache_is_written_atomically(tmp_path: Path) -> None:
    _corpus(tmp_path / "cfg")
    cache = tmp_path / "c" / "cache.json"
    Catalog(tmp_path / "cfg", cache_file=cache).list()
    assert sorted(p.name for p in cache.parent.iterdir()) == ["cache.json"]


def test_an_unwritable_cache_place_still_lists(tmp_path: Path) -> None:
    _corpus(tmp_path / "cfg")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = Catalog(tmp_path / "cfg", cache_file=blocker / "cache.json").list()
    assert len(result.sessions) == 5


def test_no_cache_at_all(tmp_path: Path) -> None:
    _corpus(tmp_path / "cfg", 2)
    catalog = Catalog(tmp_path / "cfg", cache=False)
    assert catalog.cache_file is None
    assert catalog.list().stats.read == 2 and catalog.list().stats.read == 2
