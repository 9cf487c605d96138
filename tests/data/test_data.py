"""Data loading: every row is either used or rejected with file, row, field and reason."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, strategies as st

from clausewise.data.rows import parse_value
from clausewise.data.files import find_table_files, load_table, table_from_rows
from clausewise.language.diagnostics import ClausewiseError
from clausewise.values.valuetypes import FieldSchema, TableSchema, ValueType

DAILY = TableSchema("shop_daily", (
    FieldSchema("shop_id", ValueType("string")),
    FieldSchema("date", ValueType("date")),
    FieldSchema("paid_orders", ValueType("orders")),
    FieldSchema("gmv_yuan", ValueType("yuan")),
    FieldSchema("complaint_rate", ValueType("rate")),
    FieldSchema("experience_score", ValueType("score"), optional=True),
    FieldSchema("shop_type", ValueType("enum", ("flagship", "ordinary"))),
    FieldSchema("active", ValueType("bool")),
), key=("shop_id", "date"), time_field="date")

HEADER = "shop_id,date,paid_orders,gmv_yuan,complaint_rate,experience_score,shop_type,active\n"
GOOD = "S1,2024-01-05,12,100.50,0.03,4.5,flagship,true\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_good_csv_rows_are_exact_values(tmp_path):
    table = load_table(write(tmp_path, "shop_daily.csv", HEADER + GOOD + "S2,2024-01-05,0,-3,1,,ordinary,0\n"), DAILY)
    assert table.rows_read == 2 and table.rejected == []
    first, second = table.rows
    assert first == {"shop_id": "S1", "date": dt.date(2024, 1, 5), "paid_orders": 12, "gmv_yuan": Decimal("100.50"),
                     "complaint_rate": Decimal("0.03"), "experience_score": Decimal("4.5"), "shop_type": "flagship",
                     "active": True}
    assert second["experience_score"] is None and second["gmv_yuan"] == Decimal(-3) and second["active"] is False


@pytest.mark.parametrize("line, field, reason", [
    ("S1,2024-02-30,1,1,0,4,flagship,true", "date", "not a date (YYYY-MM-DD): '2024-02-30'"),
    ("S1,20240105,1,1,0,4,flagship,true", "date", "not a date (YYYY-MM-DD): '20240105'"),
    ("S1,2024-01-05,-1,1,0,4,flagship,true", "paid_orders", "negative orders: -1"),
    ("S1,2024-01-05,1.5,1,0,4,flagship,true", "paid_orders", "not a whole number of orders: '1.5'"),
    ("S1,2024-01-05,1,1.005,0,4,flagship,true", "gmv_yuan", "more than 2 decimal places in a yuan amount: 1.005"),
    ("S1,2024-01-05,1,1,1.7,4,flagship,true", "complaint_rate", "a rate must lie between 0 and 1 (write 3% as 0.03): 1.7"),
    ("S1,2024-01-05,1,1,0,-4,flagship,true", "experience_score", "negative score: -4"),
    ("S1,2024-01-05,1,1,0,4,flagshop,true", "shop_type", "'flagshop' is not one of flagship, ordinary (did you mean 'flagship'?)"),
    ("S1,2024-01-05,1,1,0,4,flagship,yes", "active", "not a boolean (true/false/1/0): 'yes'"),
    (",2024-01-05,1,1,0,4,flagship,true", "shop_id", "missing value"),
    ("S1,2024-01-05,1,nan,0,4,flagship,true", "gmv_yuan", "not a number: 'nan'"),
])
def test_bad_rows_are_rejected_with_row_field_and_reason(tmp_path, line, field, reason):
    path = write(tmp_path, "shop_daily.csv", HEADER + GOOD + line + "\n")
    table = load_table(path, DAILY)
    assert (table.rows_read, len(table.rows), len(table.rejected)) == (2, 1, 1)
    error = table.rejected[0]
    assert (error.file, error.row, error.line, error.field, error.reason) == (str(path), 2, 3, field, reason)
    assert error.diagnostic().render() == f"{path}:3: error: row 2, field '{field}': {reason}"


def test_several_bad_fields_are_all_counted(tmp_path):
    table = load_table(write(tmp_path, "shop_daily.csv", HEADER + "S1,x,-1,1,0,4,flagship,true\n"), DAILY)
    assert table.rejected[0].field == "date"
    assert table.rejected[0].reason.endswith("(and 1 more bad field in this row)")


def test_nul_is_rejected(tmp_path):
    table = load_table(write(tmp_path, "shop_daily.csv", HEADER + "S\x001,2024-01-05,1,1,0,4,flagship,true\n"), DAILY)
    assert (table.rejected[0].field, table.rejected[0].reason) == ("shop_id", "contains a NUL character")


def test_duplicate_key_is_rejected_and_points_at_the_first(tmp_path):
    table = load_table(write(tmp_path, "shop_daily.csv", HEADER + GOOD + GOOD), DAILY)
    assert len(table.rows) == 1
    assert table.rejected[0].reason == "duplicate key (shop_id='S1', date=2024-01-05); first given in row 1"


def test_quoted_multiline_cell_keeps_line_numbers(tmp_path):
    text = HEADER + 'S1,2024-01-05,1,1,0,4,flagship,true\n"S\n2",2024-01-05,1,1,0,4,flagship,true\nS3,bad,1,1,0,4,flagship,true\n'
    table = load_table(write(tmp_path, "shop_daily.csv", text), DAILY)
    assert [(e.row, e.line) for e in table.rejected] == [(3, 5)]


def test_missing_column_is_an_error_at_the_header(tmp_path):
    path = write(tmp_path, "shop_daily.csv", HEADER.replace("paid_orders", "paid_order") + GOOD)
    with pytest.raises(ClausewiseError) as err:
        load_table(path, DAILY)
    assert err.value.diagnostics[0].render() == (f"{path}:1: error: table shop_daily has no column paid_orders\n"
                                                 "hint: did you mean 'paid_order'?")


def test_jsonl_numbers_are_decimals_and_bad_lines_reported(tmp_path):
    rows = [{"shop_id": "S1", "date": "2024-01-05", "paid_orders": 3, "gmv_yuan": 0.1, "complaint_rate": 0.03,
             "experience_score": None, "shop_type": "ordinary", "active": False, "extra": "ignored"}]
    text = json.dumps(rows[0]) + "\n\n{not json\n[1]\n"
    table = load_table(write(tmp_path, "shop_daily.jsonl", text), DAILY)
    assert table.rows[0]["gmv_yuan"] == Decimal("0.1") and table.rows_read == 3
    assert [(e.row, e.line, e.reason.split(":")[0]) for e in table.rejected] == [(2, 3, "not valid JSON"), (3, 4, "not a JSON object")]


def test_parquet_typed_columns(tmp_path):
    path = tmp_path / "shop_daily.parquet"
    pq.write_table(pa.table({
        "shop_id": ["S1", "S2"], "date": [dt.date(2024, 1, 5), dt.date(2024, 1, 6)], "paid_orders": [5, -1],
        "gmv_yuan": ["1.25", "2"], "complaint_rate": [0.25, 0.5], "experience_score": [None, 4.0],
        "shop_type": ["flagship", "ordinary"], "active": [True, False]}), path)
    table = load_table(path, DAILY)
    assert table.rows[0]["complaint_rate"] == Decimal("0.25") and table.rows[0]["experience_score"] is None
    assert [(e.row, e.line, e.field) for e in table.rejected] == [(2, 0, "paid_orders")]


def test_rows_in_memory_accept_typed_and_text_values():
    table = table_from_rows([{"shop_id": "S1", "date": dt.date(2024, 1, 5), "paid_orders": 2, "gmv_yuan": Decimal("1.1"),
                              "complaint_rate": "0", "experience_score": "", "shop_type": "ordinary", "active": True}], DAILY)
    assert table.rows[0]["paid_orders"] == 2 and table.rejected == []


def test_find_table_files(tmp_path):
    write(tmp_path, "shop_daily.csv", HEADER)
    write(tmp_path, "notes.txt", "")
    write(tmp_path, "other_table.csv", "")
    write(tmp_path, "shop_dayly.csv", "")
    assert find_table_files([tmp_path], ["shop_daily", "shops"]) == {"shop_daily": tmp_path / "shop_daily.csv"}
    (tmp_path / "shop_dayly.csv").unlink()
    write(tmp_path, "shop_dayly.csv", "")
    with pytest.raises(ClausewiseError) as err:
        find_table_files([tmp_path / "shop_dayly.csv", tmp_path / "nope"], ["shop_daily"])
    assert [d.render() for d in err.value.diagnostics] == [
        f"{tmp_path / 'nope'}: error: no such file or directory",
        f"{tmp_path / 'shop_dayly.csv'}: error: unknown table 'shop_dayly'\nhint: did you mean 'shop_daily'?"]
    with pytest.raises(ClausewiseError, match="a second file for table shop_daily"):
        find_table_files([tmp_path, tmp_path / "shop_daily.csv"], ["shop_daily"])


@given(st.integers(min_value=0, max_value=10**30))
def test_any_count_is_read_exactly(n):
    assert parse_value(str(n), ValueType("orders")) == n


@given(st.decimals(min_value=-10**15, max_value=10**15, places=2, allow_nan=False))
def test_any_yuan_amount_is_read_exactly(amount):
    assert parse_value(str(amount), ValueType("yuan")) == amount


LISTS = TableSchema("providers", (
    FieldSchema("provider_id", ValueType("string")),
    FieldSchema("industries", ValueType("enum", ("catering", "hotel"), is_list=True)),
    FieldSchema("tags", ValueType("string", is_list=True), optional=True),
), key=("provider_id",))

#: (provider, industries, tags) as each format writes them: P1 has items; P2 has a list of no items in the
#: optional field, written as each format writes "no items"; P3 the same in the required field
LIST_ROWS = [("P1", ["hotel", "catering"], ["a", "b"]), ("P2", ["catering"], []), ("P3", [], None)]


def _list_files(tmp_path) -> dict[str, object]:
    csv_text = "provider_id,industries,tags\nP1,hotel;catering,a;b\nP2,catering,\nP3,;,\n"
    jsonl = "".join(json.dumps({"provider_id": p, "industries": i, "tags": t}) + "\n" for p, i, t in LIST_ROWS)
    parquet = tmp_path / "providers.parquet"
    pq.write_table(pa.table({"provider_id": [p for p, _, _ in LIST_ROWS], "industries": [i for _, i, _ in LIST_ROWS],
                             "tags": pa.array([t for _, _, t in LIST_ROWS], pa.list_(pa.string()))}), parquet)
    return {"csv": write(tmp_path, "providers.csv", csv_text), "jsonl": write(tmp_path, "providers.jsonl", jsonl),
            "parquet": parquet, "memory": [{"provider_id": p, "industries": i, "tags": t} for p, i, t in LIST_ROWS]}


@pytest.mark.parametrize("form", ["csv", "jsonl", "parquet", "memory"])
def test_a_list_of_no_items_is_a_missing_value_in_every_format(tmp_path, form):
    """An empty CSV cell (or one of only ';'), a JSON [] and a Parquet empty list mean the same: a missing
    value (none in an optional field, a rejected row in a required one), as an empty cell does for any type."""
    source = _list_files(tmp_path)[form]
    table = table_from_rows(source, LISTS) if form == "memory" else load_table(source, LISTS)
    assert table.rows == [{"provider_id": "P1", "industries": ("hotel", "catering"), "tags": ("a", "b")},
                          {"provider_id": "P2", "industries": ("catering",), "tags": None}]
    assert [(e.row, e.field, e.reason) for e in table.rejected] == [(3, "industries", "missing value (a list with no items)")]
    assert table.rows_read == 3


@pytest.mark.parametrize("value", ["", " ", ";", " ; ;", [], [""], ["", " "], (), None])
def test_no_items_in_any_spelling_is_missing(value):
    tags = ValueType("string", is_list=True)
    assert parse_value(value, tags, optional=True) is None
    with pytest.raises(ValueError, match=r"^missing value"):
        parse_value(value, tags)
    assert parse_value(["a", ""], tags) == parse_value("a;", tags) == ("a",)
