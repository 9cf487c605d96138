"""Run one generated case through clausewise (clingo path) and through the oracle; list differences."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterator

from clausewise.engine.policy import Policy, compile_policy_text
from clausewise.report.models import Evaluation, ExplanationNode

from .gen import Case
from .interp import Oracle


def walk(nodes: list[ExplanationNode]) -> Iterator[ExplanationNode]:
    for node in nodes:
        yield node
        yield from walk(node.children)


def plain(value: Any) -> Any:
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    return value


def disagreements(case: Case) -> tuple[int, list[str]]:
    """(entities compared, differences between the clingo path and the oracle)."""
    policy = compile_policy_text(case.text, "<generated>")
    evaluation = policy.evaluate(case.rows, as_of=case.as_of, params=case.params)
    tables = policy.load_data(case.rows)
    assert not any(t.rejected for t in tables.values()), [t.rejected for t in tables.values()]
    return len(evaluation.verdicts), differences(policy, evaluation, tables, case.params, case.as_of)


def differences(policy: Policy, evaluation: Evaluation, tables: dict, params: dict, as_of: dt.date) -> list[str]:
    """Every difference between an evaluation (clingo path) and the oracle over the same validated rows."""
    rows = {name: t.rows for name, t in tables.items()}
    oracle = Oracle(policy.checked, rows, params, as_of)
    key = policy.checked.tables[policy.checked.entity_table].key[0]
    by_id = {str(r[key]): r for r in rows[policy.checked.entity_table]}
    dimension = policy.checked.dimension
    if dimension:  # 'for each NAME: enum(a, b)': one verdict per row and value, 'KEY/VALUE', NAME read as a field
        by_id = {f"{k}/{v}": {**r, dimension: v} for k, r in by_id.items() for v in policy.checked.dimension_values}
    problems: list[str] = []
    acc = evaluation.accounting
    if acc.entities_in != acc.verdicts_out or acc.rows_read != acc.rows_used + acc.rows_rejected:
        problems.append(f"accounting does not balance: {acc}")
    if sorted(v.entity for v in evaluation.verdicts) != sorted(by_id):
        problems.append("verdicts are not one per entity")
    for verdict in evaluation.verdicts:
        expected = oracle.evaluate(by_id[verdict.entity])
        where = f"entity {verdict.entity}"
        seen = {}
        for node in walk(verdict.rules):
            seen[node.id] = node.status
        in_rules = {k for k in expected.statuses if k.split(".")[0] in policy.checked.rules}
        for node_id in sorted(set(seen) | in_rules):
            if seen.get(node_id) != expected.statuses.get(node_id):
                problems.append(f"{where}: node {node_id}: clingo {seen.get(node_id)}, oracle {expected.statuses.get(node_id)}")
        details = {o.field: o for o in verdict.outcome_details}
        for name, (value, decided) in expected.outcomes.items():
            got = details[name]
            got_value = verdict.outcomes.get(name)
            if got.decided != decided or (decided and plain(got_value) != value):
                problems.append(f"{where}: outcome {name}: clingo {got_value!r} decided={got.decided}, "
                                f"oracle {value!r} decided={decided}")
        if verdict.compliant != expected.compliant:
            problems.append(f"{where}: compliant: clingo {verdict.compliant}, oracle {expected.compliant}")
    return problems
