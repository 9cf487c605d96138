"""Hostile input: each gives an exact result or a clear per-row error, never a wrong verdict.

Strings that look like ASP, values beyond 32 bits, negative money, NaN and infinity, impossible
dates, damaged files, duplicate keys, rows for unknown entities, and the accounting identity
(rows read = used + rejected, entities in = verdicts out) on damaged data. Plain value-level
rejections are in tests/data/test_data.py.
"""

from __future__ import annotations

import re

import datetime as dt
import json
from decimal import Decimal

import clingo
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clausewise.engine.policy import compile_policy_text
from clausewise.cli.main import main
from clausewise.language.diagnostics import ClausewiseError
from clausewise.language.parse import parse_text
from clausewise.report.explain import value_text
from tests.oracle.gen import HEADER as GEN_HEADER

POLICY = """policy hostile {
  title "敌意输入" / "hostile input"
  version "1"
  effective from 2020-01-01
  source "x.txt"
  entity shop in shops
  compliant when all_good
}
table shops key shop_id {
  shop_id: string
  main_category: string
}
table shop_daily key shop_id, date by date {
  shop_id: string -> shops
  date: date
  paid_orders: orders
  amount_yuan: yuan
}
param monthly_standard [H-1] "月标准" / "monthly standard": orders per string
rule all_good [H-1] "达标" / "meets the standards" = all of {
  category [H-2] "类目" / "category": main_category = "女装"
  orders [H-3] "订单" / "orders": sum(shop_daily.paid_orders during 2024-01) >= monthly_standard[main_category]
  money [H-4] "金额" / "money": sum(shop_daily.amount_yuan during 2024-01) >= 100 yuan
}
"""
AS_OF = dt.date(2024, 2, 1)

HOSTILE = [
    '"', "\\", '\\"', "a\nb", "a\r\nb", ":-", "x :- y.", "#include \"/etc/passwd\".", "#script (python) import os #end.",
    '"). #false.', "). #false. entity(\"x", "% comment", "#show x/1.", "'", "{}", "\x7f", "\u202eRTL", "e\u0301",
    "商家🙂", "\U0010ffff", "x" * 100_000, "0", "-1", "2024-02-29",
]


def evaluate(text: str, rows: dict, params: dict | None = None, as_of=AS_OF):
    return compile_policy_text(text).evaluate(rows, as_of=as_of, params=params or {})


def shop_rows(ids: list[str], categories: list[str]) -> dict:
    shops = [{"shop_id": i, "main_category": c} for i, c in zip(ids, categories)]
    daily = [{"shop_id": i, "date": "2024-01-15", "paid_orders": str(10 * n), "amount_yuan": "100.00" if n % 2 else "99.99"}
             for n, i in enumerate(ids)]
    return {"shops": shops, "shop_daily": daily}


# ---- strings that look like ASP, or like nothing at all ----------------------------------------------------
def test_hostile_ids_and_values_change_neither_program_nor_verdicts(monkeypatch):
    programs: list[str] = []
    original_add = clingo.Control.add

    def recording_add(self, *args, **kwargs):
        programs.append(args[-1] if args else kwargs.get("program"))
        return original_add(self, *args, **kwargs)

    monkeypatch.setattr(clingo.Control, "add", recording_add)
    plain_ids = [f"S{n:03d}" for n in range(len(HOSTILE))]
    plain_categories = ["女装" if n % 3 else f"C{n}" for n in range(len(HOSTILE))]
    hostile_categories = ["女装" if n % 3 else h for n, h in enumerate(HOSTILE)]
    plain = evaluate(POLICY, shop_rows(plain_ids, plain_categories),
                     {"monthly_standard": {c: 50 for c in plain_categories}})
    plain_programs, programs[:] = list(programs), []
    hostile = evaluate(POLICY, shop_rows(HOSTILE, hostile_categories),
                       {"monthly_standard": {c: 50 for c in hostile_categories}})
    policy = compile_policy_text(POLICY)
    assert plain_programs and set(plain_programs) == set(programs) == {policy.program}
    assert not any(h in policy.program for h in ("#include", "#script", "passwd"))
    assert [v.entity for v in hostile.verdicts] == sorted(HOSTILE)  # every id read back exactly, none lost
    by_plain = {v.entity: v for v in plain.verdicts}
    for n, h in enumerate(HOSTILE):
        got, want = hostile.verdict(h), by_plain[plain_ids[n]]
        assert got.model_dump(exclude={"entity", "rules", "missing_data"}) == want.model_dump(exclude={"entity", "rules", "missing_data"})
        assert [(x.id, x.status, x.observed) for x in got.rules[0].children] == \
            [(x.id, x.status, x.observed if x.id != "all_good.category" else value_text(hostile_categories[n]))
             for x in want.rules[0].children]  # a value with a newline or a control mark is shown quoted ('a\nb')
    assert sum(v.compliant for v in hostile.verdicts) == sum(v.compliant for v in plain.verdicts) > 0


def test_hostile_strings_in_the_policy_stay_strings():
    text = POLICY.replace('main_category = "女装"', r'main_category = "x\"). #false. #include \"y\"."')
    tree = parse_text(text)
    rule = [d for d in tree.decls if getattr(d, "name", "") == "all_good"][0]
    assert rule.body.entries[0].cond.right.value == 'x"). #false. #include "y".'
    policy = compile_policy_text(text)
    # the value is a string term of the program (the literal it is compared with) and its text is in
    # comments; neither may leave a directive outside a string term or a comment
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', policy.program)
    outside = "\n".join(line.split("%", 1)[0] for line in outside.splitlines())
    assert "#false" not in outside and "#include" not in outside
    assert '"x\\"). #false. #include \\"y\\"."' in policy.program  # escaped inside its string term
    rows = shop_rows(['x"). #false. #include "y".'], ['x"). #false. #include "y".'])
    verdict = policy.evaluate(rows, as_of=AS_OF, params={"monthly_standard": {'x"). #false. #include "y".': 0}}).verdicts[0]
    assert [c.status for c in verdict.rules[0].children] == ["pass", "pass", "fail"]


def test_whitespace_around_text_is_trimmed_and_blank_text_is_missing():
    rows = shop_rows(["  S1 ", "\r\n", "S3"], ["女装", "女装", " 女装\t"])
    result = evaluate(POLICY, rows, {"monthly_standard": {"女装": 0}})
    assert [v.entity for v in result.verdicts] == ["S1", "S3"]
    assert result.verdict("S3").rules[0].children[0].status == "pass"  # ' 女装\t' read as '女装'
    assert [(r.table, r.row, r.field, r.reason) for r in result.rejected] == [
        ("shop_daily", 2, "shop_id", "missing value"), ("shops", 2, "shop_id", "missing value")]


def test_nul_in_an_id_is_rejected_per_row():
    rows = shop_rows(["S1", "S\x002"], ["女装", "女装"])
    result = evaluate(POLICY, rows, {"monthly_standard": {"女装": 0}})
    assert [v.entity for v in result.verdicts] == ["S1"]
    assert [(r.table, r.row, r.field, r.reason) for r in result.rejected] == [
        ("shop_daily", 2, "shop_id", "contains a NUL character"), ("shops", 2, "shop_id", "contains a NUL character")]


# ---- numbers beyond 32 bits, negative money ---------------------------------------------------------------
def money_policy(op: str, bound: str, field: str = "paid_orders") -> str:
    return POLICY.replace('compliant when all_good\n', '').replace(
        'rule all_good', f'rule big [H-9] "大" / "big" = sum(shop_daily.{field} during 2024-01) {op} {bound}\nrule all_good')


@pytest.mark.parametrize("values, bound, expected", [
    (["3000000000"], "3000000000", "pass"),
    (["2999999999"], "3000000000", "fail"),
    (["2147483647", "1"], "2147483648", "pass"),  # the sum just past 2^31 - 1
    (["2147483647", "2147483647", "2"], "4294967296", "pass"),  # 2^32: would wrap to 0
    (["2147483647", "2147483647", "1"], "4294967296", "fail"),
])
def test_order_counts_beyond_32_bits_compare_exactly(values, bound, expected):
    rows = {"shops": [{"shop_id": "S1", "main_category": "女装"}],
            "shop_daily": [{"shop_id": "S1", "date": f"2024-01-{d + 1:02d}", "paid_orders": v, "amount_yuan": "0"}
                           for d, v in enumerate(values)]}
    result = evaluate(money_policy(">=", bound), rows, {"monthly_standard": {}})
    big = result.verdicts[0].rules[0]
    assert (big.id, big.status, big.observed) == ("big", expected, f"{sum(int(v) for v in values):,}")


@pytest.mark.parametrize("values, op, bound, expected, observed", [
    (["21474836.48"], ">=", "21474836.48 yuan", "pass", "21,474,836.48"),  # 2^31 fen
    (["21474836.47"], ">=", "21474836.48 yuan", "fail", "21,474,836.47"),
    (["1000000000.00"] * 5, ">=", "4999999999.99 yuan", "pass", "5,000,000,000.00"),
    (["1000000000.00"] * 5, ">=", "5000000000.01 yuan", "fail", "5,000,000,000.00"),
    (["999999999999999.99", "0.01"], "=", "1000000000000000 yuan", "pass", "1,000,000,000,000,000.00"),
    (["100.00", "-30.50"], "=", "69.5 yuan", "pass", "69.50"),  # negative money: a refund, netted exactly
    (["-0.01"], "<", "0 yuan", "pass", "-0.01"),
])
def test_money_is_exact_in_the_billions_and_below_zero(values, op, bound, expected, observed):
    rows = {"shops": [{"shop_id": "S1", "main_category": "女装"}],
            "shop_daily": [{"shop_id": "S1", "date": f"2024-01-{d + 1:02d}", "paid_orders": "0", "amount_yuan": v}
                           for d, v in enumerate(values)]}
    result = evaluate(money_policy(op, bound, "amount_yuan"), rows, {"monthly_standard": {}})
    big = result.verdicts[0].rules[0]
    assert (big.status, big.observed.replace(" yuan", "")) == (expected, observed)
    assert result.rejected == []


@pytest.mark.parametrize("field, value, reason", [
    ("paid_orders", float("inf"), "not a whole number of orders: inf"),
    ("paid_orders", float("nan"), "not a whole number of orders: nan"),
    ("paid_orders", Decimal("Infinity"), "not a whole number of orders: Decimal('Infinity')"),
    ("paid_orders", "NaN", "not a whole number of orders: 'NaN'"),
    ("paid_orders", "-5", "negative orders: -5"),
    ("amount_yuan", float("nan"), "not a finite number: nan"),
    ("amount_yuan", float("-inf"), "not a finite number: -inf"),
    ("amount_yuan", "Infinity", "not a number: 'Infinity'"),
    ("amount_yuan", "1E400", "out of range (at most 18 digits before the decimal point): 1E400"),
    ("amount_yuan", "1000000000000000000", "out of range (at most 18 digits before the decimal point): 1000000000000000000"),
])
def test_nan_infinity_and_huge_values_are_rejected_per_row(field, value, reason):
    row = {"shop_id": "S1", "date": "2024-01-02", "paid_orders": "1", "amount_yuan": "1", field: value}
    rows = {"shops": [{"shop_id": "S1", "main_category": "女装"}],
            "shop_daily": [{"shop_id": "S1", "date": "2024-01-01", "paid_orders": "7", "amount_yuan": "100"}, row]}
    result = evaluate(POLICY, rows, {"monthly_standard": {"女装": 7}})
    assert [(r.row, r.field, r.reason) for r in result.rejected] == [(2, field, reason)]
    assert [c.status for c in result.verdicts[0].rules[0].children] == ["pass", "pass", "pass"]


def test_nan_and_infinity_in_json_lines_are_rejected_per_row(tmp_path):
    (tmp_path / "shops.csv").write_text("shop_id,main_category\nS1,女装\n", "utf-8")
    (tmp_path / "shop_daily.jsonl").write_text(
        '{"shop_id": "S1", "date": "2024-01-01", "paid_orders": Infinity, "amount_yuan": 1}\n'
        '{"shop_id": "S1", "date": "2024-01-02", "paid_orders": 1, "amount_yuan": NaN}\n'
        '{"shop_id": "S1", "date": "2024-01-03", "paid_orders": 1e400, "amount_yuan": 100}\n', "utf-8")
    result = compile_policy_text(POLICY).evaluate(tmp_path, as_of=AS_OF, params={"monthly_standard": {"女装": 10**400}})
    assert [(r.row, r.line, r.field, r.reason) for r in result.rejected] == [
        (1, 1, "paid_orders", "not a whole number of orders: inf"), (2, 2, "amount_yuan", "not a finite number: nan")]
    orders = result.verdicts[0].rules[0].children[1]
    assert orders.status == "pass" and orders.observed == f"{10**400:,}"  # 1e400 is a whole number, kept exactly


# ---- dates ----------------------------------------------------------------------------------------------------
def test_impossible_dates_are_refused_everywhere(tmp_path):
    rows = {"shops": [{"shop_id": "S1", "main_category": "女装"}],
            "shop_daily": [{"shop_id": "S1", "date": "2023-02-29", "paid_orders": "1", "amount_yuan": "1"},
                           {"shop_id": "S1", "date": "2024-02-29", "paid_orders": "1", "amount_yuan": "1"}]}
    result = evaluate(POLICY, rows, {"monthly_standard": {"女装": 0}})
    assert [(r.row, r.field, r.reason) for r in result.rejected] == [(1, "date", "not a date (YYYY-MM-DD): '2023-02-29'")]
    with pytest.raises(ClausewiseError) as err:
        parse_text(POLICY.replace("during 2024-01)", "during 2023-02-29)"))
    d = err.value.diagnostics[0]
    assert (d.message, d.span.line, d.span.column) == ("no such date: 2023-02-29", 22, 67)
    with pytest.raises(ClausewiseError) as err:
        evaluate(POLICY, rows, {"monthly_standard": {}}, as_of="2023-02-29")
    assert err.value.diagnostics[0].render().startswith("--as-of: error: not a date: '2023-02-29'")
    policy = compile_policy_text(money_policy(">=", "0", "paid_orders").replace(
        "param monthly_standard", "param w [H-8] \"窗\" / \"w\": window\nparam monthly_standard"
    ).replace("during 2024-01) >= 0", "during w) >= 0"))
    with pytest.raises(ClausewiseError) as err:
        policy.evaluate(rows, as_of=AS_OF, params={"monthly_standard": {}, "w": "2023-02-01..2023-02-29"})
    assert "2023-02-29" in err.value.diagnostics[0].render()


# ---- damaged files -------------------------------------------------------------------------------------------
def write_tables(tmp_path, shops: str, daily: str):
    (tmp_path / "shops.csv").write_text(shops, "utf-8")
    (tmp_path / "shop_daily.csv").write_text(daily, "utf-8")
    return tmp_path


DAILY_HEADER = "shop_id,date,paid_orders,amount_yuan\n"


def test_an_empty_file_is_an_error_naming_the_columns(tmp_path):
    write_tables(tmp_path, "", DAILY_HEADER)
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(POLICY).evaluate(tmp_path, as_of=AS_OF, params={"monthly_standard": {}})
    assert err.value.diagnostics[0].render().splitlines()[0] == \
        f"{tmp_path / 'shops.csv'}:1: error: table shops has no columns shop_id, main_category"


def test_header_only_files_give_no_verdicts_and_balance(tmp_path):
    write_tables(tmp_path, "shop_id,main_category\n", DAILY_HEADER)
    result = compile_policy_text(POLICY).evaluate(tmp_path, as_of=AS_OF, params={"monthly_standard": {}})
    acc = result.accounting
    assert (result.verdicts, acc.rows_read, acc.rows_used, acc.rows_rejected, acc.entities_in, acc.verdicts_out) == ([], 0, 0, 0, 0, 0)


def test_a_wrong_header_is_an_error_with_a_hint(tmp_path):
    write_tables(tmp_path, "shop_id,main_categroy\nS1,女装\n", DAILY_HEADER)
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(POLICY).evaluate(tmp_path, as_of=AS_OF, params={"monthly_standard": {}})
    assert err.value.diagnostics[0].render() == (f"{tmp_path / 'shops.csv'}:1: error: table shops has no column main_category\n"
                                                 "hint: did you mean 'main_categroy'?")


def test_a_duplicate_entity_is_rejected_and_evaluated_once(tmp_path):
    write_tables(tmp_path, "shop_id,main_category\nS1,女装\nS1,宠物\n", DAILY_HEADER + "S1,2024-01-05,5,100\n")
    result = compile_policy_text(POLICY).evaluate(tmp_path, as_of=AS_OF, params={"monthly_standard": {"女装": 5}})
    assert [v.entity for v in result.verdicts] == ["S1"] and result.verdicts[0].compliant is True
    assert [(r.table, r.line, r.reason) for r in result.rejected] == [
        ("shops", 3, "duplicate key (shop_id='S1'); first given in row 1")]


def test_rows_for_unknown_entities_are_rejected_not_used_or_dropped(tmp_path):
    write_tables(tmp_path, "shop_id,main_category\nS1,女装\n",
                 DAILY_HEADER + "S1,2024-01-05,5,100\nS9,2024-01-05,5,100\nS1,2024-01-06,1,0\n")
    result = compile_policy_text(POLICY).evaluate(tmp_path, as_of=AS_OF, params={"monthly_standard": {"女装": 6}})
    assert [(r.table, r.row, r.line, r.field, r.reason) for r in result.rejected] == [
        ("shop_daily", 2, 3, "shop_id", "no shops row for shop_id 'S9'")]
    assert result.accounting.tables[0].model_dump() == {"table": "shop_daily", "rows_read": 3, "rows_used": 2, "rows_rejected": 1,
                                                           "rows_not_validated": 0}
    assert [v.entity for v in result.verdicts] == ["S1"] and result.verdicts[0].compliant is True


def test_accounting_balances_on_damaged_data(tmp_path):
    write_tables(tmp_path,
                 "shop_id,main_category\nS1,女装\nS1,宠物\nS\x002,女装\nS3,女装\n,女装\nS4,宠物\n",
                 DAILY_HEADER + "S1,2024-01-05,5,100\nS1,2024-01-05,5,100\nS3,2023-02-29,1,1\nS3,2024-01-05,-1,1\n"
                 "S3,2024-01-06,1,1.001\nS9,2024-01-05,1,1\nS4,2024-01-05,nan,1\nS4,2024-01-06,3,inf\nS4,2024-01-07,3000000000,1\n")
    result = compile_policy_text(POLICY).evaluate(tmp_path, as_of=AS_OF, params={"monthly_standard": {"女装": 5, "宠物": 1}})
    acc = result.accounting
    assert [(t.table, t.rows_read, t.rows_used, t.rows_rejected) for t in acc.tables] == [
        ("shop_daily", 9, 2, 7), ("shops", 6, 3, 3)]
    assert (acc.rows_read, acc.rows_used, acc.rows_rejected) == (15, 5, 10)
    assert acc.rows_read == acc.rows_used + acc.rows_rejected == sum(t.rows_read for t in acc.tables)
    assert (acc.entities_in, acc.verdicts_out) == (3, 3)
    assert [(v.entity, v.compliant) for v in result.verdicts] == [("S1", True), ("S3", False), ("S4", False)]
    assert len(result.rejected) == acc.rows_rejected


def test_cli_audit_states_the_accounting_on_damaged_data(tmp_path):
    write_tables(tmp_path, "shop_id,main_category\nS1,女装\nS1,宠物\n", DAILY_HEADER + "S1,2024-01-05,5,100\nS9,2024-01-05,1,1\n")
    policy = tmp_path / "hostile.policy"
    policy.write_text(POLICY, "utf-8")
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"monthly_standard": {"女装": 5}}), "utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["audit", str(policy), "--data", str(tmp_path / "shops.csv"), "--data",
                                       str(tmp_path / "shop_daily.csv"), "--params", str(params), "--as-of", "2024-02-01",
                                       "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "1 entities, 1 verdicts" in result.output
    assert "rows: 4 read = 2 used + 2 rejected" in result.output
    assert len(out.read_text("utf-8").splitlines()) == 1


# ---- a regression found by the oracle: bindings of one shop with the same start, one still open ----------------
def test_bindings_with_the_same_start_one_open_are_merged():
    text = GEN_HEADER % ("", 0) + ('rule r [X-1] "规则" / "rule" = '
                                   'sum(shop_daily.paid_orders over bound_shops during 2024-01 .. 2024-03) = 3\n'
                                   'decide level [X-2] "等级" / "level": enum(high, low) {\n  high when r\n  otherwise low\n}\n')
    rows = {"providers": [{"provider_id": "P1", "region": "east", "joined_on": "", "deposit": "", "staff": "", "verified": "",
                           "cap_override": "", "fee": "", "industries": "", "tags": ""}],
            "provider_profile": [], "provider_daily": [], "provider_monthly": [], "shops": [{"shop_id": "S1", "main_category": "女装"}],
            "bindings": [{"provider_id": "P1", "shop_id": "S1", "bound_on": "2024-01-01", "unbound_on": "2024-02-01"},
                         {"provider_id": "P1", "shop_id": "S1", "bound_on": "2024-01-01", "unbound_on": ""}],
            "shop_daily": [{"shop_id": "S1", "date": d, "paid_orders": "1", "gmv": "0", "score": ""}
                           for d in ("2024-01-01", "2024-02-01", "2024-03-31")],
            "violations": []}
    result = evaluate(text, rows, {"period": "2024-01..2024-03", "cat_standard": {}})
    assert result.verdicts[0].outcomes == {"level": "high"}


# ---- random bytes as data files ------------------------------------------------------------------------------
CELLS = st.sampled_from(["S1", "S2", "", " ", "女装", "2024-01-05", "2023-02-29", "1", "-1", "1.005", "nan", "inf", "1e400",
                         '"', '""', "\\", "\x00", ",", "\n", "\r", "3000000000", "21474836.48", "-0.01", "🙂"])


@st.composite
def damaged_csv(draw, header: str) -> str:
    lines = [header if draw(st.integers(0, 9)) else draw(st.text(max_size=30))]
    for _ in range(draw(st.integers(0, 6))):
        lines.append(",".join(draw(st.lists(CELLS, max_size=6))) if draw(st.booleans()) else draw(st.text(max_size=40)))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\r\n"]))


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(shops=damaged_csv("shop_id,main_category"), daily=damaged_csv(DAILY_HEADER.strip()), jsonl=st.booleans())
def test_damaged_files_give_per_row_errors_or_a_diagnostic_and_always_balance(tmp_path_factory, shops, daily, jsonl):
    folder = tmp_path_factory.mktemp("damaged")
    (folder / "shops.csv").write_text(shops, "utf-8")
    if jsonl:  # the same cells as JSON Lines, some lines broken
        names = DAILY_HEADER.strip().split(",")
        lines = [json.dumps(dict(zip(names, line.split(",")))) if i % 3 else line for i, line in enumerate(daily.splitlines())]
        (folder / "shop_daily.jsonl").write_text("\n".join(lines), "utf-8")
    else:
        (folder / "shop_daily.csv").write_text(daily, "utf-8")
    try:
        result = compile_policy_text(POLICY).evaluate(folder, as_of=AS_OF, params={"monthly_standard": {"女装": 1}})
    except ClausewiseError as err:
        assert all(d.render().startswith(str(folder)) or d.render().startswith("<data>") for d in err.diagnostics)
        return
    acc = result.accounting
    assert acc.rows_read == acc.rows_used + acc.rows_rejected == sum(t.rows_read for t in acc.tables)
    assert len(result.rejected) == acc.rows_rejected
    assert acc.entities_in == acc.verdicts_out == len(result.verdicts)
    assert all(r.field is None or r.field in DAILY_HEADER + "main_category" for r in result.rejected)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_hostile_ids_survive_csv_and_json_lines_files(tmp_path, suffix):
    import csv

    ids = [h for h in HOSTILE if "\r" not in h]  # a bare CR inside a CSV cell is a line break for the reader too
    rows = shop_rows(ids, ["女装"] * len(ids))
    for table, table_rows in rows.items():
        path = tmp_path / f"{table}{suffix}"
        if suffix == ".csv":
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(table_rows[0]))
                writer.writeheader()
                writer.writerows(table_rows)
        else:
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in table_rows), "utf-8")
    from_files = compile_policy_text(POLICY).evaluate(tmp_path, as_of=AS_OF, params={"monthly_standard": {"女装": 50}})
    in_memory = evaluate(POLICY, rows, {"monthly_standard": {"女装": 50}})
    assert from_files.rejected == [] and [v.entity for v in from_files.verdicts] == sorted(ids)
    assert [v.model_dump() for v in from_files.verdicts] == [v.model_dump() for v in in_memory.verdicts]


@pytest.mark.parametrize("mark", ["\u200b", "\u202e", "\u200f", "\ufeff"])
def test_an_invisible_mark_in_a_value_is_a_different_value_and_messages_show_it(mark):
    """Issue 19: a zero-width or right-to-left mark in a category stopped a rule from applying with
    nothing to see. The value is read exactly as given (it is not the category without the mark, and
    has no standard of its own); the message about the missing standard quotes it, so the mark shows."""
    category = "女装" + mark if mark != "\u202e" else mark + "女装"
    result = evaluate(POLICY, shop_rows(["S1", "S2"], [category, "女装"]), {"monthly_standard": {"女装": 5}})
    marked, plain = result.verdicts
    statuses = [{n.id: n.status for n in v.rules[0].children} for v in (marked, plain)]
    assert statuses[0]["all_good.category"] == "fail" and statuses[1]["all_good.category"] == "pass"
    assert statuses[0]["all_good.orders"] == "unknown" and statuses[1]["all_good.orders"] == "pass"
    orders = next(n for n in marked.rules[0].children if n.id == "all_good.orders")
    assert orders.missing == [f"parameter monthly_standard has no value for {category!r}"]
    assert repr(category) != f"'{category}'"  # the quoted value spells the mark out (\u200b ...)
    shown = next(n for n in marked.rules[0].children if n.id == "all_good.category")
    assert shown.observed == repr(category) and shown.bound == "女装"  # the explanation spells it out too
    assert result.accounting.rows_rejected == 0
