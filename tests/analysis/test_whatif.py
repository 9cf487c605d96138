"""What-if: every repair reaches the target when evaluated, and is minimal (brute force on small cases)."""

from __future__ import annotations

import itertools
import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import clausewise
from clausewise.cli.main import main
from clausewise.analysis.figures import SpaceBuilder
from clausewise.analysis.assumed import solve_assumed
from clausewise.analysis.subjects import subject_from_data
from clausewise.analysis.whatif import relative_weight, weight_cap, what_if

from tests.support import EXAMPLES, HEADER, POLICIES

TIER_PARAMS = json.loads((EXAMPLES / "tier" / "params.json").read_text("utf-8"))
SMALL = HEADER + """
param level_orders [X-1]: orders = 100
rule good [X-1] "达标" / "good" = all of {
  orders [X-1] "订单" / "orders": sum(shop_daily.paid_orders during last 30 days to as_of) >= level_orders
  either [X-2] "任一" / "either": any of {
    score [X-2] "体验分" / "score": shop_daily.experience_score on as_of > 4.0
    flagship [X-3] "旗舰店" / "flagship": shop_type = flagship
  }
}
decide level [X-1] "等级" / "level": enum(high, low) {
  high when good
  otherwise low
}
"""


@pytest.fixture(scope="module")
def tier():
    return clausewise.load_policy(POLICIES / "tier.policy")


@pytest.fixture(scope="module")
def tier_data(tier):
    """The tier example's tables, validated once for the module."""
    return tier.load_data(str(EXAMPLES / "tier"))


@pytest.fixture(scope="module")
def small():
    return clausewise.compile_policy_text(SMALL, "small.policy")


def small_data(orders: int, score: str, shop_type: str = "ordinary") -> dict:
    return {"shops": [{"shop_id": "S1", "opened_on": "2023-01-01", "shop_type": shop_type, "main_category": "女装"}],
            "shop_daily": [{"shop_id": "S1", "date": "2024-03-01", "paid_orders": orders, "amount_yuan": "1.00",
                            "experience_score": score}]}


def check_repairs(policy, data, entity, field, value, as_of, params=None):
    """Every repair, re-evaluated independently, gives the target; returns the result."""
    result = what_if(policy, data, entity, [f"{field}={value}"], as_of, params)
    subject = subject_from_data(policy, data, entity, result_day(as_of), params or {})
    builder = SpaceBuilder()
    builder.add(subject)
    for repair in result.repairs:
        evaluated = solve_assumed(builder, subject, repair.overrides)
        assert str(evaluated.outcome(field)).lower() == value
    return result


def result_day(as_of):
    import datetime as dt

    return dt.date.fromisoformat(as_of)


def brute_force(policy, data, entity, field, value, as_of, params=None):
    """Every assignment of the candidate grid: the minimal number of changes, and for each
    minimal figure set its smallest relative change."""
    subject = subject_from_data(policy, data, entity, result_day(as_of), params or {})
    builder = SpaceBuilder()
    builder.add(subject)
    builder.set_current(subject)
    builder.finish(with_current=True, allow_missing=False)
    keys = sorted(k for k, f in builder.figures.items() if len(f.candidates) > 1)
    cap = weight_cap(len(builder.figures))
    best: dict[frozenset, int] = {}
    for size in range(0, len(keys) + 1):
        for subset in itertools.combinations(keys, size):
            for values in itertools.product(*[builder.figures[k].candidates[1:] for k in subset]):
                assignment = dict(zip(subset, values))
                evaluated = solve_assumed(builder, subject, assignment)
                if str(evaluated.outcome(field)).lower() == value:
                    weight = sum(relative_weight(builder.figures[k].current, v, cap) for k, v in assignment.items())
                    key = frozenset(subset)
                    best[key] = min(best.get(key, weight), weight)
        if best:
            return size, best
    return None, {}


def test_a_repair_is_checked_on_the_program(tier, tier_data, monkeypatch):
    """A repair is checked by the policy's own program solved over the entity's figure table with
    the changed figures replaced (no evaluator of assumed values): P03's 8,999,990 orders give
    base, 9,000,000 give silver, one order short does not; a repair whose check fails is counted,
    not shown."""
    result = what_if(tier, tier_data, "P03", ["tier=silver"], "2024-04-01", TIER_PARAMS)
    ((change,),) = [r.changes for r in result.repairs]
    assert (change.old, change.new) == (8999990, 9000000)
    subject = subject_from_data(tier, tier_data, "P03", result_day("2024-04-01"), TIER_PARAMS)
    builder = SpaceBuilder()
    builder.add(subject)
    assert solve_assumed(builder, subject, {}).outcome("tier") == "base"
    assert solve_assumed(builder, subject, {change.figure: change.new}).outcome("tier") == "silver"
    assert solve_assumed(builder, subject, {change.figure: change.new - 1}).outcome("tier") == "base"
    import clausewise.analysis.whatif as whatif_module

    monkeypatch.setattr(whatif_module, "solve_assumed", lambda builder, subject, changes: solve_assumed(
        builder, subject, {k: v - 1 for k, v in changes.items()}))
    failed = what_if(tier, tier_data, "P03", ["tier=silver"], "2024-04-01", TIER_PARAMS)
    assert not failed.repairs and failed.unchecked >= 1 and "did not check out" in failed.render()


@pytest.mark.parametrize("entity", ["P03", "P12", "P07", "P05"])
def test_tier_repairs_are_right_and_minimal(tier, tier_data, entity):
    result = check_repairs(tier, tier_data, entity, "tier", "silver", "2024-04-01", TIER_PARAMS)
    size, best = brute_force(tier, tier_data, entity, "tier", "silver", "2024-04-01", TIER_PARAMS)
    assert result.repairs and size is not None
    assert {len(r.changes) for r in result.repairs} == {size}
    assert {frozenset(r.overrides) for r in result.repairs} == set(best)
    for repair in result.repairs:
        assert repair.weight == best[frozenset(repair.overrides)]


def test_tier_p03_is_ten_orders_short(tier, tier_data):
    result = what_if(tier, tier_data, "P03", ["tier=silver"], "2024-04-01", TIER_PARAMS)
    assert [r.describe() for r in result.repairs] == ["paid_orders +10 (to 9,000,000)"]
    assert result.before == {"tier": "base"}


def test_tier_p12_alternatives(tier, tier_data):
    result = what_if(tier, tier_data, "P12", {"tier": "silver"}, "2024-04-01", TIER_PARAMS)
    assert [r.describe() for r in result.repairs] == ["active_merchants +1 (to 1,000)", "qualified_merchants +1 (to 150)"]
    assert "or: qualified_merchants +1 (to 150)" in result.render()


def test_already_there(tier, tier_data):
    result = what_if(tier, tier_data, "P01", ["tier=silver"], "2024-04-01", TIER_PARAMS)
    assert result.already and result.reachable and not result.repairs


@pytest.mark.parametrize("orders,score,shop_type,size", [(50, "3.9", "ordinary", 2), (150, "3.9", "ordinary", 1),
                                                         (99, "4.5", "flagship", 1), (0, "", "ordinary", 2)])
def test_small_policy_minimal_by_brute_force(small, orders, score, shop_type, size):
    data = small_data(orders, score, shop_type)
    result = check_repairs(small, data, "S1", "level", "high", "2024-03-01")
    expected_size, best = brute_force(small, data, "S1", "level", "high", "2024-03-01")
    assert expected_size == size == len(result.repairs[0].changes)
    assert {frozenset(r.overrides): r.weight for r in result.repairs} == best


def test_assumed_figures_solve_as_rows_giving_them_evaluate(small):
    """The figure-table solve that checks a repair agrees with Policy.evaluate on rows that give
    the same figure values, for every assignment of the small policy's candidate grid."""
    data = small_data(50, "3.9")
    subject = subject_from_data(small, data, "S1", result_day("2024-03-01"), {})
    builder = SpaceBuilder()
    builder.add(subject)
    builder.set_current(subject)
    builder.finish(with_current=True, allow_missing=False)
    orders, score, shop_type = (builder.figures[k] for k in (
        "sum(shop_daily.paid_orders during last 30 days to as_of)", "shop_daily.experience_score on as_of", "shop_type"))
    seen = set()
    for values in itertools.product(orders.candidates, score.candidates, shop_type.candidates):
        rows = small_data(values[0], str(values[1]), values[2])
        if values[2] not in ("ordinary", "flagship"):
            continue  # not a value the schema's enum admits in rows
        verdict = small.evaluate(rows, as_of="2024-03-01", entities=["S1"]).verdict("S1")
        solved = solve_assumed(builder, subject, dict(zip((orders.key, score.key, shop_type.key), values)))
        assert solved is not None and solved.outcome("level") == verdict.outcomes["level"], values
        seen.add(verdict.outcomes["level"])
    assert seen == {"high", "low"}


def test_a_repair_of_a_figure_with_an_offset_is_checked_with_the_offset():
    """``sum(...) + 10 >= level_orders``: the figure is the sum, the program's figure the side; the
    check applies the offset again (90 orders reach 100, 89 do not)."""
    text = SMALL.replace("during last 30 days to as_of) >= level_orders", "during last 30 days to as_of) + 10 >= level_orders")
    policy = clausewise.compile_policy_text(text, "offset.policy")
    data = small_data(50, "4.5")
    result = what_if(policy, data, "S1", ["level=high"], "2024-03-01")
    assert [r.describe() for r in result.repairs] == ["orders +40 (to 90)"]
    subject = subject_from_data(policy, data, "S1", result_day("2024-03-01"), {})
    builder = SpaceBuilder()
    builder.add(subject)
    key = result.repairs[0].changes[0].figure
    assert [solve_assumed(builder, subject, {key: n}).outcome("level") for n in (89, 90)] == ["low", "high"]


def test_assumed_quantifiers_take_their_units_from_the_figure():
    """A quantifier the program states takes its months from the analysis figure: a yes/no figure
    (``every month`` against a bound from data) gives months on the side of the bound that gives
    its truth, missing ones when it is missing; a best-month figure (``any month``, fixed bound)
    gives every month its value.
    Months of one expression that both quantifiers' figures would give are not made up (None)."""
    from clausewise.analysis.subjects import ASSUMED_MISSING, synthetic_subject

    text = HEADER + """
rule steady [X-1] "稳定" / "steady" = all of {
  every_month [X-1] "每月" / "every month": every month m in previous quarter of as_of:
    sum(shop_daily.paid_orders during m) >= sum(shop_daily.paid_orders during last 7 days to as_of)
}
rule peak [X-1] "峰值" / "peak" = all of {
  any_month [X-1] "某月" / "any month": any month m in previous quarter of as_of: sum(shop_daily.amount_yuan during m) >= 20
}
"""
    shared = clausewise.compile_policy_text(text.replace("amount_yuan during m) >= 20", "paid_orders during m) >= 20")
                                            .replace(" >= sum(shop_daily.paid_orders during last 7 days to as_of)", " >= 10"),
                                            "shared.policy")
    subject = synthetic_subject(shared, result_day("2024-03-01"), {})
    builder = SpaceBuilder()
    builder.add(subject)
    builder.finish(with_current=False, allow_missing=True)
    assert solve_assumed(builder, subject, {k: f.candidates[0] for k, f in builder.figures.items()}) is None
    policy = clausewise.compile_policy_text(text, "months.policy")
    assert {leaf.kind for leaf in policy.figures.compiled.values()} == {"quantified"}
    subject = synthetic_subject(policy, result_day("2024-03-01"), {})
    builder = SpaceBuilder()
    builder.add(subject)
    builder.finish(with_current=False, allow_missing=True)
    every = next(f for f in builder.figures.values() if f.is_leaf)
    best = next(f for f in builder.figures.values() if f.test is not None)
    got = {(e, b): solve_assumed(builder, subject, {every.key: e, best.key: b})
           for e in every.candidates for b in best.candidates}
    status = {(str(e), str(b)): (a.answer.status["steady.every_month"], a.answer.status["peak.any_month"])
              for (e, b), a in got.items() if a is not None}
    assert len(status) == len(got) == len(every.candidates) * len(best.candidates), sorted(status)
    assert status == {(str(e), str(b)): ("pass" if e else "fail", "pass" if b >= 20 else "fail")
                      for e in every.candidates for b in best.candidates}
    gone = solve_assumed(builder, subject, {every.key: ASSUMED_MISSING, best.key: ASSUMED_MISSING})
    assert gone is not None and (gone.answer.status["steady.every_month"], gone.answer.status["peak.any_month"]) == (
        "unknown", "unknown")


def test_small_policy_strict_bound_steps_in_the_last_decimal_place(small):
    result = what_if(small, small_data(150, "3.9"), "S1", ["level=high"], "2024-03-01")
    assert result.repairs[0].describe() == "score +0.2 (to 4.1)"
    assert any("shop_type: ordinary -> flagship" in r.describe() for r in result.repairs)


def test_unreachable_target():
    text = SMALL.replace("high when good", "high when good and level_orders > 1000 orders")
    policy = clausewise.compile_policy_text(text, "small.policy")
    result = what_if(policy, small_data(50, "3.9"), "S1", ["level=high"], "2024-03-01")
    assert not result.reachable and "cannot be reached" in result.render()


def test_novice_repairs_check_out():
    novice = clausewise.load_policy(POLICIES / "novice.policy")
    data = str(EXAMPLES / "novice")
    result = check_repairs(novice, data, "S07", "in_novice_period", "false", "2024-03-15")
    assert result.repairs[0].describe() == "signed_orders +40 (to 100)"
    result = check_repairs(novice, data, "S01", "compliant", "true", "2024-03-15")
    # compliance does not apply once the shop has left the novice period: that counts as compliant
    assert [r.describe() for r in result.repairs] == ["exited_on: none -> 2024-03-14"]


def test_weights_fit_in_32_bits():
    assert weight_cap(10**6) * 10**6 <= 2**31 - 1
    assert relative_weight(10, 10**12, weight_cap(3)) == weight_cap(3)
    assert relative_weight(0, 5, 10**6) == 10_000 and relative_weight(100, 101, 10**6) == 100


def test_bad_targets_are_diagnostics(tier, tier_data):
    for target, message in [("tier=silverr", "no clause of 'tier' gives 'silverr'"),
                            ("tierr=silver", "no outcome field 'tierr'"), ("tier", "expected FIELD=VALUE")]:
        with pytest.raises(clausewise.ClausewiseError) as err:
            what_if(tier, tier_data, "P03", [target], "2024-04-01", TIER_PARAMS)
        assert message in err.value.diagnostics[0].render()
    with pytest.raises(clausewise.ClausewiseError, match="did you mean"):
        what_if(tier, tier_data, "P3", ["tier=silver"], "2024-04-01", TIER_PARAMS)


def test_cli_what_if():
    runner = CliRunner()
    base = ["what-if", str(POLICIES / "tier.policy"), "--data", str(EXAMPLES / "tier"), "--params",
            str(EXAMPLES / "tier" / "params.json"), "--as-of", "2024-04-01", "--entity", "P03"]
    ok = runner.invoke(main, base + ["--target", "tier=silver"])
    assert ok.exit_code == 0 and "paid_orders +10 (to 9,000,000)" in ok.output
    bad = runner.invoke(main, base + ["--target", "tier=silverr"])
    assert bad.exit_code == 2 and "error: no clause of 'tier' gives 'silverr'" in bad.output and "Traceback" not in bad.output
    as_json = json.loads(runner.invoke(main, base + ["--target", "tier=silver", "--format", "json"]).output)
    assert as_json["repairs"][0]["changes"][0]["to"] == "9,000,000"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=st.integers(0, 200), score=st.sampled_from(["", "3.9", "4.0", "4.1", "4.8"]),
       shop_type=st.sampled_from(["ordinary", "flagship"]), target=st.sampled_from(["high", "low"]))
def test_small_policy_random_entities(small, orders, score, shop_type, target):
    data = small_data(orders, score, shop_type)
    result = check_repairs(small, data, "S1", "level", target, "2024-03-01")
    size, best = brute_force(small, data, "S1", "level", target, "2024-03-01")
    if result.already:
        assert size == 0
    else:
        assert {frozenset(r.overrides): r.weight for r in result.repairs} == best


def test_best_month_figure_and_for_each_entities():
    """LIFE: 'any month m in W: x >= b' is repaired through its best month; the industry a
    'for each' verdict is about is not a figure to change."""
    life = clausewise.load_policy(POLICIES / "life.policy")
    params = json.loads((EXAMPLES / "life" / "params.json").read_text("utf-8"))
    data = str(EXAMPLES / "life")
    result = check_repairs(life, data, "P03/catering", "certification_status", "passed", "2024-04-01", params)
    assert [r.describe() for r in result.repairs] == ["catering_certification (best month) +0.01 (to 300,000)"]
    result = what_if(life, data, "P02/hotel_travel", ["certification_status=passed"], "2024-04-01", params)
    assert result.repairs and not any(c.name == "assessed_industry" for r in result.repairs for c in r.changes)
