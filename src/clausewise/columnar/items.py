"""``count(s in R where any|every month m in W: f(s, m) op b(s))`` on the columnar engine.

TIER's service-qualified merchants: the bound shops with a month of the evaluation period
whose orders exceed their category's monthly standard. ``f`` is whole-number arithmetic on
aggregates of one table's rows ``over s during m`` (each with its own filter); ``b`` does not
depend on the month. One query gives, per entity and related item, the largest and smallest
monthly value of ``f`` over the months with rows and how many months had rows (a month without
rows has every aggregate 0: its value ``f`` of zeros, computed in the same query). Python then
walks each entity's items in the evaluator's order, measures ``b`` with the evaluator (keyed
parameters and their missing reasons included), and decides each item exactly as
:func:`clausewise.evaluate.leaves.inner_truth` would: the count, or the first unknown item's
reasons.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from clausewise.columnar.sql import Unsupported, col, literal, template
from clausewise.evaluate.figuretable import is_constant, uses_var
from clausewise.evaluate.leaves import compare
from clausewise.evaluate.measure import Evaluator, Missing, Scope, missing
from clausewise.language import syntax
from clausewise.values.calendar import Window
from clausewise.values.valuetypes import INTEGRAL_UNITS

_ITEM_UNITS = """
WITH spans AS (
  SELECT b.:from_f AS e, b.:to_f AS k, b.:start_f AS s, b.:end_f AS t FROM :via AS b
  WHERE b.:end_f IS NULL OR b.:start_f < b.:end_f),
flagged AS (
  SELECT e, k, s, t, CASE
    WHEN COUNT(*) OVER (PARTITION BY e, k ORDER BY s, t NULLS LAST
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) = 0 THEN 1
    WHEN MAX(CASE WHEN t IS NULL THEN 1 ELSE 0 END) OVER (PARTITION BY e, k ORDER BY s, t NULLS LAST
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) = 1 THEN 0
    WHEN s <= MAX(t) OVER (PARTITION BY e, k ORDER BY s, t NULLS LAST
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0
    ELSE 1 END AS starts
  FROM spans),
numbered AS (
  SELECT e, k, s, t, SUM(starts) OVER (PARTITION BY e, k ORDER BY s, t NULLS LAST
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island
  FROM flagged),
islands AS (
  SELECT e, k, MIN(s) AS s, CASE WHEN MAX(CASE WHEN t IS NULL THEN 1 ELSE 0 END) = 1 THEN NULL ELSE MAX(t) END AS t
  FROM numbered GROUP BY e, k, island),
monthly AS (
  SELECT i.e AS e, i.k AS k, :unit AS u, :value AS v
  FROM :table AS r JOIN islands AS i ON r.:tfield = i.k AND r.:time >= i.s AND (i.t IS NULL OR r.:time < i.t)
  WHERE r.:time >= :first AND r.:time <= :last
  GROUP BY i.e, i.k, :unit)
SELECT e AS k, k AS item, MAX(v) AS hi, MIN(v) AS lo, COUNT(*) AS units FROM monthly GROUP BY e, k
"""


@dataclass(frozen=True)
class ItemsLowered:
    """A count of related items by a monthly (or daily) test, as one query."""

    node: syntax.Aggregate
    table: str
    relation: str
    binder: str
    quantifier: Any  # the syntax.Quantified of the filter
    window: Window
    units: int  # months (or days) in the window
    op: str  # the comparison with the monthly value on the left
    bound: Any  # the side that does not depend on the month
    query: exp.Select
    zero: exp.Select  # the monthly value of a month without rows
    tables: tuple[str, ...]
    #: the item's fields ``bound`` reads, when it reads nothing else but constants (its value
    #: depends on them alone, so it is measured once per distinct value); None: measured per item
    bound_fields: tuple[str, ...] | None = None


_FLIP = {">": "<", ">=": "<=", "<": ">", "<=": ">="}


def lower_items(lowering, node: syntax.Aggregate) -> ItemsLowered:
    """The query of a count of related items by a monthly test, or Unsupported."""
    c = lowering.c
    target = c.refs.get(id(node.target), ("",))
    q = node.where
    if node.fn != "count" or node.distinct or not node.binder or target[0] != "relation" or node.during is not None \
            or not isinstance(q, syntax.Quantified) or not isinstance(q.cond, syntax.Compare):
        raise Unsupported("a count of related items other than by a monthly or daily comparison")
    inner = q.cond
    if inner.op not in _FLIP:
        raise Unsupported("a monthly test other than <, <=, >, >=")
    sides = [uses_var(c, side, q.var) for side in (inner.left, inner.right)]
    if sides.count(True) != 1:
        raise Unsupported("a monthly test with the month on both sides or neither")
    monthly, bound = (inner.left, inner.right) if sides[0] else (inner.right, inner.left)
    op = inner.op if sides[0] else _FLIP[inner.op]
    window = lowering.ev.as_window(lowering.constant(q.window))
    if not isinstance(window, Window):
        raise Unsupported("a window that is not a span of days")
    rel = c.relations[target[1]]
    if not (rel.start_field and rel.end_field) or c.tables[rel.via].field(rel.start_field).optional:
        raise Unsupported("a relation without start and end days")
    parts: dict[str, Any] = {}
    value = _monthly(lowering, monthly, node.binder, q.var, parts, zero=False)
    zero = _monthly(lowering, monthly, node.binder, q.var, {}, zero=True)
    table, tfield, time_field = parts["table"], parts["tfield"], parts["time"]
    target_key = c.tables[rel.target].key
    if not target_key or parts["sfield"] != target_key[0]:
        raise Unsupported("rows found by a field other than the related item's key")
    day = col("r", time_field)
    unit = exp.cast(exp.DateTrunc(this=day, unit=exp.Literal.string("MONTH")), "DATE") if q.unit == "month" else day
    query = template(_ITEM_UNITS, via=rel.via, from_f=rel.from_field, to_f=rel.to_field, start_f=rel.start_field,
                     end_f=rel.end_field, table=table, tfield=tfield, time=time_field, unit=unit, value=value,
                     first=literal(window.start), last=literal(window.end))
    units = len(list(window.months())) if q.unit == "month" else window.length
    return ItemsLowered(node, table, target[1], node.binder, q, window, units, op, bound, query,
                        exp.select(exp.alias_(zero, "zero")), (table, rel.via), _item_fields(c, bound, node.binder))


def _item_fields(c, node: Any, binder: str) -> tuple[str, ...] | None:
    """The fields of item ``binder`` an expression reads, if it reads nothing else but constants."""
    fields: dict[str, None] = {}

    def walk(n: Any) -> bool:
        if is_constant(c, n):
            return True
        ref = c.refs.get(id(n))
        if isinstance(n, syntax.Attr) and ref and ref[0] == "itemfield" and ref[1] == binder:
            fields.setdefault(ref[2])
            return True
        if ref is not None:
            return False
        children = [v for f in dataclasses.fields(n) if f.name != "span"
                    for v in (getattr(n, f.name) if isinstance(getattr(n, f.name), tuple) else (getattr(n, f.name),))
                    if isinstance(v, syntax.Node) and not isinstance(v, (syntax.Labels, syntax.Meta))]
        return bool(children) and all(walk(child) for child in children)

    return tuple(fields) if walk(node) else None


def _monthly(lowering, node: Any, binder: str, var: str, parts: dict[str, Any], zero: bool) -> exp.Expr:
    """The monthly value as SQL: aggregates ``over binder during var`` of one table (0 when
    ``zero``: a month without rows), whole-number arithmetic and constants."""
    c = lowering.c
    match node:
        case syntax.Aggregate(fn=fn, over=over, during=during, where=where, target=target, distinct=False) \
                if fn in ("sum", "count") and not node.binder:
            ref = c.refs.get(id(node))
            if not (isinstance(over, syntax.Name) and c.refs.get(id(over), ("",)) == ("var", binder)
                    and isinstance(during, syntax.Name) and c.refs.get(id(during), ("",)) == ("var", var)) \
                    or not ref or ref[0] != "rows":
                raise Unsupported("a monthly aggregate not over the item during the month")
            _, table, (tfield, sfield) = ref
            time_field = c.tables[table].time_field
            if parts.setdefault("table", table) != table or time_field is None:
                raise Unsupported("monthly aggregates of different tables")
            parts.update(tfield=tfield, sfield=sfield, time=time_field)
            if zero:
                return literal(0)
            if any(uses_var(c, part, name) for part in (target, where) if part is not None for name in (binder, var)):
                raise Unsupported("a row value or filter that reads the item or the month")
            lowering.reads_entity = lowering.reads_dimension = False
            cond = lowering.cond(where, table) if where is not None else None
            if isinstance(target, syntax.Name) and c.refs.get(id(target), ("",))[0] == "table":
                value: exp.Expr = exp.Count(this=exp.Star())
            else:
                sql, kind, plain = lowering.row_value(target, table)
                if kind not in INTEGRAL_UNITS or (plain and isinstance(target, syntax.Attr)
                                                  and c.tables[table].field(target.name).optional):
                    raise Unsupported("a monthly value that is not a whole number or may be empty")
                value = exp.Sum(this=sql) if fn == "sum" else exp.Count(this=sql)
            if lowering.reads_entity or lowering.reads_dimension:
                raise Unsupported("a monthly filter that reads the entity")
            agg = value if cond is None else exp.Filter(this=value, expression=exp.Where(this=cond))
            return exp.Coalesce(this=agg, expressions=[literal(0)])
        case syntax.Arith(op=op, left=left, right=right) if op in ("+", "-", "*"):
            a, b = (_monthly(lowering, side, binder, var, parts, zero) for side in (left, right))
            return exp.Paren(this={"+": exp.Add, "-": exp.Sub, "*": exp.Mul}[op](this=a, expression=b))
        case syntax.Neg(expr=inner):
            return exp.Neg(this=_monthly(lowering, inner, binder, var, parts, zero))
        case syntax.IfExpr(cond=cond, then=then, orelse=orelse) if is_constant(c, cond):
            verdict = lowering.ev.truth(cond, lowering.scope)
            if isinstance(verdict, Missing):
                raise Unsupported("a missing condition")
            return _monthly(lowering, then if verdict else orelse, binder, var, parts, zero)
    value = lowering.constant(node)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Unsupported("a monthly value that is not a whole number")
    return literal(value)


def count_items(ev: Evaluator, low: ItemsLowered, rows: dict[Any, dict], zero: int, scope: Scope,
                bounds: dict[tuple, tuple[Any, list]]) -> Any:
    """The count (or the first unknown item's reasons) from the query's rows by item key;
    ``zero``: the monthly value of a month without rows; ``bounds``: the bounds measured so far
    by this evaluator (see :func:`_bound`)."""
    q = low.quantifier
    count = 0
    shown = False
    for item in ev.relation_items(low.relation, scope):  # the evaluator's items, in its order
        inner = Scope(scope.entity, "", item.row, item, {**scope.vars, low.binder: item}, None)
        if not shown:  # the window reads no data (lower_items): every item's is this one, shown once
            ev.windows_used.append((q.window, ev.as_window(ev.eval(q.window, inner))))  # type: ignore[arg-type]
            shown = True
        bound = _bound(ev, low, item, inner, bounds)
        row = rows.get(item.key)
        if low.units == 0:
            verdict: Any = q.kind != "any"
        elif isinstance(bound, Missing):
            verdict = missing(bound)
        else:
            values = [] if row is None else [int(row["hi"]), int(row["lo"])]
            if row is None or int(row["units"]) < low.units:
                values.append(zero)
            hi, lo = max(values), min(values)
            strict_up = low.op in (">", ">=")
            if q.kind == "any":
                verdict = compare(low.op, hi if strict_up else lo, bound)
            else:
                verdict = compare(low.op, lo if strict_up else hi, bound)
        if isinstance(verdict, Missing):
            return verdict
        count += 1 if verdict else 0
    return count


def _bound(ev: Evaluator, low: ItemsLowered, item: Any, scope: Scope, memo: dict[tuple, tuple[Any, list]]) -> Any:
    """The item's bound: measured once per distinct value of the item fields it reads (the windows
    it shows recorded again at every use), or per item when a field is empty (its reason names the item)."""
    if low.bound_fields is None or item.row is None:
        return ev.eval(low.bound, scope)
    values = tuple(item.row.get(f) for f in low.bound_fields)
    if any(v is None for v in values):
        return ev.eval(low.bound, scope)
    try:
        hit = memo.get(values)
    except TypeError:  # an unhashable value (a list)
        return ev.eval(low.bound, scope)
    if hit is not None:
        ev.windows_used.extend(hit[1])
        return hit[0]
    mark = len(ev.windows_used)
    value = ev.eval(low.bound, scope)
    memo[values] = (value, ev.windows_used[mark:])
    return value
