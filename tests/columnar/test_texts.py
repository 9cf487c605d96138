"""A comparison leaf's texts written by DuckDB (columnar/texts.py, compiled from values/texts.py)
are those the per-entity path's records show (report/columns.py's leaf_cells of the leaf's
result), on every comparison, with the field on either side, at edge values."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from sqlglot import exp

from clausewise.columnar.texts import OPS, leaf_texts, whole_sql
from clausewise.engine.policy import load_policy
from clausewise.evaluate.leaves import compared
from clausewise.report.columns import VerdictColumns
from clausewise.report.explain import value_text
from clausewise.values.texts import GAPS, whole_text
from tests.support import ROOT

EDGES = [0, 1, -1, 7, 999, 1000, -1000, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, -(2 ** 63),
         10 ** 20, -(10 ** 20), 10 ** 37 + 5, 2 ** 127 - 1, -(2 ** 127)]
#: values a figure field holds: DuckDB reads whole-number fields as 64-bit integers (signed or not)
FIELD_VALUES = [v for v in EDGES if -(2 ** 63) <= v < 2 ** 64] + [9_000_000, 8_999_999, 9_000_001]
#: constants a policy compares them with: any whole number of at most 38 digits
CONSTANTS = [c for c in EDGES if abs(c) < 10 ** 38] + [10 ** 38 - 1, -(10 ** 38 - 1), 9_000_000]


def _column(con: duckdb.DuckDBPyConnection, values: list[int]) -> None:
    con.execute("CREATE OR REPLACE TABLE v (s BIGINT, u UBIGINT)")
    con.executemany("INSERT INTO v VALUES (?, ?)", [[x, None] if x < 2 ** 63 else [None, x] for x in values])


def test_whole_numbers_are_written_as_python_writes_them():
    con = duckdb.connect()
    con.execute("CREATE TABLE h (x HUGEINT)")
    con.executemany("INSERT INTO h VALUES (?)", [[str(x)] for x in EDGES])
    got = dict(con.execute(exp.select("x", whole_sql(exp.column("x"))).from_("h").sql("duckdb")).fetchall())
    assert got == {x: whole_text(x) for x in EDGES}
    assert whole_text(-1234567) == "-1,234,567" and whole_text(0) == "0"
    assert value_text(Decimal("9000000")) == "9,000,000" and value_text(2 ** 63) == "9,223,372,036,854,775,808"


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("figure_first", [True, False])
def test_leaf_texts_in_sql_are_the_records_texts(op, figure_first):
    layout = VerdictColumns(load_policy(ROOT / "benchmarks" / "silver_figures.policy").plan, ["tier"])
    con = duckdb.connect()
    _column(con, FIELD_VALUES)
    value = exp.func("coalesce", exp.cast(exp.column("s"), "HUGEINT"), exp.cast(exp.column("u"), "HUGEINT"))
    made = 0
    for constant in CONSTANTS:
        texts = leaf_texts(op, value, constant, figure_first)
        query = exp.select(value.copy(), *texts).from_("v")
        for x, *sql in con.execute(query.sql("duckdb")).fetchall():
            a, b = (int(x), constant) if figure_first else (constant, int(x))
            expected = layout.leaf_cells(compared(op, a, b, "orders"))
            assert tuple(sql) == expected, (op, a, b)
            made += expected[2] != ""
    assert made > 0 if op in GAPS else made == 0  # some comparisons fail and show their gap
