"""A date in a window is a rule of the program: the date is compared with the window's start and end.

``as_of in 60 days from opened_on``, ``closed_on in previous quarter of as_of``: the window's start
and end are figures (offsets the program computes where they are: ``start of N days from d`` is d,
``end of N days from d`` is C-4's, the edges of a month or quarter are CALENDAR_RULES'), and
WITHIN_RULES decide the membership. The program's status (entities solved through their cells)
must equal the Python reference's (the evaluator's ``member_truth`` on the whole window) on both
sides of each edge, at the calendar's ends, with none and with missing data, under both C-4
conventions; a wrong rule fails the comparison. Shops whose dates stand alike to every edge share a
solve (their cells, :meth:`clausewise.asp.cells.Cells.relations`): each gets the answer it gets solved
alone, on random dates, and a cell that misplaces an edge fails that.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import clausewise
from clausewise.asp import cells
from clausewise.asp.solve import solve
from clausewise.asp.terms import kind_of
from clausewise.engine.evaluation import EntityEvaluation
from tests.support import policy_block, reference_disagreements, shop_evaluation

AS_OF = dt.date(2024, 5, 15)

RULES = {  # rule id -> the membership it states
    "sixty": "as_of in 60 days from opened_on",
    "not30": "as_of not in 30 days from opened_on",
    "one": "closed_on in 1 days from opened_on",
    "prevq": "closed_on in previous quarter of as_of",
    "ownq": "closed_on in quarter of opened_on",
    "prevm": "closed_on not in previous month of opened_on",
    "range": "closed_on in opened_on .. as_of",
    "param": "closed_on in period",
    "last": "closed_on in last 30 days to opened_on",
    "long": "closed_on in 90 days from opened_on",
}

POLICY = policy_block() + """table shops key shop_id {
  shop_id: string
  opened_on: date optional
  closed_on: date optional
}
param period [T-1] "期间" / "period": window = 2024-01-01 .. 2024-03-31
""" + "".join(f'rule {rid} [T-1] "窗口" / "window" = {text}\n' for rid, text in RULES.items())

#: opened on days around the as-of day's 60- and 30-day edges, month and quarter edges, the calendar's ends
OPENED = sorted({AS_OF - dt.timedelta(days=n) for n in (-1, 0, 1, 29, 30, 31, 58, 59, 60, 61)}
                | {dt.date(2024, 1, 1), dt.date(2024, 2, 29), dt.date(2024, 3, 31), dt.date(2023, 12, 31),
                   dt.date(1, 1, 1), dt.date(1, 1, 5), dt.date(1, 4, 1), dt.date(9999, 12, 31), dt.date(9999, 10, 15)})


def _near(day: dt.date) -> set[dt.date]:
    """A day and the days a window's edge may fall on next to it."""
    out = {day}
    for k in (-1, 1, 29, 30, 31, 59, 60, 61, 89, 90, 91):
        try:
            out.add(day + dt.timedelta(days=k))
        except OverflowError:
            pass
    return out


def _shops() -> list[dict]:
    out = [{"shop_id": "Snone", "opened_on": None, "closed_on": None},
           {"shop_id": "Sopen", "opened_on": AS_OF.isoformat(), "closed_on": None}]
    for i, opened in enumerate(OPENED):
        closed = _near(opened) | {dt.date(2024, 1, 1), dt.date(2024, 3, 31), dt.date(2024, 4, 1), dt.date(2023, 12, 31)}
        for j, day in enumerate(sorted(closed)):
            out.append({"shop_id": f"S{i:02d}{j:02d}", "opened_on": opened.isoformat(), "closed_on": day.isoformat()})
        out.append({"shop_id": f"S{i:02d}n", "opened_on": opened.isoformat(), "closed_on": None})
    return out


def test_the_program_states_each_membership_in_a_window():
    policy = clausewise.compile_policy_text(POLICY, "t.policy")
    program = policy.program
    assert set(RULES) <= set(policy.figures.compiled)
    for rid in RULES:
        assert f'within("{rid}",' in program, rid
        assert f'leaf(E,"{rid}",S)' not in program, rid
    for fact in ('period_end("sixty.end",', ",60).", 'day_shift("sixty.start",', ",0).", 'period_end("long.end",',
                 ",start,quarter,1).", ",end,month,1).", ",start,quarter,0)."):
        assert fact in program, fact
    # a window the program does not compute from single dates: its start and end enter as figures
    assert "figure last.start = start of last 30 days to opened_on: a figure/3 fact per entity" in program
    assert "param.start = start of period: a const/2 fact of each evaluation" in program
    # the analysis commands' search states a constant day in a window of days from one date (it chooses
    # the date, the program computes the edges); the other windows with an edge from data it reads from leaf/3
    assert 'within("sixty",' in policy.search_program and 'within("not30",' in policy.search_program
    assert 's_one(E,S) :- leaf(E,"one",S).' in policy.search_program


@pytest.mark.parametrize("convention", ["start_day_is_day_1", "start_day_excluded"])
def test_memberships_decided_by_the_program_equal_the_exact_statuses(convention):
    evaluation, scopes = shop_evaluation(POLICY, _shops(), AS_OF, {"period_day_count_convention": convention})
    wrong, seen = reference_disagreements(evaluation, scopes, RULES)
    assert not wrong, "\n".join(wrong[:20])
    for rid in RULES:
        assert {(rid, "pass"), (rid, "fail")} <= seen, rid
    assert ("prevm", "unknown") in seen and ("ownq", "pass") in seen  # the month before 0001-01: missing
    # shops on the same side of every edge share a solve: far fewer signatures than shops
    assert len({evaluation.signature(evaluation.measure(s)) for s in scopes.values()}) < len(scopes)


@pytest.mark.parametrize("mutation", [("A <= X, X <= B", "A < X, X <= B"), ("X > B.", "X >= B.")])
def test_a_wrong_membership_rule_is_a_disagreement(mutation):
    evaluation, scopes = shop_evaluation(POLICY, _shops(), AS_OF)
    old, new = mutation
    assert old in evaluation.program
    wrong_program = evaluation.program.replace(old, new)
    mutated = EntityEvaluation(evaluation.plan, wrong_program, evaluation.figures, evaluation.ev, evaluation._text)
    wrong, _ = reference_disagreements(mutated, scopes, RULES)
    assert wrong


def _cell_disagreements(evaluation: EntityEvaluation, scopes: dict) -> list[str]:
    """Shops whose answer through their cell (solved with the other shops of their signature)
    differs from their answer solved alone with their exact figures (every shop's own facts, no
    representative, in one call: clingo solves each distinct set of facts on its own)."""
    measured = {e: evaluation.measure(s) for e, s in scopes.items()}
    shared = evaluation.solve(measured)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cells.Cells, "representative", lambda self, fid, value: (kind_of(value), value))
        alone = solve(evaluation.program, {e: evaluation.facts(m) for e, m in measured.items()}, evaluation.shared_facts())
    return [f"{e}: {shared[e].status} alone {alone[e].status}" for e in measured if alone[e] != shared[e]]


EDGES = [dt.date(1, 1, 1), dt.date(1, 1, 5), dt.date(9999, 12, 31), dt.date(2023, 12, 31), dt.date(2024, 1, 1),
         dt.date(2024, 3, 31), dt.date(2024, 4, 1), AS_OF]
DAYS = st.one_of(st.none(), st.sampled_from(EDGES), st.dates(dt.date(2023, 9, 1), dt.date(2024, 8, 31)))


@st.composite
def _dates(draw) -> tuple[dt.date | None, dt.date | None]:
    opened = draw(DAYS)
    if opened is not None and draw(st.booleans()):  # closed near opened: around its window's edges
        try:
            return opened, opened + dt.timedelta(days=draw(st.integers(-95, 95)))
        except OverflowError:
            pass
    return opened, draw(DAYS)


@settings(max_examples=25, deadline=None)
@given(st.lists(_dates(), min_size=2, max_size=8))
def test_shops_in_one_cell_get_the_answer_each_gets_alone(dates):
    shops = [{"shop_id": f"S{i:02d}", "opened_on": o and o.isoformat(), "closed_on": c and c.isoformat()}
             for i, (o, c) in enumerate(dates)]
    evaluation, scopes = shop_evaluation(POLICY, shops, AS_OF)
    assert not _cell_disagreements(evaluation, scopes)
    wrong, _ = reference_disagreements(evaluation, scopes, RULES)
    assert not wrong, wrong


def test_shops_whose_dates_stand_alike_to_the_edges_share_a_solve():
    """300 shops opened on random days of a year and closed within 100 days of it: 67 signatures
    (each shop had its own when the cells kept the dates of a window's edges of the shop's own)."""
    rnd = random.Random(14)
    opened = [dt.date(2023, 9, 1) + dt.timedelta(days=rnd.randrange(365)) for _ in range(300)]
    shops = [{"shop_id": f"S{i:03d}", "opened_on": o.isoformat(),
              "closed_on": (o + dt.timedelta(days=rnd.randrange(-100, 100))).isoformat()} for i, o in enumerate(opened)]
    evaluation, scopes = shop_evaluation(POLICY, shops, AS_OF)
    evaluation.constants()
    assert evaluation._cells is not None and len(evaluation._cells.relative) == 6  # one .. last: an edge of the shop's own
    signatures = {evaluation.signature(evaluation.measure(s)) for s in scopes.values()}
    assert len(signatures) * 3 < len(scopes), (len(signatures), len(scopes))
    assert not _cell_disagreements(evaluation, scopes)


def _equal_is_below(value, bound) -> int:
    return -1 if value <= bound else 1


@pytest.mark.parametrize("mutation", ["equal is below", "no end"])
def test_a_cell_that_misplaces_an_edge_is_a_disagreement(mutation, monkeypatch):
    evaluation, scopes = shop_evaluation(POLICY, _shops(), AS_OF)
    if mutation == "equal is below":
        monkeypatch.setattr(cells, "_side", _equal_is_below)
    else:  # the start's side stands for the end's
        evaluation.constants()
        assert evaluation._cells is not None
        evaluation._cells.relative = [(d, s, s) for d, s, _ in evaluation._cells.relative]
    assert _cell_disagreements(evaluation, scopes)


def test_a_constant_day_in_a_month_or_quarter_of_the_shops_date():
    """``as_of in quarter of opened_on``: the edges of a month or quarter bound no date, so the cell
    records the constant day's sides of the shop's edges (a relation), as for a date of the shop's."""
    rules = {"aq": "as_of in quarter of opened_on", "apm": "as_of not in previous month of opened_on",
             "fixed": "2024-03-31 in month of closed_on"}
    text = POLICY.split("rule ")[0] + "".join(f'rule {rid} [T-1] "窗口" / "window" = {t}\n' for rid, t in rules.items())
    evaluation, scopes = shop_evaluation(text, _shops(), AS_OF)
    wrong, seen = reference_disagreements(evaluation, scopes, rules)
    assert not wrong, wrong[:20]
    assert {("aq", "pass"), ("aq", "fail"), ("fixed", "pass"), ("fixed", "fail"), ("apm", "pass")} <= seen
    assert not _cell_disagreements(evaluation, scopes)
    evaluation.constants()
    assert evaluation._cells is not None and len(evaluation._cells.relative) == 3
    assert len({evaluation.signature(evaluation.measure(s)) for s in scopes.values()}) * 10 < len(scopes)
