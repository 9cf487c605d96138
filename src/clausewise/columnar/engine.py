"""One evaluation on DuckDB: lower the figures, read the tables only SQL needs in DuckDB,
measure, and hand the engine an evaluator.

:func:`prepare` lowers the plan's aggregates before any data is read (they need only the
parameters and the as-of day) and finds the tables no Python code reads: tables read only
inside lowered aggregates. Those CSV and Parquet files are read and validated by DuckDB
(:mod:`clausewise.columnar.scan`); every other table is read by the Python reader as before
(for a few named entities, explain, its rows validated when looked up, :mod:`clausewise.data.lazy`:
SQL reads those of them the entities need, :func:`clausewise.columnar.pushdown.needed_rows`).
:meth:`Prepared.evaluator` then runs the queries and returns the evaluator; it adds the
DuckDB-read tables to the loaded ones, for the accounting (rows read, used, rejected).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, MutableMapping, Sequence


from clausewise.columnar.connection import connect
from clausewise.columnar.duck import ColumnarEvaluator, run
from clausewise.columnar.items import ItemsLowered, item_bounds
from clausewise.columnar.lower import Lowering
from clausewise.columnar.pushdown import entity_rows, needed_rows
from clausewise.columnar.scan import scan_file
from clausewise.data import files as datafiles
from clausewise.evaluate.figuretable import FigurePlan, figure_plan
from clausewise.evaluate.measure import Data, Evaluator
from clausewise.language import syntax
from clausewise.language.diagnostics import ClausewiseError
from clausewise.language.refs import AtRef, LetRef, LookupRef, RelationRef, RowsRef, TableRef


@dataclass
class Prepared:
    checked: Any
    plan: FigurePlan
    params: dict[str, Any]
    as_of: dt.date
    convention: str
    text: Callable[[Any], str]
    lowered: dict[int, Any]
    refused: dict[int, tuple[Any, str]]
    #: table -> CSV file, for the tables DuckDB reads itself (the Python reader skips them)
    scan: dict[str, Path] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)
    backend: str = "duckdb"  # or "spark": the same queries through pyspark
    #: the entities evaluated, when only a few are (explain): DuckDB reads only their rows
    entities: tuple[str, ...] | None = None

    @property
    def skip(self) -> set[str]:
        return set(self.scan)

    def evaluator(self, tables: MutableMapping[str, Any]) -> ColumnarEvaluator:
        """Read the skipped tables in DuckDB (adding them to ``tables``), run the queries, and
        return the evaluator; a table DuckDB cannot read as the reader does is read by the reader."""
        c = self.checked
        if self.backend == "spark":
            from clausewise.columnar.spark import spark_evaluator  # pyspark is imported only when it is used

            return spark_evaluator(self, tables)
        with connect() as con:
            scanned: set[str] = set()
            entity = tables[c.entity_table]
            key = c.tables[c.entity_table].key
            known = (c.entity_table, key[0], {row[key[0]] for row in entity.rows}) if len(key) == 1 else None
            for name, path in sorted(self.scan.items()):
                spans = sorted({(r.start_field, r.end_field) for r in c.relations.values()
                                if r.via == name and r.start_field and r.end_field})
                keep = entity_rows(c, self.lowered, name, tables, self.entities) if self.entities is not None else None
                table = scan_file(con, path, c.tables[name], known, spans, keep)
                if table is None:  # read as the reader reads it, and its rows checked as Policy.load_data does
                    tables[name] = datafiles.load_table(path, c.tables[name])
                    datafiles.reject_unknown_entities({c.entity_table: entity, name: tables[name]}, c.entity_table)
                    datafiles.reject_reversed_spans(tables, [(name, start, end) for start, end in spans])
                else:
                    tables[name] = table
                    scanned.add(name)
            # a table the reader validates lazily (explain): Python looks its rows up, SQL reads the rows needed
            rows = {n: t if hasattr(t, "by_field") else t.rows for n, t in tables.items() if n not in scanned}
            read = {**rows, **needed_rows(c, self.lowered, tables, self.entities)} if self.entities is not None else rows
            measuring = Evaluator(c, Data(dict(read)), self.params, self.as_of, self.convention)
            bounds = {k: b for k, low in self.lowered.items() if isinstance(low, ItemsLowered)
                      and (b := item_bounds(measuring, low)) is not None}
            results, failed = run(self.lowered, read, c.tables, con=con, present=scanned, bounds=bounds)
        for k, message in failed.items():
            low = self.lowered[k]
            if set(low.tables) & scanned:
                raise ClausewiseError.simple("<evaluation>", f"DuckDB could not measure {self.text(low.node)}: {message}",
                                             "evaluate with --engine python")
            self.why[self.text(low.node)] = f"not run: {message}"
        return ColumnarEvaluator(c, Data(dict(rows)), self.params, self.as_of, self.convention, self.lowered, results,
                                 scanned=scanned)


def prepare(checked, leaves: list[tuple[str, Any]], params: dict[str, Any], as_of: dt.date, convention: str,
            text: Callable[[Any], str], data: Any, backend: str = "duckdb", entities: Sequence[str] | None = None
            ) -> Prepared:
    """Lower the figures of the given leaves; with data given as files, find the CSV files of
    tables only lowered queries read (on DuckDB: on Spark every table comes from the reader).
    ``entities``: the only entities evaluated (DuckDB then reads only the rows they need)."""
    plan = figure_plan(checked, leaves, text)
    lowering = Lowering(checked, Evaluator(checked, Data({}), params, as_of, convention))
    lowered, refused = lowering.aggregates(plan)
    prepared = Prepared(checked, plan, params, as_of, convention, text, lowered, refused,
                        why={text(node): m for node, m in refused.values()}, backend=backend,
                        entities=None if entities is None else tuple(entities))
    if isinstance(data, Mapping) or backend != "duckdb":
        return prepared
    paths = [data] if isinstance(data, (str, Path)) else list(data)
    files = datafiles.find_table_files(paths, checked.tables)
    needed = python_tables(checked, lowered)
    queried = {n for low in lowered.values() for n in low.tables}
    prepared.scan = {n: Path(f) for n, f in files.items()
                     if n not in needed and n in queried and Path(f).suffix in (".csv", ".parquet", ".jsonl", ".ndjson")}
    return prepared


def python_tables(checked, lowered: Mapping[int, Any]) -> set[str]:
    """The tables Python code may read: every table named outside the lowered aggregates (and
    the relation a lowered count of items walks in Python), and the entity table."""
    needed = {checked.entity_table}
    seen: set[int] = set()

    def related(name: str) -> None:
        rel = checked.relations[name]
        needed.update((rel.via, rel.target))

    def walk(node: Any) -> None:
        if not isinstance(node, syntax.Node) or node.nid in seen:
            return
        seen.add(node.nid)
        low = lowered.get(node.nid)
        if isinstance(low, ItemsLowered):
            related(low.relation)
            walk(low.bound)
            walk(low.quantifier.window)
            return
        if low is not None:
            walk(getattr(node, "during", None))  # the windows it shows are computed in Python
            if low.item_filter is not None:  # measured per item in Python
                related(low.relation)
                walk(low.item_filter)
            return
        match checked.refs.get(node.nid):
            case TableRef(table) | LookupRef(table) | AtRef(table) | RowsRef(table):
                needed.add(table)
            case RelationRef(name):
                related(name)
            case LetRef(name):
                walk(checked.lets[name].expr)
        for child in syntax.children(node):
            walk(child)

    for rule in checked.rules.values():
        walk(rule.body)
    for decide in checked.decides.values():
        for clause in decide.clauses:
            walk(clause.value)
            walk(clause.when)
    for let in checked.lets.values():
        walk(let.expr)
    walk(checked.header.compliant)
    return needed
