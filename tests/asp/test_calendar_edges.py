"""The start and end of a month or quarter of a date are rules of the program (asp/leafrules.py
CALENDAR_RULES: civil calendar arithmetic on day numbers), not constants computed in Python.

``end of previous quarter of as_of - cold_start_pass_day >= 60 days`` (LIFE) and ``start of quarter
of opened_on <= closed_on``: the program's status must equal the exact one for dates on both sides
of every period edge, across leap years and centuries, at the calendar's ends (a period before
0001-01 is missing data), for every edge, period and ``previous``.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

import clausewise
from tests.support import policy_block, program_statuses, shop_evaluation

AS_OF = dt.date(2024, 5, 15)

EDGES = {  # rule id -> the edge of opened_on's period it compares with closed_on
    "qs": "start of quarter of opened_on",
    "qe": "end of quarter of opened_on",
    "pqs": "start of previous quarter of opened_on",
    "pqe": "end of previous quarter of opened_on",
    "ms": "start of month of opened_on",
    "me": "end of month of opened_on",
    "pms": "start of previous month of opened_on",
    "pme": "end of previous month of opened_on",
}
OPS = ["<=", ">=", "<", ">", "=", "!="]

POLICY = policy_block() + """table shops key shop_id {
  shop_id: string
  opened_on: date optional
  closed_on: date
}
let assessed [T-1] "考核季度" / "quarter assessed" = previous quarter of as_of
let quarter_end [T-1] "季度末" / "quarter end" = end of assessed
rule sixty [T-1] "季度末前60天" / "60 days before the quarter's end" = quarter_end - closed_on >= 60 days
rule started [T-1] "本季度开始前" / "before this quarter" = closed_on < start of quarter of as_of
""" + "".join(f'rule {rid}{i} [T-1] "边界" / "edge" = {text} {op} closed_on\n'
              for rid, text in EDGES.items() for i, op in enumerate(OPS))

#: the first, second and last days of months through leap years and centuries (1900 and 2100 are not
#: leap years, 2000 is), the 28th and 29th of February
DAYS = sorted({dt.date(y, m, d) for y in (1900, 2000, 2023, 2024, 2100) for m in (1, 2, 3, 4, 6, 7, 9, 10, 12)
               for d in {1, 2, 28, calendar.monthrange(y, m)[1]}})
EXTREMES = [dt.date(1, 1, 1), dt.date(1, 1, 31), dt.date(1, 2, 1), dt.date(1, 3, 31), dt.date(1, 4, 1),
            dt.date(9999, 10, 1), dt.date(9999, 12, 1), dt.date(9999, 12, 31)]


def _shops() -> list[dict]:
    """Each day opened, closed on the day itself, a day either side, and the edges' days."""
    out = []
    for i, day in enumerate(DAYS + EXTREMES):
        near = {day, *(day + dt.timedelta(days=k) for k in (-1, 1) if dt.date(1, 1, 1) < day < dt.date(9999, 12, 31))}
        near |= {day.replace(day=1), AS_OF, dt.date(2024, 1, 1), dt.date(2023, 12, 31)}
        for j, closed in enumerate(sorted(near)):
            out.append({"shop_id": f"S{i:03d}{j}", "opened_on": day.isoformat(), "closed_on": closed.isoformat()})
    out.append({"shop_id": "Snone", "opened_on": None, "closed_on": "2024-01-01"})
    return out


def test_the_program_states_each_calendar_edge():
    program = clausewise.compile_policy_text(POLICY, "t.policy").program
    for fact in (",start,quarter,0).", ",end,quarter,0).", ",start,quarter,1).", ",end,quarter,1).",
                 ",start,month,0).", ",end,month,0).", ",start,month,1).", ",end,month,1).", 'day_diff("sixty.left",'):
        assert fact in program, fact
    sent = [line for line in program.splitlines() if "a const/2 fact of each evaluation" in line]
    assert len(sent) == 1 and " = as_of: " in sent[0]  # the edges of as_of's quarters are the program's
    assert 'calendar_edge("sixty.left.from",' in program and ",end,quarter,1)." in program


@pytest.mark.slow
def test_calendar_edges_decided_by_the_program_equal_the_exact_statuses():
    evaluation, scopes = shop_evaluation(POLICY, _shops(), AS_OF)
    assert {f"{rid}{i}" for rid in EDGES for i in range(len(OPS))} | {"sixty", "started"} <= set(evaluation.figures.compiled)
    _, _, seen = program_statuses(evaluation, scopes)
    statuses = {(leaf_id.rstrip("012345"), status) for leaf_id, status in seen}  # qs0 .. qs5: qs
    for rid in [*EDGES, "sixty", "started"]:
        assert {(rid, "pass"), (rid, "fail")} <= statuses, rid
    assert ("pqs", "unknown") in statuses and ("pme", "unknown") in statuses  # before 0001-01: missing
