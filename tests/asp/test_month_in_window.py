"""A month in a window is a rule of the program: its first and last days are both in the window.

``report_month in quarter of as_of``, ``2024-02 in period``, ``ym in month of opened_on``: the month's
first and last days are offsets the program computes from its month number (``month_edge/3``,
CALENDAR_RULES' civil arithmetic), each compared with the window's start and end by WITHIN_RULES,
and MONTH_WITHIN_RULES combine the two. The program's status (shops solved through their cells)
must equal the Python reference's (``member_truth``: ``Window.contains`` of a month) on both sides of
each edge, at the calendar's ends (0001-01, 9999-12), with missing data and with a window that does
not exist; a wrong rule fails the comparison, and so does a cell that misplaces an edge.
"""

from __future__ import annotations

import datetime as dt

import pytest

import clausewise
from clausewise.engine.evaluation import EntityEvaluation
from tests.asp.test_window_membership import _cell_disagreements
from tests.support import policy_block, reference_disagreements, shop_evaluation

AS_OF = dt.date(2024, 5, 15)

RULES = {  # rule id -> the membership it states
    "inperiod": "ym in period",
    "quarter": "ym in quarter of as_of",
    "literal": "2024-02 in period",
    "months": "ym in 2024-01 .. 2024-03",
    "notlast": "ym not in last 3 months to as_of",
    "own": "ym in ym .. 2024-05",
    "month": "ym in month of opened_on",
    "notq": "ym not in quarter of opened_on",
    "days": "ym in opened_on .. closed_on",
    "none": "ym in opened_on .. day 31 of month of closed_on",
    "first": "start of ym >= opened_on",
    "last": "end of ym <= closed_on",
}



def _policy(rules: dict[str, str]) -> str:
    return policy_block() + """table shops key shop_id {
  shop_id: string
  opened_on: date optional
  closed_on: date optional
  ym: month optional
}
param period [T-1] "期间" / "period": window = 2024-01-01 .. 2024-03-31
""" + "".join(f'rule {rid} [T-1] "月" / "month" = {text}\n' for rid, text in rules.items())


POLICY = _policy(RULES)

MONTHS = [None, "0001-01", "0001-02", "2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "9999-12"]
DAYS = [None, "0001-01-01", "2024-01-01", "2024-01-02", "2024-02-29", "2024-03-31", "2024-05-31", "9999-12-31"]


def _shops(months: list[str | None] = MONTHS) -> list[dict]:
    return [{"shop_id": f"S{i:02d}{j:02d}{k:02d}", "ym": m, "opened_on": o, "closed_on": c}
            for i, m in enumerate(months) for j, o in enumerate(DAYS) for k, c in enumerate(DAYS)]


def test_the_program_states_each_month_in_a_window():
    policy = clausewise.compile_policy_text(POLICY, "t.policy")
    program = policy.program
    assert set(RULES) <= set(policy.figures.compiled)
    for rid in RULES:
        assert f'leaf(E,"{rid}",S)' not in program, rid
        if rid not in ("first", "last"):
            assert f'month_in("{rid}").  within(("{rid}",first),' in program, rid
    for fact in ('month_edge("inperiod.first","inperiod.item",start).', 'month_edge("inperiod.last","inperiod.item",end).',
                 'month_edge("literal.first","literal.item",start).', "const(\"literal.item\",24289)."):
        assert fact in program, fact
    # the analysis commands' search still chooses these leaves (leaf/3), as it does a date in a window
    assert 's_inperiod(E,S) :- leaf(E,"inperiod",S).' in policy.search_program


def test_months_in_windows_decided_by_the_program_equal_the_exact_statuses():
    evaluation, scopes = shop_evaluation(POLICY, _shops(), AS_OF)
    wrong, seen = reference_disagreements(evaluation, scopes, RULES, explained=True)
    assert not wrong, "\n".join(wrong[:20])
    for rid in set(RULES) - {"literal"}:
        assert {(rid, "pass"), (rid, "fail"), (rid, "unknown")} <= seen, rid
    assert ("literal", "pass") in seen
    assert not _cell_disagreements(evaluation, scopes)


def test_the_first_and_last_day_of_a_month_at_the_calendars_ends():
    policy = clausewise.compile_policy_text(POLICY, "t.policy")
    shops = [{"shop_id": m, "ym": m, "opened_on": day, "closed_on": day}
             for m, day in (("0001-01", "0001-01-01"), ("9999-12", "9999-12-31"), ("2024-02", "2024-02-29"))]
    verdicts = {v.entity: v for v in policy.evaluate({"shops": shops}, AS_OF).verdicts}
    statuses = {e: {r.id: r.status for r in v.rules if r.id in ("first", "last")} for e, v in verdicts.items()}
    assert statuses == {"0001-01": {"first": "pass", "last": "fail"}, "9999-12": {"first": "fail", "last": "pass"},
                        "2024-02": {"first": "fail", "last": "pass"}}


@pytest.mark.parametrize("mutation", [
    [("inside(E,(L,first),yes), inside(E,(L,last),yes).", "inside(E,(L,first),yes)."),  # the first day only
     ("inside(E,(L,_),no), not", "inside(E,(L,first),no), not")],
    [("value(E,F,V - 1) :- month_edge(F,_,end), month_start(E,F,next,V).",
      "value(E,F,V) :- month_edge(F,_,end), month_start(E,F,next,V).")],
    [("period_from(E,F,YM,1) :- month_edge(F,M,_), value(E,M,YM).",
      "period_from(E,F,YM + 1,1) :- month_edge(F,M,_), value(E,M,YM).")],
])
def test_a_wrong_month_rule_is_a_disagreement(mutation):
    evaluation, scopes = shop_evaluation(POLICY, _shops([None, "2024-01", "2024-03", "9999-12"]), AS_OF)
    program = evaluation.program
    for old, new in mutation:
        assert old in program
        program = program.replace(old, new)
    mutated = EntityEvaluation(evaluation.plan, program, evaluation.figures, evaluation.ev, evaluation._text)
    wrong, _ = reference_disagreements(mutated, scopes, RULES)
    assert wrong


def test_a_cell_that_misplaces_a_months_edge_is_a_disagreement(monkeypatch):
    """A month compared only with constant windows is bounded at the months of the windows' edges (its
    cells: before, at, between, after them); a bound one month late puts a month in the cell of the
    month after it."""
    from clausewise.asp import cells
    from clausewise.values.valuetypes import Month

    constant = {rid: RULES[rid] for rid in ("inperiod", "quarter", "months", "notlast")}
    evaluation, scopes = shop_evaluation(_policy(constant), _shops(), AS_OF)
    assert not _cell_disagreements(evaluation, scopes)
    evaluation.constants()
    assert evaluation._cells is not None and evaluation._cells.bounds["inperiod.item"]  # the month has bounds
    assert len({evaluation.signature(evaluation.measure(s)) for s in scopes.values()}) < len(MONTHS)
    monkeypatch.setattr(cells, "_month_of", lambda day: Month.of(day).shift(1 if day.year < 9999 else 0))
    evaluation, scopes = shop_evaluation(_policy(constant), _shops(), AS_OF)  # cells made with the wrong bounds
    assert _cell_disagreements(evaluation, scopes)
