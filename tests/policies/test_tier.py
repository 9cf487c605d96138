"""TIER silver criteria on small data: attribution while bound, window edges, > vs >=, unknowns."""

from __future__ import annotations

import pytest

import clausewise

from tests.support import POLICIES, node

#: TIER-4: the benefits a silver provider gets (no numbers in the text)
SILVER_BENEFITS = ("merchant_matchmaking;new_merchant_cold_start;marketing_support;compliance_support;"
                   "product_priority_access;training")

PARAMS = {"evaluation_period": "2024-01..2024-03",
          "qualified_merchant_monthly_order_threshold": {"女装": 5000, "食品饮料": 8000}}


@pytest.fixture(scope="module")
def tier():
    return clausewise.load_policy(POLICIES / "tier.policy")



def data(bindings, daily, shops=None, providers=("P1",), tier="base"):
    """Rows for the providers; a day is (shop, date, paid orders) or (shop, date, paid, gift orders)."""
    shops = shops or {s: "女装" for _, s, *_ in bindings}
    return {
        "providers": [{"provider_id": p, "tier": tier} for p in providers],
        "shops": [{"shop_id": s, "main_category": c} for s, c in shops.items()],
        "bindings": [{"provider_id": p, "shop_id": s, "bound_on": b, "unbound_on": u} for p, s, b, u in bindings],
        "shop_daily": [{"shop_id": s, "date": d, "paid_orders": n, "gift_orders": g[0] if g else 0}
                       for s, d, n, *g in daily],
    }


def paid(tier, bindings, daily, **kw):
    result = tier.evaluate(data(bindings, daily, **kw), "2024-04-01", PARAMS)
    return node(result.verdicts[0], "silver.paid_orders")


def test_orders_count_only_while_bound(tier):
    n = paid(tier, [("P1", "S1", "2024-01-10", "2024-02-01")],
             [("S1", "2024-01-09", 1), ("S1", "2024-01-10", 10), ("S1", "2024-01-31", 100), ("S1", "2024-02-01", 1000)])
    assert n.observed == "110"  # bound_on counts, unbound_on is the first day no longer bound


def test_window_edges(tier):
    n = paid(tier, [("P1", "S1", "2023-01-01", "")],
             [("S1", "2023-12-31", 1), ("S1", "2024-01-01", 10), ("S1", "2024-02-29", 100),
              ("S1", "2024-03-31", 1000), ("S1", "2024-04-01", 10000)])
    assert n.observed == "1,110"
    assert [(w.expression, w.dates) for w in n.windows] == [("evaluation_period", "2024-01..2024-03")]


def test_exactly_at_threshold_passes_and_one_below_fails(tier):
    at = paid(tier, [("P1", "S1", "2023-01-01", "")], [("S1", "2024-01-05", 9_000_000)])
    below = paid(tier, [("P1", "S1", "2023-01-01", "")], [("S1", "2024-01-05", 8_999_999)])
    assert (at.status, at.comparison, at.bound) == ("pass", ">=", "9,000,000")
    assert below.status == "fail"
    assert (below.gap.amount, below.gap.percent, below.gap.direction) == ("1", "<0.1%", "short")


def test_sums_beyond_32_bits_are_exact(tier):
    n = paid(tier, [("P1", "S1", "2023-01-01", ""), ("P1", "S2", "2023-01-01", "")],
             [("S1", "2024-01-05", 2_147_483_647), ("S2", "2024-01-05", 2_147_483_647), ("S1", "2024-02-05", 1)])
    assert n.observed == "4,294,967,295" and n.status == "pass"


def test_overlapping_bindings_do_not_double_count(tier):
    n = paid(tier, [("P1", "S1", "2024-01-01", ""), ("P1", "S1", "2024-01-15", "")], [("S1", "2024-01-20", 7)])
    assert n.observed == "7"


def qualified(tier, monthly: list[int], category="女装", extra_params=None):
    daily = [("S1", f"2024-0{i + 1}-10", n) for i, n in enumerate(monthly)]
    params = {**PARAMS, "silver_qualified_merchants": "1", **(extra_params or {})}
    result = tier.evaluate(data([("P1", "S1", "2023-01-01", "")], daily, shops={"S1": category}), "2024-04-01", params)
    return result.verdicts[0]


def test_qualified_merchant_needs_strictly_more_than_the_standard(tier):
    equal = node(qualified(tier, [5000, 5000, 5000]), "silver.optional_indicators.qualified_merchants")
    above = node(qualified(tier, [10, 5001, 10]), "silver.optional_indicators.qualified_merchants")
    assert (equal.status, equal.observed) == ("fail", "0")
    assert (above.status, above.observed) == ("pass", "1")


def test_missing_per_industry_standard_is_unknown_not_a_guess(tier):
    verdict = qualified(tier, [9_000_000, 0, 0], category="美妆")
    q = node(verdict, "silver.optional_indicators.qualified_merchants")
    assert q.status == "unknown"
    assert q.missing == ["parameter qualified_merchant_monthly_order_threshold has no value for '美妆'"]
    assert node(verdict, "silver").status == "unknown"
    assert verdict.outcomes == {"tier": None, "benefits": None}
    assert verdict.outcome_details[0].decided is False
    assert verdict.missing_data == ["parameter qualified_merchant_monthly_order_threshold has no value for '美妆'"]


def test_any_of_passes_on_one_indicator_even_when_another_is_unknown(tier):
    verdict = qualified(tier, [9_000_000, 0, 0], category="美妆", extra_params={"silver_active_merchants": "1"})
    assert node(verdict, "silver.optional_indicators").status == "pass"
    assert verdict.outcomes == {"tier": "silver", "benefits": SILVER_BENEFITS}


def test_provider_without_bindings_is_base(tier):
    result = tier.evaluate(data([], [], shops={}, providers=("P9",)), "2024-04-01", PARAMS)
    v = result.verdicts[0]
    assert v.outcomes == {"tier": "base", "benefits": None}
    assert node(v, "silver.paid_orders").observed == "0"


def test_required_parameter_missing_is_an_error_naming_it(tier):
    with pytest.raises(clausewise.ClausewiseError) as err:
        tier.evaluate(data([], [], shops={}), "2024-04-01", {"evaluation_period": "2024-01..2024-03"})
    assert [d.render() for d in err.value.diagnostics] == [
        "parameters: error: parameter 'qualified_merchant_monthly_order_threshold' [TIER-3.4, AMB-T3] has no value and no default\n"
        "hint: give it: --param qualified_merchant_monthly_order_threshold=VALUE or a parameters file (--params FILE)"]


def test_unknown_parameter_is_an_error(tier):
    with pytest.raises(clausewise.ClausewiseError) as err:
        tier.evaluate(data([], [], shops={}), "2024-04-01", {**PARAMS, "silver_paid_order": "1"})
    assert err.value.diagnostics[0].message == "unknown parameter 'silver_paid_order'"
    assert err.value.diagnostics[0].hint == "did you mean 'silver_paid_orders'?"


def test_output_is_sorted_and_deterministic(tier):
    d = data([("P2", "S1", "2023-01-01", ""), ("P1", "S2", "2023-01-01", "")],
             [("S1", "2024-01-05", 5), ("S2", "2024-01-05", 6)], providers=("P2", "P1"))
    first = tier.evaluate(d, "2024-04-01", PARAMS).model_dump_json()
    again = tier.evaluate(d, "2024-04-01", PARAMS).model_dump_json()
    assert first == again
    assert [v.entity for v in tier.evaluate(d, "2024-04-01", PARAMS).verdicts] == ["P1", "P2"]


# TIER-3.1 / AMB-T1: 'window of 3 natural months ending by as_of', checked when the value is given.
@pytest.mark.parametrize("period, as_of, problem", [
    ("2024-01..2024-03", "2024-03-31", None),  # ends on the as-of day itself
    ("2024-01-01..2024-03-31", "2024-04-01", None),  # the same months written as days
    ("2024-01..2024-03", "2024-03-30", "2024-01..2024-03 ends on 2024-03-31, after the as-of date 2024-03-30"),
    ("2024-01..2024-04", "2024-05-01", "2024-01..2024-04 is 4 natural months, not 3"),
    ("2024-02..2024-03", "2024-04-01", "2024-02..2024-03 is 2 natural months, not 3"),
    ("2024-01-02..2024-03-31", "2024-04-01", "2024-01-02..2024-03-31 is not whole natural months"),
    ("2024-01-01..2024-03-30", "2024-04-01", "2024-01-01..2024-03-30 is not whole natural months"),
])
def test_the_evaluation_period_is_three_natural_months_ending_by_as_of(tier, period, as_of, problem):
    rows = data([], [], shops={})
    if problem is None:
        assert tier.evaluate(rows, as_of, {**PARAMS, "evaluation_period": period}).verdicts[0].outcomes["tier"] == "base"
        return
    with pytest.raises(clausewise.ClausewiseError) as err:
        tier.evaluate(rows, as_of, {**PARAMS, "evaluation_period": period})
    d = err.value.diagnostics[0]
    assert d.message.startswith(f"parameter 'evaluation_period' [TIER-3, AMB-T1]: {problem}")
    assert d.message.endswith(f"; it must be 3 whole natural months ending by the as-of date {as_of}")
    assert d.hint.startswith("e.g. --param evaluation_period=")


def test_the_hint_names_the_latest_three_months_that_fit(tier):
    with pytest.raises(clausewise.ClausewiseError) as err:
        tier.evaluate(data([], [], shops={}), "2024-03-30", PARAMS)
    assert err.value.diagnostics[0].hint == "e.g. --param evaluation_period=2023-12..2024-02"
    with pytest.raises(clausewise.ClausewiseError) as err:
        tier.evaluate(data([], [], shops={}), "2024-03-31", {**PARAMS, "evaluation_period": "2024-02..2024-03"})
    assert err.value.diagnostics[0].hint == "e.g. --param evaluation_period=2024-01..2024-03"


def test_a_params_file_and_the_cli_are_checked_too(tmp_path):
    import json

    from click.testing import CliRunner

    from clausewise.cli.main import main
    from tests.support import EXAMPLES

    params = json.loads((EXAMPLES / "tier" / "params.json").read_text("utf-8"))
    (tmp_path / "p.json").write_text(json.dumps({**params, "evaluation_period": "2023-12..2024-03"}), "utf-8")
    out = CliRunner().invoke(main, ["explain", str(POLICIES / "tier.policy"), "--data", str(EXAMPLES / "tier"),
                                    "--params", str(tmp_path / "p.json"), "--as-of", "2024-04-01", "--entity", "P03"])
    assert out.exit_code == 2 and "2023-12..2024-03 is 4 natural months, not 3" in out.output
    assert "Traceback" not in out.output
