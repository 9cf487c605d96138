"""An item filter (:meth:`clausewise.columnar.lower.Lowering.item_filter`) decided in SQL, in three values.

RENEW's whole-period orders count a bound shop's rows only if ``count(b in bindings where
b.provider_id = provider_id and b.bound_on <= ... and (b.unbound_on is missing or ...)) > 0``.
The filter reads the entity, constants and counts of rows found by the item's key, so it has one
value per entity and item. :func:`filter_query` writes it as one query giving, per entity and
item, ``f``: TRUE, FALSE, or NULL where the evaluator's value is unknown (Missing) or where SQL
cannot tell. SQL's NULL logic is the evaluator's Kleene logic
(:func:`clausewise.evaluate.leaves.inner_truth`: ``all of`` is false if one part is false,
``any of`` true if one part is true, otherwise unknown if one part is; a comparison with an
empty field is unknown; ``is set`` is never unknown), and a count whose filter is unknown for
one of its rows is unknown, as the row path returns its first unknown row. The evaluator then
measures only the NULL items itself, for their missing reasons.

Only filters whose evaluation shows no window other than the aggregate's own ``during`` (the
same name and days, shown first, so showing it again changes nothing) are written: an item
decided in SQL shows no window of its own. Anything else raises
:class:`~clausewise.columnar.sql.Unsupported`, and every item is measured in Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlglot import exp

from clausewise.columnar.sql import Unsupported, col, ident, literal
from clausewise.evaluate.figuretable import is_constant
from clausewise.language import syntax
from clausewise.language.refs import EntityFieldRef, LetRef, RowFieldRef, RowsRef, RowVarFieldRef, TableRef
from clausewise.values.valuetypes import INTEGRAL_UNITS

_ROWS = "n"  # the alias of a counted table's rows
_KINDS = INTEGRAL_UNITS | {"date", "string", "enum", "bool"}
_OPS = {">=": exp.GTE, ">": exp.GT, "<=": exp.LTE, "<": exp.LT, "=": exp.EQ, "!=": exp.NEQ}


def filter_query(lowering: Any, node: syntax.Aggregate, via: str, from_f: str, to_f: str, tfield: str
                 ) -> tuple[exp.Select, tuple[str, ...]]:
    """(the query of ``k``, ``item``, ``f`` for every entity and item of the relation through
    ``via``, the tables it reads) for the filter of ``node``, an aggregate of rows whose
    ``tfield`` holds the item's key."""
    writer = _Writer(lowering, node, tfield, lowering.c.tables[via].field(to_f).type.kind)
    ev = lowering.ev
    ev.windows_used = []
    try:
        f = writer.cond(node.where, None)
        shown = ev.windows_used
    finally:
        ev.windows_used = []
    own = writer.own_window()
    if any(not own(n, w) for n, w in shown):
        raise Unsupported("a filter that shows a window of its own")
    items = exp.select(exp.alias_(col("b", from_f), "e"), exp.alias_(col("b", to_f), "k")).distinct().from_(
        exp.alias_(exp.Table(this=ident(via)), "b"))
    query = exp.select(exp.alias_(col("i", "e"), "k"), exp.alias_(col("i", "k"), "item"), exp.alias_(f, "f")).from_(
        exp.alias_(exp.Subquery(this=items), "i"))
    c = lowering.c
    tables = {via, *writer.tables}
    if writer.reads_entity:
        entity = c.entity_table
        query = query.join(exp.alias_(exp.Table(this=ident(entity)), "e"),
                           on=exp.EQ(this=col("e", c.tables[entity].key[0]), expression=col("i", "e")))
        tables.add(entity)
    return query, tuple(sorted(tables))


class _Writer:
    """The SQL of one item filter; ``rows`` (alias, table, bound name) is the counted table's row
    being filtered, None at the item's level."""

    def __init__(self, lowering: Any, node: syntax.Aggregate, tfield: str, key_kind: str):
        self.lowering, self.c, self.node, self.tfield = lowering, lowering.c, node, tfield
        self.key_kind = key_kind  # of the item's key, which a counted row's link field is compared with
        self.reads_entity = False
        self.tables: set[str] = set()

    def own_window(self):
        """Whether a window shown (node, days) is the aggregate's own ``during`` (a named window)."""
        during, c = self.node.during, self.c
        if not isinstance(during, syntax.Name) or not isinstance(c.refs.get(during.nid), LetRef) \
                or not is_constant(c, during):
            return lambda n, w: False
        ev = self.lowering.ev
        days = ev.as_window(ev.eval(during, self.lowering.scope))
        return lambda n, w: (isinstance(n, syntax.Name) and n.name == during.name
                             and c.refs.get(n.nid) == c.refs.get(during.nid) and w == days)

    def cond(self, node: Any, rows: tuple[str, str, str | None] | None) -> exp.Expr:
        if is_constant(self.c, node):
            return literal(self.lowering.constant(node))
        match node:
            case syntax.Group(kind=kind, entries=entries) if kind in ("all", "any", "none"):
                parts = [exp.Paren(this=self.cond(e.cond, rows)) for e in entries]
                if kind == "all":
                    return exp.Paren(this=exp.and_(*parts))
                either = exp.Paren(this=exp.or_(*parts))
                return either if kind == "any" else exp.Not(this=either)
            case syntax.Not(cond=inner):
                return exp.Not(this=exp.Paren(this=self.cond(inner, rows)))
            case syntax.Compare(op=op, left=left, right=right):
                (a, ka), (b, kb) = self.value(left, rows), self.value(right, rows)
                if op not in ("=", "!=") and "string" in (ka, kb) or ka != kb and None not in (ka, kb):
                    raise Unsupported("a comparison of text by order, or of values of two kinds")
                return _OPS[op](this=a, expression=b)
            case syntax.IsSet(expr=inner, negated=negated):
                field, _ = self.field(inner, rows)
                null = exp.Is(this=field, expression=exp.Null())
                return null if negated else exp.Not(this=null)
            case syntax.Truth(expr=inner):
                field, kind = self.field(inner, rows)
                if kind != "bool":
                    raise Unsupported("a condition that is not a yes/no field")
                return field
        raise Unsupported(f"a filter with {type(node).__name__}")

    def value(self, node: Any, rows: tuple[str, str, str | None] | None) -> tuple[exp.Expr, str | None]:
        """An operand as SQL and its kind (None: a constant, whose kind the checker matched)."""
        if is_constant(self.c, node):
            value = self.lowering.constant(node)
            if isinstance(value, bool) or not isinstance(value, (int, str, dt.date)):
                raise Unsupported("a constant that is not a whole number, a text or a day")
            return literal(value), None
        if isinstance(node, syntax.Aggregate):
            return self.count(node, rows), "count"
        return self.field(node, rows)

    def field(self, node: Any, rows: tuple[str, str, str | None] | None) -> tuple[exp.Expr, str]:
        """A field of the entity, or of the counted row (by its bound name, if it has one)."""
        ref = self.c.refs.get(node.nid)
        match ref:
            case EntityFieldRef(name) if name != self.c.dimension:
                table, alias = self.c.entity_table, "e"
                self.reads_entity = True
            case RowVarFieldRef(var=var, name=name) if rows is not None and rows[2] == var:
                alias, table, _ = rows
            case RowFieldRef(name) if rows is not None and rows[2] is None:
                alias, table, _ = rows
            case _:
                raise Unsupported("a filter reading something other than the entity or the counted row")
        schema = self.c.tables[table].field(name)
        if schema is None or schema.type.is_list or schema.type.kind not in _KINDS:
            raise Unsupported("a field of a kind the item filter does not compare")
        kind = "count" if schema.type.kind in INTEGRAL_UNITS else schema.type.kind
        return col(alias, name), "string" if kind == "enum" else kind

    def count(self, node: syntax.Aggregate, rows: tuple[str, str, str | None] | None) -> exp.Expr:
        """``count(T where ...)`` of the rows found by the item's key: NULL when the filter is
        unknown for one of them."""
        ref = self.c.refs.get(node.nid)
        if rows is not None or node.fn != "count" or node.distinct or node.over is not None or node.during is not None \
                or not isinstance(ref, RowsRef) or ref.link[1] != self.tfield \
                or not isinstance(node.target, syntax.Name) or not isinstance(self.c.refs.get(node.target.nid), TableRef):
            raise Unsupported("a value in the filter other than a count of the item's rows")
        table, tf = ref.table, ref.link[0]
        link = self.c.tables[table].field(tf)
        if link is None or link.type.is_list or link.type.kind != self.key_kind:
            raise Unsupported("rows found by a field of another kind than the item's key")
        self.tables.add(table)
        every = exp.Count(this=exp.Star())
        query = exp.select().from_(exp.alias_(exp.Table(this=ident(table)), _ROWS)).where(
            exp.EQ(this=col(_ROWS, tf), expression=col("i", "k")))
        if node.where is None:
            return exp.Subquery(this=query.select(every))
        p = self.cond(node.where, (_ROWS, table, node.binder))
        unknown = exp.Filter(this=every.copy(), expression=exp.Where(this=exp.Is(this=exp.Paren(this=p), expression=exp.Null())))
        counted = exp.Filter(this=every.copy(), expression=exp.Where(this=p.copy()))
        return exp.Subquery(this=query.select(exp.Case(ifs=[exp.If(this=exp.GT(this=unknown, expression=exp.Literal.number(0)),
                                                                    true=exp.Null())], default=counted)))
