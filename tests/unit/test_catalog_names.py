"""SESSION arguments and names: name, full id, unique prefix; ambiguity; taken names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.unit.test_catalog_builders import Tx

from claude_coder.catalog import Catalog
from claude_coder.catalog.paths import encode_cwd, is_session_id, string_hash36, transcript_path
from claude_coder.errors import AmbiguousSessionError, NameTakenError, SessionNotFoundError

A = "aaaa1111-0000-4000-8000-000000000001"
B = "aaaa2222-0000-4000-8000-000000000002"
C = "bbbb3333-0000-4000-8000-000000000003"


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    Tx(A, cwd="/p/one").user("one").title("alpha").write(tmp_path)
    Tx(B, cwd="/p/two").user("two").title("dup").write(tmp_path)
    Tx(C, cwd="/p/three").user("three").title("dup").write(tmp_path)
    Tx(cwd="/p/four").user("unnamed").write(tmp_path)
    return Catalog(tmp_path, cache=False)


def test_named_only_unless_all(catalog: Catalog) -> None:
    assert len(catalog.list().sessions) == 3
    assert len(catalog.list(all=True).sessions) == 4


def test_resolve_by_name_full_id_and_unique_prefix(catalog: Catalog) -> None:
    assert catalog.resolve("alpha").session_id == A
    assert catalog.resolve(B).session_id == B
    assert catalog.resolve(B.upper()).session_id == B
    assert catalog.resolve("bbbb").session_id == C
    assert catalog.resolve("aaaa1").session_id == A


def test_ambiguous_name_lists_the_candidates(catalog: Catalog) -> None:
    with pytest.raises(AmbiguousSessionError) as info:
        catalog.resolve("dup")
    assert {c[0] for c in info.value.candidates} == {B, C}
    assert {c[1] for c in info.value.candidates} == {"/p/two", "/p/three"}
    assert B in str(info.value) and "/p/three" in str(info.value)
    assert info.value.exit_code == 2
    with pytest.raises(AmbiguousSessionError):
        catalog.find_by_name("dup")


def test_ambiguous_prefix(catalog: Catalog) -> None:
    with pytest.raises(AmbiguousSessionError) as info:
        catalog.resolve("aaaa")
    assert {c[0] for c in info.value.candidates} == {A, B}


def test_not_found(catalog: Catalog) -> None:
    for query in ("nope", "ffff", "", "   "):
        with pytest.raises(SessionNotFoundError):
            catalog.resolve(query)
    assert catalog.find_by_name("nope") is None


def test_check_name_free(catalog: Catalog) -> None:
    catalog.check_name_free("fresh")
    with pytest.raises(NameTakenError) as info:
        catalog.check_name_free("alpha")
    assert (info.value.name, info.value.session_id) == ("alpha", A)
    catalog.check_name_free("alpha", except_session=A)


def test_fork_names_count_up(catalog: Catalog, tmp_path: Path) -> None:
    source = catalog.resolve("alpha")
    assert catalog.fork_name(source) == "alpha-fork-1"
    Tx().user("f").title("alpha-fork-1").write(tmp_path)
    assert catalog.fork_name(source) == "alpha-fork-2"
    unnamed = next(s for s in catalog.list(all=True).sessions if not s.name)
    assert catalog.fork_name(unnamed) == f"{unnamed.session_id[:8]}-fork-1"


def test_cwd_encoding_matches_claude_code() -> None:
    from claude_agent_sdk._internal.sessions import _sanitize_path  # the official rule

    for cwd in ("/home/me/proj", "/tmp/odd dir/ü.é+x", "/" + "d" * 250, "/x/" + "é" * 120):
        assert encode_cwd(cwd) == _sanitize_path(cwd)
    assert encode_cwd("/a b/c") == "-a-b-c"
    assert len(encode_cwd("/" + "d" * 250)) == 201 + len(string_hash36("/" + "d" * 250))


def test_a_long_cwd_is_found_by_prefix_whatever_the_hash(tmp_path: Path) -> None:
    cwd = str(tmp_path / ("long/" * 50))
    os.makedirs(cwd, exist_ok=True)
    real = os.path.realpath(cwd)
    folder = tmp_path / "projects" / (encode_cwd(real)[:200] + "-otherhash")
    folder.mkdir(parents=True)
    assert transcript_path(A, cwd, tmp_path) == folder / f"{A}.jsonl"
    assert transcript_path(A, "/short", tmp_path) == tmp_path / "projects" / "-short" / f"{A}.jsonl"


def test_is_session_id() -> None:
    assert is_session_id(A) and not is_session_id(A[:-1]) and not is_session_id("agent-x")
