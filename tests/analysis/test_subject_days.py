"""A subject evaluated on another day resolves its parameters for that day (issue 19)."""

from __future__ import annotations

import datetime as dt

import clausewise
from clausewise.analysis.subjects import subject_from_data
from tests.support import policy_block

POLICY = policy_block(compliant="recent_shop") + """table shops key shop_id {
  shop_id: string
  opened_on: date
}
param recent "近期" / "recent": window = last 30 days to as_of
rule recent_shop [X-1] "新店" / "opened recently" = opened_on in recent
"""
ROWS = {"shops": [{"shop_id": "S1", "opened_on": "2024-02-20"}]}


def test_a_day_dependent_default_follows_the_day():
    policy = clausewise.compile_policy_text(POLICY)
    subject = subject_from_data(policy, ROWS, "S1", dt.date(2024, 3, 1), {})
    later = subject.at(dt.date(2024, 6, 1))
    assert str(later.ev.params["recent"]) == str(policy.evaluate(ROWS, "2024-06-01").params["recent"])
    assert str(subject.ev.params["recent"]) != str(later.ev.params["recent"])
    statuses = {day: policy.evaluate(ROWS, day).verdicts[0].compliant for day in ("2024-03-01", "2024-06-01")}
    assert statuses == {"2024-03-01": True, "2024-06-01": False}
    assert later.leaf_eval.evaluate(policy.plan.leaves()[0].cond, later.scope).status == "fail"
    assert subject.leaf_eval.evaluate(policy.plan.leaves()[0].cond, subject.scope).status == "pass"


def test_given_parameters_are_kept():
    policy = clausewise.compile_policy_text(POLICY)
    given = {"recent": "2024-01-01..2024-12-31"}
    subject = subject_from_data(policy, ROWS, "S1", dt.date(2024, 3, 1), given)
    assert str(subject.at(dt.date(2024, 6, 1)).ev.params["recent"]) == str(subject.ev.params["recent"])
