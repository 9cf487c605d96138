"""Date offsets between single dates are rules of the program, over day numbers.

``as_of - opened_on >= 90 days``, ``opened_on + 30 days <= as_of``, ``end of 90 days from d``: the
dates enter as figures, the program computes the offset (asp/leafrules.py OFFSET_RULES). These
tests check that the program's status equals the exact one on both sides of every bound, at the
calendar's ends (a day beyond it is missing data, never a crash), with none, under both C-4
conventions, that entities on the same side of every bound still share one solve, and that the
checker refuses an offset whose sum would leave 32 bits.
"""

from __future__ import annotations

import datetime as dt

import pytest

import clausewise
from clausewise.asp.cells import Cells
from clausewise.asp.terms import kind_of
from clausewise.engine.evaluation import EntityEvaluation
from clausewise.language.check import MAX_OFFSET_DAYS
from clausewise.language.diagnostics import ClausewiseError
from tests.support import policy_block, program_statuses, shop_evaluation

AS_OF = dt.date(2024, 3, 15)

POLICY = policy_block() + """table shops key shop_id {
  shop_id: string
  opened_on: date
  closed_on: date optional
}
let trial_end [T-1] "试用期满" / "trial end" = opened_on + 30 days
rule old [T-1] "开店满90天" / "open 90 days" = as_of - opened_on >= 90 days
rule trial [T-1] "试用期已过" / "trial over" = trial_end <= as_of
rule window [T-1] "90天内" / "within 90 days" = end of 90 days from opened_on >= as_of
rule before [T-1] "十天前" / "ten days before" = opened_on - 10 days < as_of
rule closed [T-1] "已关闭一天" / "closed a day ago" = closed_on + 1 day <= as_of
rule span [T-1] "开关间隔" / "open to close" = closed_on - opened_on > 7 days
"""

DAYS = [AS_OF - dt.timedelta(days=n) for n in (-1, 0, 1, 29, 30, 31, 88, 89, 90, 91, 400, 5000)]
EDGES = [dt.date(1, 1, 1), dt.date(1, 1, 5), dt.date(9999, 12, 31), dt.date(9999, 12, 1)]


def _evaluation(shops: list[dict], params: dict | None = None, text: str = POLICY) -> tuple[EntityEvaluation, dict]:
    return shop_evaluation(text, shops, AS_OF, params)


def _shops() -> list[dict]:
    out = []
    for i, day in enumerate(DAYS + EDGES):
        for j, closed in enumerate([None, day, day + dt.timedelta(days=7) if day < dt.date(9999, 12, 1) else day,
                                    AS_OF - dt.timedelta(days=1), AS_OF]):
            out.append({"shop_id": f"S{i:02d}{j}", "opened_on": day.isoformat(),
                        "closed_on": closed.isoformat() if closed else None})
    return out


def test_the_program_states_each_offset():
    program = clausewise.compile_policy_text(POLICY, "t.policy").program
    for fact in ('day_diff("old.left",', 'day_shift("trial.left",', ",30).", 'period_end("window.left",', ",90).",
                 'day_shift("before.left",', ",-10).", 'day_shift("closed.left",', ",1).", 'day_diff("span.left",'):
        assert fact in program, fact
    assert "a figure/3 fact per entity" not in program.split("% figure old.left")[1].split("\n")[0]


@pytest.mark.parametrize("convention", ["start_day_is_day_1", "start_day_excluded"])
def test_offsets_decided_by_the_program_equal_the_exact_statuses(convention, monkeypatch):
    evaluation, scopes = _evaluation(_shops(), {"period_day_count_convention": convention})
    measured, shared, statuses = program_statuses(evaluation, scopes)
    for leaf_id in ("old", "trial", "window", "before", "closed", "span"):
        assert {(leaf_id, "pass"), (leaf_id, "fail")} <= statuses, leaf_id
    assert ("trial", "unknown") in statuses and ("before", "unknown") in statuses  # beyond the calendar: missing
    monkeypatch.setattr(Cells, "representative", lambda self, fid, value: (kind_of(value), value))
    for entity, m in measured.items():
        assert evaluation.solve({entity: m})[entity] == shared[entity], entity


def test_the_convention_moves_the_end_of_a_period_by_one_day():
    shop = [{"shop_id": "S", "opened_on": (AS_OF - dt.timedelta(days=90)).isoformat(), "closed_on": None}]
    seen = {}
    for convention in ("start_day_is_day_1", "start_day_excluded"):
        evaluation, scopes = _evaluation(shop, {"period_day_count_convention": convention})
        seen[convention] = evaluation.solve({"S": evaluation.measure(scopes["S"])})["S"].status["window"]
    assert seen == {"start_day_is_day_1": "fail", "start_day_excluded": "pass"}


def test_entities_on_the_same_side_of_every_bound_share_a_solve():
    """Dates compared with as_of through an offset have cells (the bound moved by the offset): shops
    opened on 200 different days long ago, closed or not, have two signatures. (Two dates compared
    with each other through an offset, as 'span' does, keep their values.)"""
    shops = [{"shop_id": f"S{i}", "opened_on": (dt.date(2020, 1, 1) + dt.timedelta(days=i)).isoformat(),
              "closed_on": (dt.date(2021, 1, 1) + dt.timedelta(days=i)).isoformat() if i % 2 else None}
             for i in range(200)]
    alone = POLICY.split("rule span")[0]
    evaluation, scopes = _evaluation(shops, text=alone)
    signatures = {evaluation.signature(evaluation.measure(s)) for s in scopes.values()}
    assert len(signatures) == 2
    evaluation, scopes = _evaluation(shops)
    assert len({evaluation.signature(evaluation.measure(s)) for s in scopes.values()}) == 200


@pytest.mark.parametrize("days,refused", [(MAX_OFFSET_DAYS, False), (MAX_OFFSET_DAYS + 1, True), (3_000_000_000, True)])
def test_the_checker_refuses_an_offset_beyond_32_bits(days, refused):
    text = POLICY.replace("opened_on + 30 days", f"opened_on + {days} days")
    if not refused:
        clausewise.compile_policy_text(text, "t.policy")
        return
    with pytest.raises(ClausewiseError) as error:
        clausewise.compile_policy_text(text, "t.policy")
    message = str(error.value)
    assert "t.policy:" in message and "error:" in message and "32-bit" in message and f"{MAX_OFFSET_DAYS:,}" in message
