"""A value in a list field is a rule of the program: the list's items enter as units of its figure.

``catering in industries``, ``"y" not in tags``, ``2147483648 in counts``: each item of the list is
a ``unit_value/4`` fact (an exact term: numbers around 2^31 and 2^63, ``1.50`` equal to ``1.5``),
and LISTED_RULES look the value up. The program's status (entities solved through their cells)
must equal the Python reference's (the evaluator's ``member_truth``) for every shop: lists with and
without the value, a list that is none, a value that is none, a list whose row is missing; a wrong
rule fails the comparison.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import clausewise
from clausewise.engine.evaluation import EntityEvaluation
from clausewise.evaluate.figuretable import FigureValue
from clausewise.evaluate.measure import Scope
from tests.support import policy_block, reference_disagreements, shop_evaluation

AS_OF = dt.date(2024, 5, 15)
BIG = [2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**63 + 1]

RULES = {
    "cat": "catering in industries",
    "notretail": "retail not in industries",
    "x": '("x" in tags)',
    "noty": '("y" not in tags)',
    "big31": "2147483648 in counts",
    "big63": "9223372036854775808 in counts",
    "notbig": "2147483647 not in counts",
    "money": "1.5 yuan in amounts",
    "own": "label in extra.labels",
    "extra_a": '("a" in extra.labels)',
}

POLICY = policy_block() + """table shops key shop_id {
  shop_id: string
  label: string optional
  industries: list(enum(retail, wholesale, catering)) optional
  tags: list(string) optional
  counts: list(count) optional
  amounts: list(yuan) optional
}
table extra key shop_id {
  shop_id: string -> shops
  labels: list(string)
}
""" + "".join(f'rule {rid} [T-1] "名单" / "list" = {text}\n' for rid, text in RULES.items())

INDUSTRIES = [None, ["retail"], ["catering"], ["wholesale", "catering"], ["retail", "wholesale", "catering"]]
TAGS = [None, ["x"], ["y"], ["x", "y"], ["z"]]
COUNTS = [None, [0], BIG[:2], BIG[2:], [2**31 + 1, 2**63 - 1], [2**63], [2**63 + 1, 2**31 - 1]]
AMOUNTS = [None, [Decimal("1.50")], [Decimal("1.5"), Decimal("2")], [Decimal("1.49"), Decimal("1.51")]]
LABELS = [None, "a", "b"]


def _rows() -> dict[str, list[dict]]:
    shops, extra = [], []
    n = max(len(INDUSTRIES), len(TAGS), len(COUNTS), len(AMOUNTS)) * len(LABELS) * 2
    for i in range(n):
        sid = f"S{i:03d}"
        shops.append({"shop_id": sid, "label": LABELS[i % len(LABELS)], "industries": INDUSTRIES[i % len(INDUSTRIES)],
                      "tags": TAGS[i % len(TAGS)], "counts": COUNTS[i % len(COUNTS)], "amounts": AMOUNTS[i % len(AMOUNTS)]})
        if i % 4:  # a quarter of the shops have no extra row: their labels are missing
            extra.append({"shop_id": sid, "labels": [["a"], ["b", "c"], ["c"]][(i // 2) % 3]})
    return {"shops": shops, "extra": extra}


def _evaluation(program: str | None = None) -> tuple[EntityEvaluation, dict[str, Scope]]:
    tables = _rows()
    return shop_evaluation(POLICY, tables.pop("shops"), AS_OF, tables=tables, program=program)


def test_the_program_states_each_value_in_a_list():
    policy = clausewise.compile_policy_text(POLICY, "t.policy")
    assert set(RULES) <= set(policy.figures.compiled)
    for rid in RULES:
        assert f'listed("{rid}",' in policy.program and f'leaf(E,"{rid}",S)' not in policy.program, rid
    assert 'const("big63.item",q(1,3,(9,(223372036,(854775808,()))))).' in policy.program
    assert "a unit_value/4 fact per entity and item of the list" in policy.program
    # the analysis search states it too (it chooses the list's items; issue 14)
    assert 'listed("cat",' in policy.search_program and 'leaf(E,"cat",S)' not in policy.search_program


def test_values_in_lists_decided_by_the_program_equal_the_exact_statuses():
    evaluation, scopes = _evaluation()
    wrong, seen = reference_disagreements(evaluation, scopes, RULES, explained=True)
    assert not wrong, "\n".join(wrong[:20])
    for rid in RULES:
        assert {(rid, "pass"), (rid, "fail")} <= seen, rid
    assert ("own", "unknown") in seen and ("extra_a", "unknown") in seen  # no extra row: missing
    # a constant looked up: one value stands for every other item, so shops whose lists differ only there share a solve
    cells = evaluation._cells
    assert cells is not None
    items = evaluation.figures.figures.leaves["x"].figures[1]
    assert cells.key(items, "z") == cells.key(items, "w") != cells.key(items, "x") != cells.key(items, "y")
    assert cells.representative(items, "z") == cells.representative(items, "w") not in (("string", "x"), ("string", "y"))
    roles = {items: "units"}

    def key(*tags: str) -> list:
        return cells.keys([(items, FigureValue(tuple((k, FigureValue(t)) for k, t in enumerate(tags))))], roles, {})
    assert key("z", "x") == key("x", "w", "z") == key("x", "x", "v") != key("x", "y") != key("z")  # any order and number


@pytest.mark.parametrize("mutation", [("value(E,V,X), unit_value(E,C,_,X)", "value(E,V,X), unit_value(E,C,0,X)"),
                                      ("in_list(E,L,unknown) :- list_missing", "in_list(E,L,no) :- list_missing")])
def test_a_wrong_list_rule_is_a_disagreement(mutation):
    evaluation, _ = _evaluation()
    old, new = mutation
    assert old in evaluation.program
    mutated, scopes = _evaluation(evaluation.program.replace(old, new))
    wrong, _ = reference_disagreements(mutated, scopes, RULES, explained=True)
    assert wrong
