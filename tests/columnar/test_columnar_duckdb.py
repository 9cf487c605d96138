"""DuckDB's figure table equals the Python evaluator's (clausewise.columnar.duck), on every
bundled example, on the oracle's generated policies and on larger generated data; exact at
the edges of 64-bit integers and with decimals written to different places."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from clausewise.columnar.duck import duckdb_producer
from clausewise.engine.policy import compile_policy_text, load_policy
from clausewise.evaluate import computed
from clausewise.evaluate.figuretable import FigureProducer, figure_plan
from clausewise.evaluate.measure import Data, Evaluator, Scope
from clausewise.evaluate.params import resolve_params
from tests.support import EXAMPLES, HEADER, POLICIES, policy_block
from tests.oracle.gen import cases

BUNDLED = [("tier", "2024-04-01", True), ("novice", "2024-03-15", False), ("renew", "2024-06-30", True),
           ("life", "2024-04-01", True)]
GENERATED = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])


def resolve(checked, params: dict, day: dt.date):
    try:
        return resolve_params(checked, params, day)
    except TypeError:  # before parameters took the evaluation day
        return resolve_params(checked, params)  # type: ignore[call-arg]


def figure_tables(policy, data, as_of: str | dt.date, params: dict):
    """(Python figure table, DuckDB figure table, aggregates DuckDB measured, why the others were not)."""
    day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)
    values, convention = resolve(policy.checked, params, day)
    rows = {n: t.rows for n, t in policy.load_data(data).items()}
    plan = figure_plan(policy.checked, [(leaf.id, leaf.cond) for leaf in policy.plan.leaves()], policy.source_text)
    reference = FigureProducer(plan, Evaluator(policy.checked, Data(rows), values, day, convention), policy.source_text)
    duck, why = duckdb_producer(policy.checked, plan, rows, values, day, convention, policy.source_text)
    table = policy.checked.entity_table
    python, columnar = {}, {}
    for entity, row in sorted(computed.entity_rows(policy.checked, rows[table]).items()):
        python[entity] = reference.entity(Scope(row, table, row))
        columnar[entity] = duck.entity(Scope(row, table, row))
    return python, columnar, len(duck.ev.lowered), why


def params_of(name: str, with_params: bool) -> dict:
    return json.loads((EXAMPLES / name / "params.json").read_text("utf-8")) if with_params else {}


@pytest.mark.parametrize("name, as_of, with_params", BUNDLED)
def test_duckdb_figure_table_equals_python_on_the_bundled_examples(name, as_of, with_params):
    policy = load_policy(POLICIES / f"{name}.policy")
    python, columnar, lowered, why = figure_tables(policy, EXAMPLES / name, as_of, params_of(name, with_params))
    assert python == columnar
    assert not [m for m in why.values() if m.startswith("not run")], why  # DuckDB ran every query it was given


def test_the_tier_order_figures_are_measured_by_duckdb():
    policy = load_policy(POLICIES / "tier.policy")
    _, _, lowered, why = figure_tables(policy, EXAMPLES / "tier", "2024-04-01", params_of("tier", True))
    assert lowered >= 2  # the paid orders over bound shops while bound, the active merchants
    assert all("over bound_shops during evaluation_period" not in text or "any month" in text for text in why), why


lowered_in_generated: list[int] = []


@GENERATED
@given(cases(10))
def test_duckdb_figure_table_equals_python_on_generated_policies(case):
    policy = compile_policy_text(case.text, "<generated>")
    python, columnar, lowered, why = figure_tables(policy, case.rows, case.as_of, case.params)
    assert python == columnar
    lowered_in_generated.append(lowered)


def test_generated_policies_had_aggregates_lowered():
    """The generated policies above gave DuckDB aggregates to measure (their test fills the list: it
    runs first in this file's process; when it was not selected, this one says so and skips)."""
    if not lowered_in_generated:
        pytest.skip("the generated-policy test did not run before this one in this process")
    assert sum(lowered_in_generated) > 0


EXACT = HEADER + """
rule big [T-1] "大" / "big" = all of {
  orders [T-1] "orders" / "orders": sum(shop_daily.paid_orders during 2024-01-01 .. 2024-01-31) >= 9223372036854775807 orders
  money [T-1] "money" / "money": sum(shop_daily.amount_yuan during 2024-01-01 .. 2024-01-31 where paid_orders > 0) >= 0.01 yuan
  busy [T-1] "busy days" / "busy days": count(shop_daily during 2024-01 where paid_orders >= 4611686018427387904) >= 2
  average [T-1] "average" / "average": avg(shop_daily.amount_yuan during 2024-01) > 1 yuan
  score [T-1] "score" / "score": sum(shop_daily.experience_score during 2024-01) > 1
}
"""


def _day(n: int) -> str:
    return f"2024-01-{n:02d}"


def test_sums_beyond_64_bits_and_decimal_places_are_exact():
    policy = compile_policy_text(EXACT, "<exact>")
    shops = [{"shop_id": s, "opened_on": "2020-01-01", "shop_type": "ordinary", "main_category": "x"} for s in ("A", "B", "C")]
    daily = [
        # A: two values near 2^62 and one near 2^63: the sum needs more than 64 bits
        {"shop_id": "A", "date": _day(1), "paid_orders": str(2**62), "amount_yuan": "1.50", "experience_score": "4.6"},
        {"shop_id": "A", "date": _day(2), "paid_orders": str(2**62 + 1), "amount_yuan": "2.50", "experience_score": "4.60"},
        {"shop_id": "A", "date": _day(3), "paid_orders": str(2**63 - 1), "amount_yuan": "0.1", "experience_score": ""},
        # B: places as written: 1.5 + 2.25 = 3.75; 1 yuan + 2 yuan = 3 (not 3.00)
        {"shop_id": "B", "date": _day(1), "paid_orders": "1", "amount_yuan": "1.5", "experience_score": "4"},
        {"shop_id": "B", "date": _day(2), "paid_orders": "1", "amount_yuan": "2.25", "experience_score": "4.0"},
        {"shop_id": "B", "date": "2024-02-01", "paid_orders": "0", "amount_yuan": "9.999", "experience_score": "5"},
        # C: nothing in January
        {"shop_id": "C", "date": "2023-12-31", "paid_orders": "5", "amount_yuan": "1", "experience_score": "1"},
    ]
    python, columnar, lowered, why = figure_tables(policy, {"shops": shops, "shop_daily": daily}, "2024-03-01", {})
    assert python == columnar
    assert lowered == 5, why
    orders = next(f for f in python["A"] if f.startswith("big.orders") and f.endswith("left"))
    assert python["A"][orders].value == 2**62 + 2**62 + 1 + 2**63 - 1
    money = next(f for f in python["B"] if f.startswith("big.money") and f.endswith("left"))
    assert str(python["B"][money].value) == "3.75" and python["C"][money].value == 0
    score = next(f for f in python["A"] if f.startswith("big.score") and f.endswith("left"))
    assert python["A"][score].state == "missing" and str(python["B"][score].value) == "8.0"
    average = next(f for f in python["B"] if f.startswith("big.average") and f.endswith("left"))
    assert python["B"][average].value == Decimal("3.75") / 2 and python["C"][average].state == "missing"


PER_ITEM = policy_block(entity="provider in providers") + """table providers key provider_id {
  provider_id: string
  since: date optional
}
table bindings {
  provider_id: string -> providers
  shop_id: string -> shops
  bound_on: date
  unbound_on: date optional
}
table shops key shop_id {
  shop_id: string
}
table shop_daily key shop_id, date by date {
  shop_id: string -> shops
  date: date
  paid_orders: orders optional
}
relation ever_bound [T-1]: shops via bindings
rule r [T-1] "r" / "r" = all of {
  orders [T-1] "orders" / "orders":
    sum(shop_daily.paid_orders over ever_bound during 2024-01-01 .. 2024-01-31
        where count(b in bindings where b.provider_id = provider_id and b.bound_on >= since
                    and (b.unbound_on is missing or b.unbound_on > 2024-01-10)) > 0) >= 10 orders
  days [T-1] "days" / "days":
    count(shop_daily over ever_bound during 2024-01 where count(b in bindings where b.bound_on <= 2024-01-05) = 0) >= 1
}
"""


def test_a_filter_that_reads_only_the_item_is_measured_once_per_item():
    """RENEW's whole-period orders: a sum over related items whose filter counts the item's rows of
    another table. The filter holds for some items, fails for others, is unknown (an empty field of
    the entity, or of a binding compared), and a counted row may have an empty value; an item
    without rows in the window is not measured. The figure tables equal the Python evaluator's,
    and the sum is measured by DuckDB."""
    policy = compile_policy_text(PER_ITEM, "<per-item>")
    python, columnar, lowered, why = figure_tables(policy, per_item_data(), "2024-03-01", {})
    assert python == columnar
    assert lowered == 2, why
    orders = next(f for f in python["A"] if f.startswith("r.orders") and f.endswith("left"))
    states = {e: (python[e][orders].state, python[e][orders].value) for e in python}
    assert states == {"A": ("value", 37), "B": ("missing", None), "C": ("missing", None), "D": ("value", 0),
                      "E": ("value", 74)}
    assert python["C"][orders].missing == ("shop_daily.paid_orders is empty in a row counted here",)


def per_item_data() -> dict[str, list[dict]]:
    """PER_ITEM's rows: the cases of each provider are commented."""
    providers = [{"provider_id": p, "since": s} for p, s in
                 (("A", "2023-01-01"), ("B", ""), ("C", "2023-01-01"), ("D", "2023-01-01"), ("E", "2023-06-01"))]
    bindings = [
        {"provider_id": "A", "shop_id": "S1", "bound_on": "2023-02-01", "unbound_on": ""},  # counts
        {"provider_id": "A", "shop_id": "S2", "bound_on": "2022-02-01", "unbound_on": ""},  # before since: filtered out
        {"provider_id": "A", "shop_id": "S9", "bound_on": "2023-02-01", "unbound_on": ""},  # no rows
        {"provider_id": "B", "shop_id": "S3", "bound_on": "2023-02-01", "unbound_on": ""},  # since empty: unknown
        {"provider_id": "C", "shop_id": "S4", "bound_on": "2023-02-01", "unbound_on": "2024-01-05"},  # ended: out
        {"provider_id": "C", "shop_id": "S5", "bound_on": "2023-03-01", "unbound_on": ""},  # an empty value counted
        {"provider_id": "E", "shop_id": "S6", "bound_on": "2024-01-20", "unbound_on": ""},
        {"provider_id": "E", "shop_id": "S1", "bound_on": "2023-07-01", "unbound_on": ""},  # S1 bound twice
    ]
    shops = [{"shop_id": s} for s in ("S1", "S2", "S3", "S4", "S5", "S6", "S9")]
    daily = [{"shop_id": s, "date": f"2024-01-{d:02d}", "paid_orders": "" if (s, d) == ("S5", 3) else str(d)}
             for s in ("S1", "S2", "S3", "S4", "S5", "S6") for d in (1, 2, 3, 31)]
    daily.append({"shop_id": "S1", "date": "2024-02-01", "paid_orders": "7"})  # outside the window
    return {"providers": providers, "bindings": bindings, "shops": shops, "shop_daily": daily}


def item_filters(policy) -> dict[str, dict[tuple[str, str], object]]:
    """Per lowered aggregate with a filter measured per item (by its text's start): the filter
    SQL gave each entity and item with rows (None: unknown there; 'python': not decided in SQL)."""
    day = dt.date(2024, 3, 1)
    values, convention = resolve(policy.checked, {}, day)
    rows = {n: t.rows for n, t in policy.load_data(per_item_data()).items()}
    plan = figure_plan(policy.checked, [(leaf.id, leaf.cond) for leaf in policy.plan.leaves()], policy.source_text)
    duck, _ = duckdb_producer(policy.checked, plan, rows, values, day, convention, policy.source_text)
    return {policy.source_text(low.node)[:5]: {(e, item): row.get("f", "python") for e, items in duck.ev.results[k].items()
                                                for item, row in items.items()}
            for k, low in duck.ev.lowered.items() if low.item_filter is not None}


def test_item_filters_are_decided_in_sql_and_the_unknown_ones_in_python():
    """PER_ITEM's filters are decided by one query each, in three values: B's filter reads its
    empty 'since', so it is unknown and measured in Python for its missing reason. A filter that
    shows a window of its own (the explanation lists it) is measured in Python for every item,
    with the same figures."""
    policy = compile_policy_text(PER_ITEM, "<per-item>")
    assert item_filters(policy) == {
        "sum(s": {("A", "S1"): True, ("A", "S2"): False, ("B", "S3"): None, ("C", "S4"): False, ("C", "S5"): True,
                  ("E", "S1"): True, ("E", "S6"): True},
        "count": {("A", "S1"): False, ("A", "S2"): False, ("B", "S3"): False, ("C", "S4"): False, ("C", "S5"): False,
                  ("E", "S1"): False, ("E", "S6"): True}}
    own = compile_policy_text(PER_ITEM.replace("> 2024-01-10", "> end of grace").replace(
        "relation ever_bound", 'let grace "宽限" / "grace" = 2024-01-01 .. 2024-01-10\nrelation ever_bound'), "<own>")
    assert set(item_filters(own)["sum(s"].values()) == {"python"}
    python, columnar, lowered, why = figure_tables(own, per_item_data(), "2024-03-01", {})
    assert python == columnar and lowered == 2, why
    orders = next(f for f in python["A"] if f.startswith("r.orders") and f.endswith("left"))
    assert [w for w, _ in python["A"][orders].windows] == ["2024-01-01 .. 2024-01-31", "grace"]


@pytest.mark.parametrize("attribution", ["while_bound", "whole_period_if_bound_during"])
def test_renew_on_duckdb_reads_shop_daily_itself_and_gives_the_python_verdicts(attribution):
    """Every renew aggregate over shop_daily is lowered (the whole-period orders with a filter per
    related item, decided in SQL), so DuckDB reads the file itself; under either order attribution
    the verdicts and the accounting are the Python engine's."""
    from clausewise.engine.engines import prepare

    policy = load_policy(POLICIES / "renew.policy")
    params = {**params_of("renew", True), "order_attribution": attribution}
    day = dt.date(2024, 6, 30)
    values, convention = resolve(policy.checked, params, day)
    engine = prepare("duckdb", policy.checked, [(leaf.id, leaf.cond) for leaf in policy.plan.leaves()], values, day,
                     convention, policy.source_text, EXAMPLES / "renew")
    assert "shop_daily" in engine.scan
    assert [low.filter_query is not None for low in engine.lowered.values() if getattr(low, "item_filter", None)] == [True]
    python = policy.evaluate(EXAMPLES / "renew", day, params)
    duck = policy.evaluate(EXAMPLES / "renew", day, params, engine="duckdb")
    assert [v.model_dump_json() for v in python.verdicts] == [v.model_dump_json() for v in duck.verdicts]
    assert python.accounting == duck.accounting
