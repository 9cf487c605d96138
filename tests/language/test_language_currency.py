"""Currency in the unit: `money(USD)` fields and parameters, `1,000 USD` literals, currencies
that never mix, explanations that print the currency (issue 18)."""

from __future__ import annotations

import pytest

from clausewise.engine.policy import compile_policy_text
from clausewise.language.diagnostics import ClausewiseError
from clausewise.language.format import format_text
from clausewise.report.explain import render_text

from tests.support import seller_policy

POLICY = seller_policy("amount: money(USD)", gap="\n") + """
param min_sales [TOP-1] "最低销售额" / "minimum sales": money(USD) = 1,000 USD

rule sales [TOP-1] "销售额达标" / "sales reach the minimum" =
  sum(transactions.amount during last 365 days to as_of) >= min_sales
"""


def evaluate(amounts: list[str]):
    policy = compile_policy_text(POLICY, "top.policy")
    rows = [{"txn_id": f"T{i}", "seller_id": "S1", "date": "2024-03-01", "amount": a} for i, a in enumerate(amounts)]
    return policy.evaluate({"sellers": [{"seller_id": "S1"}], "transactions": rows}, "2024-04-01", {})


def test_explanation_prints_the_currency():
    result = evaluate(["999.99"])
    assert "observed 999.99 USD >= 1,000 USD — short by 0.01 USD, <0.1%" in render_text(result.verdict("S1"))
    assert "观测值 999.99 USD >= 1,000 USD — 差 0.01 USD" in render_text(result.verdict("S1"), "zh")
    assert result.verdict("S1").rules[0].unit == "USD"


def test_amounts_have_at_most_two_decimal_places():
    result = evaluate(["1000", "0.005"])
    assert [r.reason for r in result.rejected] == ["more than 2 decimal places in a USD amount: 0.005"]
    assert result.verdict("S1").rules[0].observed == "1,000"


def test_money_type_formats_back():
    assert format_text(POLICY, "top.policy") == POLICY
    checked = compile_policy_text(POLICY, "top.policy").checked
    assert checked.params["min_sales"].vtype.kind == "USD"
    assert checked.params["min_sales"].default.value == 1000


@pytest.mark.parametrize("change, message, hint", [
    ("= 1,000 USD", "cannot compare money(USD) with money(EUR)", "amounts in different currencies do not mix"),
    (">= min_sales", "cannot compare money(USD) with yuan", "amounts in different currencies do not mix"),
])
def test_mixing_currencies_is_a_check_error(change, message, hint):
    text = POLICY.replace("money(USD) = 1,000 USD", "money(EUR) = 1,000 EUR") if change.startswith("=") \
        else POLICY.replace(">= min_sales", ">= 1,000 yuan")
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(text, "top.policy")
    rendered = "\n".join(d.render() for d in err.value.diagnostics)
    assert message in rendered and hint in rendered


def test_unknown_type_lists_the_types_and_suggests_money():
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(POLICY.replace("amount: money(USD)", "amount: usd").replace(
            "seller_id: string\n}", "seller_id: string\n  rating: scor\n}", 1), "top.policy")
    rendered = "\n".join(d.render() for d in err.value.diagnostics)
    assert "unknown type 'usd'" in rendered and "hint: a currency is written money(USD)" in rendered
    assert "unknown type 'scor'" in rendered and "did you mean 'score'? The types are bool, count" in rendered
    assert "money(USD), enum(a, b), list(T)" in rendered


def test_a_currency_code_is_three_capital_letters():
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(POLICY.replace("money(USD) = 1,000 USD", "money(Dollar) = 1"), "top.policy")
    assert "'Dollar' is not a currency code" in err.value.diagnostics[0].render()
