"""Literals and parameters that only comparisons read are read as ``const/2`` where they are
compared (``stated/1``), not copied to each entity's ``value/3``: the statuses stay the exact ones,
with a side that is none or missing, a parameter given or none, and both sides constant.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support import policy_block, program_statuses, shop_evaluation

AS_OF = dt.date(2024, 3, 15)

POLICY = policy_block() + """table shops key shop_id {
  shop_id: string
  shop_type: enum(flagship, ordinary) optional
  score: score optional
}
param mode [T-1] "口径" / "mode": enum(strict, loose) = strict
param floor [T-1] "下限" / "floor": score = 4.5
rule is_flagship [T-1] "旗舰" / "flagship" = shop_type = flagship
rule not_flagship [T-1] "非旗舰" / "not flagship" = shop_type != flagship
rule high [T-1] "高分" / "high" = score >= floor
rule low [T-1] "低分" / "low" = 3 > score
rule peak_is_3 [T-1] "峰值3" / "peak 3" = (if score >= 4 then 3 else none) = 3
rule peak_not_3 [T-1] "峰值非3" / "peak not 3" = (if score >= 4 then 3 else none) != 3
rule strict [T-1] "严格" / "strict" = mode = strict
"""

SHOPS = [{"shop_id": "S1", "shop_type": "flagship", "score": "4.5"},
         {"shop_id": "S2", "shop_type": "ordinary", "score": "2.9"},
         {"shop_id": "S3", "shop_type": None, "score": None},
         {"shop_id": "S4", "shop_type": "ordinary", "score": "3"}]


def test_the_program_reads_stated_constants_where_it_compares_them():
    evaluation, _ = shop_evaluation(POLICY, SHOPS, AS_OF)
    program = evaluation.program
    assert "value(E,F,V) :- entity(E), const(F,V), not stated(F)." in program
    stated = [line for line in program.splitlines() if line.startswith("stated(")]
    assert len(stated) == 1 and stated[0].count("stated(") == 5  # flagship, 3 (twice over), strict and the two parameters
    assert 'const("high.right",Y), X >= Y' in program
    assert 's_strict(E,pass) :- entity(E), const("strict.left",X), const("strict.right",Y), X = Y.' in program


@pytest.mark.parametrize("params", [{}, {"mode": "loose", "floor": "2.9"}])
def test_comparisons_with_stated_constants_give_the_exact_statuses(params):
    evaluation, scopes = shop_evaluation(POLICY, SHOPS, AS_OF, params)
    _, answers, seen = program_statuses(evaluation, scopes)
    # a side that is none (S2's score is below 4): '=' fails and '!=' passes, which only the none_case
    # rules over stated/1 give; an empty field is missing data: unknown
    assert answers["S2"].status["peak_is_3"] == "fail" and answers["S2"].status["peak_not_3"] == "pass"
    assert answers["S1"].status["peak_is_3"] == "pass" and answers["S3"].status["peak_is_3"] == "unknown"
    assert answers["S1"].status["is_flagship"] == "pass" and answers["S2"].status["low"] == "pass"
    assert {status for leaf, status in seen if leaf == "strict"} == {"pass" if "mode" not in params else "fail"}
