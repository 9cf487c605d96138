"""The figure table (clausewise.evaluate.figuretable): leaf results computed from figures equal
the leaf evaluator's, on every bundled example and on generated policies."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings

from clausewise.engine.policy import compile_policy_text, load_policy
from clausewise.evaluate import computed
from clausewise.evaluate.figuretable import (
    FigureProducer,
    FigureValue,
    figure_plan,
    leaf_result,
)
from clausewise.evaluate.leaves import LeafEvaluator, LeafResult, quantifier_result
from clausewise.evaluate.measure import Data, Evaluator, Scope
from clausewise.evaluate.params import resolve_params
from tests.support import EXAMPLES, POLICIES
from tests.oracle.gen import cases

BUNDLED = [("tier", "2024-04-01", True), ("novice", "2024-03-15", False), ("renew", "2024-06-30", True),
           ("life", "2024-04-01", True)]
GENERATED = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])


def params_of(name: str, with_params: bool) -> dict:
    return json.loads((EXAMPLES / name / "params.json").read_text("utf-8")) if with_params else {}


def decided(result: LeafResult) -> LeafResult:
    """A quantifier the program states is unknown in the figure table until the answer says which
    unit decides (report/explain.answered_leaves): decided here the way the leaf evaluator decides
    it, so that its units are compared (tests/asp/test_cells.py checks that the program agrees)."""
    units = result.units
    if units is None:
        return result
    status, unit = quantifier_result(units.kind, units.results)
    k = next((i for i, (u, _) in enumerate(units.results) if u == unit), None)
    return units.shown(status.status, k)


def compare_with_leaf_evaluator(policy, data, as_of: str, params: dict) -> int:
    """Every leaf of every entity through the figure table and through the leaf evaluator;
    returns how many leaf results were compared."""
    day = dt.date.fromisoformat(as_of)
    values, convention = resolve_params(policy.checked, params, day)
    tables = policy.load_data(data)
    rows = {n: t.rows for n, t in tables.items()}
    plan = figure_plan(policy.checked, [(leaf.id, leaf.cond) for leaf in policy.plan.leaves()], policy.source_text)
    producer = FigureProducer(plan, Evaluator(policy.checked, Data(rows), values, day, convention), policy.source_text)
    reference = LeafEvaluator(Evaluator(policy.checked, Data(rows), values, day, convention))
    table = policy.checked.entity_table
    compared = 0
    for entity, row in sorted(computed.entity_rows(policy.checked, rows[table]).items()):
        got = producer.leaf_results(Scope(row, table, row))
        for leaf in policy.plan.leaves():
            assert decided(got[leaf.id]) == reference.evaluate(leaf.cond, Scope(row, table, row)), (entity, leaf.id)
            compared += 1
    return compared


@pytest.mark.parametrize("name, as_of, with_params", BUNDLED)
def test_leaf_results_from_the_figure_table_equal_the_leaf_evaluators(name, as_of, with_params):
    policy = load_policy(POLICIES / f"{name}.policy")
    assert compare_with_leaf_evaluator(policy, EXAMPLES / name, as_of, params_of(name, with_params)) > 50


@GENERATED
@given(cases(8))
def test_leaf_results_from_the_figure_table_on_generated_policies(case):
    policy = compile_policy_text(case.text, "<generated>")
    compare_with_leaf_evaluator(policy, case.rows, case.as_of.isoformat() if isinstance(case.as_of, dt.date) else case.as_of,
                                case.params)


def test_the_figure_plan_shares_figures_by_text_and_keeps_constants_apart():
    policy = load_policy(POLICIES / "novice.policy")
    plan = figure_plan(policy.checked, [(leaf.id, leaf.cond) for leaf in policy.plan.leaves()], policy.source_text)
    by_text = {}
    for f in plan.figures.values():
        assert by_text.setdefault((f.role, f.text), f.id) == f.id  # one figure per expression text
    score = [f for f in plan.figures.values() if f.text == "shop_daily.experience_score on as_of"]
    assert len(score) == 1 and not score[0].constant and score[0].unit == "score"
    users = [leaf.id for leaf in plan.leaves.values() if score[0].id in leaf.figures]
    assert len(users) >= 2  # dynamic_pass.experience, exit_inspection.metrics.experience, ...
    four = [f for f in plan.figures.values() if f.text == "4.0"]
    assert four and four[0].constant
    points = next(f for f in plan.figures.values() if f.text.startswith("sum(shop_violations.points"))
    assert points.windows == ("last 30 days to as_of",) and points.filters == ('severity = "B"',)


def test_figure_value_states():
    assert FigureValue(3).state == "value"
    assert FigureValue(None).state == "none"
    assert FigureValue(None, ("shops.graduated_on is empty for 'S07'",)).state == "missing"


def test_quantified_leaves_are_split_into_window_units_and_bound():
    policy = load_policy(POLICIES / "life.policy")
    plan = figure_plan(policy.checked, [(leaf.id, leaf.cond) for leaf in policy.plan.leaves()], policy.source_text)
    leaf = plan.leaves["catering_certification.then"]
    assert leaf.kind == "quantified" and leaf.quantifier == "any"
    window, units, bound = (plan.figures[f] for f in leaf.figures)
    assert window.role == "window" and units.role == "units" and units.unit_kind == "month"
    assert units.window_figure == window.id and bound.text == "certification_monthly_gmv"
    fail = leaf_result(leaf, {window.id: FigureValue(None), units.id: FigureValue(()), bound.id: FigureValue(1)})
    assert (fail.status, fail.witness) == ("fail", "(no window)")
