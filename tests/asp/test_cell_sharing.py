"""Cells share a solve among entities the program answers alike, and only among them."""

from __future__ import annotations

import pytest

import clausewise
from clausewise.engine import evaluation
from tests.support import HEADER, node


def _solved(monkeypatch, rules: str, categories: list[str]) -> tuple[int, dict[str, str]]:
    """How many entities were solved, and the status of rule ``r`` of each shop (named by its category)."""
    policy = clausewise.compile_policy_text(HEADER + rules, "cells.policy")
    shops = [{"shop_id": c, "opened_on": "2020-01-01", "shop_type": "ordinary", "main_category": c} for c in categories]
    solved: list[int] = []
    real = evaluation.solve

    def counting(program, facts, shared=()):
        solved.append(len(facts))
        return real(program, facts, shared)

    monkeypatch.setattr(evaluation, "solve", counting)
    verdicts = policy.evaluate({"shops": shops, "shop_daily": []}, "2024-03-15").verdicts
    return sum(solved), {v.entity: node(v, "r").status for v in verdicts}


def test_the_members_of_a_set_of_literals_share_one_solve(monkeypatch):
    rule = 'rule r [NOVICE-1] "r" / "r" = main_category in {"a", "b", "c"}\n'
    solved, status = _solved(monkeypatch, rule, ["a", "b", "c", "x", "y"])
    assert status == {"a": "pass", "b": "pass", "c": "pass", "x": "fail", "y": "fail"}
    assert solved == 2  # a member, and another value


@pytest.mark.parametrize("other", ['main_category = "b"', 'main_category in {"b", "z"}'])
def test_members_another_test_tells_apart_get_their_own_solves(monkeypatch, other):
    rules = ('rule r [NOVICE-1] "r" / "r" = main_category in {"a", "b"}\n'
             f'rule s [NOVICE-1] "s" / "s" = {other}\n')
    solved, status = _solved(monkeypatch, rules, ["a", "b", "x", "y"])
    assert status == {"a": "pass", "b": "pass", "x": "fail", "y": "fail"}
    assert solved == 3  # a (first set only), b (both), another value


def test_the_members_of_a_set_share_one_solve_in_a_range(monkeypatch):
    """A range compares its entity-days' facts as they are (not their cells' keys): the members of
    a set enter as one representative, so that they share a solve there too."""
    from clausewise.engine import timeline

    rule = 'rule r [NOVICE-1] "r" / "r" = main_category in {"a", "b", "c"}\n'
    policy = clausewise.compile_policy_text(HEADER + rule, "cells.policy")
    shops = [{"shop_id": c, "opened_on": "2020-01-01", "shop_type": "ordinary", "main_category": c}
             for c in ("a", "b", "c", "x", "y")]
    solved: list[int] = []
    real = timeline.solve

    def counting(program, facts, shared=()):
        solved.append(len(set(map(tuple, facts.values()))))
        return real(program, facts, shared)

    monkeypatch.setattr(timeline, "solve", counting)
    lines = policy.timeline({"shops": shops, "shop_daily": []}, "2024-03-14", "2024-03-15")
    assert {t.entity: [d.answer.status["r"] for d in t.days] for t in lines} == {
        "a": ["pass"] * 2, "b": ["pass"] * 2, "c": ["pass"] * 2, "x": ["fail"] * 2, "y": ["fail"] * 2}
    assert sum(solved) == 2  # a member, and another value (the days' dates stand the same way)
