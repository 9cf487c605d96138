"""Hostile table files: each case decided the same way in CSV and JSON Lines, per row where a
row is at fault (rows read = used + rejected), with a diagnostic naming the file and line where
the file is, never a traceback or a hang. docs/trust.md lists the decisions."""

from __future__ import annotations

import time

import pytest

from clausewise.engine.policy import compile_policy_text
from clausewise.language.diagnostics import ClausewiseError
from tests.hostile.test_hostile import AS_OF, POLICY

LIST_POLICY = POLICY.replace("  main_category: string\n}", "  main_category: string\n  tags: list(string) optional\n}", 1)
PARAMS = {"monthly_standard": {"女装": 7}}
SHOPS_CSV = "shop_id,main_category\nS1,女装\n"
GOOD = {"shop_id": "S1", "date": "2024-01-01", "paid_orders": "7", "amount_yuan": "100"}


def run(tmp_path, daily_csv: str | None = None, daily_jsonl: str | bytes | None = None, policy: str = POLICY,
        shops_csv: str = SHOPS_CSV, engine: str = "python"):
    (tmp_path / "shops.csv").write_text(shops_csv, "utf-8")
    if daily_csv is not None:
        (tmp_path / "shop_daily.csv").write_bytes(daily_csv.encode("utf-8") if isinstance(daily_csv, str) else daily_csv)
    else:
        data = daily_jsonl.encode("utf-8") if isinstance(daily_jsonl, str) else daily_jsonl
        (tmp_path / "shop_daily.jsonl").write_bytes(data)
    started = time.monotonic()
    result = compile_policy_text(policy).evaluate(tmp_path, AS_OF, PARAMS, engine=engine)
    assert time.monotonic() - started < 30
    a = result.accounting
    assert a.rows_read == a.rows_used + a.rows_rejected and a.entities_in == a.verdicts_out
    return result


def reasons(result) -> list[tuple[int, int, str | None, str]]:
    return [(r.row, r.line, r.field, r.reason) for r in result.rejected]


def jsonl(*rows: str) -> str:
    return "".join(r + "\n" for r in rows)


GOOD_JSON = '{"shop_id": "S1", "date": "2024-01-01", "paid_orders": 7, "amount_yuan": 100}'
HEADER = "shop_id,date,paid_orders,amount_yuan\n"


@pytest.mark.parametrize("orders, expected", [("1e400", 10**400), ("40.0", 40), ("4e1", 40), ("4.0E1", 40)])
def test_whole_numbers_written_as_decimals_read_alike_in_csv_and_json_lines(tmp_path, orders, expected):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    as_csv = run(tmp_path / "a", HEADER + f"S1,2024-01-01,{orders},100\n")
    as_json = run(tmp_path / "b", daily_jsonl=jsonl(GOOD_JSON.replace('"paid_orders": 7', f'"paid_orders": {orders}')))
    for result in (as_csv, as_json):
        assert result.rejected == []
        assert result.verdicts[0].rules[0].children[1].observed == f"{expected:,}"


@pytest.mark.parametrize("cell, reason", [
    ("1" * 5001, "out of range (at most 1,000 digits)"),
    ("1e1000000", "out of range (at most 1,000 digits)"),
    ("４０", "not a whole number of orders: '４０'"),
    ("٤٠", "not a whole number of orders: '٤٠'"),
    ("40.5", "not a whole number of orders: '40.5'"),
])
def test_numbers_refused_per_row_in_csv(tmp_path, cell, reason):
    result = run(tmp_path, HEADER + "S1,2024-01-01,7,100\n" + f"S1,2024-01-02,{cell},100\n")
    assert len(result.rejected) == 1 and reason in result.rejected[0].reason
    assert (result.rejected[0].row, result.rejected[0].line, result.rejected[0].field) == (2, 3, "paid_orders")


@pytest.mark.parametrize("value, reason", [
    ("1" * 5001, "a number of 5,001 digits"),
    ("1e1000000", "out of range (at most 1,000 digits)"),
    ('"４０"', "not a whole number of orders: '４０'"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
])
def test_numbers_refused_per_row_in_json_lines(tmp_path, value, reason):
    result = run(tmp_path, daily_jsonl=jsonl(GOOD_JSON, GOOD_JSON.replace('"paid_orders": 7', f'"paid_orders": {value}')
                                             .replace("2024-01-01", "2024-01-02")))
    assert len(result.rejected) == 1 and reason in result.rejected[0].reason
    assert (result.rejected[0].row, result.rejected[0].line) == (2, 2)
    if "digits" in reason:  # the field is named, as in CSV (the line is read again to find it)
        assert result.rejected[0].field == "paid_orders"


def test_one_e_five_yuan_is_read_exactly_in_both_formats(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    as_csv = run(tmp_path / "a", HEADER + "S1,2024-01-01,7,1E5\n")
    as_json = run(tmp_path / "b", daily_jsonl=jsonl(GOOD_JSON.replace('"amount_yuan": 100', '"amount_yuan": 1E5')))
    assert [r.verdicts[0].rules[0].children[2].observed for r in (as_csv, as_json)] == ["100,000", "100,000"]


def test_json_lines_lone_surrogate_and_duplicate_keys_reject_the_row(tmp_path):
    result = run(tmp_path, daily_jsonl=jsonl(
        GOOD_JSON,
        '{"shop_id": "S1\\ud800", "date": "2024-01-02", "paid_orders": 1, "amount_yuan": 1}',
        '{"shop_id": "S1", "date": "2024-01-03", "paid_orders": 1, "paid_orders": 900, "amount_yuan": 1}'))
    assert [(r[0], r[1]) for r in reasons(result)] == [(2, 2), (3, 3)]
    assert "lone surrogate" in result.rejected[0].reason
    assert "the key 'paid_orders' is given twice" in result.rejected[1].reason
    assert result.verdicts[0].model_dump_json()  # the writer never meets a lone surrogate


def test_json_lines_byte_order_mark_keeps_row_one(tmp_path):
    result = run(tmp_path, daily_jsonl=b"\xef\xbb\xbf" + jsonl(GOOD_JSON).encode("utf-8"))
    assert result.rejected == [] and result.accounting.rows_used == 2


def test_json_lines_optional_key_may_be_absent_from_row_one(tmp_path):
    shops = tmp_path / "shops.jsonl"
    shops.write_text(jsonl('{"shop_id": "S1", "main_category": "女装"}',
                           '{"shop_id": "S2", "main_category": "女装", "tags": ["a", "b"]}'), "utf-8")
    (tmp_path / "shop_daily.csv").write_text(HEADER + "S1,2024-01-01,7,100\n", "utf-8")
    result = compile_policy_text(LIST_POLICY).evaluate(tmp_path, AS_OF, PARAMS)
    assert result.rejected == [] and len(result.verdicts) == 2


def test_a_scalar_where_a_list_belongs_rejects_the_row(tmp_path):
    (tmp_path / "shops.jsonl").write_text(jsonl('{"shop_id": "S1", "main_category": "女装", "tags": 5}',
                                                '{"shop_id": "S2", "main_category": "女装", "tags": "a;b"}'), "utf-8")
    (tmp_path / "shop_daily.csv").write_text(HEADER, "utf-8")
    result = compile_policy_text(LIST_POLICY).evaluate(tmp_path, AS_OF, PARAMS)
    assert reasons(result) == [(1, 1, "tags", "expected a list (a JSON array, or text like 'a;b'), got 5")]


def test_a_column_named_twice_in_a_csv_header_is_an_error_at_line_1(tmp_path):
    with pytest.raises(ClausewiseError) as err:
        run(tmp_path, "shop_id,date,paid_orders,amount_yuan,paid_orders\nS1,2024-01-01,7,100,9\n")
    d = err.value.diagnostics[0]
    assert d.render().startswith(f"{tmp_path / 'shop_daily.csv'}:1") and "'paid_orders' is named twice" in d.message


HUGE = 5_000_000  # characters in the hostile cell (the 5 MB cell)
SHOP_IDS = ("S1", "S2", "S3")


def _write_table(path, rows: list[dict[str, str]]) -> None:
    """``rows`` (every value text) as a CSV, JSON Lines or Parquet file, as ``path``'s suffix says."""
    if path.suffix == ".csv":
        import csv
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, list(rows[0]))  # quotes a cell holding a newline
            writer.writeheader()
            writer.writerows(rows)
    elif path.suffix == ".jsonl":
        import json
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq
        pq.write_table(pa.table({k: [r[k] for r in rows] for k in rows[0]}), path)


def _huge_cell_run(tmp_path, suffix: str, place: str | None, engine: str):
    """Three shops, two daily rows each (each shop compliant); ``place`` puts a 5,000,000-character
    cell in S2's shop row (``entity``), in S2's first daily row (``dependent``), or as a quoted
    cell of 50,001 lines in S2's shop row (``multi-line``); ``long``: 200,000 characters in S2's row,
    ``long-dependent``: in the shop id of S2's first daily row."""
    shops = [{"shop_id": s, "main_category": "女装"} for s in SHOP_IDS]
    daily = [{"shop_id": s, "date": f"2024-01-0{d}", "paid_orders": "4", "amount_yuan": "60"} for s in SHOP_IDS for d in (1, 2)]
    if place == "entity":
        shops[1]["main_category"] = "女" * HUGE
    elif place == "long":  # within DuckDB's line limit (2 MB): the columnar scan's own test must refuse it
        shops[1]["main_category"] = "x" * 200_000
    elif place == "long-dependent":  # (the scan would have named the entity, quoting the 200,000 characters)
        daily[2]["shop_id"] = "x" * 200_000
    elif place == "dependent":
        daily[2]["amount_yuan"] = "9" * HUGE
    elif place == "multi-line":
        shops[1]["main_category"] = "女装\n" + ("y" * 99 + "\n") * 49_999 + "y" * 97
    folder = tmp_path / f"{suffix[1:]}-{place}"
    folder.mkdir(exist_ok=True)
    _write_table(folder / f"shops{suffix}", shops)
    _write_table(folder / f"shop_daily{suffix}", daily)
    started = time.monotonic()
    result = compile_policy_text(POLICY).evaluate(folder, AS_OF, PARAMS, engine=engine)
    assert time.monotonic() - started < 60
    a = result.accounting
    assert (a.rows_read, a.rows_used + a.rows_rejected, a.entities_in, a.verdicts_out) == (9, 9, 3, 3)
    return result


@pytest.mark.parametrize("engine", ["python", "duckdb"])
@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
@pytest.mark.parametrize("place", ["entity", "dependent", "multi-line", "long", "long-dependent"])
def test_a_huge_cell_rejects_its_row_and_the_rest_are_read(tmp_path, place, suffix, engine):
    clean = {v.entity: v for v in _huge_cell_run(tmp_path, suffix, None, engine).verdicts}
    assert all(v.compliant for v in clean.values())
    result = _huge_cell_run(tmp_path, suffix, place, engine)
    verdicts = {v.entity: v for v in result.verdicts}
    assert verdicts["S1"] == clean["S1"] and verdicts["S3"] == clean["S3"]
    huge = [r for r in result.rejected if "characters" in r.reason]
    assert len(huge) == 1
    line = {".csv": 3, ".jsonl": 2, ".parquet": 0}[suffix]
    if place in ("dependent", "long-dependent"):
        field, length = ("amount_yuan", HUGE) if place == "dependent" else ("shop_id", 200_000)
        assert (huge[0].file.endswith(f"shop_daily{suffix}"), huge[0].row, huge[0].line, huge[0].field, huge[0].reason) == (
            True, 3, line and line + 1, field, f"a value of {length:,} characters (at most 131,072)")
        assert result.rejected == huge
        assert verdicts["S2"].compliant is False  # 4 orders of the one row left, fewer than 7
    else:
        length = 200_000 if place == "long" else HUGE
        assert (huge[0].file.endswith(f"shops{suffix}"), huge[0].row, huge[0].line, huge[0].field, huge[0].reason) == (
            True, 2, line, "main_category", f"a value of {length:,} characters (at most 131,072)")
        assert [(r.row, r.reason) for r in result.rejected if r is not huge[0]] == [
            (3, "no shops row for shop_id 'S2'"), (4, "no shops row for shop_id 'S2'")]
        assert verdicts["S2"].error is not None and "row 2, field 'main_category'" in verdicts["S2"].error.cause
    assert len(str(result.model_dump_json())) < 100_000  # no huge value is quoted anywhere


def test_rows_after_a_huge_multi_line_cell_keep_their_lines(tmp_path):
    _huge_cell_run(tmp_path, ".csv", "multi-line", "python")
    shops = tmp_path / "csv-multi-line" / "shops.csv"
    shops.write_text(shops.read_text("utf-8") + "S4,x\x00y\n", "utf-8")  # S2 on lines 3 to 50,003, S3 on 50,004
    result = compile_policy_text(POLICY).evaluate(tmp_path / "csv-multi-line", AS_OF, PARAMS)
    assert [(r.row, r.line, r.field, r.entity) for r in result.rejected if r.table == "shops"] == [
        (2, 3, "main_category", "S2"), (4, 50_005, "main_category", "S4")]
    assert result.verdict("S3").compliant


def test_a_cell_over_the_csv_ceiling_is_an_error_naming_its_line(tmp_path):
    from clausewise.data.files import CSV_CELL_CEILING
    with pytest.raises(ClausewiseError) as err:  # a quote never closed swallows the rest of the file
        run(tmp_path, HEADER + "S1,2024-01-01,7,100\n" + 'S1,2024-01-02,7,"100\n' + "S1,2024-01-03,7,100\n" * (
            CSV_CELL_CEILING // 20 + 1))
    rendered = err.value.diagnostics[0].render()
    assert rendered.startswith(f"{tmp_path / 'shop_daily.csv'}:3") and "quote that is never closed" in rendered


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_bytes_that_are_not_utf8_reject_their_row_only(tmp_path, engine):
    data = (HEADER + "S1,2024-01-01,7,100\n").encode("utf-8") + b"S1,2024-01-02,\xff7,100\nS1,2024-01-03,1,1\n"
    result = run(tmp_path, data, engine=engine)
    assert reasons(result) == [(2, 3, None, "not UTF-8 text: byte 0xff cannot be decoded")]
    assert result.accounting.rows_used == 3  # the shop and two daily rows


def test_unbound_on_before_bound_on_rejects_the_binding_row(tmp_path):
    policy_text = """policy spans {
  title "绑定" / "bindings"
  version "1"
  effective from 2020-01-01
  source "x.txt"
  entity provider in providers
  compliant when ok
}
table providers key provider_id {
  provider_id: string
}
table shops key shop_id {
  shop_id: string
}
table bindings {
  provider_id: string -> providers
  shop_id: string -> shops
  bound_on: date
  unbound_on: date optional
}
relation bound_shops [B-1] "绑定商家" / "bound shops": shops via bindings while bound_on until unbound_on
rule ok [B-1] "有绑定" / "has bound shops" = all of {
  some [B-1] "一个" / "one": count(s in bound_shops) >= 1
}
"""
    rows = {"providers": [{"provider_id": "P1"}, {"provider_id": "P2"}], "shops": [{"shop_id": "S1"}, {"shop_id": "S2"}],
            "bindings": [{"provider_id": "P1", "shop_id": "S1", "bound_on": "2024-01-10", "unbound_on": "2024-01-05"},
                         {"provider_id": "P2", "shop_id": "S2", "bound_on": "2024-01-10", "unbound_on": "2024-01-10"}]}
    result = compile_policy_text(policy_text).evaluate(rows, "2024-02-01")
    assert reasons(result) == [(1, 0, "unbound_on", "unbound_on 2024-01-05 is before bound_on 2024-01-10")]
    assert result.accounting.rows_read == result.accounting.rows_used + result.accounting.rows_rejected
    assert {v.entity: v.compliant for v in result.verdicts} == {"P1": False, "P2": True}
    for name, table in rows.items():  # the same from files, with either engine (the DuckDB scan rejects it itself)
        _write_table(tmp_path / f"{name}.csv", table)
    for engine in ("python", "duckdb"):
        from_files = compile_policy_text(policy_text).evaluate(tmp_path, "2024-02-01", engine=engine)
        assert reasons(from_files) == [(1, 2, "unbound_on", "unbound_on 2024-01-05 is before bound_on 2024-01-10")]
        assert from_files.accounting == result.accounting.model_copy(update={"tables": from_files.accounting.tables})
        assert {v.entity: v.compliant for v in from_files.verdicts} == {"P1": False, "P2": True}


def test_explain_rejects_a_reversed_binding_as_the_audit_does(tmp_path):
    import shutil
    from pathlib import Path

    from clausewise.engine.policy import load_policy

    root = Path(__file__).resolve().parents[2]
    data = tmp_path / "renew"
    shutil.copytree(root / "examples" / "renew", data)
    lines = (data / "bindings.csv").read_text("utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    start, end = header.index("bound_on"), header.index("unbound_on")
    at = next(i for i, line in enumerate(lines[1:], 1) if line.startswith("R01,"))
    cells = lines[at].rstrip("\n").split(",")
    cells[end] = "2000-01-01"  # before any bound_on
    lines[at] = ",".join(cells) + "\n"
    (data / "bindings.csv").write_text("".join(lines), "utf-8")
    policy = load_policy(root / "policies" / "renew.policy")
    params = __import__("json").loads((data / "params.json").read_text("utf-8"))
    full = policy.evaluate(data, "2024-06-30", params)
    alone = policy.evaluate(data, "2024-06-30", params, entities=["R01"])
    reason = f"unbound_on 2000-01-01 is before bound_on {cells[start]}"
    assert [(r.line, r.reason) for r in full.rejected if r.reason == reason] == [(at + 1, reason)]
    assert [(r.line, r.reason) for r in alone.rejected if r.reason == reason] == [(at + 1, reason)]
    assert alone.verdicts[0] == full.verdict("R01")


# ---- cells beyond the header (issue 19): a row whose columns may be shifted is rejected --------------------
def test_cells_beyond_the_header_reject_the_row_and_a_trailing_comma_does_not(tmp_path):
    result = run(tmp_path, HEADER + "S1,2024-01-01,7,100\n"
                 "S1,2024-01-02,7,100,\n"  # a trailing comma: an empty cell beyond the header, read as before
                 "S1,2024-01-03,1,000,50\n"  # an unquoted thousands separator: 1 order, 0 yuan and a stray '50'
                 "S1,2024-01-04,7,100,,\x1b[31mx\n")
    long = "S1,2024-01-03,1,000,50"
    assert reasons(result) == [
        (3, 4, None, f"{len(long.split(','))} cells, but the header names 4 columns (the first extra one holds '50')"),
        (4, 5, None, "6 cells, but the header names 4 columns (the first extra one holds '\\x1b[31mx')")]
    assert result.accounting.rows_used == 3  # the shop and two daily rows


def test_an_entity_row_with_cells_beyond_the_header_still_has_a_verdict(tmp_path):
    result = run(tmp_path, HEADER + "S1,2024-01-01,7,100\n", shops_csv=SHOPS_CSV + "S2,女装,extra\n")
    assert [(r.row, r.field) for r in result.rejected] == [(2, None)]
    verdicts = {v.entity: v for v in result.verdicts}
    assert set(verdicts) == {"S1", "S2"} and verdicts["S2"].error and "3 cells" in verdicts["S2"].error.message
    alone = compile_policy_text(POLICY).evaluate(tmp_path, AS_OF, PARAMS, entities=["S1"])
    assert alone.verdicts[0] == verdicts["S1"]  # the untouched entity's verdict is the same, explained alone


# ---- values in messages are quoted with repr: no forged line, no terminal escape code -----------------------
def test_rejection_reasons_quote_the_values_they_echo(tmp_path):
    result = run(tmp_path, HEADER + '"S\x1b[2K9",2024-01-01,7,100\n', shops_csv=SHOPS_CSV + '"S\n1",女装\n"S\n1",女装\n')
    texts = sorted(r.reason for r in result.rejected)
    assert texts == ["duplicate key (shop_id='S\\n1'); first given in row 2", "no shops row for shop_id 'S\\x1b[2K9'"]
    assert not any(c in "".join(texts) for c in "\n\x1b")


def test_a_column_named_twice_in_a_parquet_file_is_an_error_as_in_csv(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "shop_daily.csv").write_text(HEADER, "utf-8")
    pq.write_table(pa.Table.from_arrays([pa.array(["S1"]), pa.array(["女装"]), pa.array(["宠物"])],
                                        names=["shop_id", "main_category", "main_category"]), tmp_path / "shops.parquet")
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(POLICY).evaluate(tmp_path, AS_OF, PARAMS)
    d = err.value.diagnostics[0]
    assert d.file == str(tmp_path / "shops.parquet") and "'main_category' is named twice" in d.message


@pytest.mark.parametrize("cell", ["\x1b[32mflagship", "flagship\x1b[0m", "flag\u200bship", "\x1b[2K\rflagship"])
def test_an_enum_value_with_escape_codes_is_rejected_and_quoted(cell):
    """Issue 19: an enum value holding terminal escape codes printed as a valid one. It is not one of the
    values (only surrounding white space is trimmed), and the reason quotes it, so no code reaches the terminal."""
    from clausewise.data.rows import parse_value
    from clausewise.values.valuetypes import ValueType

    with pytest.raises(ValueError) as err:
        parse_value(cell, ValueType("enum", ("flagship", "ordinary")))
    assert str(err.value).startswith(f"{cell.strip()!r} is not one of flagship, ordinary")
    assert not any(c in str(err.value) for c in "\x1b\r\u200b")
