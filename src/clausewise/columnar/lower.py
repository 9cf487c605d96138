"""Aggregates over rows lowered to SQL (one SELECT per aggregate, grouped by its key).

An aggregate is lowered when it reads one table's rows for the entity (``T.f`` joined on the
entity's field) or for the items of a relation (``over bound_shops``: the relation's spans
merged into disjoint islands per entity and item, rows counted on the days inside an island,
exactly once), within a window that reads no data, with a filter of row fields and constants,
summing, counting or taking the average, minimum or maximum of a field or of whole-number
arithmetic on fields. Anything else raises :class:`~clausewise.columnar.sql.Unsupported` and
the aggregate is measured by the Python evaluator, so no value is ever guessed.

Each query returns, per key: ``n`` the rows counted, ``v`` the aggregate, ``nulls`` the rows
whose value is empty (a missing value, not a zero), ``c`` the values counted (for averages),
``scale`` the most decimal places written in a summed decimal column (Python's exact sum keeps
them: 1.50 + 2.25 is 3.75, 1.50 + 2.50 is 4.00).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from clausewise.columnar.itemfilter import filter_query
from clausewise.columnar.sql import ISLANDS_CTE, SCALE, Unsupported, col, decimal_type, ident, literal, template
from clausewise.evaluate.figuretable import FigurePlan, is_constant, uses_var
from clausewise.evaluate.measure import Evaluator, Missing, Scope
from clausewise.language import syntax
from clausewise.language.refs import (
    EntityFieldRef,
    ItemsRef,
    LetRef,
    RelationRef,
    RowFieldRef,
    RowsRef,
    RowVarFieldRef,
    TableRef,
    VarRef,
)
from clausewise.values.calendar import Window
from clausewise.values.valuetypes import INTEGRAL_UNITS, is_decimal_unit


_ISLANDS = ISLANDS_CTE + """
SELECT i.e AS k FROM :table AS r JOIN islands AS i
  ON r.:tfield = i.k AND r.:time >= i.s AND (i.t IS NULL OR r.:time < i.t)
WHERE :cond GROUP BY i.e
"""
_ITEMS = """
SELECT i.e AS k FROM :table AS r JOIN (SELECT DISTINCT b.:from_f AS e, b.:to_f AS k FROM :via AS b) AS i
  ON r.:tfield = i.k
WHERE :cond GROUP BY i.e
"""
_OPEN = """
SELECT i.e AS k FROM :table AS r
  JOIN (SELECT b.:from_f AS e, b.:to_f AS k, MIN(b.:start_f) AS s FROM :via AS b GROUP BY b.:from_f, b.:to_f) AS i
  ON r.:tfield = i.k AND r.:time >= i.s
WHERE :cond GROUP BY i.e
"""
_SUBJECT_ENTITY = """
SELECT e.:key AS k FROM :table AS r JOIN :entity AS e ON r.:tfield = e.:sfield WHERE :cond GROUP BY e.:key
"""
_SUBJECT = "SELECT r.:tfield AS k FROM :table AS r WHERE :cond GROUP BY r.:tfield"


@dataclass(frozen=True)
class Lowered:
    """One aggregate as SQL: its rows are found by the entity's key (``by_entity``: the
    relation's subject) or by the subject field's value."""

    node: syntax.Aggregate
    table: str
    fn: str
    by_entity: bool
    subject_field: str | None  # the entity's field whose value the rows are found by
    decimal: bool  # the summed values are decimals (rebuild their places from 'scale')
    target_text: str  # for the reason of an empty value: 'shop_daily.paid_orders' or 'shop_daily:'
    query: exp.Expr
    tables: tuple[str, ...]  # every table the query reads
    #: the windows its filter shows (node, window), shown when a row was filtered ('seen' > 0)
    where_windows: tuple[tuple[Any, Any], ...] = ()
    #: the result is by entity key and 'for each' value (the query reads that value)
    by_dimension: bool = False
    #: 'during m' of a quantifier's month or day m: the result is by month (first day) or day too
    unit_var: str | None = None
    #: a filter that reads nothing of the row but its related item (:meth:`Lowering.item_filter`):
    #: the result is by entity and item, and the filter is measured once per item in Python
    item_filter: Any = None
    relation: str | None = None  # with ``item_filter``: the relation whose items the rows are of
    item_field: str | None = None  # with ``item_filter``: the row's field holding the item's key
    #: with ``item_filter``: the filter per entity and item in SQL (:mod:`clausewise.columnar.itemfilter`)
    #: and the tables it reads; None when every item's filter is measured in Python
    filter_query: Any = None
    filter_tables: tuple[str, ...] = ()


class Lowering:
    """Lowers the aggregates of a figure plan; constants are measured with ``ev``."""

    def __init__(self, checked, ev: Evaluator):
        self.c, self.ev = checked, ev
        self.scope = Scope({}, checked.entity_table, {})
        self.reads_entity = self.reads_dimension = False  # of the aggregate being lowered

    def constant(self, node: Any) -> Any:
        if not is_constant(self.c, node):
            raise Unsupported("reads data")
        value = self.ev.eval(node, self.scope)
        if isinstance(value, Missing) or value is None:
            raise Unsupported("a constant that is missing or none")
        return value

    def aggregates(self, plan: FigurePlan) -> tuple[dict[int, Lowered], dict[int, tuple[syntax.Aggregate, str]]]:
        """Every aggregate the plan's figures read at their top level (by node id): lowered, or
        the node and why not."""
        lowered: dict[int, Lowered] = {}
        refused: dict[int, tuple[syntax.Aggregate, str]] = {}
        seen: set[int] = set()

        def walk(node: Any, unit: tuple[str, str] | None = None) -> None:
            if not isinstance(node, syntax.Node) or node.nid in seen:
                return
            seen.add(node.nid)
            if isinstance(node, syntax.Aggregate):
                try:
                    lowered[node.nid] = self.aggregate(node, unit)
                except Unsupported as why:
                    refused[node.nid] = (node, str(why))
                return
            if isinstance(node, (syntax.Quantified, syntax.CountUnits, syntax.FirstDay, syntax.TopN)):
                return  # their aggregates depend on the month, day or row they walk through
            if isinstance(node, (syntax.Name, syntax.Attr)):
                ref = self.c.refs.get(node.nid)
                if isinstance(ref, LetRef):
                    walk(self.c.lets[ref.name].expr)
            for child in syntax.children(node):
                walk(child, unit)

        for f in plan.figures.values():
            if f.role in ("value", "window"):
                walk(f.node)
            elif f.role == "units" and f.var and f.unit_kind:
                walk(f.node, (f.var, f.unit_kind))
        return lowered, refused

    # ---- one aggregate -------------------------------------------------------------------------------
    def aggregate(self, node: syntax.Aggregate, unit: tuple[str, str] | None = None) -> Lowered:
        """One aggregate as a query; ``unit``: (variable, month|day) of the quantifier around it,
        when its window is that month or day (``during m``)."""
        c = self.c
        ref = c.refs.get(node.nid)
        if isinstance(ref, ItemsRef) and unit is None:
            from clausewise.columnar.items import lower_items

            return lower_items(self, node)  # type: ignore[return-value]
        if not isinstance(ref, RowsRef) or node.binder:
            raise Unsupported("an aggregate over items or with a bound name")
        table, (tfield, sfield) = ref.table, ref.link
        schema = c.tables[table]
        time_field = schema.time_field
        if time_field is not None and schema.field(time_field).type.kind != "date":
            raise Unsupported("rows by month")
        self.reads_entity = self.reads_dimension = False
        in_window: list[exp.Expr] = []
        by_unit = None
        if unit is not None:
            var = unit[0]
            during = node.during
            if not (isinstance(during, syntax.Name) and isinstance(c.refs.get(during.nid), VarRef) and during.name == var):
                raise Unsupported(f"an aggregate in a quantifier whose window is not the {unit[1]} {var}")
            if time_field is None or any(uses_var(c, part, var) for part in (node.target, node.where, node.over) if part):
                raise Unsupported(f"an aggregate that reads {var} beyond its window")
            day = col("r", time_field)
            by_unit = exp.cast(exp.DateTrunc(this=day, unit=exp.Literal.string("MONTH")), "DATE") if unit[1] == "month" else day
        elif node.during is not None:
            if time_field is None:
                raise Unsupported("a window over a table without days")
            start, end = self.window(node.during)
            in_window += [col("r", time_field) >= start, col("r", time_field) <= end]
        item_filter, reads = None, (self.reads_entity, self.reads_dimension)
        try:
            where = [self.cond(node.where, table)] if node.where is not None else []
        except Unsupported:
            if unit is not None or not self.item_filter(node, tfield):
                raise
            self.reads_entity, self.reads_dimension = reads  # as before the filter was tried
            item_filter, where = node.where, []
        # windows the filter shows (a named window in it) are shown once a row was filtered
        where_windows = self.windows_of(lambda: self.ev.truth(node.where, self.row_scope(table))) if where else []
        counts_rows = isinstance(node.target, syntax.Name) and isinstance(c.refs.get(node.target.nid), TableRef)
        if not isinstance(node.target, syntax.Attr) and not counts_rows and self.windows_of(
                lambda: self.ev.eval(node.target, self.row_scope(table))):
            raise Unsupported("a row value that shows a window")
        if where_windows and unit is not None:
            raise Unsupported("a filter that shows a window, by month or day")
        if not where_windows:  # filter in WHERE
            conds, filt = in_window + where, None
        elif node.over is None:  # the row path filters every row of the subject, then takes the window's
            conds, filt = [], exp.and_(*(in_window + where))
        else:  # the relation's rows are taken in the window and filtered
            conds, filt = in_window, exp.and_(*where)
        aggs, decimal, target_text = self.measures(node, table, filt)  # type: ignore[arg-type]
        if filt is not None:
            aggs.append(exp.alias_(exp.Count(this=exp.Star()), "seen"))
        cond = exp.and_(*conds) if conds else exp.true()
        parts = dict(table=table, tfield=tfield, cond=cond)
        entity = c.entity_table
        key = c.tables[entity].key[0]
        if node.over is None:
            if self.reads_entity:  # the subject's rows beside its entity row, by entity
                query = template(_SUBJECT_ENTITY, entity=entity, key=key, sfield=sfield, **parts)
            else:
                query = template(_SUBJECT, **parts)
            query = self.by_unit(self.by_dimension(query), by_unit).select(*aggs)
            return Lowered(node, table, node.fn, self.reads_entity, sfield, decimal, target_text, query,
                           (table, entity) if self.reads_entity else (table,), tuple(where_windows), self.reads_dimension,
                           unit[0] if unit else None)
        over = c.refs.get(node.over.nid)
        if not isinstance(node.over, syntax.Name) or not isinstance(over, RelationRef):
            raise Unsupported("over something other than a relation")
        rel = c.relations[over.name]
        target = c.tables[rel.target]
        if not target.key or sfield != target.key[0]:
            raise Unsupported("rows found by a field other than the related item's key")
        via = c.tables[rel.via]
        parts.update(via=rel.via, from_f=rel.from_field, to_f=rel.to_field)
        if rel.start_field and time_field:
            if via.field(rel.start_field).optional:
                raise Unsupported("a relation whose start may be empty")
            if rel.end_field:
                query = template(_ISLANDS, time=time_field, start_f=rel.start_field, end_f=rel.end_field, **parts)
            else:  # no end: related from the first start on
                query = template(_OPEN, time=time_field, start_f=rel.start_field, **parts)
        else:
            query = template(_ITEMS, **parts)
        if self.reads_entity:
            query = query.join(exp.alias_(exp.Table(this=ident(entity)), "e"), on=exp.EQ(this=col("e", key), expression=col("i", "e")))
        per_item: dict[str, Any] = {}
        if item_filter is not None:
            if node.fn not in ("sum", "count") or node.distinct or decimal or self.reads_dimension:
                raise Unsupported("a filter measured per item, of an aggregate other than a sum or count of whole numbers")
            query = query.select(exp.alias_(col("i", "k"), "item")).group_by(col("i", "k"))
            per_item = dict(item_filter=item_filter, relation=over.name, item_field=tfield)
            try:
                per_item["filter_query"], per_item["filter_tables"] = filter_query(
                    self, node, rel.via, rel.from_field, rel.to_field, tfield)
            except Unsupported:
                pass  # every item's filter is measured in Python
        query = self.by_unit(self.by_dimension(query), by_unit).select(*aggs)
        return Lowered(node, table, node.fn, True, None, decimal, target_text, query,
                       (table, rel.via, entity) if self.reads_entity else (table, rel.via), tuple(where_windows),
                       self.reads_dimension, unit[0] if unit else None, **per_item)

    def item_filter(self, node: syntax.Aggregate, tfield: str) -> bool:
        """Whether the filter of an aggregate over a relation's items reads nothing of the row but
        the item: constants, the entity's fields, and aggregates (without ``over`` or a quantifier)
        of rows found by the row's ``tfield``, the item's key (RENEW: count the shop's bindings to
        the provider). Such a filter has one value per item, which the evaluator measures once per
        item with rows (the row path measures it for each of the item's rows)."""
        c = self.c
        if node.over is None or node.where is None:
            return False

        def ok(n: Any, binder: str | None, inside: bool) -> bool:
            if not isinstance(n, syntax.Node) or is_constant(c, n):
                return True
            ref = c.refs.get(n.nid)
            if isinstance(n, syntax.Aggregate):
                if inside or n.over is not None or not isinstance(ref, RowsRef) or ref.link[1] != tfield or (
                        n.during is not None and not is_constant(c, n.during)):
                    return False
                return all(ok(part, n.binder, True) for part in (n.target, n.where) if part is not None)
            if isinstance(n, (syntax.Quantified, syntax.CountUnits, syntax.FirstDay, syntax.TopN)):
                return False
            match ref:
                case None:
                    pass
                case EntityFieldRef(name):
                    if name == c.dimension:
                        return False
                case RowFieldRef() | TableRef():
                    if not inside:
                        return False
                case VarRef(name) | RowVarFieldRef(var=name):
                    if not inside or name != binder:
                        return False
                case _:
                    return False
            return all(ok(child, binder, inside) for child in syntax.children(n))

        return ok(node.where, None, False)

    @staticmethod
    def by_unit(query: exp.Select, unit: exp.Expr | None) -> exp.Select:
        """By month (its first day) or day as well: a row per key and unit with rows."""
        if unit is None:
            return query
        return query.select(exp.alias_(unit, "u")).group_by(unit.copy())

    def by_dimension(self, query: exp.Select) -> exp.Select:
        """With 'for each NAME' read: a row per entity and value (the values as a VALUES list)."""
        if not self.reads_dimension:
            return query
        values = exp.values([(v,) for v in self.c.dimension_values], alias="d", columns=["v"])
        return query.join(values, join_type="cross").select(exp.alias_(col("d", "v"), "dim")).group_by(col("d", "v"))

    def window(self, node: Any) -> tuple[exp.Expr, exp.Expr]:
        """The first and last day of a window as SQL: a window that reads no data, or
        ``a .. b`` with each end a date that reads no data or a required date of the entity."""
        if is_constant(self.c, node):
            window = self.ev.as_window(self.constant(node))
            if not isinstance(window, Window):
                raise Unsupported("a window that is not a span of days")
            return literal(window.start), literal(window.end)
        if isinstance(node, syntax.Range):
            ends = []
            for side in (node.start, node.end):
                if is_constant(self.c, side):
                    day = self.constant(side)
                    if not isinstance(day, dt.date):
                        raise Unsupported("a window between months")
                    ends.append(literal(day))
                else:
                    ends.append(self.entity_field(side, date=True))
            return ends[0], ends[1]
        raise Unsupported("a window that reads data")

    def entity_field(self, node: Any, date: bool = False) -> exp.Expr:
        """A field of the entity (that cannot be empty) or the 'for each' value, as SQL."""
        ref = self.c.refs.get(node.nid)
        if not isinstance(ref, EntityFieldRef):
            raise Unsupported("a value read from data other than the row or the entity")
        if ref.name == self.c.dimension:
            self.reads_dimension = True
            return col("d", "v")
        schema = self.c.tables[self.c.entity_table].field(ref.name)
        if schema is None or schema.optional or schema.type.is_list or (date and schema.type.kind != "date") \
                or schema.type.kind == "month":
            raise Unsupported("an entity field that may be empty")
        self.reads_entity = True
        return col("e", ref.name)

    def measures(self, node: syntax.Aggregate, table: str, filt: exp.Expr | None
                 ) -> tuple[list[exp.Expr], bool, str]:
        """The aggregate columns (n, v, nulls, c, scale) of a query, over the rows ``filt`` keeps."""
        fn, target = node.fn, node.target

        def agg(e: exp.Expr, alias: str) -> exp.Expr:
            return exp.alias_(e if filt is None else exp.Filter(this=e, expression=exp.Where(this=filt)), alias)

        def rows() -> exp.Expr:
            return exp.Count(this=exp.Star())

        n = agg(rows(), "n")
        if isinstance(target, syntax.Name) and isinstance(self.c.refs.get(target.nid), TableRef):
            if fn != "count" or node.distinct:
                raise Unsupported("counting rows")
            return [n, agg(rows(), "v")], False, table
        value, kind, plain = self.row_value(target, table)
        decimal = is_decimal_unit(kind)
        if fn == "count":
            return [n, agg(exp.Count(this=exp.Distinct(expressions=[value]) if node.distinct else value), "v")], False, table
        if node.distinct:
            raise Unsupported(f"{fn}(distinct ...)")
        nulls = agg(rows(), "all_rows"), agg(exp.Count(this=value), "c")
        target_text = f"{table}.{target.name}" if isinstance(target, syntax.Attr) and plain else f"{table}:"
        if fn == "sum" or fn == "avg":
            cols = [n, agg(exp.Sum(this=value), "v"), *nulls]
            if decimal:
                if not plain:
                    raise Unsupported("arithmetic on decimals")
                assert isinstance(target, syntax.Attr)
                cols.append(agg(exp.Max(this=col("r", SCALE + target.name)), "scale"))
            return cols, decimal, target_text
        if fn in ("min", "max") and kind in INTEGRAL_UNITS | {"date"}:
            return [n, agg(exp.Min(this=value) if fn == "min" else exp.Max(this=value), "v"), *nulls], False, target_text
        raise Unsupported(f"{fn} of {kind} values")

    def row_scope(self, table: str) -> Scope:
        """A scope on an empty row: evaluating a filter in it runs every constant part of it."""
        return Scope({}, table, {}, None, {}, {})

    def windows_of(self, run) -> list[tuple[Any, Any]]:
        """The windows evaluating something records (constant parts only: the row is empty)."""
        self.ev.windows_used = []
        try:
            run()
        except Exception as error:  # a part that cannot run on an empty row: not lowered
            raise Unsupported(f"cannot trace the windows it shows ({type(error).__name__})") from None
        used, self.ev.windows_used = self.ev.windows_used, []
        return used

    def row_value(self, node: Any, table: str) -> tuple[exp.Expr, str | None, bool]:
        """A row's value as SQL, its kind, and whether it is a plain field (which may be empty)."""
        ref = self.c.refs.get(node.nid)
        if isinstance(node, syntax.Attr) and not isinstance(ref, RowFieldRef):
            schema = self.c.tables[table].field(node.name)
            return col("r", node.name), schema.type.kind, True
        return self.whole_number(node, table), "count", False

    def whole_number(self, node: Any, table: str) -> exp.Expr:
        """Whole-number arithmetic on required fields and constants (never empty)."""
        ref = self.c.refs.get(node.nid)
        match node:
            case syntax.Name() | syntax.Attr() if isinstance(ref, RowFieldRef):
                schema = self.c.tables[table].field(ref.name)
                if schema is None or schema.optional or schema.type.kind not in INTEGRAL_UNITS:
                    raise Unsupported("arithmetic on a field that may be empty or is not a whole number")
                return exp.cast(col("r", ref.name), decimal_type(0))
            case syntax.Arith(op=op, left=left, right=right) if op in ("+", "-", "*"):
                a, b = self.whole_number(left, table), self.whole_number(right, table)
                return exp.Paren(this={"+": exp.Add, "-": exp.Sub, "*": exp.Mul}[op](this=a, expression=b))
            case syntax.Neg(expr=inner):
                return exp.Neg(this=self.whole_number(inner, table))
            case syntax.IfExpr(cond=cond, then=then, orelse=orelse) if is_constant(self.c, cond):
                verdict = self.ev.truth(cond, self.scope)
                if isinstance(verdict, Missing):
                    raise Unsupported("a missing condition")
                return self.whole_number(then if verdict else orelse, table)
        value = self.constant(node)
        if not isinstance(value, int) or isinstance(value, bool):
            raise Unsupported("a value that is not a whole number")
        return literal(value)

    # ---- filters ---------------------------------------------------------------------------------------
    def cond(self, node: Any, table: str) -> exp.Expr:
        """A row filter as SQL. Only fields that cannot be empty are read, so SQL's two-valued
        logic is the language's three-valued one (no value is ever unknown here)."""
        if is_constant(self.c, node):
            verdict = self.ev.truth(node, self.scope)
            if isinstance(verdict, Missing):
                raise Unsupported("a missing condition")
            return exp.true() if verdict else exp.false()
        match node:
            case syntax.Group(kind=kind, entries=entries):
                parts = [self.cond(e.cond, table) for e in entries]
                if kind == "all":
                    return exp.Paren(this=exp.and_(*parts))
                if kind == "any":
                    return exp.Paren(this=exp.or_(*parts))
                if kind == "none":
                    return exp.Not(this=exp.Paren(this=exp.or_(*parts)))
            case syntax.Not(cond=inner):
                return exp.Not(this=exp.Paren(this=self.cond(inner, table)))
            case syntax.Compare(op=op, left=left, right=right):
                a, b = self.operand(left, table), self.operand(right, table)
                ops = {">=": exp.GTE, ">": exp.GT, "<=": exp.LTE, "<": exp.LT, "=": exp.EQ, "!=": exp.NEQ}
                return ops[op](this=a, expression=b)
            case syntax.Member(item=item, collection=coll, negated=negated) if is_constant(self.c, coll):
                container = self.constant(coll)
                value = self.operand(item, table)
                if isinstance(container, Window):
                    found: exp.Expr = exp.Paren(this=exp.and_(value >= literal(container.start),
                                                                    value <= literal(container.end)))
                elif isinstance(container, list) and container:
                    found = exp.In(this=value, expressions=[literal(v) for v in container])
                else:
                    raise Unsupported("membership in this collection")
                return exp.Not(this=found) if negated else found
            case syntax.IsSet(expr=inner, negated=negated):
                field = self.field(inner, table, may_be_empty=True)
                return exp.Is(this=field, expression=exp.Null()) if negated else exp.Not(
                    this=exp.Is(this=field, expression=exp.Null()))
            case syntax.Truth(expr=inner):
                return self.field(inner, table)
        raise Unsupported(f"a filter with {type(node).__name__}")

    def operand(self, node: Any, table: str) -> exp.Expr:
        if is_constant(self.c, node):
            return literal(self.constant(node))
        return self.field(node, table)

    def field(self, node: Any, table: str, may_be_empty: bool = False) -> exp.Expr:
        ref = self.c.refs.get(node.nid)
        if isinstance(ref, EntityFieldRef) and not may_be_empty:
            return self.entity_field(node)
        if not isinstance(ref, RowFieldRef):
            raise Unsupported("a filter reading something other than the row's fields")
        schema = self.c.tables[table].field(ref.name)
        if schema is None or (schema.optional and not may_be_empty) or schema.type.kind == "month":
            raise Unsupported("a filter on a field that may be empty")
        return col("r", ref.name)
