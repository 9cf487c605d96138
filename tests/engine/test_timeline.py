"""Timelines: an entity's verdict on every day of a range equals the one-day evaluation of that day."""

from __future__ import annotations

import datetime as dt
import gc
import json
import time
from collections import Counter

import pytest

from clausewise.asp import cells
from clausewise.asp.program import compile_plan
from clausewise.asp.text import pred, q
from clausewise.engine import evaluation, history, timeline
from clausewise.engine.evaluation import EntityEvaluation
from clausewise.engine.policy import compile_policy_text, load_policy
from clausewise.engine.timeline import MAX_DAYS, day_range, range_audit
from clausewise.engine.workers import LimitExceeded
from clausewise.evaluate import computed, measure
from clausewise.evaluate.figuretable import FigureProducer
from clausewise.evaluate.measure import Data, Evaluator
from clausewise.language import syntax
from clausewise.language.diagnostics import ClausewiseError
from clausewise.report.timeline import range_record, timeline_csv, timeline_json, timeline_text
from tests.support import EXAMPLES, HEADER, POLICIES

#: policy, data, parameters, a range of days around the example's as-of day (tier and life take
#: about a second a day for every entity, so their ranges cross one boundary of a window or quarter;
#: novice's holds every day of 2024's first quarter on which an example shop's verdict changes
#: (01-20, 01-21, 02-01, 02-02, 02-10, 03-01, 03-02, 03-13, 03-15, 03-16), two month ends and 02-29)
RANGES = {
    "novice": ("examples/novice", None, "2024-01-19", "2024-03-16"),
    "tier": ("examples/tier", "params.json", "2024-03-31", "2024-04-01"),
    "renew": ("examples/renew", "params.json", "2024-02-28", "2024-03-01"),
    "life": ("examples/life", "params.json", "2024-03-31", "2024-04-02"),
}


def _params(name: str) -> dict:
    data, params, _, _ = RANGES[name]
    return json.loads((EXAMPLES / name / params).read_text("utf-8")) if params else {}


@pytest.mark.parametrize("name", sorted(RANGES))
def test_every_day_of_every_example_entity_equals_the_one_day_evaluation(name: str) -> None:
    policy = load_policy(POLICIES / f"{name}.policy")
    _, _, start, end = RANGES[name]
    params = _params(name)
    tables = policy.load_data(EXAMPLES / name)
    timelines = {t.entity: t for t in policy.timeline(tables, start, end, params)}
    days = day_range(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    assert len(timelines) > 1
    for i, day in enumerate(days):
        for verdict in policy.evaluate(tables, day, params).verdicts:
            assert timelines[verdict.entity].days[i].json() == verdict.model_dump_json(), (verdict.entity, day)


@pytest.mark.slow
def test_dates_by_their_order_give_the_verdicts_of_the_real_dates(monkeypatch) -> None:
    """novice.policy only compares a shop's dates with one another: its timelines (the main program
    and the exit inspection's history) with each date replaced by its rank equal them with the real
    dates, on every example shop and day of the range (the main program alone: the test above)."""
    policy = load_policy(POLICIES / "novice.policy")
    assert cells.dates_only_ordered(policy.figures)
    _, _, start, end = RANGES["novice"]
    tables = policy.load_data(EXAMPLES / "novice")
    ranked = [[raw.json() for raw in t.days] for t in policy.timeline(tables, start, end)]
    for module in (timeline, history):
        monkeypatch.setattr(module, "dates_only_ordered", lambda program: False)
    real = [[raw.json() for raw in t.days] for t in policy.timeline(tables, start, end)]
    assert ranked == real


#: rules reading a shop's opening day, and whether its dates may enter by their order
DATE_READS = {
    "opened_on < as_of": True,  # two dates of the shop's facts (as_of is one of each day's)
    "opened_on >= 2024-01-05": False,  # a date literal is in the program's text
    "opened_on >= cut": False,  # a parameter's date is a fact shared by every key
    "opened_on + 7 days <= as_of": False,  # the program computes an offset on day numbers
    "opened_on in {2024-01-05, 2024-01-10}": False,  # the program states the set's dates
}


@pytest.mark.parametrize("condition", sorted(DATE_READS))
def test_dates_enter_by_their_order_only_when_the_program_only_compares_them(condition: str, monkeypatch) -> None:
    policy = compile_policy_text(HEADER + f"""
param cut [X-1] "界" / "cut": date = 2024-01-05
rule opened [X-1] "开店" / "opened" = {condition}
decide seen [X-1] "见" / "seen": bool {{ true when opened otherwise false }}
""")
    assert cells.dates_only_ordered(policy.figures) is DATE_READS[condition]
    rows = {"shops": [{"shop_id": s, "opened_on": d, "shop_type": "ordinary", "main_category": "x"}
                      for s, d in (("A", "2024-01-05"), ("B", "2024-01-10"), ("C", "2024-01-12"))], "shop_daily": []}
    timelines = {t.entity: t for t in policy.timeline(rows, "2024-01-09", "2024-01-13")}
    for i, day in enumerate(day_range(dt.date(2024, 1, 9), dt.date(2024, 1, 13))):
        for verdict in policy.evaluate(rows, day).verdicts:
            assert timelines[verdict.entity].days[i].json() == verdict.model_dump_json(), (verdict.entity, day)
    # the verdict shows the real dates (the bound: the as-of day): the ranks reach the solver only
    shown = json.loads(timelines["B"].days[0].json())["rules"][0]
    assert shown["observed"].startswith("2024-01-") and shown["bound"] in ("2024-01-09", "2024-01-05", None)
    if not DATE_READS[condition]:  # the refusal matters: forced, the ranks would change an answer
        monkeypatch.setattr(timeline, "dates_only_ordered", lambda program: True)
        forced = {t.entity: [raw.outcome("seen") for raw in t.days]
                  for t in policy.timeline(rows, "2024-01-09", "2024-01-13")}
        assert forced != {e: [raw.outcome("seen") for raw in t.days] for e, t in timelines.items()}


def test_chunks_of_entities_share_the_answers_of_earlier_chunks(monkeypatch) -> None:
    """A range evaluated two shops at a time: the same timelines as all shops at once, and a fact
    set solved for an earlier chunk is not solved again."""
    policy = load_policy(POLICIES / "novice.policy")
    tables = policy.load_data(EXAMPLES / "novice")
    whole = [[raw.json() for raw in t.days] for t in policy.timeline(tables, "2024-03-01", "2024-03-31")]
    solved: list[int] = []
    real = timeline.solve
    monkeypatch.setattr(timeline, "solve", lambda p, facts, shared: solved.append(len(facts)) or real(p, facts, shared))
    monkeypatch.setattr(timeline, "KEYS_PER_SOLVE", 2 * 31)
    chunked = [[raw.json() for raw in t.days] for t in policy.timeline(tables, "2024-03-01", "2024-03-31")]
    assert chunked == whole
    assert len(solved) >= 2
    monkeypatch.setattr(timeline.DayEvaluations, "_solved", lambda self, groups, facts: {  # each chunk on its own
        k: a for shared, keys in groups.items()
        for k, a in timeline.solve(policy.program, {k: facts[k] for k in keys}, shared).items()})
    alone: list[int] = []
    monkeypatch.setattr(timeline, "solve", lambda p, facts, shared: alone.append(len({tuple(f) for f in facts.values()}))
                        or real(p, facts, shared))
    assert [[raw.json() for raw in t.days] for t in policy.timeline(tables, "2024-03-01", "2024-03-31")] == whole
    assert sum(solved) < sum(alone)


def test_the_figures_a_history_measured_for_a_day_of_the_range_are_not_measured_again(monkeypatch) -> None:
    """The exit inspection's figures of a range's day, measured for the history of the days after
    it, are the main program's figures of that day: measured once (the every-day test above checks
    the verdicts)."""
    policy = load_policy(POLICIES / "novice.policy")
    real = EntityEvaluation.measure
    given: list[int] = []
    monkeypatch.setattr(EntityEvaluation, "measure", lambda self, scope, explained=True, known=None:
                        given.append(len(known or ())) or real(self, scope, explained, known))
    (s03,) = policy.timeline(EXAMPLES / "novice", "2024-03-10", "2024-03-20", entities=["S03"])
    assert sum(1 for n in given if n) >= 9 and max(given) >= 10  # the range's days but the last
    assert s03.days[-1].outcome("exit_date") == "2024-03-15"


def test_a_day_made_from_another_measures_again_only_what_reads_the_day(monkeypatch) -> None:
    """A range's days take the first day's constants that read no day (literals, parameters) and
    measure the rest (``as_of``); the exit inspection's history days, whose program reads no
    constant that changes with the day, share one set of cells: over N days of one shop at most
    N + 1 cells are made (the main program's compare ``as_of``), not one per main and history day."""
    policy = load_policy(POLICIES / "novice.policy")
    made: list[bool] = []
    real_cells = evaluation.Cells
    monkeypatch.setattr(evaluation, "Cells", lambda program, constants: made.append(program is policy.figures)
                        or real_cells(program, constants))
    measured: list[str] = []
    real_measure = FigureProducer.measure
    monkeypatch.setattr(FigureProducer, "measure", lambda self, f, scope, known: measured.append(f.id)
                        or real_measure(self, f, scope, known))
    (s03,) = policy.timeline(EXAMPLES / "novice", "2024-03-01", "2024-03-20", entities=["S03"])
    assert s03.days[-1].outcome("exit_date") == "2024-03-15"
    assert made.count(True) <= 21 and made.count(False) == 1  # the history's days: its cells once
    assert measured.count("exited.2.right") >= 20  # as_of: every day
    assert 1 <= measured.count("dynamic_pass.experience.right") <= 2  # 4.0: the first day of the main program and of the rule's


def test_a_day_made_from_another_makes_only_the_measurers_it_uses(monkeypatch) -> None:
    """An evaluation of another day shares the days (its evaluator keeps what reads no day), so the
    measurers of a one-day evaluation are made only for the first day of each program, not for
    every main and history day of the range."""
    policy = load_policy(POLICIES / "novice.policy")
    one_day: list[str] = []
    real = FigureProducer.measurer

    def measurer(self, f, days_shared=True):
        if not days_shared:
            one_day.append(f.id)
        return real(self, f, days_shared)
    monkeypatch.setattr(FigureProducer, "measurer", measurer)
    (s03,) = policy.timeline(EXAMPLES / "novice", "2024-03-01", "2024-03-20", entities=["S03"])
    assert s03.days[-1].outcome("exit_date") == "2024-03-15"
    assert 0 < len(one_day) <= 2 * len(policy.figures.entity_figures)  # the main program's first day and the rule's


def test_a_range_is_evaluated_with_the_cycle_collector_paused_and_restored(monkeypatch) -> None:
    """As in a one-day audit, the cycle collector does not run while a chunk of a range is evaluated
    (it scanned the loaded rows hundreds of times a year), and runs again afterwards."""
    policy = load_policy(POLICIES / "novice.policy")
    seen: list[bool] = []
    real = timeline.DayEvaluations.evaluate

    def evaluate(self, scopes):
        seen.append(gc.isenabled())
        return real(self, scopes)
    monkeypatch.setattr(timeline.DayEvaluations, "evaluate", evaluate)
    assert gc.isenabled()
    (s03,) = policy.timeline(EXAMPLES / "novice", "2024-03-14", "2024-03-16", entities=["S03"])
    assert s03.days[-1].outcome("exit_date") == "2024-03-15"
    assert seen == [False] and gc.isenabled()


@pytest.mark.parametrize("name", [n if n == "novice" else pytest.param(n, marks=pytest.mark.slow) for n in sorted(RANGES)])
def test_a_range_solved_for_its_outcomes_only_gives_the_same_records(name: str) -> None:
    """A range audit's records read each day's compliance and outcomes only: solved with a program
    that shows no other status, every example entity's record is the same, its answers hold the
    compliance condition's and the quantifiers' statuses only, and asking for another is an error."""
    policy = load_policy(POLICIES / f"{name}.policy")
    _, _, start, end = RANGES[name]
    tables = policy.load_data(EXAMPLES / name)
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    full = list(range_audit(policy, tables, first, last, _params(name), range_record))
    lean_days: list = []

    def record(t):
        lean_days.extend(t.days)
        return range_record(t)
    assert list(range_audit(policy, tables, first, last, _params(name), record, outcomes_only=True)) == full
    quantified = [leaf.id for leaf in policy.plan.leaves() if isinstance(leaf.cond, syntax.Quantified)]
    solved = [raw for raw in lean_days if hasattr(raw, "answer")]
    assert solved and all(set(raw.answer.status) <= {policy.plan.compliant, *quantified} for raw in solved)
    some_leaf = next(leaf.id for leaf in policy.plan.leaves() if leaf.id not in quantified)
    with pytest.raises(LookupError, match="outcomes only"):
        solved[0].answer.status.get(some_leaf, "na")


def test_a_program_showing_some_statuses_is_the_whole_program_without_the_others_status_rules() -> None:
    """``compile_plan(shown=...)`` (a range audit's and a rule's history's program) leaves out the
    ``status/3`` rules of the nodes not shown, and nothing else; by default every node's is shown."""
    policy = load_policy(POLICIES / "novice.policy")
    assert compile_plan(policy.plan, policy.figures) == policy.program
    assert policy.plan.compliant is not None
    shown = [policy.plan.compliant, policy.plan.rules[0], "no-such-node"]
    lean = compile_plan(policy.plan, policy.figures, shown=shown).split("\n")
    whole = policy.program.split("\n")
    statuses = [line for line in whole if line.startswith("status(E,")]
    assert len(statuses) == len(policy.plan.nodes) > 3
    kept = {f"status(E,{q(node)},S) :- {pred(node)}(E,S)." for node in shown[:2]}
    assert lean == [line for line in whole if line not in statuses or line in kept]


@pytest.mark.parametrize("kept", [computed.SHARED_ENTITIES, 1])
def test_an_entitys_daily_rows_are_walked_once_for_every_day_of_a_range(kept: int, monkeypatch) -> None:
    """The rows a day-free aggregate keeps (novice's signed orders since opening) are found once per
    entity for every day of a range and its history's rounds, though both measure a chunk's entities
    in turn; with one entity's rows kept at a time they were walked again at each turn."""
    monkeypatch.setattr(computed, "SHARED_ENTITIES", kept)
    policy = load_policy(POLICIES / "novice.policy")
    tables = policy.load_data(EXAMPLES / "novice")
    walked: Counter = Counter()
    row_value = measure.Evaluator.row_value

    def counting(self, node, row, scope):
        if row.get("signed_orders") is not None:
            walked[(row.get("shop_id"), row.get("date"))] += 1
        return row_value(self, node, row, scope)
    monkeypatch.setattr(measure.Evaluator, "row_value", counting)
    records = list(range_audit(policy, tables, dt.date(2024, 3, 1), dt.date(2024, 3, 16), None, range_record,
                               outcomes_only=True))
    assert len(records) == 14 and len(walked) > 20
    assert (max(walked.values()) == 1) == (kept > 1)


def test_parameters_that_change_with_the_day_are_measured_on_each_day() -> None:
    """A parameter whose default reads ``as_of`` differs from day to day: each day's constants are
    its own (the verdicts equal one-day evaluations)."""
    policy = compile_policy_text(HEADER + """
param recent [X-1] "近3天" / "the last 3 days": window = last 3 days to as_of
rule busy [X-1] "近3天订单>=10" / "10 orders in the last 3 days" = sum(shop_daily.paid_orders during recent) >= 10 orders
decide busy_shop [X-1] "忙" / "busy": bool { true when busy otherwise false }
""")
    rows = {"shops": [{"shop_id": "A", "opened_on": "2024-01-01", "shop_type": "ordinary", "main_category": "x"}],
            "shop_daily": [{"shop_id": "A", "date": f"2024-01-{d:02d}", "paid_orders": str(o), "amount_yuan": "1",
                            "experience_score": ""}
                           for d, o in ((2, 6), (3, 5), (6, 9), (7, 1), (9, 20))]}
    (timeline,) = policy.timeline(rows, "2024-01-01", "2024-01-12")
    days = day_range(dt.date(2024, 1, 1), dt.date(2024, 1, 12))
    assert [raw.json() for raw in timeline.days] == [policy.evaluate(rows, day).verdicts[0].model_dump_json() for day in days]
    assert [raw.outcome("busy_shop") for raw in timeline.days] == [
        False, False, True, True, False, False, True, True, True, True, True, False]


def test_a_days_explanation_is_made_only_when_read(monkeypatch) -> None:
    """A range audit's record and a timeline's spans read each day's answer and outcomes: the leaf
    results of a day's explanation are made when its verdict is written (the every-day test checks
    that they equal the one-day evaluation's)."""
    policy = load_policy(POLICIES / "novice.policy")
    made: list[str] = []
    real = EntityEvaluation.explained_leaves
    monkeypatch.setattr(EntityEvaluation, "explained_leaves", lambda self, m: made.append("x") or real(self, m))
    timelines = policy.timeline(EXAMPLES / "novice", "2024-03-01", "2024-03-31")
    records = [range_record(t) for t in timelines]
    assert made == [] and len(records) > 1 and all(t.spans() for t in timelines)
    (verdict,) = [v for v in policy.evaluate(EXAMPLES / "novice", "2024-03-15").verdicts if v.entity == "S03"]
    (s03,) = [t for t in timelines if t.entity == "S03"]
    assert s03.days[14].json() == verdict.model_dump_json() and len(made) == 1
    assert s03.days[14].leaves is s03.days[14].leaves and len(made) == 1


def test_whether_a_window_reads_an_aggregates_row_is_found_once_per_node(monkeypatch) -> None:
    """For every row an aggregate leaves out, the windows its filter used are kept unless they read
    the row (``60 days from f.found_on`` does, ``90 days from exited_on`` does not): the answer
    depends on the node alone, so the syntax is walked once per node, for every day of a range."""
    policy = load_policy(POLICIES / "novice.policy")
    ev = Evaluator(policy.checked, Data({}), {}, dt.date(2024, 3, 1), "C-4")
    parts = [(part, node.binder) for node in syntax.walk(policy.checked.tree)
             if isinstance(node, syntax.Aggregate) and node.binder is not None and node.where is not None
             for part in syntax.walk(node.where)]
    found = [ev.reads_row(part, binder) for part, binder in parts]
    assert True in found and False in found
    monkeypatch.setattr(measure.syntax, "children", lambda *_: pytest.fail("walked again"))
    other = Evaluator(policy.checked, Data({}), {}, dt.date(2024, 3, 2), "C-4")
    other.node_facts = ev.node_facts  # as Evaluator.on_day shares them
    assert [other.reads_row(part, binder) for part, binder in parts] == found


def test_spans_join_the_days_with_the_same_outcomes() -> None:
    policy = load_policy(POLICIES / "novice.policy")
    (timeline,) = policy.timeline(EXAMPLES / "novice", "2024-01-31", "2024-02-03", entities=["S01"])
    spans = timeline.spans()
    # S01 has a score of 4.5 on 2024-02-01 only: the daily assessment passes on that day alone
    assert [(s.start.isoformat(), s.end.isoformat(), s.compliant, s.outcomes["daily_order_cap"]) for s in spans] == [
        ("2024-01-31", "2024-01-31", False, 1000), ("2024-02-01", "2024-02-01", True, None),
        ("2024-02-02", "2024-02-03", False, 1000)]
    assert spans[0].changed == {}
    assert spans[1].changed["dynamic_pass.experience"] == ("fail", "pass")
    assert spans[2].changed["dynamic_pass.experience"] == ("pass", "fail")


def test_text_json_and_csv_say_the_same() -> None:
    policy = load_policy(POLICIES / "novice.policy")
    (timeline,) = policy.timeline(EXAMPLES / "novice", "2024-01-31", "2024-02-02", entities=["S01"])
    text = timeline_text(timeline)
    assert "2024-02-01 (1 day) compliant" in text
    assert "changed: ✔ experience score above 4.0 [NOVICE-3.1.1, AMB-N5] FAIL → pass: 4.5 > 4.0" in text
    data = json.loads(timeline_json(timeline))
    assert [s["days"] for s in data["spans"]] == [1, 1, 1]
    assert data["spans"][0]["because"][0]["id"] == "dynamic_pass.experience"
    assert [d["day"] for d in data["days"]] == ["2024-01-31", "2024-02-01", "2024-02-02"]
    rows = timeline_csv(timeline).splitlines()
    assert rows[0].startswith("entity,as_of,compliant,in_novice_period")
    assert [r.split(",")[1:3] for r in rows[1:]] == [["2024-01-31", "false"], ["2024-02-01", "true"], ["2024-02-02", "false"]]


def test_days_differing_only_in_the_day_share_nothing_wrong() -> None:
    """A figure compared with as_of: the day before, on and after the bound."""
    policy = compile_policy_text(HEADER + """
rule opened_a_week [X-1] "开店满7天" / "open a week" = opened_on + 7 days <= as_of
decide old [X-1] "满7天" / "old": bool { true when opened_a_week otherwise false }
""")
    rows = {"shops": [{"shop_id": "A", "opened_on": "2024-01-01", "shop_type": "ordinary", "main_category": "x"}],
            "shop_daily": []}
    (timeline,) = policy.timeline(rows, "2024-01-07", "2024-01-09")
    assert [raw.outcome("old") for raw in timeline.days] == [False, True, True]


def test_a_bad_range_is_a_positioned_error() -> None:
    policy = load_policy(POLICIES / "novice.policy")
    with pytest.raises(ClausewiseError, match="ends .* before it starts"):
        policy.timeline(EXAMPLES / "novice", "2024-03-02", "2024-03-01")
    with pytest.raises(ClausewiseError, match="longer than"):
        day_range(dt.date(2000, 1, 1), dt.date(2000, 1, 1) + dt.timedelta(days=MAX_DAYS))
    assert len(day_range(dt.date(2000, 1, 1), dt.date(2000, 1, 1) + dt.timedelta(days=MAX_DAYS - 1))) == MAX_DAYS
    with pytest.raises(ClausewiseError, match="not a date"):
        policy.timeline(EXAMPLES / "novice", "2024-03-01", "2024-3-2")
    with pytest.raises(ClausewiseError, match="no shops row for entity 'S99'"):
        policy.timeline(EXAMPLES / "novice", "2024-03-01", "2024-03-02", entities=["S99"])
    with pytest.raises(ClausewiseError, match="not in force on 2022-10-12"):
        policy.timeline(EXAMPLES / "novice", "2022-10-12", "2022-10-13")


def test_a_limit_an_audit_reaches_hints_what_it_can_be_given_less_of(monkeypatch) -> None:
    """An audit has no --entity: its hint names what it has (a range, the data); one named entity
    (explain) can only raise the limit. (The work sleeps in the worker, so the limit is reached.)"""
    policy = load_policy(POLICIES / "novice.policy")
    tables = policy.load_data(EXAMPLES / "novice")
    with pytest.raises(LimitExceeded) as ranged:
        list(range_audit(policy, tables, dt.date(2024, 1, 1), dt.date(2024, 1, 2), None, lambda t: time.sleep(60),
                         time_limit=2))
    assert ranged.value.diagnostics[0].hint == ("raise --time-limit, or audit a shorter range (--from, --to) "
                                                "or fewer entities at a time (split the data)")
    monkeypatch.setattr(type(policy), "_evaluate_chunk", lambda *args: time.sleep(60))
    with pytest.raises(LimitExceeded) as audit:
        policy.evaluate(tables, "2024-03-31", time_limit=2)
    assert audit.value.diagnostics[0].hint == "raise --time-limit, or audit fewer entities at a time (split the data)"
    with pytest.raises(LimitExceeded) as one:
        policy.evaluate(tables, "2024-03-31", entities=["S01"], time_limit=2)
    assert one.value.diagnostics[0].hint == "raise --time-limit"
