"""Three-valued groups: what a group is when some or all of its members do not apply."""

from __future__ import annotations

import pytest

from clausewise.engine.policy import compile_policy_text

from tests.support import HEADER, node

POLICY = HEADER + """
rule g [NOVICE-1] "组" / "group" = KIND {
  a [NOVICE-1] "甲" / "a": if shop_type = flagship then opened_on < 2024-01-01
  b [NOVICE-1] "乙" / "b": if shop_type = flagship then main_category = "女装"
}
"""


def status(kind: str, shop_type: str, category: str = "女装") -> str:
    policy = compile_policy_text(POLICY.replace("KIND", kind), "g.policy")
    shops = [{"shop_id": "S1", "opened_on": "2023-06-01", "shop_type": shop_type, "main_category": category}]
    verdict = policy.evaluate({"shops": shops, "shop_daily": []}, "2024-03-01").verdicts[0]
    return node(verdict, "g").status


@pytest.mark.parametrize("kind", ["all of", "any of", "none of", "at least 1 of", "at least 2 of"])
def test_a_group_none_of_whose_members_applies_does_not_apply(kind):
    assert status(kind, "ordinary") == "na"


def test_at_least_counts_applicable_members():
    assert status("at least 2 of", "flagship") == "pass"
    assert status("at least 2 of", "flagship", category="食品") == "fail"
    assert status("at least 1 of", "flagship", category="食品") == "pass"
