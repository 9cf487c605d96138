"""``param p: window of N natural months [ending by as_of]`` (issue 16 item 9, TIER-3.1 / AMB-T1):
the shape a window parameter's value must have, checked when the value is given or defaulted."""

from __future__ import annotations

import pytest

import clausewise
from clausewise.engine.policy import compile_policy_text
from clausewise.language.format import format_text

from tests.support import HEADER

RULE = 'rule r [X-1] "r" / "r" = sum(shop_daily.paid_orders during period) >= 0\n'


def policy(param: str):
    return compile_policy_text(HEADER + param + RULE)


def test_the_shape_is_parsed_formatted_and_kept():
    p = policy('param period [X-1] "期" / "period": window of 3 natural months ending by as_of\n')
    decl = p.checked.params["period"].decl
    assert (decl.window_months, decl.window_ends_by_as_of) == (3, True)
    text = format_text(HEADER + 'param period [X-1]: window of 1 natural months\n' + RULE)
    assert "param period [X-1]: window of 1 natural months\n" in text


def test_a_default_is_checked_on_the_as_of_date():
    p = policy('param period [X-1]: window of 2 natural months ending by as_of = 2024-01..2024-02\n')
    assert p.evaluate({"shops": [], "shop_daily": []}, "2024-02-29").verdicts == []  # the last day of the window: in shape
    with pytest.raises(clausewise.ClausewiseError) as err:
        p.evaluate({"shops": [], "shop_daily": []}, "2024-02-28")
    assert err.value.diagnostics[0].message == (
        "parameter 'period' [X-1] (its default): 2024-01..2024-02 ends on 2024-02-29, after the as-of date 2024-02-28; "
        "it must be 2 whole natural months ending by the as-of date 2024-02-28")


def test_without_ending_by_as_of_only_the_months_are_checked():
    p = policy('param period [X-1]: window of 1 natural months\n')
    assert p.evaluate({"shops": [], "shop_daily": []}, "2020-01-01", {"period": "2024-05"}).verdicts == []
    with pytest.raises(clausewise.ClausewiseError) as err:
        p.evaluate({"shops": [], "shop_daily": []}, "2020-01-01", {"period": "2024-05-01..2024-05-30"})
    assert "2024-05-01..2024-05-30 is not whole natural months" in err.value.diagnostics[0].message


def test_a_shape_on_something_other_than_a_window_is_an_error():
    with pytest.raises(clausewise.ClausewiseError) as err:
        policy('param n [X-1]: orders of 3 natural months\n')
    d = err.value.diagnostics[0]
    assert d.message == "'of 3 natural months' is the shape of a window, not of orders"
    assert d.hint == "declare it as a window: param n: window of 3 natural months"


def test_zero_months_is_refused():
    with pytest.raises(clausewise.ClausewiseError) as err:
        policy('param period [X-1]: window of 0 natural months\n')
    assert "the count must be a whole number, 1 or more" in err.value.diagnostics[0].message
