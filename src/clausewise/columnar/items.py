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

When ``b`` reads only the item's fields (TIER: the category's standard), :func:`item_bounds`
measures it once per distinct value of those fields before the query, and :func:`summary`
decides every item in SQL: per entity, its items, how many pass, and the first item (in the
evaluator's order, by key text) whose bound is missing or that SQL cannot decide (no item row,
an empty field, a bound that is not a number), whose entity is then walked in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlglot import exp

from clausewise.columnar.sql import ISLANDS_CTE, Unsupported, col, ident, literal, template
from clausewise.evaluate.figuretable import is_constant, uses_var
from clausewise.evaluate.leaves import compare
from clausewise.evaluate.measure import Evaluator, Item, Missing, Scope, missing
from clausewise.language import syntax
from clausewise.language.refs import ItemFieldRef, RelationRef, RowsRef, TableRef, VarRef
from clausewise.values.calendar import Window
from clausewise.values.valuetypes import INTEGRAL_UNITS

_ITEM_UNITS = ISLANDS_CTE + """,
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
    target = c.refs.get(node.target.nid)
    q = node.where
    if node.fn != "count" or node.distinct or not node.binder or not isinstance(target, RelationRef) or node.during is not None \
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
    rel = c.relations[target.name]
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
    return ItemsLowered(node, table, target.name, node.binder, q, window, units, op, bound, query,
                        exp.select(exp.alias_(zero, "zero")), (table, rel.via), _item_fields(c, bound, node.binder))


def _item_fields(c, node: Any, binder: str) -> tuple[str, ...] | None:
    """The fields of item ``binder`` an expression reads, if it reads nothing else but constants."""
    fields: dict[str, None] = {}

    def walk(n: Any) -> bool:
        if is_constant(c, n):
            return True
        ref = c.refs.get(n.nid)
        if isinstance(n, syntax.Attr) and isinstance(ref, ItemFieldRef) and ref.var == binder:
            fields.setdefault(ref.name)
            return True
        if ref is not None:
            return False
        children = list(syntax.children(n))
        return bool(children) and all(walk(child) for child in children)

    return tuple(fields) if walk(node) else None


def _monthly(lowering, node: Any, binder: str, var: str, parts: dict[str, Any], zero: bool) -> exp.Expr:
    """The monthly value as SQL: aggregates ``over binder during var`` of one table (0 when
    ``zero``: a month without rows), whole-number arithmetic and constants."""
    c = lowering.c
    match node:
        case syntax.Aggregate(fn=fn, over=over, during=during, where=where, target=target, distinct=False) \
                if fn in ("sum", "count") and not node.binder:
            ref = c.refs.get(node.nid)
            if not (isinstance(over, syntax.Name) and c.refs.get(over.nid) == VarRef(binder)
                    and isinstance(during, syntax.Name) and c.refs.get(during.nid) == VarRef(var)) \
                    or not isinstance(ref, RowsRef):
                raise Unsupported("a monthly aggregate not over the item during the month")
            table, (tfield, sfield) = ref.table, ref.link
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
            if isinstance(target, syntax.Name) and isinstance(c.refs.get(target.nid), TableRef):
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


_SUMMARY = """
WITH items AS (SELECT DISTINCT b.:from_f AS e, b.:to_f AS k FROM :via AS b),
walked AS (
  SELECT i.e AS e, COALESCE(CAST(i.k AS VARCHAR), 'None') AS kt, bd.ix AS ix, CASE
    WHEN t.:key IS NULL OR bd.ix IS NULL OR bd.st = 'p' THEN 'p' WHEN bd.st = 'm' THEN 'm' WHEN bd.st = 'n' THEN 'f'
    WHEN :verdict THEN 't' ELSE 'f' END AS cls
  FROM items AS i LEFT JOIN :target AS t ON t.:key = i.k LEFT JOIN bounds AS bd ON :match
  LEFT JOIN stats AS s ON s.k = i.e AND s.item = i.k)
SELECT e AS k, COUNT(*) AS n, COUNT(*) FILTER (WHERE cls = 't') AS yes,
  ARG_MIN(cls, kt) FILTER (WHERE cls IN ('m', 'p')) AS cls, ARG_MIN(ix, kt) FILTER (WHERE cls IN ('m', 'p')) AS ix
FROM walked GROUP BY e
"""


@dataclass(frozen=True)
class Bounds:
    """A count of items' bound per distinct value of the item fields it reads (:func:`item_bounds`)."""

    via: str
    from_field: str
    to_field: str
    target: str
    key: str  # the target's key: the item
    values: list[tuple[tuple, Any, list]]  # (field values, bound, the windows it shows)


def item_bounds(ev: Evaluator, low: ItemsLowered) -> Bounds | None:
    """The bound for each distinct value of the item fields it reads, measured by ``ev`` on the
    first item row with that value: (values, bound, the windows it shows). None when SQL cannot
    decide the items (the bound reads more than item fields, no months, the relation's items have no
    key, or values whose bounds show different windows)."""
    c = ev.c
    rel = c.relations[low.relation]
    key = c.tables[rel.target].key
    if low.bound_fields is None or low.units == 0 or len(key) != 1:
        return None
    found: dict[tuple, tuple[tuple, Any, list]] = {}
    for row in ev.data.tables.get(rel.target, ()):
        values = tuple(row.get(f) for f in low.bound_fields)
        if values in found or any(v is None for v in values):
            continue
        item = Item(row[key[0]], row, None)
        ev.windows_used = []
        try:
            bound = ev.eval(low.bound, Scope({}, "", row, item, {low.binder: item}, None))
        except Exception:  # measured per entity in Python, where a failure stays that entity's
            return None
        found[values] = (values, bound, ev.windows_used)
        ev.windows_used = []
    shown = {tuple((n.nid, str(w)) for n, w in windows) for _, _, windows in found.values()}
    if not found or len(shown) != 1:
        return None
    return Bounds(rel.via, rel.from_field, rel.to_field, rel.target, key[0], list(found.values()))


def _state(bound: Any) -> str:
    if isinstance(bound, Missing):
        return "m"
    if bound is None:
        return "n"
    return "v" if isinstance(bound, (int, Decimal)) and not isinstance(bound, bool) else "p"


def summary(low: ItemsLowered, stats: exp.Select, zero: int, bounds: Bounds) -> exp.Select:
    """Per entity ``k``: its items ``n``, how many pass ``yes``, and the class (``m``: the bound is
    missing, ``p``: walk in Python) and bound index ``ix`` of its first item SQL does not decide
    (``stats``: the query of :func:`lower_items`)."""
    fields = low.bound_fields or ()
    values = exp.values([(literal(i), literal(_state(b)), literal(b) if _state(b) == "v" else exp.Null(),
                          *[literal(v) for v in vals]) for i, (vals, b, _) in enumerate(bounds.values)],
                        alias="bounds", columns=["ix", "st", "b", *[f"f{n}" for n in range(len(fields))]])
    q = low.quantifier
    strict_up = low.op in (">", ">=")
    hi = exp.Case(ifs=[exp.If(this=exp.Is(this=col("s", "units"), expression=exp.Null()), true=literal(zero)),
                       exp.If(this=exp.LT(this=col("s", "units"), expression=literal(low.units)),
                              true=exp.func("greatest", col("s", "hi"), literal(zero)))], default=col("s", "hi"))
    lo = exp.Case(ifs=[exp.If(this=exp.Is(this=col("s", "units"), expression=exp.Null()), true=literal(zero)),
                       exp.If(this=exp.LT(this=col("s", "units"), expression=literal(low.units)),
                              true=exp.func("least", col("s", "lo"), literal(zero)))], default=col("s", "lo"))
    side = (hi if strict_up else lo) if q.kind == "any" else (lo if strict_up else hi)
    ops = {">=": exp.GTE, ">": exp.GT, "<=": exp.LTE, "<": exp.LT}
    verdict = ops[low.op](this=side, expression=col("bd", "b"))
    match = exp.and_(*[exp.EQ(this=col("t", f), expression=col("bd", f"f{n}")) for n, f in enumerate(fields)])
    query = template(_SUMMARY, from_f=bounds.from_field, to_f=bounds.to_field, via=bounds.via, target=bounds.target,
                     key=bounds.key, verdict=verdict, match=match)
    ctes = [exp.CTE(this=stats.copy(), alias=exp.TableAlias(this=ident("stats"))),
            exp.CTE(this=exp.select("*").from_(values), alias=exp.TableAlias(this=ident("bounds")))]
    query.set("with_", exp.With(expressions=ctes + list(query.args["with_"].expressions)))
    return query


def summarized(ev: Evaluator, low: ItemsLowered, result: dict, scope: Scope) -> Any:
    """The count (or the first unknown item's reasons) from :func:`summary`'s row for the entity, with
    the windows the walk shows; None: walk the entity's items in Python."""
    row = result["entities"].get(ev.entity_key(scope))
    if row is None:  # no items: the walk shows nothing and counts 0
        return 0
    if row["cls"] == "p":
        return None
    bounds = result["bounds"].values
    window = low.quantifier.window  # reads no data (lower_items): the walk shows it once
    ev.windows_used.append((window, ev.as_window(ev.eval(window, scope))))  # type: ignore[arg-type]
    ev.windows_used.extend(bounds[0][2])  # every value's bound shows the same windows (item_bounds)
    if row["cls"] == "m":
        return missing(bounds[int(row["ix"])][1])
    return int(row["yes"])
