"""A rule on another day (``R on d``) and the states derived from it (``first day d in ... where R on d``)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter

import pytest

from clausewise.engine import history
from clausewise.engine.policy import compile_policy_text, load_policy
from clausewise.evaluate import computed, figuretable
from clausewise.language.diagnostics import ClausewiseError
from tests.support import EXAMPLES, HEADER, POLICIES

NOVICE = (POLICIES / "novice.policy").read_text("utf-8")
#: novice.policy with its derived exit day as an outcome, to read it
DERIVED = NOVICE + """
decide derived_exit [NOVICE-4.1] "推算出村日期" / "derived exit day": date optional {
  derived_exit_on when true
}
"""


def test_the_derived_exit_day_equals_the_record_on_every_example_shop_that_has_one() -> None:
    policy = compile_policy_text(DERIVED, str(POLICIES / "novice.policy"))
    with (EXAMPLES / "novice" / "shops.csv").open(encoding="utf-8") as f:
        recorded = {row["shop_id"]: row["graduated_on"] for row in csv.DictReader(f)}
    verdicts = {v.entity: v for v in policy.evaluate(EXAMPLES / "novice", "2024-03-15").verdicts}
    with_record = {shop: day for shop, day in recorded.items() if day}
    assert sorted(with_record) == ["S05", "S06", "S12"]
    for shop, day in with_record.items():
        assert verdicts[shop].outcomes["derived_exit"] == day, shop
        assert verdicts[shop].outcomes["exit_record_disagrees"] is False
    # the shops without a record never passed the exit inspection before 2024-03-15 (S03 passes on that day)
    assert {shop: verdicts[shop].outcomes["derived_exit"] for shop in recorded if not recorded[shop]} == {
        shop: None for shop in recorded if not recorded[shop]}
    assert verdicts["S03"].outcomes["exit_date"] == "2024-03-15"


def test_duckdb_gives_the_same_novice_verdicts() -> None:
    policy = load_policy(POLICIES / "novice.policy")
    python = policy.evaluate(EXAMPLES / "novice", "2024-03-15")
    duckdb = policy.evaluate(EXAMPLES / "novice", "2024-03-15", engine="duckdb")
    assert [v.model_dump_json() for v in duckdb.verdicts] == [v.model_dump_json() for v in python.verdicts]
    assert duckdb.accounting == python.accounting


RULE_ON = HEADER + """
rule busy [X-1] "忙" / "busy day" = shop_daily.paid_orders on as_of >= 10
rule busy_yesterday [X-1] "昨日忙" / "busy the day before" = busy on (as_of - 1 day)
let first_busy [X-1] "首个忙日" / "first busy day" = first day d in opened_on .. as_of where busy on d
decide first [X-1] "首个忙日" / "first busy day": date optional { first_busy when true }
decide yesterday [X-1] "昨日忙" / "busy yesterday": bool { true when busy_yesterday otherwise false }
"""


def _rows(*days: tuple[str, int]) -> dict:
    return {"shops": [{"shop_id": "A", "opened_on": "2024-01-01", "shop_type": "ordinary", "main_category": "x"}],
            "shop_daily": [{"shop_id": "A", "date": d, "paid_orders": n, "amount_yuan": 0,
                            "experience_score": ""} for d, n in days]}


def test_a_rule_on_the_day_before_and_the_first_day_it_held() -> None:
    policy = compile_policy_text(RULE_ON)
    rows = _rows(("2024-01-01", 9), ("2024-01-02", 10), ("2024-01-03", 9))
    (timeline,) = policy.timeline(rows, "2024-01-01", "2024-01-04")
    # 2023-12-31 has no row: whether the shop was busy then is unknown, so 'yesterday' is undecided on 2024-01-01
    assert [raw.outcome("yesterday") for raw in timeline.days] == [None, False, True, False]
    assert not timeline.days[0].decided("yesterday")
    assert [raw.outcome("first") for raw in timeline.days] == [None, "2024-01-02", "2024-01-02", "2024-01-02"]


def test_a_walk_that_needs_more_days_again_measures_twice_as_many(monkeypatch) -> None:
    """A timeline's walk of ``first day`` grows by a day each day: each time a shop's walk needs days
    not measured yet, it gets twice as many as its round before (16, 32, 64, ...), so 190 days
    take a handful of rounds (and solves) instead of one every 16 days; the same first day."""
    policy = compile_policy_text(RULE_ON)
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(192)]  # to 2024-07-10
    rows = _rows(*((d.isoformat(), 12 if d == dt.date(2024, 7, 1) else 0) for d in days))
    rounds: list[int] = []
    real = history.RuleHistory._measure
    monkeypatch.setattr(history.RuleHistory, "_measure", lambda self, rule, days, scope: rounds.append(len(days))
                        or real(self, rule, days, scope))
    (timeline,) = policy.timeline(rows, "2024-01-02", "2024-07-10")
    assert [raw.outcome("first") for raw in timeline.days[-11:]] == [None] + ["2024-07-01"] * 10
    assert len(rounds) <= 6 and rounds[:3] == [16, 32, 64]
    for day in ("2024-06-30", "2024-07-01", "2024-07-10"):
        (verdict,) = policy.evaluate(rows, day).verdicts
        assert timeline.days[(dt.date.fromisoformat(day) - dt.date(2024, 1, 2)).days].json() == verdict.model_dump_json()


def test_the_histories_of_one_plan_share_the_rules_programs_and_answers(monkeypatch) -> None:
    """Each evaluation of other data makes a history of its own (an analysis command's drafts: one
    each); a rule's program is compiled once per plan and a fact set solved once for all of them,
    with the same verdicts as alone; another plan has programs and answers of its own."""
    policy = compile_policy_text(RULE_ON)
    compiled: list[str] = []
    solved: list[int] = []
    compile_plan, solve = history.compile_plan, history.solve
    monkeypatch.setattr(history, "compile_plan", lambda *a, **k: compiled.append("x") or compile_plan(*a, **k))
    monkeypatch.setattr(history, "solve", lambda program, facts, shared: solved.append(len(facts))
                        or solve(program, facts, shared))

    def busy_on(busy: str) -> list[str]:
        rows = _rows(*((f"2024-01-0{d}", 10 if f"2024-01-0{d}" == busy else 0) for d in range(1, 6)))
        return [v.model_dump_json() for v in policy.evaluate(rows, "2024-01-05").verdicts]
    first = busy_on("2024-01-02")
    assert '"first":"2024-01-02"' in first[0] and compiled == ["x"] and solved
    assert busy_on("2024-01-02") == first and compiled == ["x"] and len(solved) == 1  # nothing solved again
    assert '"first":"2024-01-03"' in busy_on("2024-01-03")[0] and len(solved) == 1  # the same two fact sets
    policy = compile_policy_text(RULE_ON)
    assert busy_on("2024-01-02") == first and compiled == ["x", "x"] and len(solved) == 2


def test_a_day_whose_status_is_unknown_before_the_first_pass_makes_the_first_day_unknown() -> None:
    policy = compile_policy_text(RULE_ON.replace("paid_orders: orders", "paid_orders: orders optional"))
    rows = _rows(("2024-01-02", 10))
    rows["shop_daily"].insert(0, {"shop_id": "A", "date": "2024-01-01", "paid_orders": "", "amount_yuan": 0,
                                            "experience_score": ""})
    (verdict,) = policy.evaluate(rows, "2024-01-03").verdicts
    assert verdict.outcomes["first"] is None and not verdict.outcome_details[0].decided


def test_a_rule_that_reads_itself_on_a_day_is_a_cycle() -> None:
    with pytest.raises(ClausewiseError, match="cycle: a -> b -> a"):
        compile_policy_text(HEADER + """
rule a [X-1] "a" / "a" = first day d in opened_on .. as_of where b on d is set
rule b [X-1] "b" / "b" = a
""")
    with pytest.raises(ClausewiseError, match="cycle: a -> a"):
        compile_policy_text(HEADER + """
let since [X-1] "s" / "s" = first day d in opened_on .. as_of where a on d
rule a [X-1] "a" / "a" = since is set
""")


def test_a_rule_on_a_day_needs_a_date() -> None:
    with pytest.raises(ClausewiseError, match="the day after 'on'"):
        compile_policy_text(HEADER + """
rule a [X-1] "a" / "a" = opened_on < as_of
rule b [X-1] "b" / "b" = a on 3
""")


def test_a_first_day_walk_of_a_window_too_long_is_unknown_not_the_entitys_error() -> None:
    """A window of more than 36,525 days (2024-01-01..9999-12-31) was the entity's error (issue 19):
    it is not walked, and the first day is unknown, even where its second day would decide it; a
    window of exactly 36,525 days is walked."""
    policy = compile_policy_text(RULE_ON)
    rows = _rows(("2024-01-01", 9), ("2024-01-02", 10))
    for as_of in ("2124-01-02", "9999-12-31"):  # 36,526 and 2,914,760 days
        (unknown,) = policy.evaluate(rows, as_of).verdicts
        first = next(o for o in unknown.outcome_details if o.field == "first")
        assert unknown.error is None and not first.decided and unknown.outcomes["first"] is None
    (found,) = policy.evaluate(rows, "2124-01-01").verdicts  # the last day of 36,525
    assert found.error is None and found.outcomes["first"] == "2024-01-02"


def test_figures_that_read_no_day_are_measured_once_per_shop_not_once_per_history_day(monkeypatch) -> None:
    """The exit inspection's learning and province figures are the same on every day: measured once
    per shop in each round of the history's preparing and once for the verdict, however many days
    the history walks; the verdicts are those measured day by day."""
    policy = load_policy(POLICIES / "novice.policy")
    tables = policy.load_data(EXAMPLES / "novice")
    calls: Counter = Counter()
    real = figuretable.value_of

    def counted(ev, node, scope):
        calls[(getattr(node, "name", type(node).__name__), scope.entity.get("shop_id"))] += 1
        return real(ev, node, scope)

    monkeypatch.setattr(figuretable, "value_of", counted)
    rounds: list[int] = []
    real_solve = history.solve
    monkeypatch.setattr(history, "solve", lambda p, facts, shared: rounds.append(1) or real_solve(p, facts, shared))
    shared = [v.model_dump_json() for v in policy.evaluate(tables, "2024-03-31").verdicts]
    assert max(n for (name, _), n in calls.items() if name == "AtDate") >= 60  # a shop's history walks many days
    for name in ("learning_tasks_done", "novice_exam_passed", "registered_province"):
        assert max(n for (m, _), n in calls.items() if m == name) <= len(rounds) + 1, name
    monkeypatch.setattr(figuretable, "day_free", lambda checked, node: False)
    calls.clear()
    assert [v.model_dump_json() for v in policy.evaluate(tables, "2024-03-31").verdicts] == shared
    assert max(n for (m, _), n in calls.items() if m == "learning_tasks_done") >= 60


SLIDING = HEADER + """
rule quiet [X-1] "q" / "q" = sum(shop_daily.paid_orders during last 3 days to as_of) < 25
decide orders_3d [X-1] "o" / "o": orders { sum(shop_daily.paid_orders during last 3 days to as_of) when true }
decide orders_all [X-1] "a" / "a": orders { sum(shop_daily.paid_orders during opened_on .. as_of) when true }
decide yuan_3d [X-1] "y" / "y": yuan { sum(shop_daily.amount_yuan during last 3 days to as_of) when true }
decide good_3d [X-1] "g" / "g": number { count(shop_daily during last 3 days to as_of where experience_score > 4.0) when true }
decide days_3d [X-1] "d" / "d": number { count(shop_daily during last 3 days to as_of) when true }
"""


def test_window_sums_and_counts_from_running_totals_equal_the_rows_added_up(monkeypatch) -> None:
    """A window sliding day by day is summed and counted from running totals of the shop's rows; a
    window with a Decimal (yuan) or a Missing value (an empty score in the filter) is added up row
    by row, with its reasons. Every day equals the timeline measured without running totals."""
    policy = compile_policy_text(SLIDING)
    rows = _rows(*((f"2024-01-{d:02d}", d) for d in range(1, 11)))
    for i, row in enumerate(rows["shop_daily"]):
        row["amount_yuan"] = f"{i}.25"
        row["experience_score"] = "" if i == 6 else "4.5"
    used: list = []
    real = computed._window_total
    monkeypatch.setattr(computed, "_window_total", lambda *a: used.append(real(*a)) or used[-1])
    (timeline,) = policy.timeline(rows, "2024-01-01", "2024-01-12")
    assert any(t is not None for t in used) and any(t is None for t in used)
    day5 = timeline.days[4]  # 2024-01-05: orders 3 + 4 + 5, 1 + ... + 5 in all
    assert (day5.outcome("orders_3d"), day5.outcome("orders_all"), day5.outcome("days_3d")) == (12, 15, 3)
    assert timeline.days[11].outcome("orders_3d") == 10 and timeline.days[11].outcome("days_3d") == 1
    assert timeline.days[7].outcome("good_3d") is None  # 2024-01-08: the empty score of 2024-01-07
    monkeypatch.setattr(computed, "_window_total", lambda *a: None)
    (plain,) = policy.timeline(rows, "2024-01-01", "2024-01-12")
    assert [d.json() for d in plain.days] == [d.json() for d in timeline.days]


def _generated(tmp_path, shops: int = 30, days: int = 60):
    from benchmarks.generate import write_novice

    write_novice(tmp_path, shops, days, dt.date(2024, 3, 31), seed=7)
    return tmp_path


@pytest.mark.slow
def test_histories_solved_together_equal_each_shop_evaluated_alone(tmp_path, monkeypatch) -> None:
    """Generated shops: the days of every shop's exit inspection measured in rounds and solved in
    a few calls, fact sets shared between days and shops, give each shop the verdict it gets
    evaluated alone, day by day as it asks (a history of its own, nothing prepared)."""
    data = _generated(tmp_path)
    policy = load_policy(POLICIES / "novice.policy")
    calls: list[int] = []
    real = history.solve
    monkeypatch.setattr(history, "solve", lambda p, facts, shared: calls.append(len(facts)) or real(p, facts, shared))
    together = {v.entity: v.model_dump_json() for v in policy.evaluate(data, "2024-03-31").verdicts}
    rounds = len(calls)
    # the data give shops that exited by the record, by the derived day, with a record the data contradict, ...
    kinds = {(json.loads(v)["outcomes"]["exit_date"] is not None, json.loads(v)["outcomes"]["exit_record_disagrees"])
             for v in together.values()}
    assert kinds >= {(False, False), (True, False), (True, True)}
    assert 1 <= rounds <= 12, calls  # one call per round for all 30 shops, not one per shop
    monkeypatch.setattr(history.RuleHistory, "prepare", lambda self, ev, scopes, ahead=0: None)
    for shop, verdict in together.items():
        history.forget_shared()  # each shop's days solved afresh, not read from the answers of the others
        (alone,) = policy.evaluate(data, "2024-03-31", entities=[shop]).verdicts
        assert alone.model_dump_json() == verdict, shop
    assert len(calls) - rounds >= len(together)  # alone: at least one call per shop


@pytest.mark.slow
def test_generated_timelines_equal_the_one_day_evaluations(tmp_path) -> None:
    data = _generated(tmp_path, shops=12, days=45)
    policy = load_policy(POLICIES / "novice.policy")
    tables = policy.load_data(data)
    timelines = {t.entity: t for t in policy.timeline(tables, "2024-03-27", "2024-03-31")}
    for i in range(5):
        day = dt.date(2024, 3, 27) + dt.timedelta(days=i)
        for verdict in policy.evaluate(tables, day).verdicts:
            assert timelines[verdict.entity].days[i].json() == verdict.model_dump_json(), (verdict.entity, day)
