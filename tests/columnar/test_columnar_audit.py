"""The columnar audit (engine/columnaraudit.py, columnar/patterns.py): for the policies it takes,
``audit --engine duckdb --verdicts columns`` groups entities by status pattern in SQL and gives the
per-entity path's verdict file byte for byte, with the same summary, exit code and decision record;
every other policy falls back, with its reason."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from importlib.metadata import version
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from clausewise.asp.cells import Cells
from clausewise.cli.main import main
from clausewise.columnar.patterns import cell_sql
from clausewise.columnar.sql import ident
from clausewise.engine import columnaraudit
from clausewise.engine.columnaraudit import figure_fields
from clausewise.engine.evaluation import EntityEvaluation
from clausewise.engine.policy import Policy, compile_policy_text, load_policy
from clausewise.evaluate.measure import Data, Evaluator
from clausewise.evaluate.params import resolve_params
from tests.support import EXAMPLES, POLICIES, ROOT, policy_block

SILVER = ROOT / "benchmarks" / "silver_figures.policy"
FIELDS = ["provider_id", "paid_orders", "active_merchants", "qualified_merchants"]


def _optional(tmp_path: Path) -> Path:
    """The silver policy with one figure field optional (an empty cell is missing data)."""
    text = SILVER.read_text("utf-8").replace("qualified_merchants: merchants\n", "qualified_merchants: merchants optional\n")
    path = tmp_path / "silver_optional.policy"
    path.write_text(text, "utf-8")
    return path


def _rows(n: int, seed: int, empty: bool) -> list[list[str]]:
    """Providers around every bound (equal, one below, one above), beyond 2^31, empty cells, bad rows."""
    rng = random.Random(seed)
    bounds = {"paid_orders": 9_000_000, "active_merchants": 1000, "qualified_merchants": 150}
    rows = []
    for i in range(n):
        row = [f"P{rng.randrange(10 ** 6):06d}" if i % 17 else f"P{i:06d}"]  # some keys repeated: duplicates
        for name, bound in bounds.items():
            roll = rng.random()
            value = (str(bound + rng.choice((-1, 0, 1))) if roll < 0.5 else str(rng.choice((2 ** 31 - 1, 2 ** 31, 2 ** 40)))
                     if roll < 0.55 else str(max(0, int(rng.gauss(bound, bound / 10)))))
            if name == "qualified_merchants" and empty and rng.random() < 0.1:
                value = ""
            row.append(value)
        if rng.random() < 0.03:
            row[rng.randrange(1, 4)] = rng.choice(["abc", "-5", "1.5", " 7"])
        rows.append(row)
    return rows


def _write(folder: Path, rows: list[list[str]], form: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "provider_figures.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([FIELDS, *rows])
    if form == "jsonl":  # numbers as JSON numbers where they are whole numbers
        with (folder / "provider_figures.jsonl").open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps({k: int(v) if v.isdigit() else v for k, v in zip(FIELDS, row)}, ensure_ascii=False) + "\n")
        path.unlink()
    elif form != "csv":
        con = duckdb.connect()
        target = folder / f"provider_figures.{form}"
        query = f"SELECT * FROM read_csv({str(path)!r}, all_varchar = true, header = true)"
        con.execute(f"COPY ({query}) TO {str(target)!r} (FORMAT parquet)")
        con.close()
        path.unlink()
    return folder


def _audit(policy: Path, data: Path, out: Path, engine: str) -> tuple[int, bytes, str, dict]:
    result = CliRunner().invoke(main, ["audit", str(policy), "--data", str(data), "--as-of", "2024-04-01", "--out", str(out),
                                       "--engine", engine, "--verdicts", "columns", "--workers", "1"])
    record = json.loads(out.with_name(out.name + ".record.json").read_text("utf-8"))
    for drop in ("generated_at", "verdicts"):
        record.pop(drop)
    # the one field the two engines' records differ in: what measured the figures
    assert record["engine"].pop("figures") == ("python" if engine == "python" else f"duckdb {version('duckdb')}")
    return result.exit_code, out.read_bytes(), result.output.replace(str(out), "OUT"), record


def _same_audit(policy: Path, data: Path, tmp_path: Path, suffix: str, monkeypatch, fast: bool = True) -> bytes:
    """The per-entity audit and the columnar one agree; with ``fast``, the columnar one evaluated
    no entity through Policy.evaluate (it took the fast path)."""
    python = _audit(policy, data, tmp_path / f"python{suffix}", "python")
    if fast:
        def refused(*args, **kwargs):
            raise AssertionError("the columnar audit fell back to Policy.evaluate")

        monkeypatch.setattr(Policy, "evaluate", refused)
    duck = _audit(policy, data, tmp_path / f"duckdb{suffix}", "duckdb")
    monkeypatch.undo()
    assert python[0] in (0, 1, 3), python[2]
    assert python == duck
    return python[1]


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_silver_figures_in_columns_are_the_per_entity_file(suffix, tmp_path, monkeypatch):
    data = _write(tmp_path / "data", _rows(400, 1, empty=False), "csv")
    written = _same_audit(SILVER, data, tmp_path, suffix, monkeypatch)
    assert len(written) > 10_000


@pytest.mark.parametrize("form", ["csv", "parquet", "jsonl"])
def test_missing_values_rejected_rows_and_every_input_format(form, tmp_path, monkeypatch):
    data = _write(tmp_path / "data", _rows(300, 2, empty=True), form)
    # Parquet or JSON Lines with a row not plainly valid is read by the reader: the fast path falls back
    fast = form == "csv"
    written = _same_audit(_optional(tmp_path), data, tmp_path, ".csv", monkeypatch, fast=fast)
    text = written.decode("utf-8")
    assert "is empty for" in text and "error: its provider_figures row was rejected" in text


@pytest.mark.parametrize("form", ["parquet", "jsonl"])
def test_a_clean_parquet_or_json_lines_entity_table_takes_the_columnar_audit(form, tmp_path, monkeypatch):
    rows = [r for r in _rows(200, 4, empty=False) if all(c.isdigit() for c in r[1:])]
    data = _write(tmp_path / "data", rows, form)
    _same_audit(SILVER, data, tmp_path, ".parquet", monkeypatch)


def test_a_number_beyond_64_bits_falls_back_with_the_same_file(tmp_path, monkeypatch):
    rows = _rows(50, 3, empty=False)
    rows[7][1] = str(2 ** 63)
    rows[8][2] = str(2 ** 64 + 5)
    data = _write(tmp_path / "data", rows, "csv")
    written = _same_audit(SILVER, data, tmp_path, ".csv", monkeypatch, fast=False)
    assert b"9,223,372,036,854,775,808" in written


def test_gaps_beyond_64_bits_in_columns_are_the_per_entity_file(tmp_path, monkeypatch):
    text = SILVER.read_text("utf-8").replace("paid_orders >= silver_paid_orders", f"paid_orders >= {10 ** 20}").replace(
        "active_merchants >= silver_active_merchants", f"{-(10 ** 20)} > active_merchants")
    policy = tmp_path / "big.policy"
    policy.write_text(text, "utf-8")
    rows = [[f"P{i}", str(v), str(v), "150"] for i, v in enumerate([2 ** 63 - 1, 2 ** 62, 9_000_000, 1, 0])]
    written = _same_audit(policy, _write(tmp_path / "data", rows, "csv"), tmp_path, ".csv", monkeypatch)
    # 10^20 - 0 and 0 - (-10^20) + 1: DuckDB writes these gaps from HUGEINTs
    assert b"100,000,000,000,000,000,000" in written and b"100,000,000,000,000,000,001" in written


def test_entities_are_ordered_as_python_orders_their_keys(tmp_path, monkeypatch):
    keys = ["b", "B", "a", "Z", "é", "e\u0301", "女装", "😀", "a b", "a-b", "10", "9", "ä", "\u00a0x", "x\u200b"]
    rows = [[k, str(9_000_000 + i - 5), "1000", str(149 + i % 3)] for i, k in enumerate(keys)]
    data = _write(tmp_path / "data", rows, "csv")
    written = _same_audit(SILVER, data, tmp_path, ".csv", monkeypatch)
    assert written.decode("utf-8").count("\r\n") == len(keys) + 1


def test_an_empty_entity_table_and_one_entity(tmp_path, monkeypatch):
    for n in (0, 1):
        data = _write(tmp_path / f"data{n}", [["P1", "9000000", "1000", "150"]][:n], "csv")
        _same_audit(SILVER, data, tmp_path / f"o{n}", ".csv", monkeypatch)


def test_cells_in_sql_are_the_cells_of_asp_cells():
    policy = load_policy(SILVER)
    as_of = dt.date(2024, 4, 1)
    values, convention = resolve_params(policy.checked, {}, as_of)
    ev = Evaluator(policy.checked, Data({}), values, as_of, convention)
    constants = EntityEvaluation(policy.plan, policy.program, policy.figures, ev, policy.source_text).constants()
    cells = Cells(policy.figures, constants)
    for fid, bounds in cells.bounds.items():
        assert bounds
        values = sorted({v + d for v in [*bounds, 0, 2 ** 31, 2 ** 62] for d in (-2, -1, 0, 1, 2)})
        con = duckdb.connect()
        con.execute("CREATE TABLE v (x BIGINT)")
        con.executemany("INSERT INTO v VALUES (?)", [[v] for v in values])
        query = exp.select(exp.column("x"), cell_sql(exp.column(ident("x")), bounds)).from_("v").order_by("x")
        got = dict(con.execute(query.sql("duckdb")).fetchall())
        assert got == {v: cells.key(fid, v) for v in values}


@pytest.mark.parametrize("name", ["tier", "novice", "renew", "life"])
def test_bundled_policies_fall_back_with_a_reason(name):
    reason = figure_fields(load_policy(POLICIES / f"{name}.policy"))
    assert isinstance(reason, str) and reason


@pytest.mark.slow  # 11 s: the tier example audited twice
def test_a_bundled_example_audited_in_columns_on_duckdb_falls_back_to_the_same_file(tmp_path, monkeypatch):
    policy, data = POLICIES / "tier.policy", EXAMPLES / "tier"
    args = ["--as-of", "2024-04-01", "--params", str(data / "params.json"), "--verdicts", "columns", "--workers", "1"]
    outputs = []
    for engine in ("python", "duckdb"):
        out = tmp_path / f"{engine}.csv"
        result = CliRunner().invoke(main, ["audit", str(policy), "--data", str(data), "--out", str(out), *args, "--engine", engine])
        outputs.append((result.exit_code, out.read_bytes(), result.output.replace(str(out), "OUT")))
    assert outputs[0][0] in (0, 1) and outputs[0] == outputs[1]


HEAD = policy_block("g", entity="provider in providers") + """table providers key provider_id {
  provider_id: string
  a: orders
  b: merchants
  c: orders
  opened: date
}
param pa: orders = 100
param pb: merchants = 10
"""


@pytest.mark.parametrize("body, why", [
    ('rule r [X-1] "r" = a >= pa\ntable other key k {\n  k: string\n}\n', "declares tables besides the entity table"),
    ('rule r [X-1] "r" = a * 2 >= pa\n', "is not a field of the entity row"),
    ('rule r [X-1] "r" = a >= c\n', "is not a comparison of a figure with a constant"),
    ('rule r [X-1] "r" = opened >= 2024-01-01\n', "is not a whole number"),
    ('rule r [X-1] "r" = a >= pa\ndecide o [X-1] "o": orders {\n  a when r\n  otherwise 0\n}\n',
     "has a value computed from the entity's data"),
])
def test_what_falls_back(body, why):
    reason = figure_fields(compile_policy_text(HEAD + body))
    assert isinstance(reason, str) and why in reason


def test_a_large_constant_left_of_a_field_in_columns_is_the_per_entity_file(tmp_path, monkeypatch):
    text = SILVER.read_text("utf-8").replace("paid_orders >= silver_paid_orders", f"{10 ** 26} <= paid_orders")
    policy = tmp_path / "big.policy"
    policy.write_text(text, "utf-8")
    # one pattern: P1, its representative, is evaluated in Python; P2's gap (10^26 - 1 + 0) is
    # written by SQL, and its percentage of the bound 1 has 29 digits (3605ef2: no longer an error)
    rows = [["P1", str(2 ** 40), "5", "5"], ["P2", "1", "5", "5"], ["P3", "0", "5", "5"]]
    written = _same_audit(policy, _write(tmp_path / "data", rows, "csv"), tmp_path, ".csv", monkeypatch)
    assert b"error" not in written and b"99,999,999,999,999,999,999,999,999" in written


def test_the_tree_form_falls_back():
    class Sink:
        form = "tree"

    assert columnaraudit.refusal(load_policy(SILVER), Sink()) == "the verdicts are trees"  # type: ignore[arg-type]


@st.composite
def _policies(draw) -> str:
    """A policy of nested groups over comparisons of the fields a, b, c with constants, and constant outcomes."""
    ops = [">=", ">", "<=", "<", "=", "!="]

    def cond(depth: int) -> str:
        if depth == 0 or draw(st.booleans()):
            field = draw(st.sampled_from(["a", "b", "c"]))
            bound = draw(st.sampled_from(["pa", "95", "100", "101", "2147483648"] if field != "b" else ["pb", "9", "10", "11"]))
            return f"{field} {draw(st.sampled_from(ops))} {bound}"
        kind = draw(st.sampled_from(["all of", "any of", "not", "at least 2 of"]))
        if kind == "not":
            return f"not ({cond(depth - 1)})"
        parts = [f'    m{depth}_{i} [X-1] "m": {cond(depth - 1)}' for i in range(draw(st.integers(2, 3)))]
        return kind + " {\n" + "\n".join(parts) + "\n  }"

    rules = [f'rule r{i} [X-1] "r" = {cond(2)}\n' for i in range(draw(st.integers(1, 2)))]
    decide = 'decide level [X-1] "level": enum(high, low) {\n  high when r0\n  otherwise low\n}\n'
    return HEAD.replace("  entity provider in providers\n",
                        "  entity provider in providers\n  compliant when r0\n") + "".join(rules) + decide


@pytest.mark.slow  # 11 s: 15 policies audited twice each
@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=_policies())
def test_generated_policies_in_columns_are_the_per_entity_file(text, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("g")
    policy = tmp_path / "g.policy"
    policy.write_text(text, "utf-8")
    assert not isinstance(figure_fields(compile_policy_text(text)), str)
    rng = random.Random(len(text))
    rows = [["provider_id", "a", "b", "c", "opened"]] + [
        [f"P{i:03d}", str(rng.choice([94, 95, 96, 99, 100, 101, 2 ** 31, rng.randrange(300)])),
         str(rng.choice([8, 9, 10, 11, 12])), str(rng.choice([100, 2147483648, 2147483647, 5])), "2024-01-01"]
        for i in range(60)]
    (tmp_path / "data").mkdir()
    with (tmp_path / "data" / "providers.csv").open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    outputs = [_audit(policy, tmp_path / "data", tmp_path / "python.csv", "python")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Policy, "evaluate", None)  # the columnar audit evaluates no entity through it
        outputs.append(_audit(policy, tmp_path / "data", tmp_path / "duckdb.csv", "duckdb"))
    assert outputs[0][0] in (0, 1), outputs[0][2]
    assert outputs[0] == outputs[1]


OUTCOMES = HEAD.replace("  entity provider in providers\n", "  entity provider in providers\n  compliant when r\n") + """param pn: count = 2
param cap: orders = 500
rule r [X-1] "r" = at least pn of {
  m1 [X-1] "m1": a >= pa
  m2 [X-1] "m2": b > pb
  m3 [X-1] "m3": c != 100
}
rule s [X-2] "s" = none of {
  n1 [X-2] "n1": a < 95
  n2 [X-2] "n2": b = 9
}
decide limit [X-1] "limit": orders optional by max {
  cap when r
  1000 orders when s
  300 orders when not r
  otherwise none
}
decide level [X-2] "level": enum(high, mid, low) {
  high when r and s
  mid when r or s
}
"""


@pytest.mark.parametrize("params", [[], ["--param", "pa=96", "--param", "pn=3", "--param", "cap=2000"]])
def test_at_least_a_parameter_none_of_by_max_and_an_undecided_outcome(params, tmp_path, monkeypatch):
    policy = tmp_path / "o.policy"
    policy.write_text(OUTCOMES, "utf-8")
    assert not isinstance(figure_fields(compile_policy_text(OUTCOMES)), str)
    rng = random.Random(5)
    rows = [[f"P{i:03d}", str(rng.choice([94, 95, 96, 100, 101])), str(rng.choice([8, 9, 10, 11])),
             str(rng.choice([99, 100, 101])), "2024-01-01"] for i in range(120)]
    data = tmp_path / "data"
    data.mkdir()
    with (data / "providers.csv").open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["provider_id", "a", "b", "c", "opened"], *rows])
    outputs = []
    for engine in ("python", "duckdb"):
        out = tmp_path / f"{engine}.csv"
        with pytest.MonkeyPatch.context() as patch:
            if engine == "duckdb":
                patch.setattr(Policy, "evaluate", None)  # the columnar audit evaluates no entity through it
            result = CliRunner().invoke(main, ["audit", str(policy), "--data", str(data), "--as-of", "2024-04-01", "--out",
                                               str(out), "--engine", engine, "--workers", "1", *params])
        outputs.append((result.exit_code, out.read_bytes(), result.output.replace(str(out), "OUT")))
    assert outputs[0][0] == 1, outputs[0][2]
    assert outputs[0] == outputs[1]
    text = outputs[0][1].decode("utf-8")
    assert "undecided" in text and (",2000," if params else ",500,") in text  # the cap, as a parameter gives it
