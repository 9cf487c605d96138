"""Lowered queries that read the same rows, run as one query.

TIER's paid orders, gift orders and active merchants each join ``shop_daily`` with the
islands of ``bound_shops`` in the evaluation period; only their filters and aggregates differ.
:func:`fuse` groups queries whose FROM, joins, CTEs and GROUP BY are the same and writes one
query per group: the WHERE is the OR of the members' filters, and each member's aggregates
keep its own filter as a ``FILTER (WHERE ...)`` clause, with a ``present`` count standing for
"the member's query had a row for this key" (a group with no row passing the member's filter
gave no row at all). :func:`split` turns a fused row back into each member's row, so the
results are those of the separate queries (tests/columnar/test_columnar_fuse.py compares them).

:func:`shared_islands` then computes the bound items' islands (the ``islands`` CTE of lower.py
and items.py) once for every query that builds the same ones: TIER's fused sums and its count of
service-qualified merchants each merged the same spans of ``bindings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlglot import exp

#: the select columns that are the result's key, not aggregates (see lower.py and items.py)
KEYS = ("k", "dim", "u", "item")
_PRESENT = "present"


@dataclass(frozen=True)
class Fused:
    """One query standing for several: ``members`` are the lowered keys in column-prefix order."""

    query: exp.Select
    members: tuple[Any, ...]
    keys: tuple[str, ...]  # the key columns, in select order
    aggregates: tuple[tuple[str, ...], ...]  # per member: its aggregate columns


def _parts(query: exp.Select) -> tuple[str, list[exp.Expr], list[exp.Alias], exp.Expr | None] | None:
    """(signature, key columns, aggregate columns, filter) of a query, or None when it cannot be fused."""
    keys: list[exp.Expr] = []
    aggs: list[exp.Alias] = []
    for e in query.expressions:
        if not isinstance(e, exp.Alias):
            return None
        (keys if e.alias in KEYS else aggs).append(e)
    if not aggs or query.args.get("having") or query.args.get("order") or query.args.get("limit"):
        return None
    where = query.args.get("where")
    base = query.copy()
    base.set("expressions", [k.copy() for k in keys])
    base.set("where", None)
    return base.sql("duckdb"), keys, aggs, where.this if where is not None else None


def _filtered(agg: exp.Expr, cond: exp.Expr | None) -> exp.Expr:
    """An aggregate over the rows ``cond`` keeps (its own FILTER kept as well)."""
    if cond is None:
        return agg.copy()
    if isinstance(agg, exp.Filter):
        return exp.Filter(this=agg.this.copy(), expression=exp.Where(
            this=exp.and_(exp.Paren(this=cond.copy()), exp.Paren(this=agg.expression.this.copy()))))
    return exp.Filter(this=agg.copy(), expression=exp.Where(this=cond.copy()))


def fuse(queries: dict[Any, exp.Select]) -> tuple[list[Fused], dict[Any, exp.Select]]:
    """The queries that share their rows fused (groups of two or more), and the others as they are."""
    groups: dict[str, list[tuple[Any, list[exp.Expr], list[exp.Alias], exp.Expr | None]]] = {}
    alone: dict[Any, exp.Select] = {}
    for key, query in queries.items():
        parts = _parts(query)
        if parts is None:
            alone[key] = query
            continue
        signature, keys, aggs, where = parts
        groups.setdefault(signature, []).append((key, keys, aggs, where))
    fused: list[Fused] = []
    for members in groups.values():
        if len(members) == 1:
            key = members[0][0]
            alone[key] = queries[key]
            continue
        first = queries[members[0][0]]
        query = first.copy()
        keys = members[0][1]
        columns: list[exp.Expr] = [k.copy() for k in keys]
        names: list[tuple[str, ...]] = []
        for i, (_, _, aggs, where) in enumerate(members):
            columns.append(exp.alias_(_filtered(exp.Count(this=exp.Star()), where), f"{i}:{_PRESENT}", quoted=True))
            columns += [exp.alias_(_filtered(a.this, where), f"{i}:{a.alias}", quoted=True) for a in aggs]
            names.append(tuple(a.alias for a in aggs))
        query.set("expressions", columns)
        wheres = [w for *_, w in members]
        query.set("where", None if any(w is None for w in wheres) else exp.Where(
            this=exp.or_(*[exp.Paren(this=w.copy()) for w in wheres if w is not None])))
        fused.append(Fused(query, tuple(m[0] for m in members), tuple(k.alias for k in keys), tuple(names)))
    return fused, alone


def split(fused: Fused, rows: list[dict]) -> dict[Any, list[dict]]:
    """Each member's rows from the fused query's rows (a key without the member's rows left out)."""
    out: dict[Any, list[dict]] = {m: [] for m in fused.members}
    for row in rows:
        for i, (member, aggs) in enumerate(zip(fused.members, fused.aggregates)):
            if row[f"{i}:{_PRESENT}"]:
                out[member].append({**{k: row[k] for k in fused.keys}, **{a: row[f"{i}:{a}"] for a in aggs}})
    return out


ISLANDS = "islands"  # the CTE of lower.py and items.py that merges a relation's spans


def shared_islands(queries: dict[Any, exp.Select]) -> tuple[list[exp.Expr], dict[Any, exp.Select]]:
    """(statements creating temporary tables, the queries reading them): the ``islands`` CTE
    (with the CTEs before it, which it is built from) of two or more queries, made once as a
    table; the other queries as they are. The results are those of the queries as given."""
    prefixes: dict[str, list[Any]] = {}
    for key, query in queries.items():
        ctes = list(query.args["with_"].expressions) if query.args.get("with_") is not None else []
        names = [cte.alias for cte in ctes]
        if ISLANDS in names:
            prefix = ctes[:names.index(ISLANDS) + 1]
            prefixes.setdefault(" ".join(cte.sql("duckdb") for cte in prefix), []).append(key)
    made: list[exp.Expr] = []
    out = dict(queries)
    for n, keys in enumerate(k for k in prefixes.values() if len(k) > 1):
        table = f"{ISLANDS}:{n}"
        first = queries[keys[0]]
        ctes = first.args["with_"].expressions
        upto = [cte.alias for cte in ctes].index(ISLANDS) + 1
        body = exp.select("*").from_(ISLANDS)
        body.set("with_", exp.With(expressions=[cte.copy() for cte in ctes[:upto]]))
        made.append(exp.Create(this=exp.Table(this=exp.to_identifier(table, quoted=True)), kind="TABLE",
                               properties=exp.Properties(expressions=[exp.TemporaryProperty()]), expression=body))
        removed = {cte.alias for cte in ctes[:upto - 1]}
        for key in keys:
            query = queries[key].copy()
            rest = query.args["with_"].expressions[upto:]
            query.set("with_", exp.With(expressions=rest) if rest else None)
            if any(ref.name in removed for ref in query.find_all(exp.Table)):
                continue  # reads a CTE that islands is built from
            for ref in query.find_all(exp.Table):
                if ref.name == ISLANDS and not ref.args.get("db"):
                    ref.set("this", exp.to_identifier(table, quoted=True))
            out[key] = query
    return made, out
