"""DuckDB connections: a memory budget, spilling into a private directory removed afterwards."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from clausewise.columnar import connection
from clausewise.engine.policy import load_policy

ROOT = Path(__file__).resolve().parents[2]


def setting(con, name: str) -> str:
    return con.execute(f"SELECT current_setting('{name}')").fetchall()[0][0]


def test_the_budget_is_an_eighth_of_physical_memory_at_least_one_gib():
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert connection.memory_budget() == max(1 << 30, total // 8)


def test_a_connection_has_its_budget_and_spills_into_its_own_directory_removed_on_exit():
    with connection.connect(budget=256 << 20) as con:
        spill = Path(setting(con, "temp_directory"))
        assert setting(con, "memory_limit") == "256.0 MiB"
        assert spill.is_dir() and spill.name.startswith("clausewise-duckdb-") and not spill.is_relative_to(Path.cwd())
        with connection.connect(threads=1) as other:  # each connection its own directory
            assert Path(setting(other, "temp_directory")) != spill and setting(other, "threads") == 1
    assert not spill.exists()


def test_a_sort_larger_than_the_budget_stays_exact():
    with connection.connect(budget=64 << 20, threads=1) as con:
        rows = con.sql("SELECT i FROM range(6000000) t(i) ORDER BY hash(i)").to_arrow_table().column("i").to_pylist()
        assert len(rows) == 6_000_000 and sum(rows) == 6_000_000 * 5_999_999 // 2


@pytest.mark.parametrize("name, as_of, params", [("tier", "2024-04-01", "examples/tier/params.json"),
                                                  ("novice", "2024-03-15", None)])
def test_an_evaluation_on_duckdb_connects_only_with_a_budget(monkeypatch, tmp_path, name, as_of, params):
    configs: list[dict] = []
    real = duckdb.connect

    def recording(database=":memory:", *args, config=None, **kwargs):
        configs.append(dict(config or {}))
        return real(database, *args, config=config, **kwargs)

    monkeypatch.setattr(duckdb, "connect", recording)
    monkeypatch.chdir(tmp_path)  # DuckDB's own default would spill into ./.tmp
    policy = load_policy(ROOT / "policies" / f"{name}.policy")
    given = json.loads((ROOT / params).read_text("utf-8")) if params else {}
    result = policy.evaluate([str(ROOT / "examples" / name)], as_of, given, engine="duckdb")
    assert result.verdicts and configs
    assert all(set(c) >= {"memory_limit", "temp_directory"} for c in configs), configs
    assert not (tmp_path / ".tmp").exists()
