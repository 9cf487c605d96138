"""A quantifier whose comparison has the month or day on both sides is a rule of the program.

``any month m in previous quarter of as_of: sum(daily.a during m) > sum(daily.b during m)``: both
sides enter as units figures of the same months or days (``unit_value/4``), each unit's two values
are compared by the same rules as a comparison's (none and missing: GENERIC_RULES' ``compared``),
and ``any``/``every`` combine the units. The program's status must equal the reference's, the
explanation's result and unit the reference's, each shop through its cell its answer alone; a
wrong rule is a disagreement.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

import clausewise
from clausewise.engine.evaluation import EntityEvaluation
from clausewise.evaluate.leaves import LeafEvaluator
from clausewise.evaluate.measure import Scope
from clausewise.report.explain import answered_leaves
from tests.asp.test_window_membership import _cell_disagreements
from tests.support import policy_block, reference_disagreements, shop_evaluation

AS_OF = dt.date(2024, 5, 15)
RULES = {
    "more": "any month m in previous quarter of as_of: sum(daily.a during m) > sum(daily.b during m)",
    "each": "every day d in last 5 days to as_of: sum(daily.a during d) >= sum(daily.b during d)",
    "same": "any day d in last 3 days to as_of: sum(daily.a during d) = sum(daily.b during d) + 1",
}
POLICY = policy_block() + """table shops key shop_id {
  shop_id: string
}
table daily key shop_id, date by date {
  shop_id: string -> shops
  date: date
  a: count optional
  b: count optional
}
""" + "".join(f'rule {rid} [T-1] "两边" / "both sides" = {text}\n' for rid, text in RULES.items())

VALUES = [None, 0, 1, 2, 2**31 - 1, 2**31, 2**63]


def _evaluation(program: str | None = None) -> tuple[EntityEvaluation, dict[str, Scope]]:
    """60 shops with daily a and b over the last 120 days: a = b (0, 1 or 2), or a of 0, 1 or 2 against
    b of 0 or 1, or both random (none: missing data; up to 2^63)."""
    rnd = random.Random(7)
    shops = [{"shop_id": f"S{i:02d}"} for i in range(60)]
    daily = []
    for i in range(60):
        for k in range(120):
            a = rnd.choice(VALUES[1:4] if i % 3 < 2 else VALUES)
            b = a if i % 3 == 0 else rnd.choice(VALUES[1:3]) if i % 3 == 1 else rnd.choice(VALUES)
            if rnd.random() < 0.8:
                daily.append({"shop_id": f"S{i:02d}", "date": (AS_OF - dt.timedelta(days=k)).isoformat(), "a": a, "b": b})
    return shop_evaluation(POLICY, shops, AS_OF, tables={"daily": daily}, program=program)


def test_the_program_states_each_unit_comparison():
    policy = clausewise.compile_policy_text(POLICY, "t.policy")
    for rid in RULES:
        assert policy.figures.compiled[rid].units_both, rid
        assert f'leaf(E,"{rid}",S)' not in policy.program, rid
        assert f'unit_value(E,"{rid}.units",K,X), unit_value(E,"{rid}.units_right",K,Y)' in policy.program, rid


def test_unit_comparisons_decided_by_the_program_equal_the_exact_statuses_and_explanations():
    evaluation, scopes = _evaluation()
    wrong, seen = reference_disagreements(evaluation, scopes, RULES)
    assert not wrong, "\n".join(wrong[:20])
    for rid in RULES:
        assert {(rid, "pass"), (rid, "fail"), (rid, "unknown")} <= seen, rid
    assert not _cell_disagreements(evaluation, scopes)
    reference = LeafEvaluator(evaluation.ev)
    measured = {e: evaluation.measure(s) for e, s in scopes.items()}
    answers = evaluation.solve(measured)
    for entity, m in measured.items():
        shown = answered_leaves(m.leaves, answers[entity], tuple(RULES))
        for rid in RULES:
            assert shown[rid] == reference.evaluate(evaluation.plan.nodes[rid].cond, scopes[entity]), (entity, rid)


@pytest.mark.parametrize("mutation", [
    ('unit_value(E,"more.units_right",K,Y), X > Y.', 'unit_value(E,"more.units_right",K,Y), X >= Y.'),
    ('no_value(E,u("each.units_right",K)).', 'no_value(E,u("each.units",K)).'),
])
def test_a_wrong_unit_comparison_is_a_disagreement(mutation):
    policy = clausewise.compile_policy_text(POLICY, "t.policy")
    old, new = mutation
    assert old in policy.program
    evaluation, scopes = _evaluation(policy.program.replace(old, new))
    wrong, _ = reference_disagreements(evaluation, scopes, RULES)
    assert wrong
