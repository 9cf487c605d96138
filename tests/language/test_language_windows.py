"""Windows: chosen by a condition, rolling windows whose length is a parameter, a computed end
day (`last 7 days to as_of - 1 day`) (issue 18)."""

from __future__ import annotations

import pytest

from clausewise.engine.policy import compile_policy_text
from clausewise.language.diagnostics import ClausewiseError
from clausewise.language.format import format_text
from clausewise.language.parse import parse_text

from tests.support import seller_policy

POLICY = seller_policy(gap="\n") + """
param high_volume [TOP-3] "高销量门槛" / "high-volume threshold": count = 400

param lookback [TOP-3] "回看月数" / "look-back months": count = 2

let recent_3 [TOP-3] "近3个月" / "last 3 months" = last 3 months to as_of

let period [TOP-3] "评估期" / "evaluation period" =
  if count(transactions during recent_3) >= high_volume then recent_3 else last 12 months to as_of

rule active [TOP-3] "评估期内有100笔交易" / "100 transactions in the period" =
  count(transactions during period) >= 100

rule recent [TOP-3] "回看期内有交易" / "transactions in the look-back" =
  count(transactions during last lookback months to as_of) >= 1

rule yesterday_week [TOP-3] "截至昨天的7天有交易" / "transactions in the 7 days to yesterday" =
  count(transactions during last 7 days to (as_of - 1 day)) >= 1
"""


def data() -> dict:
    rows = [{"txn_id": f"A{i}", "seller_id": "S1", "date": f"2024-03-{1 + i % 28:02d}"} for i in range(450)]
    rows += [{"txn_id": f"B{i}", "seller_id": "S2", "date": f"2023-06-{1 + i % 28:02d}"} for i in range(150)]
    return {"sellers": [{"seller_id": "S1"}, {"seller_id": "S2"}], "transactions": rows}


def leaf(verdict, rule: str):
    return next(r for r in verdict.rules if r.id == rule)


def test_window_chosen_by_a_condition():
    result = compile_policy_text(POLICY, "top.policy").evaluate(data(), "2024-03-31", {})
    high, low = leaf(result.verdict("S1"), "active"), leaf(result.verdict("S2"), "active")
    assert (high.observed, [(w.expression, w.dates) for w in high.windows]) == ("450", [("period", "2024-01..2024-03")])
    assert (low.observed, [(w.expression, w.dates) for w in low.windows]) == ("150", [("period", "2023-04..2024-03")])


def test_rolling_window_length_is_a_parameter():
    policy = compile_policy_text(POLICY, "top.policy")
    short = leaf(policy.evaluate(data(), "2024-03-31", {}).verdict("S2"), "recent")
    long = leaf(policy.evaluate(data(), "2024-03-31", {"lookback": "12"}).verdict("S2"), "recent")
    assert (short.status, short.windows[0].dates) == ("fail", "2024-02..2024-03")
    assert (long.status, long.windows[0].dates) == ("pass", "2023-04..2024-03")
    zero = leaf(policy.evaluate(data(), "2024-03-31", {"lookback": "0"}).verdict("S2"), "recent")
    assert zero.status == "unknown" and zero.missing == ["the window length lookback is 0, not a whole number of at least 1"]


def test_window_end_may_be_computed_without_parentheses():
    written = POLICY.replace("to (as_of - 1 day)", "to as_of - 1 day")
    assert parse_text(written, "top.policy") == parse_text(POLICY, "top.policy")
    assert format_text(written, "top.policy") == format_text(POLICY, "top.policy")
    assert "to as_of - 1 day)" in format_text(written, "top.policy")
    result = compile_policy_text(written, "top.policy").evaluate(data(), "2024-03-29", {})
    assert leaf(result.verdict("S1"), "yesterday_week").windows[0].dates == "2024-03-22..2024-03-28"


@pytest.mark.parametrize("change, message", [
    ("last lookback months to as_of", "the length 'lookback' is money(USD), not a whole number"),
    ("last lookback weeks to as_of", "unexpected"),
])
def test_window_length_mistakes(change, message):
    text = POLICY.replace("last lookback months to as_of", change).replace(
        '"look-back months": count = 2', '"look-back months": money(USD) = 2 USD')
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(text, "top.policy")
    assert message in "\n".join(d.render() for d in err.value.diagnostics)


def test_branches_of_a_window_choice_must_both_be_windows():
    text = POLICY.replace("then recent_3 else last 12 months to as_of", "then recent_3 else as_of")
    compile_policy_text(text, "top.policy")  # a day is the window of one day
    bad = POLICY.replace("then recent_3 else last 12 months to as_of", "then recent_3 else high_volume")
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(bad, "top.policy")
    assert "expected a window" in err.value.diagnostics[0].render()


DAY_POLICY = POLICY.replace('rule active [TOP-3]', '''let evaluated_on [TOP-3] "评估日" / "evaluation day" =
  if as_of >= day 20 of month of as_of then day 20 of month of as_of else day 20 of previous month of as_of

rule since_evaluation [TOP-3] "评估日以来有交易" / "transactions since the evaluation day" =
  count(transactions during evaluated_on .. as_of) >= 1

rule leap [TOP-3] "闰日" / "leap day" = day 29 of 2024-02 = 2024-02-29

rule no_31st [TOP-3] "二月无31日" / "no 31 February" = day 31 of 2024-02 = none

rule active [TOP-3]''')


@pytest.mark.parametrize("as_of, window", [("2024-03-31", "2024-03-20..2024-03-31"),
                                           ("2024-03-19", "2024-02-20..2024-03-19")])
def test_day_of_month(as_of, window):
    result = compile_policy_text(DAY_POLICY, "top.policy").evaluate(data(), as_of, {})
    verdict = result.verdict("S1")
    windows = {w.expression: w.dates for w in leaf(verdict, "since_evaluation").windows}
    assert windows["evaluated_on .. as_of"] == window
    assert leaf(verdict, "leap").status == "pass" and leaf(verdict, "no_31st").status == "pass"
    assert "day 20 of month of as_of" in format_text(DAY_POLICY, "top.policy")


def test_day_number_is_checked():
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(DAY_POLICY.replace("day 29 of 2024-02", "day 0 of 2024-02"), "top.policy")
    assert "'day 0 of' needs a day number from 1 to 366" in err.value.diagnostics[0].render()
