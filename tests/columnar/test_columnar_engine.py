"""``--engine duckdb`` gives the Python engine's verdicts, byte for byte: the audit files of
every bundled example, explain of one entity, and the library call on generated policies."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from clausewise.cli.main import main
from clausewise.engine.policy import compile_policy_text, load_policy
from clausewise.language.diagnostics import ClausewiseError
from tests.support import EXAMPLES, POLICIES, bundled_audit
from tests.oracle.gen import cases

BUNDLED = [("tier", "2024-04-01", True), ("novice", "2024-03-15", False), ("renew", "2024-06-30", True),
           ("life", "2024-04-01", True)]


def _args(name: str, as_of: str, with_params: bool) -> list[str]:
    args = [str(POLICIES / f"{name}.policy"), "--data", str(EXAMPLES / name), "--as-of", as_of]
    return args + (["--params", str(EXAMPLES / name / "params.json")] if with_params else [])


@pytest.mark.parametrize("name, as_of, with_params", BUNDLED)
def test_audit_files_are_the_same_on_duckdb(name, as_of, with_params, tmp_path):
    outputs = {}
    for engine in ("python", "duckdb"):
        out = tmp_path / f"{engine}.jsonl"
        result = CliRunner().invoke(main, ["audit", *_args(name, as_of, with_params), "--out", str(out),
                                           "--workers", "1", "--engine", engine])
        assert result.exit_code in (0, 1, 3), result.output  # 3: renew's R37, whose row is rejected
        outputs[engine] = (out.read_bytes(), result.output.replace(str(out), "OUT"))
    assert outputs["python"][0] == outputs["duckdb"][0]
    assert outputs["python"][1] == outputs["duckdb"][1]  # the summary: counts, failing conditions, rejected rows
    assert len(outputs["python"][0].splitlines()) > 10


def test_explain_on_duckdb_is_the_same():
    args = ["explain", *_args("tier", "2024-04-01", True), "--entity", "P03", "--format", "json"]
    python = CliRunner().invoke(main, [*args, "--engine", "python"])
    duck = CliRunner().invoke(main, [*args, "--engine", "duckdb"])
    assert python.exit_code == duck.exit_code and python.output == duck.output
    assert json.loads(duck.output)["entity"] == "P03"


def test_an_unknown_engine_is_a_usage_error():
    with pytest.raises(ClausewiseError, match="unknown engine 'spork'"):
        load_policy(POLICIES / "novice.policy").evaluate(EXAMPLES / "novice", "2024-03-15", engine="spork")


def test_workers_on_duckdb_give_the_same_verdicts():
    policy = load_policy(POLICIES / "renew.policy")
    params = json.loads((EXAMPLES / "renew" / "params.json").read_text("utf-8"))
    one = bundled_audit("renew", "2024-06-30", True)[1]
    two = policy.evaluate(EXAMPLES / "renew", "2024-06-30", params, workers=2, engine="duckdb")
    assert [v.model_dump_json() for v in one.verdicts] == [v.model_dump_json() for v in two.verdicts]


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(cases(8))
def test_verdicts_on_duckdb_equal_pythons_on_generated_policies(case):
    policy = compile_policy_text(case.text, "<generated>")
    python = policy.evaluate(case.rows, case.as_of, case.params)
    duck = policy.evaluate(case.rows, case.as_of, case.params, engine="duckdb")
    assert [v.model_dump_json() for v in python.verdicts] == [v.model_dump_json() for v in duck.verdicts]
    assert python.accounting == duck.accounting and python.rejected == duck.rejected


def test_a_table_duckdb_reads_itself_rejects_the_readers_rows(tmp_path):
    """TIER's shop_daily is read only by lowered queries: DuckDB reads and validates the file;
    bad rows are rejected with the reader's reasons and lines, and the audit is the same."""
    import datetime as dt
    import shutil

    from clausewise.engine.engines import prepare

    data = tmp_path / "tier"
    shutil.copytree(EXAMPLES / "tier", data)
    daily = data / "shop_daily.csv"
    lines = daily.read_text("utf-8").splitlines()
    good = lines[1].split(",")
    bad = [",".join([good[0], "2024-02-30", *good[2:]]),  # no such day
           ",".join([good[0], good[1], "-3", *good[3:]]),  # negative orders
           lines[1]]  # a duplicate key
    daily.write_text("\n".join(lines + bad) + "\n", "utf-8")
    policy = load_policy(POLICIES / "tier.policy")
    params = json.loads((data / "params.json").read_text("utf-8"))
    from tests.columnar.test_columnar_duckdb import resolve

    day = dt.date(2024, 4, 1)
    values, convention = resolve(policy.checked, params, day)
    engine = prepare("duckdb", policy.checked, [(leaf.id, leaf.cond) for leaf in policy.plan.leaves()], values, day,
                     convention, policy.source_text, data)
    assert "shop_daily" in engine.skip
    outputs = {}
    for name in ("python", "duckdb"):
        out = tmp_path / f"{name}.jsonl"
        result = CliRunner().invoke(main, ["audit", str(POLICIES / "tier.policy"), "--data", str(data), "--params",
                                           str(data / "params.json"), "--as-of", "2024-04-01", "--out", str(out),
                                           "--workers", "1", "--engine", name])
        assert result.exit_code in (0, 1, 3), result.output  # 3: renew's R37, whose row is rejected
        outputs[name] = (out.read_bytes(), result.output.replace(str(out), "OUT"))
    assert outputs["python"] == outputs["duckdb"]
    assert outputs["duckdb"][1].count("rejected: ") == 3 and "duplicate key" in outputs["duckdb"][1]


@pytest.mark.parametrize("typed", [True, False], ids=["typed", "text"])
def test_parquet_tables_duckdb_reads_itself_give_the_same_audit(typed, tmp_path):
    """TIER's tables as Parquet files: DuckDB reads shop_daily itself (columns typed, or text);
    the audit file and summary are the Python engine's."""
    import datetime as dt
    import shutil

    import duckdb

    from clausewise.engine.engines import prepare
    from tests.columnar.test_columnar_duckdb import resolve

    data = tmp_path / "tier"
    data.mkdir()
    shutil.copy(EXAMPLES / "tier" / "params.json", data)
    con = duckdb.connect()
    for path in sorted((EXAMPLES / "tier").glob("*.csv")):
        options = "" if typed else ", all_varchar = true"
        con.execute(f"COPY (SELECT * FROM read_csv('{path}', header = true{options})) TO '{data / (path.stem + '.parquet')}'")
    policy = load_policy(POLICIES / "tier.policy")
    params = json.loads((data / "params.json").read_text("utf-8"))
    day = dt.date(2024, 4, 1)
    values, convention = resolve(policy.checked, params, day)
    engine = prepare("duckdb", policy.checked, [(leaf.id, leaf.cond) for leaf in policy.plan.leaves()], values, day,
                     convention, policy.source_text, data)
    assert engine.scan["shop_daily"].suffix == ".parquet"
    outputs = {}
    for name in ("python", "duckdb"):
        out = tmp_path / f"{name}.jsonl"
        result = CliRunner().invoke(main, ["audit", str(POLICIES / "tier.policy"), "--data", str(data), "--params",
                                           str(data / "params.json"), "--as-of", "2024-04-01", "--out", str(out),
                                           "--workers", "1", "--engine", name])
        assert result.exit_code in (0, 1), result.output
        outputs[name] = (out.read_bytes(), result.output.replace(str(out), "OUT"))
    assert outputs["python"] == outputs["duckdb"]
    assert len(outputs["python"][0].splitlines()) > 10


@pytest.mark.parametrize("drop", [None, "美妆"])
def test_the_monthly_standard_measured_once_per_category_gives_the_python_verdicts(drop):
    """TIER's service-qualified merchants: the bound (the category's monthly standard) reads only
    the shop's category, so DuckDB's count measures it once per category; with a category's
    standard missing, the first shop of that category makes the count unknown, as in Python."""
    import datetime as dt

    from clausewise.engine.engines import prepare
    from tests.columnar.test_columnar_duckdb import resolve

    policy = load_policy(POLICIES / "tier.policy")
    params = json.loads((EXAMPLES / "tier" / "params.json").read_text("utf-8"))
    if drop is not None:
        del params["qualified_merchant_monthly_order_threshold"][drop]
    day = dt.date(2024, 4, 1)
    values, convention = resolve(policy.checked, params, day)
    engine = prepare("duckdb", policy.checked, [(leaf.id, leaf.cond) for leaf in policy.plan.leaves()], values, day,
                     convention, policy.source_text, EXAMPLES / "tier")
    assert [low.bound_fields for low in engine.lowered.values() if hasattr(low, "bound_fields")] == [("main_category",)]
    python = bundled_audit("tier", "2024-04-01", True)[1] if drop is None else policy.evaluate(EXAMPLES / "tier", day, params)
    duck = policy.evaluate(EXAMPLES / "tier", day, params, engine="duckdb")
    assert [v.model_dump_json() for v in python.verdicts] == [v.model_dump_json() for v in duck.verdicts]
    if drop is not None:
        assert any(f"has no value for '{drop}'" in v.model_dump_json() for v in duck.verdicts)


def test_a_relation_table_duckdb_reads_itself_rejects_reversed_spans_as_the_reader_does(tmp_path):
    """Without the service-qualified merchants, TIER's bindings are read only by lowered queries,
    so DuckDB reads them: a binding that ends before it starts is rejected with the reader's row,
    line and reason, and the accounting and verdicts are the Python engine's."""
    import datetime as dt
    import shutil

    from clausewise.engine.engines import prepare
    from tests.columnar.test_columnar_duckdb import resolve

    text = (POLICIES / "tier.policy").read_text("utf-8")
    start = text.index("    qualified_merchants [")
    end = text.index(">= silver_qualified_merchants", start) + len(">= silver_qualified_merchants")
    policy = compile_policy_text(text[:start] + text[end:], "<tier without qualified merchants>")
    data = tmp_path / "tier"
    shutil.copytree(EXAMPLES / "tier", data)
    bindings = data / "bindings.csv"
    lines = bindings.read_text("utf-8").splitlines()
    provider, shop = lines[1].split(",")[:2]
    bindings.write_text("\n".join([*lines[:3], f"{provider},{shop},2024-03-01,2024-02-01", *lines[3:]]) + "\n", "utf-8")
    params = json.loads((data / "params.json").read_text("utf-8"))
    day = dt.date(2024, 4, 1)
    values, convention = resolve(policy.checked, params, day)
    engine = prepare("duckdb", policy.checked, [(leaf.id, leaf.cond) for leaf in policy.plan.leaves()], values, day,
                     convention, policy.source_text, data)
    assert "bindings" in engine.scan
    python = policy.evaluate(data, day, params)
    duck = policy.evaluate(data, day, params, engine="duckdb")
    assert [(r.table, r.row, r.line, r.reason) for r in duck.rejected] == [
        ("bindings", 3, 4, "unbound_on 2024-02-01 is before bound_on 2024-03-01")]
    assert python.rejected == duck.rejected and python.accounting == duck.accounting
    assert [v.model_dump_json() for v in python.verdicts] == [v.model_dump_json() for v in duck.verdicts]


@pytest.mark.parametrize("shop", ["P02-S0003", "P07-S0000"])
def test_a_bound_shop_without_a_shops_row_is_walked_in_python_and_the_others_decided_in_sql(shop, tmp_path, monkeypatch):
    """TIER's service-qualified merchants are decided in SQL per provider (items.summary); a
    provider whose first undecided shop has no shops row is walked in Python (P07's first shop comes
    before its shops of a category without a standard), with the Python engine's verdicts."""
    import shutil

    from clausewise.columnar import duck

    data = tmp_path / "tier"
    shutil.copytree(EXAMPLES / "tier", data)
    shops = data / "shops.csv"
    shops.write_text("".join(line for line in shops.read_text("utf-8").splitlines(keepends=True)
                             if not line.startswith(shop + ",")), "utf-8")
    walked = []
    count_items = duck.count_items
    monkeypatch.setattr(duck, "count_items", lambda ev, low, rows, zero, scope, bounds: walked.append(
        ev.entity_key(scope)) or count_items(ev, low, rows, zero, scope, bounds))
    policy = load_policy(POLICIES / "tier.policy")
    params = json.loads((data / "params.json").read_text("utf-8"))
    python = policy.evaluate(data, "2024-04-01", params)
    duck_verdicts = policy.evaluate(data, "2024-04-01", params, engine="duckdb")
    assert [v.model_dump_json() for v in python.verdicts] == [v.model_dump_json() for v in duck_verdicts.verdicts]
    assert walked == [shop[:3]]


def test_explain_on_duckdb_reads_only_the_entity_s_rows_with_the_python_output(tmp_path):
    """explain of one provider: DuckDB keeps only the shop_daily rows of the provider's bound
    shops (and rows whose shop it cannot tell without the reader), counts the others as not
    validated, and the output is the Python engine's, with a duplicate row, a bad row and a row
    the reader strips among the provider's rows and bad rows of other providers' shops."""
    import shutil

    data = tmp_path / "tier"
    shutil.copytree(EXAMPLES / "tier", data)
    daily = data / "shop_daily.csv"
    extra = ["P03-S0001,2024-01-15,5,0", "P03-S0001,2024-01-40,5,0", " P03-S0002 ,2024-03-31,7000,0",
             "P01-S0000,2024-01-15,1,0", "P01-S0001,x,1,0"]
    daily.write_text(daily.read_text("utf-8") + "\n".join(extra) + "\n", "utf-8")
    args = ["explain", str(POLICIES / "tier.policy"), "--data", str(data), "--as-of", "2024-04-01", "--params",
            str(data / "params.json"), "--entity", "P03", "--format", "json"]
    python = CliRunner().invoke(main, [*args, "--engine", "python"])
    duck = CliRunner().invoke(main, [*args, "--engine", "duckdb"])
    assert python.exit_code == duck.exit_code and python.output == duck.output
    policy = load_policy(POLICIES / "tier.policy")
    params = json.loads((data / "params.json").read_text("utf-8"))
    one = policy.evaluate(data, "2024-04-01", params, entities=["P03"], engine="duckdb")
    table = next(t for t in one.accounting.tables if t.table == "shop_daily")
    assert table.rows_read == 28347 + len(extra)
    assert 0 < table.rows_used < 28347 // 2 and table.rows_not_validated > 28347 // 2
    assert table.rows_read == table.rows_used + table.rows_rejected + table.rows_not_validated
    assert {(r.row, r.reason.split(";")[0]) for r in one.rejected if r.table == "shop_daily"} >= {
        (28348, "duplicate key (shop_id='P03-S0001', date=2024-01-15)"), (28349, "not a date (YYYY-MM-DD): '2024-01-40'")}
    whole = policy.evaluate(data, "2024-04-01", params, engine="duckdb")
    assert [v.model_dump_json() for v in whole.verdicts if v.entity == "P03"] == [v.model_dump_json() for v in one.verdicts]


def test_json_lines_tables_duckdb_reads_itself_give_the_same_audit(tmp_path):
    import datetime as dt

    from clausewise.engine.engines import prepare
    from tests.columnar.test_columnar_duckdb import resolve
    from tests.columnar.test_columnar_scan import _to_jsonl

    data = tmp_path / "tier"
    _to_jsonl(EXAMPLES / "tier", data)
    (data / "params.json").write_text((EXAMPLES / "tier" / "params.json").read_text("utf-8"), "utf-8")
    policy = load_policy(POLICIES / "tier.policy")
    params = json.loads((data / "params.json").read_text("utf-8"))
    day = dt.date(2024, 4, 1)
    values, convention = resolve(policy.checked, params, day)
    engine = prepare("duckdb", policy.checked, [(leaf.id, leaf.cond) for leaf in policy.plan.leaves()], values, day,
                     convention, policy.source_text, data)
    assert engine.scan == {"shop_daily": data / "shop_daily.jsonl"}
    python = policy.evaluate(data, day, params)
    duck = policy.evaluate(data, day, params, engine="duckdb")
    assert python.accounting == duck.accounting and python.rejected == duck.rejected
    assert [v.model_dump_json() for v in python.verdicts] == [v.model_dump_json() for v in duck.verdicts]


@pytest.mark.parametrize("form", ["csv", "jsonl", "parquet"])
def test_explain_on_duckdb_counts_every_row_of_the_file_in_one_pass(form, tmp_path, monkeypatch):
    """explain reads the kept rows and the file's row count in one pass (issue 15): on CSV, JSON Lines
    and Parquet copies of the tier example, and for a provider without shops (no row kept), the
    output is the Python engine's and every row of shop_daily is read, used or not validated."""
    import shutil

    from clausewise.columnar import engine as columnar_engine
    from tests.columnar.test_columnar_scan import _to_jsonl, _to_parquet

    scanned: list = []
    scan_file = columnar_engine.scan_file
    monkeypatch.setattr(columnar_engine, "scan_file", lambda *a: scanned.append((a[1].name, scan_file(*a))) or scanned[-1][1])
    source = tmp_path / "csv"
    shutil.copytree(EXAMPLES / "tier", source)
    (source / "providers.csv").write_text((source / "providers.csv").read_text("utf-8") + "P99,base\n", "utf-8")
    data = source if form == "csv" else tmp_path / form
    if form == "jsonl":
        _to_jsonl(source, data)
    elif form == "parquet":
        _to_parquet(source, data, typed=False)
    if data != source:
        for name in ("providers", "bindings", "shops"):  # read by the Python reader: as CSV
            (data / f"{name}.{form}").unlink()
            shutil.copy(source / f"{name}.csv", data)
        shutil.copy(source / "params.json", data)
    policy = load_policy(POLICIES / "tier.policy")
    params = json.loads((data / "params.json").read_text("utf-8"))
    for entity in ("P03", "P99"):
        args = ["explain", str(POLICIES / "tier.policy"), "--data", str(data), "--as-of", "2024-04-01", "--params",
                str(data / "params.json"), "--entity", entity, "--format", "json"]
        python = CliRunner().invoke(main, [*args, "--engine", "python"])
        duck = CliRunner().invoke(main, args)  # DuckDB, the CLI's default engine: it scans the file below
        assert python.exit_code == duck.exit_code and python.output == duck.output
        one = policy.evaluate(data, "2024-04-01", params, entities=[entity], engine="duckdb")
        table = next(t for t in one.accounting.tables if t.table == "shop_daily")
        assert [(name, t is not None) for name, t in scanned] == [(f"shop_daily.{form}", True)] * 2  # read by DuckDB
        assert table.rows_rejected == 0 and scanned.clear() is None
        assert table.rows_read == 28347
        assert table.rows_read == table.rows_used + table.rows_not_validated
        assert (table.rows_used == 0) == (entity == "P99")


def test_explain_on_duckdb_sees_a_duplicate_key_whose_first_row_is_another_entity_s(tmp_path):
    """A keyed table read by a field outside its key (transactions by seller_id, key txn_id): the
    first row of a duplicate key may belong to another seller, so explain of the second seller reads
    every row, and the duplicate is rejected as the Python engine rejects it (issue 15)."""
    from clausewise.engine.engines import prepare
    from tests.support import seller_policy

    policy = compile_policy_text(seller_policy("amount: money(USD)") + """
rule sales [TOP-1] "销售额达标" / "sales reach the minimum" =
  sum(transactions.amount during last 365 days to as_of) >= 1,000 USD
""", "top.policy")
    (tmp_path / "sellers.csv").write_text("seller_id\nS1\nS2\n", "utf-8")
    (tmp_path / "transactions.csv").write_text(
        "txn_id,seller_id,date,amount\nT1,S1,2024-03-01,600\nT1,S2,2024-03-02,700\nT2,S2,2024-03-03,500\n", "utf-8")
    engine = prepare("duckdb", policy.checked, [(leaf.id, leaf.cond) for leaf in policy.plan.leaves()], {},
                     policy.checked.header.effective_from, "actual", policy.source_text, tmp_path, ["S2"])
    assert set(engine.scan) == {"transactions"}  # read by DuckDB itself
    python = policy.evaluate(tmp_path, "2024-04-01", {}, entities=["S2"])
    duck = policy.evaluate(tmp_path, "2024-04-01", {}, entities=["S2"], engine="duckdb")
    assert [v.model_dump_json() for v in python.verdicts] == [v.model_dump_json() for v in duck.verdicts]
    assert python.accounting == duck.accounting and python.rejected == duck.rejected
    assert [(r.row, r.entity, r.reason) for r in duck.rejected] == [
        (2, "S2", "duplicate key (txn_id='T1'); first given in row 1")]
    assert duck.verdicts[0].failing_conditions == ["sales"]  # 500 USD: the rejected 700 is not counted


def _explained_alike(name: str, as_of: str, with_params: bool, entities: list[str]) -> int:
    """Each named entity explained on both engines: the same verdict, rejected rows and accounting;
    the rows left not validated on DuckDB, in all."""
    policy = load_policy(POLICIES / f"{name}.policy")
    params = json.loads((EXAMPLES / name / "params.json").read_text("utf-8")) if with_params else {}
    skipped = 0
    for entity in entities:
        python = policy.evaluate(EXAMPLES / name, as_of, params, entities=[entity])
        duck = policy.evaluate(EXAMPLES / name, as_of, params, entities=[entity], engine="duckdb")
        assert [v.model_dump_json() for v in python.verdicts] == [v.model_dump_json() for v in duck.verdicts], entity
        assert python.rejected == duck.rejected, entity
        assert python.accounting == duck.accounting, entity
        skipped += duck.accounting.rows_not_validated
    return skipped


#: the entities the quick test explains; the slow one explains every other entity of the examples
EXPLAINED = {"tier": ["P03", "P04"], "novice": ["S02", "S03"], "renew": ["R35", "R36", "R37"],
             "life": ["P01/catering", "P02/hotel_travel"]}


@pytest.mark.parametrize("name, as_of, with_params, entities", [(*b, EXPLAINED[b[0]]) for b in BUNDLED])
def test_explain_on_duckdb_validates_the_rows_the_python_engine_validates(name, as_of, with_params, entities):
    """explain on --engine duckdb (issue 15): the tables the Python reader reads are validated when
    looked up, as on --engine python, and DuckDB keeps only the entity's rows of the ones it reads:
    the verdict, the rejected rows and the accounting are the Python engine's (a provider with a
    rejected row, an entity whose own row is rejected, 'for each' pairs; their rows of every table)."""
    assert _explained_alike(name, as_of, with_params, entities) > 0


@pytest.mark.slow
@pytest.mark.parametrize("name, as_of, with_params", BUNDLED)
def test_explain_on_duckdb_of_every_example_entity_is_the_python_engine_s(name, as_of, with_params):
    """Every other entity of the example (the quick test above explains the ones it names)."""
    others = [v.entity for v in bundled_audit(name, as_of, with_params)[1].verdicts if v.entity not in EXPLAINED[name]]
    assert len(others) >= 10 and _explained_alike(name, as_of, with_params, others) > 0


def test_explain_on_duckdb_reads_the_rows_the_python_reader_finds_by_an_id_with_white_space(tmp_path):
    """explain of P03 on a CSV copy of tier with shop_daily rows whose shop id has white space around
    it (one of P03's shops, another provider's) or is empty: DuckDB keeps the rows the Python reader's
    lookup finds (P03's, read as its shop), so the rejected rows and accounting are the Python
    engine's; the others are not validated on either engine (issue 15)."""
    import shutil

    data = tmp_path / "tier"
    shutil.copytree(EXAMPLES / "tier", data)
    daily = data / "shop_daily.csv"
    extra = [",2024-01-15,5,0", " P01-S0000 ,2024-01-16,5,0", " P03-S0002 ,2024-03-31,7000,0", '"P01-S0000\u3000",2024-01-17,1,0']
    daily.write_text(daily.read_text("utf-8") + "\n".join(extra) + "\n", "utf-8")
    policy = load_policy(POLICIES / "tier.policy")
    params = json.loads((data / "params.json").read_text("utf-8"))
    python = policy.evaluate(data, "2024-04-01", params, entities=["P03"])
    duck = policy.evaluate(data, "2024-04-01", params, entities=["P03"], engine="duckdb")
    assert [v.model_dump_json() for v in python.verdicts] == [v.model_dump_json() for v in duck.verdicts]
    assert python.rejected == duck.rejected == []
    assert python.accounting == duck.accounting
    without = policy.evaluate(EXAMPLES / "tier", "2024-04-01", params, entities=["P03"], engine="duckdb")
    daily_rows = {t.table: t for t in duck.accounting.tables}["shop_daily"]
    assert daily_rows.rows_used == {t.table: t for t in without.accounting.tables}["shop_daily"].rows_used + 1


def test_explain_on_duckdb_leaves_the_tables_duckdb_reads_to_it(monkeypatch):
    """On --engine duckdb, explain reads the tables the Python reader reads lazily, and no table DuckDB
    reads itself (a lazy read of shop_daily held the cells of every row in Python: 3.9 GB on 9.9 M rows)."""
    from clausewise.data import lazy

    read: list[str] = []
    init = lazy.LazyTable.__init__
    monkeypatch.setattr(lazy.LazyTable, "__init__", lambda self, path, *a: read.append(path.stem) or init(self, path, *a))
    policy = load_policy(POLICIES / "tier.policy")
    params = json.loads((EXAMPLES / "tier" / "params.json").read_text("utf-8"))
    policy.evaluate(EXAMPLES / "tier", "2024-04-01", params, entities=["P03"], engine="duckdb")
    assert sorted(read) == ["bindings", "shops"]
    read.clear()
    policy.evaluate(EXAMPLES / "tier", "2024-04-01", params, entities=["P03"])
    assert sorted(read) == ["bindings", "shop_daily", "shops"]


def test_explain_on_duckdb_gives_a_filter_per_item_every_row_of_the_item_it_reads():
    """RENEW's whole-period orders with a filter per shop that counts every binding of the shop
    (any provider's): explain of R31 (its shop MOVE-S1 is bound to R31, then R32) on --engine duckdb
    reads the bindings of its shops, not only its own, and gives the verdict, rejected rows and
    accounting of --engine python and of the full audit (issue 15)."""
    text = (POLICIES / "renew.policy").read_text("utf-8")
    own = "where count(b in bindings where b.provider_id = provider_id\n        and b.bound_on"
    assert own in text and "period)) > 0)" in text
    policy = compile_policy_text(text.replace(own, "where count(b in bindings where b.bound_on")
                                 .replace("period)) > 0)", "period)) > 1)"), "renew.policy")
    params = {**json.loads((EXAMPLES / "renew" / "params.json").read_text("utf-8")),
              "order_attribution": "whole_period_if_bound_during"}
    python = policy.evaluate(EXAMPLES / "renew", "2024-06-30", params, entities=["R31"])
    duck = policy.evaluate(EXAMPLES / "renew", "2024-06-30", params, entities=["R31"], engine="duckdb")
    whole = policy.evaluate(EXAMPLES / "renew", "2024-06-30", params, engine="duckdb")
    assert [v.model_dump_json() for v in python.verdicts] == [v.model_dump_json() for v in duck.verdicts] == [
        v.model_dump_json() for v in whole.verdicts if v.entity == "R31"]
    assert python.rejected == duck.rejected and python.accounting == duck.accounting
    from tests.support import node

    assert node(duck.verdicts[0], "order_line.whole_period.then").observed == "60,000"  # MOVE-S1's orders
