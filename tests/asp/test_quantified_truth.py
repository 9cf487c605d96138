"""A quantifier over a bool of each month or day is a rule of the program.

``every day d in last 2 days to as_of: base on d`` (a rule's status on other days: its history,
the rule's own program solved for those days), ``any month m in previous quarter of as_of: base on
end of m``: each unit's bool enters as ``unit_value/4`` (``unit_missing/3`` when it is unknown), each
unit's status is read as a ``truth`` leaf reads a bool, and ``any``/``every`` combine them by the
quantifier rules (``quantifier_status/3``), as for a comparison of each unit. The program's status
must equal the Python reference's (the evaluator's walk of the quantifier, ``quantifier_result``),
the explanation's result and the unit it shows the reference's, each shop through its cell its
answer solved alone; a wrong rule is a disagreement.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

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
    "every": "every day d in last 2 days to as_of: base on d",
    "any": "any day d in last 3 days to as_of: base on d",
    "months": "any month m in previous quarter of as_of: base on end of m",
    "since": "every day d in opened_on .. as_of: base on d",
}
POLICY = policy_block() + """table shops key shop_id {
  shop_id: string
  opened_on: date optional
}
table daily key shop_id, date by date {
  shop_id: string -> shops
  date: date
  n: count optional
}
rule base [T-1] "基" / "base" = sum(daily.n during as_of) >= 2
""" + "".join(f'rule {rid} [T-1] "日" / "days" = {text}\n' for rid, text in RULES.items())


def _evaluation(program: str | None = None) -> tuple[EntityEvaluation, dict[str, Scope]]:
    """Shops opened around the as-of day (one never: its window is missing) with random daily
    counts (none: missing) over the last 100 days."""
    rnd = random.Random(14)
    shops, daily = [], []
    for i in range(48):
        opened = AS_OF + dt.timedelta(days=rnd.randrange(-4, 3))
        shops.append({"shop_id": f"S{i:02d}", "opened_on": None if i % 9 == 0 else opened.isoformat()})
        daily += [{"shop_id": f"S{i:02d}", "date": (AS_OF - dt.timedelta(days=k)).isoformat(),
                   "n": rnd.choice([None, 0, 1, 2, 3, 2**31, 2**63])} for k in range(100) if rnd.random() < 0.7]
    evaluation, scopes = shop_evaluation(POLICY, shops, AS_OF, tables={"daily": daily}, program=program)
    assert evaluation.ev.history is not None
    evaluation.ev.history.prepare(evaluation.ev, scopes)
    return evaluation, scopes


def test_the_program_states_each_quantifier_over_a_bool():
    policy = clausewise.compile_policy_text(POLICY, "t.policy")
    for rid in RULES:
        assert policy.figures.compiled[rid].op == "truth", rid
        assert f'quantifier("{rid}",' in policy.program and f'leaf(E,"{rid}",S)' not in policy.program, rid
        assert f'unit_status(E,"{rid}",K,pass) :- unit_value(E,"{rid}.units",K,true).' in policy.program, rid
        # the analysis commands' search chooses every quantifier's status (leaf/3)
        assert f's_{rid}(E,S) :- leaf(E,"{rid}",S).' in policy.search_program, rid


def test_quantifiers_over_a_bool_decided_by_the_program_equal_the_exact_statuses():
    evaluation, scopes = _evaluation()
    wrong, seen = reference_disagreements(evaluation, scopes, RULES)
    assert not wrong, "\n".join(wrong[:20])
    for rid in RULES:
        assert {(rid, "pass"), (rid, "fail")} <= seen, rid
    assert ("since", "unknown") in seen and ("every", "unknown") in seen
    assert not _cell_disagreements(evaluation, scopes)


def test_the_explanation_shows_the_reference_result_and_unit():
    evaluation, scopes = _evaluation()
    reference = LeafEvaluator(evaluation.ev)
    measured = {e: evaluation.measure(s) for e, s in scopes.items()}
    answers = evaluation.solve(measured)
    nodes = evaluation.plan.nodes
    for entity, m in measured.items():
        shown = answered_leaves(m.leaves, answers[entity], tuple(RULES))
        for rid in RULES:
            assert shown[rid] == reference.evaluate(nodes[rid].cond, scopes[entity]), (entity, rid)


@pytest.mark.parametrize("mutation", [
    ('unit_status(E,"every",K,fail) :- unit_value(E,"every.units",K,false).',
     'unit_status(E,"every",K,pass) :- unit_value(E,"every.units",K,false).'),
    ('unit_status(E,"any",K,unknown) :- unit_missing(E,"any.units",K).',
     'unit_status(E,"any",K,fail) :- unit_missing(E,"any.units",K).'),
])
def test_a_wrong_unit_rule_is_a_disagreement(mutation: Any):
    policy = clausewise.compile_policy_text(POLICY, "t.policy")
    old, new = mutation
    assert old in policy.program
    evaluation, scopes = _evaluation(policy.program.replace(old, new))
    wrong, _ = reference_disagreements(evaluation, scopes, RULES)
    assert wrong
