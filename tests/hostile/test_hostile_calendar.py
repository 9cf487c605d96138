"""Calendar arithmetic at the calendar's ends (0001-01-01 and 9999-12-31) never raises.

A day computed beyond the calendar (``9999-12-31 + 90 days``) is an unknown value with its
reason; a window that reaches beyond it is cut at the calendar's end (the days it contains do
not change); a window wholly beyond it (the previous month of 0001-01) is unknown with its
reason. Every date and month position of every bundled policy's example data is tried with
both extremes, and the as-of date too.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from clausewise.engine.policy import compile_policy_text, load_policy
from clausewise.language.diagnostics import ClausewiseError
from tests.support import policy_block
from clausewise.values.calendar import add_days, last_n, n_days_from, quarter_of, shifted_month
from clausewise.values.valuetypes import Month, OutOfCalendar

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = [("tier", "2024-04-01"), ("novice", "2024-03-15"), ("renew", "2024-06-30"), ("life", "2024-04-01")]
EXTREME = {"date": ("9999-12-31", "0001-01-01"), "month": ("9999-12", "0001-01")}
MAX, MIN = dt.date.max, dt.date.min


# ---- the calendar module -----------------------------------------------------------------------------------
def test_months_at_the_calendars_ends():
    assert Month(9999, 12).last_day == MAX  # was: ValueError no such month 10000-01
    assert Month(1, 1).first_day == MIN
    with pytest.raises(OutOfCalendar, match="9999-12 \\+ 1 months is beyond the calendar"):
        Month(9999, 12).shift(1)
    with pytest.raises(OutOfCalendar, match="0001-01 - 1 months"):
        Month(1, 1).shift(-1)
    assert list(shifted_month(MAX, 0).months()) == [Month(9999, 12)]
    assert quarter_of(MAX).start == dt.date(9999, 10, 1)


def test_days_beyond_the_calendar_are_out_of_calendar_errors_not_overflow():
    assert add_days(dt.date(9999, 12, 30), 1) == MAX
    with pytest.raises(OutOfCalendar, match="9999-12-31 \\+ 90 days is beyond the calendar"):
        add_days(MAX, 90)
    with pytest.raises(OutOfCalendar, match="0001-01-01 - 1 days"):
        add_days(MIN, -1)
    with pytest.raises(OutOfCalendar, match="the previous quarter of 0001-02-03"):
        quarter_of(dt.date(1, 2, 3), previous=True)
    with pytest.raises(OutOfCalendar, match="the previous month of 0001-01-01"):
        shifted_month(MIN, -1)


def test_windows_reaching_beyond_the_calendar_are_cut_at_its_end():
    window = n_days_from(90, dt.date(9999, 12, 20), "start_day_is_day_1")
    assert (window.start, window.end) == (dt.date(9999, 12, 20), MAX)
    assert list(window.days())[-1] == MAX  # iterating to the last day does not overflow
    window = last_n(30, "days", dt.date(1, 1, 5))
    assert (window.start, window.end) == (MIN, dt.date(1, 1, 5))
    window = last_n(3, "months", dt.date(1, 2, 1))
    assert list(window.months()) == [Month(1, 1), Month(1, 2)]
    assert n_days_from(10**30, MIN, "start_day_excluded").end == MAX


# ---- evaluation: the inputs --------------------------------------------------------------------------
CALENDAR_POLICY = policy_block("cal", "ok", ("历法", "calendar"), effective="0001-01-01") + """table shops key shop_id {
  shop_id: string
  registered_on: date
}
rule ok [C-1] "达标" / "ok" = all of {
  settled [C-1] "满90天" / "90 days on": registered_on + 90 days <= as_of
  earlier [C-2] "前一天" / "day before": registered_on - 1 days < as_of
  span30 [C-3] "30天" / "30 days": count(day d in 30 days from registered_on) >= 30
  prevmonth [C-4] "上月" / "previous month": count(day d in previous month of registered_on) >= 28
  quarterly [C-5] "季度" / "quarter": count(month m in previous quarter of registered_on) = 3
  recent [C-6] "近3月" / "last 3 months": count(month m in last 3 months to as_of) >= 1
  monthend [C-7] "月末" / "month end": end of month of as_of >= as_of
}
"""


@pytest.mark.parametrize("as_of", ["2024-03-15", "9999-12-31", "0001-01-01"])
def test_extreme_dates_give_unknowns_with_reasons(as_of):
    policy = compile_policy_text(CALENDAR_POLICY)
    rows = [{"shop_id": "A", "registered_on": "9999-12-31"}, {"shop_id": "B", "registered_on": "0001-01-01"},
            {"shop_id": "C", "registered_on": "2024-01-01"}]
    result = policy.evaluate({"shops": rows}, as_of)
    nodes = {v.entity: {c.id.split(".")[1]: c for c in v.rules[0].children} for v in result.verdicts}
    assert nodes["A"]["settled"].status == "unknown"
    assert nodes["A"]["settled"].missing == ["9999-12-31 + 90 days is beyond the calendar (0001-01-01 to 9999-12-31)"]
    assert nodes["A"]["span30"].observed == "1"  # 9999-12-31 is the only day of its 30
    assert nodes["B"]["earlier"].missing == ["0001-01-01 - 1 days is beyond the calendar (0001-01-01 to 9999-12-31)"]
    assert nodes["B"]["prevmonth"].status == nodes["B"]["quarterly"].status == "unknown"
    assert nodes["B"]["span30"].status == "pass"
    assert nodes["C"]["settled"].status == ("fail" if as_of != "9999-12-31" else "pass")
    assert all(n["monthend"].status == "pass" for n in nodes.values())
    assert all(n["recent"].status == "pass" for n in nodes.values())


# ---- every date and month position of every bundled policy -------------------------------------------------
def _small_copy(name: str, tmp: Path) -> Path:
    """The example data of ``name``, at most 400 rows a table (the tier example has 28,000)."""
    source = ROOT / "examples" / name
    target = tmp / name
    target.mkdir()
    for f in source.iterdir():
        if f.suffix == ".csv":
            lines = f.read_text("utf-8").splitlines(keepends=True)
            (target / f.name).write_text("".join(lines[:401]), "utf-8")
        elif f.suffix == ".json":
            (target / f.name).write_text(f.read_text("utf-8"), "utf-8")
    return target


def _positions():
    for name, as_of in BUNDLED:
        policy = load_policy(ROOT / "policies" / f"{name}.policy")
        for table, schema in sorted(policy.checked.tables.items()):
            for f in schema.fields:
                if f.type.kind in EXTREME:
                    for value in EXTREME[f.type.kind]:
                        yield pytest.param(name, as_of, table, f.name, value, id=f"{name}-{table}.{f.name}={value}")


def _balanced(result) -> None:
    a = result.accounting
    assert a.entities_in == a.verdicts_out == len(result.verdicts)
    assert a.rows_read == a.rows_used + a.rows_rejected + a.rows_not_validated
    for t in a.tables:
        assert t.rows_read == t.rows_used + t.rows_rejected + t.rows_not_validated


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("extreme")
    return {name: _small_copy(name, tmp) for name, _ in BUNDLED}


def _params(directory: Path) -> dict:
    path = directory / "params.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


@pytest.mark.parametrize("name, as_of, table, field_name, value", list(_positions()))
def test_extreme_value_in_every_date_position(small, tmp_path, name, as_of, table, field_name, value):
    data = tmp_path / name
    data.mkdir()
    for f in small[name].iterdir():
        (data / f.name).write_bytes(f.read_bytes())
    path = data / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and field_name in rows[0], f"{path} has no rows or no column {field_name}"
    for row in rows[:3]:  # a few rows: entity rows, their dependent rows, keys made duplicate
        row[field_name] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    policy = load_policy(ROOT / "policies" / f"{name}.policy")
    result = policy.evaluate(data, as_of, _params(data))
    _balanced(result)
    assert result.verdicts


@pytest.mark.parametrize("name", [n for n, _ in BUNDLED])
@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01"])
def test_extreme_as_of_dates(small, name, as_of):
    policy = load_policy(ROOT / "policies" / f"{name}.policy")
    try:
        result = policy.evaluate(small[name], as_of, _params(small[name]))
    except ClausewiseError as err:  # not in force on that day, or a parameter's default window before the calendar
        message = str(err.diagnostics[0].message)  # (TIER's evaluation period on 0001-01-01): a diagnostic, not a traceback
        assert "is not in force on" in message or "is beyond the calendar (0001-01-01 to 9999-12-31)" in message, message
        return
    _balanced(result)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_explain_and_audit_of_an_open_end_date_give_verdicts_not_exit_1(tmp_path, day):
    """Issue 19: `9999-12-31` in a date the policy adds days to made `explain` fail with exit 1 (the code
    for "not compliant") and killed the whole `audit` (no verdicts). Now: no traceback, every shop has
    its verdict and the others' are those of the clean data: exit 0 or 1 by the verdicts. `0001-01-01` as
    the opening day (it was an error verdict, exit 3): the exit day derived from the daily data would walk
    the window from 0001-01-01 to the as-of day (738,960 days), longer than a walk goes (36,525 days), so
    it is unknown (and so is whether the recorded exit day differs from it), and the shop has its verdict."""
    from click.testing import CliRunner

    from clausewise.cli.main import main

    data = tmp_path / "novice"
    data.mkdir()
    for f in (ROOT / "examples" / "novice").iterdir():
        (data / f.name).write_bytes(f.read_bytes())
    path = data / "shops.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["shop_id"] == "S03":
            row["opened_on"] = row["graduated_on"] = day
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    runner, common = CliRunner(), ["policies/novice.policy", "--as-of", "2024-03-15"]
    explain = runner.invoke(main, ["explain", str(ROOT / common[0]), "--data", str(data), *common[1:], "--entity", "S03"])
    assert explain.exit_code in (0, 1) and "Traceback" not in explain.output
    assert explain.stdout.startswith("novice 2022-10-13 · entity S03 · as of 2024-03-15\n")
    verdicts = {}
    for name, source in (("hostile", data), ("clean", ROOT / "examples" / "novice")):
        out = tmp_path / f"{name}.jsonl"
        audit = runner.invoke(main, ["audit", str(ROOT / common[0]), "--data", str(source), *common[1:], "--workers", "1",
                                     "--out", str(out)])
        assert audit.exit_code in (0, 1) and "Traceback" not in audit.output
        verdicts[name] = {v["entity"]: v for v in map(json.loads, out.read_text("utf-8").splitlines())}
    assert verdicts["hostile"].keys() == verdicts["clean"].keys() and len(verdicts["clean"]) == 14
    assert {e: v for e, v in verdicts["hostile"].items() if e != "S03"} == {
        e: v for e, v in verdicts["clean"].items() if e != "S03"}
    assert "error" not in verdicts["hostile"]["S03"]
    if day == "0001-01-01":  # the derived exit day is unknown (the walk's reason: see test_a_walk_longer_than_…)
        disagrees = next(o for o in verdicts["hostile"]["S03"]["outcome_details"] if o["field"] == "exit_record_disagrees")
        assert (disagrees["value"], disagrees["decided"]) == (None, False)


# ---- walks day by day over a window longer than 36,525 days (100 years) --------------------------------------
WALK_POLICY = policy_block("walk", "ok", ("逐日", "walks"), effective="0001-01-01") + """table shops key shop_id {
  shop_id: string
  registered_on: date
}
rule matured [W-1] "满5天" / "5 days on" = registered_on + 5 days <= as_of
let found [W-2] "首日" / "first day" = first day d in registered_on .. as_of where d >= registered_on + 5 days
let never [W-3] "从未" / "never" = first day d in registered_on .. as_of where d < registered_on
let found_rule [W-4] "首日(规则)" / "first day (rule)" = first day d in registered_on .. as_of where matured on d
rule ok [W-5] "达标" / "ok" = all of {
  found_ok [W-2] "找到" / "found": found >= registered_on
  never_ok [W-3] "未找到" / "never found": never >= registered_on
  rule_ok [W-4] "找到(规则)" / "found (rule)": found_rule >= registered_on
  any_day [W-6] "任一天" / "any day": any day d in registered_on .. as_of: d >= registered_on
  counted [W-7] "天数" / "days": count(day d in registered_on .. as_of) >= 1
}
"""


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_a_walk_longer_than_the_limit_is_unknown_with_the_reason(engine):
    """Issue 19: a window of more than 36,525 days made the entity's verdict an error. Now it is not
    walked: every walk over it (first day, first day of a rule's history, any day, a day-count) is
    unknown with the reason, before any day is tried (a walk of a rule's history over 36,525 days took
    48 s of CPU and 978 MB for one shop). Within the limit (A) every day is walked as before."""
    rows = {"shops": [{"shop_id": "A", "registered_on": "2024-01-01"}, {"shop_id": "B", "registered_on": "0001-01-01"}]}
    result = compile_policy_text(WALK_POLICY).evaluate(rows, "2024-03-15", engine=engine)
    leaves = {v.entity: {n.id.removeprefix("ok."): n for n in v.rules[1].children} for v in result.verdicts}
    assert all(v.error is None for v in result.verdicts)
    assert {k: n.status for k, n in leaves["A"].items()} == {
        "found_ok": "pass", "never_ok": "fail", "rule_ok": "pass", "any_day": "pass", "counted": "pass"}
    assert leaves["A"]["found_ok"].observed.startswith("2024-01-06")
    b = leaves["B"]
    for name in ("found_ok", "never_ok", "rule_ok", "any_day", "counted"):  # day 6 would decide the first two
        assert b[name].status == "unknown" and b[name].missing == [
            "the window 0001-01-01..2024-03-15 has 738,960 days, longer than 36,525 days (100 years) to walk day by day"]
    assert result.verdict("B").compliant is None  # unknown (all of: five unknowns)
