"""Labels in one language (issue 18): allowed, kept as written by fmt, and the explanation in
either language falls back to it."""

from __future__ import annotations

from clausewise.engine.policy import compile_policy_text
from clausewise.language.format import format_text
from clausewise.language.parse import parse_text
from clausewise.report.explain import render_text

POLICY = """policy top {
  title "Top Rated Seller"
  version "1"
  effective from 2020-01-01
  source "x.txt"
  entity seller in sellers
}

table sellers key seller_id {
  seller_id: string
  transactions: count
}

rule volume [TOP-1] "At least 100 transactions" = all of {
  enough [TOP-1] "交易达100笔":
    transactions >= 100
  some [TOP-1] "交易" / "some":
    transactions > 0
}
"""


def test_single_language_labels_parse_and_format_back():
    tree = parse_text(POLICY, "top.policy")
    assert tree.header.title.zh == tree.header.title.en == "Top Rated Seller" and tree.header.title.single
    assert format_text(POLICY, "top.policy") == POLICY


def test_explanation_falls_back_to_the_language_given():
    result = compile_policy_text(POLICY, "top.policy").evaluate(
        {"sellers": [{"seller_id": "S1", "transactions": "99"}]}, "2024-04-01", {})
    en, zh = render_text(result.verdict("S1")), render_text(result.verdict("S1"), "zh")
    assert "✘ At least 100 transactions [TOP-1] FAIL" in en and "✘ 交易达100笔 [TOP-1] FAIL" in en
    assert "✘ At least 100 transactions [TOP-1] 未通过" in zh and "✔ 交易 [TOP-1] 通过" in zh
    assert "✔ some [TOP-1] pass" in en
