"""DuckDB, embedded: the lowered aggregates of a policy measured in one pass each over the rows.

The rows are the validated rows of :mod:`clausewise.data` (what the Python evaluator reads),
handed to DuckDB as Arrow tables with exact column types: whole numbers as BIGINT (DECIMAL(38, 0)
beyond), decimals as DECIMAL(38, s) with the places each value was written with beside them,
dates as DATE. Sums come back as HUGEINT or DECIMAL, never as floating point; an average is
the exact sum divided by the count in Python's Decimal, as the evaluator does.

:class:`ColumnarEvaluator` is the Python evaluator with one change: an aggregate that was
lowered takes its value from the query's result (the windows it shows are still computed by the
evaluator), and every other aggregate, or a value the result cannot give exactly, is measured
in Python.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from decimal import Context, Decimal, Inexact
from typing import Any, Collection, Mapping

import duckdb
import pyarrow as pa

from clausewise.columnar.connection import connect
from clausewise.columnar.fuse import Fused, fuse, shared_islands, split
from clausewise.columnar.items import ItemsLowered, count_items, summarized, summary
from clausewise.columnar.sql import SCALE, Unsupported
from clausewise.columnar.lower import Lowered, Lowering
from clausewise.evaluate.figuretable import FigurePlan, FigureProducer, figure_plan
from clausewise.evaluate.measure import Data, Evaluator, Missing, Scope
from clausewise.language.diagnostics import ClausewiseError
from clausewise.values.valuetypes import INTEGRAL_UNITS, Month, TableSchema, is_decimal_unit

_INT64 = 2**63
_EXACT = Context(prec=28, traps=[Inexact])  # the evaluator's precision; a sum needing more falls back
_FALLBACK = object()


def arrow_table(schema: TableSchema, rows: list[dict]) -> pa.Table:
    """The rows as an Arrow table with exact types (see the module docstring)."""
    columns: dict[str, pa.Array] = {}
    for f in schema.fields:
        values = [r.get(f.name) for r in rows]
        kind = f.type.kind
        if f.type.is_list or kind == "month":
            continue  # not read by any lowered query
        if kind in INTEGRAL_UNITS:
            if all(v is None or -_INT64 <= v < _INT64 for v in values):
                columns[f.name] = pa.array(values, pa.int64())
            else:
                columns[f.name] = pa.array([None if v is None else Decimal(v) for v in values], pa.decimal128(38, 0))
        elif is_decimal_unit(kind):
            scales = [None if v is None else max(-v.as_tuple().exponent, 0) for v in values]
            top = max((s for s in scales if s is not None), default=0)
            columns[f.name] = pa.array(values, pa.decimal128(38, top))
            columns[SCALE + f.name] = pa.array(scales, pa.int32())
        elif kind == "date":
            columns[f.name] = pa.array(values, pa.date32())
        elif kind == "bool":
            columns[f.name] = pa.array(values, pa.bool_())
        elif kind in ("string", "enum"):
            columns[f.name] = pa.array([None if v is None else str(v) for v in values], pa.string())
    return pa.table(columns) if columns else pa.table({"\0": pa.array([None] * len(rows), pa.null())})


def run(lowered: Mapping[int, Any], tables: Mapping[str, list[dict]], schemas: Mapping[str, TableSchema],
        dialect: str = "duckdb", con: duckdb.DuckDBPyConnection | None = None, present: Collection[str] = (),
        bounds: Mapping[int, Any] | None = None) -> tuple[dict[int, Any], dict[int, str]]:
    """Every lowered query's rows by key; the queries DuckDB refused, with its message.
    ``present``: tables already in ``con`` (read by DuckDB itself); the others are handed over
    from ``tables``. ``bounds``: per count of items, :func:`~clausewise.columnar.items.item_bounds`
    (its items are then decided in SQL, see :func:`_items`)."""
    bounds = bounds or {}
    with connect() if con is None else contextlib.nullcontext(con) as con:
        needed = sorted(({t for low in lowered.values() for t in (*low.tables, *getattr(low, "filter_tables", ()))}
                         | {b.target for b in bounds.values()}) - set(present))
        broken: dict[str, str] = {}
        for name in needed:
            try:
                con.register(name, arrow_table(schemas[name], list(tables.get(name, ()))))
            except (pa.ArrowException, ValueError, OverflowError) as error:  # a value beyond the exact types
                broken[name] = str(error).splitlines()[0] if str(error) else type(error).__name__
        results: dict[int, Any] = {}
        refused: dict[int, str] = {}
        runnable = {}
        for key, low in lowered.items():
            bad = [t for t in low.tables if t in broken]
            if bad:
                refused[key] = f"table {bad[0]} has values beyond the exact column types: {broken[bad[0]]}"
            else:
                runnable[key] = low
        fused, alone = fuse({k: low.query for k, low in runnable.items() if not isinstance(low, ItemsLowered)})
        alone.update({k: low.query for k, low in runnable.items() if isinstance(low, ItemsLowered)})
        fused, alone = _islands_once(con, fused, alone, dialect)
        for group in fused:  # queries over the same rows in one pass; one by one if the fused query fails
            try:
                for key, rows in split(group, _fetch(con, group.query, dialect)).items():
                    results[key] = keyed(runnable[key], rows)
            except duckdb.Error:
                alone.update({k: runnable[k].query for k in group.members})
        for key in sorted(alone, key=list(runnable).index):
            low = runnable[key]
            try:
                if isinstance(low, ItemsLowered):  # by entity, then by item; and an empty month's value
                    results[key] = _items(con, low, alone[key], bounds.get(key), dialect, schemas)
                    continue
                results[key] = keyed(low, _fetch(con, alone[key], dialect))
            except duckdb.Error as error:  # e.g. an overflow: measured in Python instead
                refused[key] = str(error).splitlines()[0]
        for key, low in runnable.items():
            if key in results and getattr(low, "filter_query", None) is not None \
                    and not any(t in broken for t in low.filter_tables):
                _decide_filters(con, low, results[key], dialect)
        return results, refused


def _decide_filters(con: duckdb.DuckDBPyConnection, low: Lowered, by_entity: dict[Any, dict], dialect: str) -> None:
    """Each item row of a per-item filter's result gets ``f``, its filter decided in SQL
    (:mod:`clausewise.columnar.itemfilter`); if DuckDB refuses the query, every filter is measured in Python."""
    try:
        decided = _fetch(con, low.filter_query, dialect)
    except duckdb.Error:
        return
    for r in decided:
        row = by_entity.get(r["k"], {}).get(r["item"])
        if row is not None:
            row["f"] = r["f"]


def _items(con: duckdb.DuckDBPyConnection, low: ItemsLowered, query: Any, bounds: Any, dialect: str,
           schemas: Mapping[str, TableSchema]) -> dict[str, Any]:
    """A count of items' result: the monthly value of a month without rows (``zero``), and either
    each entity's summary (``entities``, with the ``bounds``, when they are given and SQL can run
    it; ``rows`` then only if an entity must be walked in Python) or the rows by entity and item."""
    (zero,) = con.execute(low.zero.sql(dialect)).fetchall()[0]
    out: dict[str, Any] = {"zero": int(zero), "rows": None, "entities": None, "bounds": bounds}
    if bounds is not None:
        try:
            summed = _fetch(con, summary(low, query, int(zero), bounds), dialect)
        except (duckdb.Error, Unsupported):
            pass
        else:
            out["entities"] = {r["k"]: r for r in summed}
            if all(r["cls"] != "p" for r in summed):
                return out
    by_entity: dict[Any, dict] = {}
    for r in _fetch(con, query, dialect):
        by_entity.setdefault(r["k"], {})[r["item"]] = r
    out["rows"] = by_entity
    return out


def _islands_once(con: duckdb.DuckDBPyConnection, fused: list[Fused], alone: dict[int, Any], dialect: str
                  ) -> tuple[list[Fused], dict[int, Any]]:
    """The queries with the islands they share made once (:func:`shared_islands`); as given if
    DuckDB refuses to make them."""
    queries = {("fused", i): g.query for i, g in enumerate(fused)} | {("alone", k): q for k, q in alone.items()}
    made, rewritten = shared_islands(queries)
    if not made:
        return fused, alone
    try:
        for statement in made:
            con.execute(statement.sql(dialect)).fetchall()
    except duckdb.Error:
        return fused, alone
    return ([dataclasses.replace(g, query=rewritten[("fused", i)]) for i, g in enumerate(fused)],
            {k: rewritten[("alone", k)] for k in alone})


def _fetch(con: duckdb.DuckDBPyConnection, query: Any, dialect: str) -> list[dict]:
    cursor = con.execute(query.sql(dialect))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def keyed(low: Lowered, rows: list[dict]) -> dict[Any, Any]:
    """A query's rows by :func:`result_key`; with a filter measured per item, by entity and then by item."""
    if low.item_filter is None:
        return {result_key(low, r["k"], r.get("dim"), r.get("u")): r for r in rows}
    by_entity: dict[Any, dict] = {}
    for r in rows:
        by_entity.setdefault(r["k"], {})[r["item"]] = r
    return by_entity


def result_key(low: Lowered, key: Any, dimension: Any, unit: Any) -> Any:
    """A result's key: the entity's key (or subject value), with the 'for each' value and the unit."""
    if low.by_dimension:
        key = (key, dimension)
    return (key, unit) if low.unit_var is not None else key


def value_of(low: Lowered, row: dict | None) -> Any:
    """The evaluator's value of a lowered aggregate from its query row (None: no rows), or
    _FALLBACK when the result cannot give it exactly."""
    if row is None:
        if low.fn in ("count", "sum"):
            return 0
        return Missing((f"no {low.table} rows to take the {low.fn} of",))
    if low.fn == "count":
        return int(row["v"])
    if row.get("c") is not None and row["c"] != row["all_rows"]:
        text = low.target_text
        return Missing((f"{text} is empty in a row counted here",) if not text.endswith(":") else
                       (f"{text} a value is empty in a row counted here",))
    if low.fn in ("min", "max"):
        v = row["v"]
        return v if isinstance(v, dt.date) else int(v)
    total: Any = row["v"]
    if low.decimal:
        try:
            total = Decimal(total).quantize(Decimal(1).scaleb(-int(row["scale"] or 0)), context=_EXACT)
        except ArithmeticError:
            return _FALLBACK
    else:
        total = int(total)
    if low.fn == "sum":
        return total
    return Decimal(total) / Decimal(int(row["c"]))


class ColumnarEvaluator(Evaluator):
    """The Python evaluator, whose lowered aggregates read the columnar engine's results."""

    def __init__(self, checked, data: Data, params: dict[str, Any], as_of: dt.date, convention: str,
                 lowered: Mapping[int, Any], results: Mapping[int, Any], scanned: Collection[str] = ()):
        super().__init__(checked, data, params, as_of, convention)
        self.lowered = {k: v for k, v in lowered.items() if k in results}
        self.results = results
        #: tables DuckDB read itself: no Python rows, so no Python fallback may read them
        self.scanned = set(scanned)
        #: per lowered count of items: its bounds by the values of the item fields they read (items.py)
        self.item_bounds: dict[int, dict] = {}

    def aggregate(self, node, scope: Scope) -> Any:
        low = self.lowered.get(node.nid)
        if low is None or scope.item is not None or (
                isinstance(low, ItemsLowered) or not low.by_entity) and scope.subject is not scope.entity:
            return self._in_python(node, low, scope)
        if isinstance(low, ItemsLowered):
            result = self.results[node.nid]
            if result.get("entities") is not None:
                value = summarized(self, low, result, scope)
                if value is not None:
                    return value
            return count_items(self, low, result["rows"].get(self.entity_key(scope), {}), result["zero"], scope,
                               self.item_bounds.setdefault(node.nid, {}))
        mark = len(self.windows_used)
        if node.during is not None:  # the windows it shows, exactly as the row path records them
            window = self.as_window(self.eval(node.during, scope))
            if window is None or isinstance(window, Missing):
                return window
            self.windows_used.append((node.during, window))
        if low.item_filter is not None:
            return self._per_item(node, low, scope)
        unit = None
        if low.unit_var is not None:
            unit = scope.vars.get(low.unit_var)
            unit = unit.first_day if isinstance(unit, Month) else unit
        key = result_key(low, self.entity_key(scope) if low.by_entity else (scope.subject or {}).get(low.subject_field),
                   scope.entity.get(self.c.dimension) if low.by_dimension else None, unit)
        row = self.results[node.nid].get(key)
        value = value_of(low, row if row is None or row.get("seen") is None or row["n"] else None)
        if row is not None and row.get("seen") and low.where_windows:
            self.windows_used.extend(low.where_windows)
        if value is _FALLBACK:
            del self.windows_used[mark:]
            return self._in_python(node, low, scope)
        return value

    def _per_item(self, node, low: Lowered, scope: Scope) -> Any:
        """A sum or count whose filter reads only the related item (:meth:`Lowering.item_filter`):
        the query's value per item, added up over the items whose filter holds. As the row path,
        the items are walked in the evaluator's order, the filter measured only for an item with
        rows (once, not once per row: it reads nothing else of a row; not at all when SQL decided
        it), and the first unknown filter or empty value counted is the value."""
        by_item = self.results[node.nid].get(self.entity_key(scope))
        if not by_item:
            return 0
        total = 0
        for item in self.relation_items(low.relation, scope):  # type: ignore[arg-type]
            row = by_item.get(item.key)
            if row is None or not row["n"]:
                continue
            verdict = row.get("f")  # decided in SQL; None: unknown there, or not decided
            if verdict is None:
                subject = {low.item_field: item.key}  # all the filter reads of a row: its link to the item
                mark = len(self.windows_used)
                verdict = self.truth(low.item_filter, Scope(scope.entity, low.table, subject, item, scope.vars, subject))
                if isinstance(verdict, Missing):
                    return verdict
                if not verdict:
                    self.forget_row_windows(mark, None)
            if not verdict:
                continue
            value = value_of(low, row)
            if isinstance(value, Missing):
                return value
            total += value
        return total

    def _in_python(self, node, low: Any, scope: Scope) -> Any:
        """The aggregate measured by the Python evaluator, which needs the rows of its tables."""
        if low is not None and set(low.tables) & self.scanned:
            raise ClausewiseError.simple("<evaluation>", f"the columnar engine cannot measure a {node.fn} over "
                                         f"{', '.join(sorted(set(low.tables) & self.scanned))} exactly here "
                                         f"(line {node.span.line})", "evaluate with --engine python")
        return super().aggregate(node, scope)


def columnar_evaluator(checked, plan: FigurePlan, tables: Mapping[str, list[dict]], params: dict[str, Any],
                       as_of: dt.date, convention: str, text) -> tuple[ColumnarEvaluator, dict[str, str]]:
    """An evaluator whose aggregates of the plan's figures that can be lowered are measured by
    DuckDB over ``tables``; and, by aggregate text, why the others are measured in Python."""
    data = Data(dict(tables))
    lowering = Lowering(checked, Evaluator(checked, data, params, as_of, convention))
    lowered, refused = lowering.aggregates(plan)
    results, failed = run(lowered, tables, checked.tables)
    ev = ColumnarEvaluator(checked, data, params, as_of, convention, lowered, results)
    why = {text(lowered[k].node): f"not run: {m}" for k, m in failed.items()}
    why.update({text(node): m for node, m in refused.values()})
    return ev, why


def duckdb_producer(checked, plan: FigurePlan, tables: Mapping[str, list[dict]], params: dict[str, Any],
                    as_of: dt.date, convention: str, text) -> tuple[FigureProducer, dict[str, str]]:
    """A figure producer whose lowered aggregates are measured by DuckDB (see :func:`columnar_evaluator`)."""
    ev, why = columnar_evaluator(checked, plan, tables, params, as_of, convention, text)
    return FigureProducer(plan, ev, text), why


def for_policy(checked, leaves: list[tuple[str, Any]], tables: Mapping[str, list[dict]], params: dict[str, Any],
               as_of: dt.date, convention: str, text) -> tuple[ColumnarEvaluator, dict[str, str]]:
    """:func:`columnar_evaluator` for a plan's leaves (id, condition)."""
    return columnar_evaluator(checked, figure_plan(checked, leaves, text), tables, params, as_of, convention, text)
