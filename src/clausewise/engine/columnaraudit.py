"""An audit in columns on DuckDB: Python once per status pattern, not once per entity.

``clausewise audit --engine duckdb --verdicts columns`` (CSV, Parquet, JSON Lines) takes this path
for a policy :func:`refusal` accepts: every condition is a comparison of a whole-number field of
the entity row with a constant (a parameter, a literal), and every outcome value is a constant.
Then an entity's answer depends only on the cells its figures fall in (:mod:`clausewise.asp.cells`),
and what its record shows besides (observed value, bound, gap) only on its own values:

1. DuckDB reads and validates the entity table (:func:`clausewise.columnar.scan.scan_file`: the
   reader's rejected rows and accounting);
2. SQL gives each entity its cells, compiled from :class:`~clausewise.asp.cells.Cells`' bounds,
   and groups the entities by them (:mod:`clausewise.columnar.patterns`);
3. one representative per pattern is evaluated by the per-entity path (measure, solve:
   :class:`~clausewise.engine.evaluation.EntityEvaluation`), and its record
   (:class:`~clausewise.report.columns.VerdictColumns`) gives the pattern's statuses,
   compliance, outcomes, failing conditions and missing data; the summary's counts are the
   representative's times the pattern's size;
4. each leaf's observed value, bound and gap texts are SQL compiled
   (:mod:`clausewise.columnar.texts`) from the definitions every record's are written with
   (:mod:`clausewise.values.texts`: the whole-number format, the gap of each comparison), so
   DuckDB writes them in the same pass;
5. entities with an empty figure field (their missing-data reasons name them) and entities whose
   own row was rejected are evaluated one by one by the per-entity path, as before;
6. the records, ordered by entity, go to the same :class:`~clausewise.report.records.VerdictSink`
   writers, so the file is byte for byte the per-entity path's
   (tests/columnar/test_columnar_audit.py compares them).

Anything else falls back to the per-entity path, with the reason :func:`refusal` or
:func:`columnar_audit` gives.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from clausewise.asp.cells import Cells
from clausewise.data import files as datafiles
from clausewise.engine.evaluation import EntityEvaluation
from clausewise.evaluate.figuretable import is_constant
from clausewise.evaluate.measure import Data, Evaluator, Scope
from clausewise.evaluate.params import resolve_params
from clausewise.language import syntax
from clausewise.language.refs import EntityFieldRef
from clausewise.report.encode import RawVerdict, VerdictEncoder
from clausewise.report.failed import ErrorVerdict
from clausewise.report.models import Evaluation
from clausewise.report.records import Tally, VerdictSink
from clausewise.values.valuetypes import INTEGRAL_UNITS

#: the suffixes of entity table files DuckDB reads itself
SUFFIXES = (".csv", ".parquet", ".jsonl", ".ndjson")


def figure_fields(policy: Any) -> dict[str, str] | str:
    """Each per-entity figure of the policy's program and the entity field it is, or why the
    columnar audit does not take the policy."""
    checked, figures = policy.checked, policy.figures
    if checked.history_rules:
        return "a rule is read on another day (R on d)"
    if checked.dimension:
        return "'for each': an entity per row and value"
    if figures.offset_figures:
        return "a date offset the program computes"
    if set(checked.tables) != {checked.entity_table}:  # each table is read, validated and counted
        return "the policy declares tables besides the entity table"
    schema = checked.tables[checked.entity_table]
    if len(schema.key) != 1 or schema.field(schema.key[0]).type.kind != "string":
        return "the entity table's key is not one text field"
    fields: dict[str, str] = {}
    for fid in figures.entity_figures:
        f = figures.figures.figures[fid]
        ref = checked.refs.get(f.node.nid) if isinstance(f.node, (syntax.Name, syntax.Attr)) else None
        if f.role != "value" or not isinstance(ref, EntityFieldRef):
            return f"figure {f.text} is not a field of the entity row"
        if schema.field(ref.name).type.kind not in INTEGRAL_UNITS or schema.field(ref.name).type.is_list:
            return f"figure {f.text} is not a whole number"
        fields[fid] = ref.name
    for leaf in policy.plan.leaves():
        compiled = figures.compiled.get(leaf.id)
        if compiled is None or compiled.kind != "compare" or sum(f in figures.constants for f in compiled.figures) != 1:
            return f"condition {leaf.id} is not a comparison of a figure with a constant"
    for d in policy.plan.decides:
        for clause in d.decl.clauses:
            if not is_constant(checked, clause.value):
                return f"outcome {d.field} has a value computed from the entity's data"
    return fields


def refusal(policy: Any, sink: VerdictSink) -> str | None:
    """Why the columnar audit does not take this policy and verdict file (None: it does)."""
    if sink.form != "columns":
        return "the verdicts are trees"
    fields = figure_fields(policy)
    return fields if isinstance(fields, str) else None


def columnar_audit(policy: Any, data: Sequence[str | Path], as_of: dt.date, params: Mapping[str, Any] | None,
                   sink: VerdictSink, threads: int = 1) -> tuple[Evaluation, Tally] | str:
    """Evaluate every entity and write its record to ``sink``; the evaluation (accounting, rejected
    rows; no verdict models) and the summary's counts. A string: why it cannot, before anything
    was written (evaluate with the per-entity path instead)."""
    why = refusal(policy, sink)
    if why is not None:
        return why
    return _audit(policy, data, as_of, params, sink, threads)


def _audit(policy: Any, data: Sequence[str | Path], as_of: dt.date, params: Mapping[str, Any] | None,
           sink: VerdictSink, threads: int) -> tuple[Evaluation, Tally] | str:
    from clausewise.columnar import patterns as sql
    from clausewise.columnar.connection import connect
    from clausewise.columnar.scan import scan_file
    from clausewise.engine.policy import accounting_of, rejected_verdict, shown_params

    fields = figure_fields(policy)
    assert not isinstance(fields, str)
    checked = policy.checked
    policy.check_in_force(as_of)
    values, convention = resolve_params(checked, dict(params or {}), as_of)
    files = datafiles.find_table_files([Path(p) for p in data], checked.tables)
    table = checked.entity_table
    if table not in files or Path(files[table]).suffix not in SUFFIXES:
        return "no entity table file DuckDB reads"
    schema = checked.tables[table]
    key = schema.key[0]
    with connect(threads) as con:
        scanned = scan_file(con, Path(files[table]), schema, None)
        if scanned is None:
            return "DuckDB does not read the entity table as the reader does"
        evaluation = _Evaluation(policy, values, as_of, convention)
        cells = Cells(policy.figures, evaluation.evaluation.constants())
        bounds: dict[str, list[int]] = {}
        for fid, name in fields.items():
            b = cells.bounds.get(fid)
            if not b or fid in cells.presence or any(type(v) is not int for v in b) or name in bounds:
                return f"figure {fid} has no whole-number bounds of its own"
            if any(fid in g for g in cells.groups):
                return f"figure {fid} is compared with another figure"
            bounds[name] = b
        names = [f.name for f in schema.fields]
        patterns = sql.group(con, table, key, bounds)
        # entities whose own row was rejected, and rows with an empty figure field: one by one
        candidates = sorted({e.key for e in scanned.rejected if e.key is not None})
        rejected = datafiles.rejected_entities(scanned, sql.present_keys(con, table, key, candidates))
        alone = sql.keys_with_empty(con, table, key, list(bounds))
        representatives = [rep for _, _, rep in patterns]
        rows = {str(r[key]): r for r in sql.rows_of(con, table, key, names, [*representatives, *alone])}
        evaluation.data(list(rows.values()))
        raws = evaluation.verdicts(rows)
        if any(isinstance(raws[rep], ErrorVerdict) for rep in representatives):  # its error may name it: not shared
            return "an entity could not be evaluated"
        layout = sink.layout
        assert layout is not None
        tally = Tally()
        pattern_rows: list[list[Any]] = []
        fixed = [c for c in layout.columns[2:] if not c.endswith((".observed", ".bound", ".gap"))]
        shared: list[Any] = [raws[rep] for rep in representatives]  # no error among them
        for (cell, count, _), raw, record in zip(patterns, shared, layout.rows(shared)):
            pattern_rows.append([*cell, *(record[layout.columns.index(c)] for c in fixed)])
            tally.count_alike(raw, count)
        errors = [rejected_verdict(evaluation.encoder, e, rejected[e]) for e in rejected]
        others: list[Any] = sorted([*(raws[e] for e in alone), *errors], key=lambda r: r.entity)
        tally.add(Tally.of(others))
        import pyarrow as pa

        cell_names = [f"{sql.CELL}{i}" for i in range(len(bounds))]
        pattern_table = pa.table({n: pa.array([r[i] for r in pattern_rows], pa.int64()) for i, n in enumerate(cell_names)}
                                 | {c: pa.array([r[len(cell_names) + i] for r in pattern_rows], pa.string())
                                    for i, c in enumerate(fixed)})
        texts = evaluation.texts(layout, fields, sql.field)
        if isinstance(texts, str):
            return texts
        other_rows = layout.rows(others)
        other_table = pa.table({c: pa.array([r[i] for r in other_rows], pa.string()) for i, c in enumerate(layout.columns)})
        for batch in sql.records(con, layout.columns, key, str(as_of), pattern_table, texts, other_table):
            _write(sink, pa.Table.from_batches([batch]))
        entities = len(scanned.rows) + len(rejected)
    accounting, rejected_rows = accounting_of(checked, {table: scanned}, entities, entities)
    return (Evaluation(policy=policy.name, version=policy.version, as_of=as_of, params=shown_params(values, convention),
                       verdicts=[], accounting=accounting, rejected=rejected_rows), tally)


class _Evaluation:
    """The per-entity path for the few entities this audit evaluates one by one."""

    def __init__(self, policy: Any, values: dict[str, Any], as_of: dt.date, convention: str):
        self.policy, self.values, self.as_of, self.convention = policy, values, as_of, convention
        self.encoder = VerdictEncoder(policy.plan, as_of, policy.source_text)
        self.data([])

    def data(self, rows: list[dict]) -> None:
        policy = self.policy
        ev = Evaluator(policy.checked, Data({policy.checked.entity_table: rows}), self.values, self.as_of, self.convention)
        self.evaluation = EntityEvaluation(policy.plan, policy.program, policy.figures, ev, policy.source_text)

    def verdicts(self, rows: Mapping[str, dict]) -> dict[str, RawVerdict | ErrorVerdict]:
        """The raw verdict of each entity row (by its key)."""
        policy, table = self.policy, self.policy.checked.entity_table
        scopes = {entity: Scope(row, table, row) for entity, row in rows.items()}
        done = policy.evaluate_chunk(list(scopes), rows, self.evaluation, self.encoder)
        return {v.entity: v for v in done}

    def texts(self, layout: Any, fields: Mapping[str, str], field: Callable[[str], Any]) -> dict[str, Any] | str:
        """Each leaf's observed value, bound and gap columns as SQL over its figure's field
        (``field(name)``: the entity's column), or why they cannot be."""
        from clausewise.columnar.texts import OPS, leaf_texts

        compiled, constants = self.policy.figures.compiled, self.evaluation.constants()
        columns: dict[str, Any] = {}
        for node_id in layout.leaves:
            leaf = compiled[node_id]
            first, second = leaf.figures
            constant = constants[second if first in fields else first]
            if leaf.op not in OPS or type(constant.value) is not int or constant.missing is not None:
                return f"condition {node_id} is not a comparison of whole numbers"
            figure = first if first in fields else second
            made = leaf_texts(leaf.op, field(fields[figure]), constant.value, figure == first)
            columns.update((f"{node_id}.{suffix}", text) for suffix, text in zip(("observed", "bound", "gap"), made))
        return columns


def _write(sink: VerdictSink, table: Any) -> None:
    """Append records (an Arrow table of text columns) to the sink in its format."""
    layout = sink.layout
    assert layout is not None
    if sink.kind == ".parquet":
        import pyarrow as pa

        schema = pa.schema([(c, pa.string()) for c in layout.columns])
        sink.write(table if table.schema == schema else table.cast(schema))  # a cast imports pyarrow.compute
        return
    from clausewise.report.records import csv_bytes

    rows = [list(r) for r in zip(*(c.to_pylist() for c in table.columns))]
    sink.write(csv_bytes(rows) if sink.kind == ".csv" else layout.json_lines(rows))
