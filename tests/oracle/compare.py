"""Run one generated case through clausewise (clingo path) and through the oracle; list differences."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from clausewise.engine.policy import Policy, compile_policy_text
from clausewise.report.models import Evaluation, ExplanationNode

from .gen import FIELDS, Case
from .interp import Oracle


def walk(nodes: list[ExplanationNode]) -> Iterator[ExplanationNode]:
    for node in nodes:
        yield node
        yield from walk(node.children)


def plain(value: Any) -> Any:
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    return value


ENGINES = ("python", "duckdb")


def disagreements(case: Case, engines: tuple[str, ...] = ENGINES, files: Path | None = None) -> tuple[int, list[str]]:
    """(entities compared, differences between the clingo path and the oracle).

    Each engine's evaluation is compared with the oracle (a difference of an engine other than
    ``python`` is prefixed with its name), and with the Python engine's verdicts, whole. With
    ``files`` (a directory), the columnar engines read the rows from CSV files written there
    (DuckDB reads the tables it can itself); otherwise from memory.
    """
    policy = compile_policy_text(case.text, "<generated>")
    tables = policy.load_data(case.rows)
    assert not any(t.rejected for t in tables.values()), [t.rejected for t in tables.values()]
    problems: list[str] = []
    reference: Evaluation | None = None
    for engine in engines:
        data: Any = case.rows
        if engine != "python" and files is not None:
            data = write_csv(case.rows, files)
        evaluation = policy.evaluate(data, as_of=case.as_of, params=case.params, engine=engine)
        prefix = "" if engine == "python" else f"{engine}: "
        problems += [prefix + p for p in differences(policy, evaluation, tables, case.params, case.as_of)]
        if reference is None:
            reference = evaluation
        else:
            problems += [prefix + p for p in same_verdicts(reference, evaluation)]
    assert reference is not None
    return len(reference.verdicts), problems


def same_verdicts(reference: Evaluation, other: Evaluation) -> list[str]:
    """Where two engines' verdicts differ in anything (outcomes, statuses, explanations, accounting)."""
    problems = []
    if other.accounting.model_dump() != reference.accounting.model_dump():
        problems.append(f"accounting: {other.accounting} != {reference.accounting}")
    ours = {v.entity: v.model_dump(mode="json") for v in reference.verdicts}
    for verdict in other.verdicts:
        theirs = verdict.model_dump(mode="json")
        if ours.get(verdict.entity) != theirs:
            problems.append(f"entity {verdict.entity}: verdict differs from the python engine's: "
                            f"{first_difference(ours.get(verdict.entity), theirs)}")
    return problems


def first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k) != b.get(k):
                return first_difference(a.get(k), b.get(k), f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
    return f"{path or '.'}: python {a!r}, other {b!r}"


def cell(value: Any) -> str:
    """A value as the CSV reader reads it back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ";".join(map(str, value))
    return str(value)


def write_csv(rows: dict[str, list[dict]], directory: Path) -> Path:
    """One CSV file per table (every table, even an empty one, with its header)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, table in rows.items():
        fields = list(table[0]) if table else FIELDS[name]
        with open(directory / f"{name}.csv", "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(fields)
            writer.writerows([cell(r.get(f)) for f in fields] for r in table)
    return directory


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
