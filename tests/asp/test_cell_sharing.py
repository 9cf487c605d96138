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
