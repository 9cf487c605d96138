"""The parser's tables are cached in the user's cache directory, keyed by the grammar, and a cache
that cannot be written or read leaves parsing as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from clausewise.language.parse import build_parser, parser_cache_file

GRAMMAR = 'start: WORD ("," WORD)*\n%import common.WORD\n%ignore " "\n'


def _words(parser) -> list[str]:
    return [str(t) for t in parser.parse("a, bc ,d").children]


def test_cache_file_is_in_the_user_cache_dir_and_named_by_the_grammar(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = parser_cache_file(GRAMMAR)
    assert isinstance(first, str) and Path(first).parent == tmp_path / "clausewise"
    assert parser_cache_file(GRAMMAR) == first
    assert parser_cache_file(GRAMMAR + "%ignore \"\\t\"\n") != first
    assert _words(build_parser(GRAMMAR, first)) == ["a", "bc", "d"]
    assert Path(first).stat().st_size > 0  # built, then saved
    assert _words(build_parser(GRAMMAR, first)) == ["a", "bc", "d"]  # loaded from the file


def test_a_relative_xdg_cache_home_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Path(str(parser_cache_file(GRAMMAR))).parent == tmp_path / ".cache" / "clausewise"


def test_no_cache_where_the_directory_cannot_be_made(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert parser_cache_file(GRAMMAR) is False
    assert _words(build_parser(GRAMMAR, False)) == ["a", "bc", "d"]


@pytest.mark.parametrize("content", [b"", b"garbage\n\x80\x04 not a pickle"])
def test_an_unreadable_or_foreign_cache_file_is_rebuilt(tmp_path, content):
    cache = tmp_path / "tables.lark-cache"
    cache.write_bytes(content)
    assert _words(build_parser(GRAMMAR, str(cache))) == ["a", "bc", "d"]
    assert cache.read_bytes() != content  # replaced by this grammar's tables


def test_an_unwritable_cache_file_leaves_parsing_as_it_was(tmp_path):
    missing_dir = tmp_path / "gone" / "tables.lark-cache"
    assert _words(build_parser(GRAMMAR, str(missing_dir))) == ["a", "bc", "d"]
    assert not missing_dir.exists()
