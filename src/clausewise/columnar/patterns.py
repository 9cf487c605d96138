"""Entities grouped by their status pattern in SQL, and their records joined back in columns.

An audit whose figures are whole-number fields of the entity row compared with constants
(:mod:`clausewise.engine.columnaraudit` says which policies) needs Python only once per
*pattern*: the tuple of the cells its figures fall in (:mod:`clausewise.asp.cells`: equal to a
bound, or strictly between two neighbouring bounds), since entities of one pattern get the same
answer. This module, over the entity table DuckDB read and validated
(:mod:`clausewise.columnar.scan`), computes

- each entity's cell per figure (:func:`cell_sql`, compiled from the figure's sorted bounds as
  ``Cells.key`` numbers the cells: ``2i + 1`` when equal to the i-th bound, ``2i`` below it and
  above the one before; tests/columnar/test_patterns.py compares the two around every bound),
- the patterns, each with its number of entities and one representative (the smallest key),
- and the records: entities joined with a table of per-pattern cells (made in Python by the
  report's own functions), each leaf's texts written by SQL compiled from the definitions the
  report writes them with (:mod:`clausewise.columnar.texts`), ordered by entity as the per-entity
  path orders them.

Rows with an empty figure field are not grouped here (their missing-data reasons name the
entity): :func:`keys_with_empty` lists them for the per-entity path.
"""

from __future__ import annotations

from typing import Iterator, Mapping, Sequence

import duckdb
import pyarrow as pa
from sqlglot import exp

from clausewise.columnar.scan import ROW
from clausewise.columnar.sql import col, ident, literal

#: the columns of the pattern table that hold the figures' cells
CELL = "cell:"
_ENTITIES = "entities:"  # the entities with every figure present, and their cells
_PATTERNS = "patterns:"
_OTHERS = "others:"  # records made by the per-entity path
_KEYS = "keys:"  # a list of keys to look up


def cell_sql(value: exp.Expr, bounds: Sequence[int]) -> exp.Expr:
    """The cell of a (present) whole number among sorted, distinct whole-number bounds, numbered
    as :meth:`clausewise.asp.cells.Cells.key` numbers it."""
    ifs: list[exp.If] = []
    for i, bound in enumerate(bounds):
        ifs.append(exp.If(this=exp.LT(this=value.copy(), expression=literal(bound)), true=exp.Literal.number(2 * i)))
        ifs.append(exp.If(this=exp.EQ(this=value.copy(), expression=literal(bound)), true=exp.Literal.number(2 * i + 1)))
    return exp.Case(ifs=ifs, default=exp.Literal.number(2 * len(bounds)))


def _present(table: str, fields: Sequence[str]) -> exp.Expr:
    return exp.and_(*[exp.Not(this=exp.Is(this=col(table, f), expression=exp.Null())) for f in fields]) if fields else exp.true()


def group(con: duckdb.DuckDBPyConnection, table: str, key: str, bounds: Mapping[str, Sequence[int]]
          ) -> list[tuple[tuple[int, ...], int, str]]:
    """Make the entities table (every entity whose figure fields are all present, with its cells)
    and return the patterns: (the cells in the order of ``bounds``, the number of entities, the
    smallest key), in the order of their cells."""
    fields = list(bounds)
    cells = [exp.alias_(cell_sql(col("t", f), b), f"{CELL}{i}", quoted=True) for i, (f, b) in enumerate(bounds.items())]
    body = exp.select(exp.alias_(exp.cast(col("t", key), "VARCHAR"), key, quoted=True),
                      *[col("t", f) for f in fields if f != key], *cells).from_(
        exp.alias_(exp.Table(this=ident(table)), "t")).where(_present("t", fields))
    con.execute(exp.Create(this=exp.Table(this=ident(_ENTITIES)), kind="TABLE",
                           properties=exp.Properties(expressions=[exp.TemporaryProperty()]), expression=body).sql("duckdb"))
    keys = [col("e", f"{CELL}{i}") for i in range(len(fields))]
    query = exp.select(*keys, exp.Count(this=exp.Star()), exp.Min(this=col("e", key))).from_(
        exp.alias_(exp.Table(this=ident(_ENTITIES)), "e")).group_by(*[k.copy() for k in keys]).order_by(*[k.copy() for k in keys])
    return [(tuple(int(c) for c in row[:-2]), int(row[-2]), str(row[-1])) for row in con.execute(query.sql("duckdb")).fetchall()]


def keys_with_empty(con: duckdb.DuckDBPyConnection, table: str, key: str, fields: Sequence[str]) -> list[str]:
    """The keys of the rows with an empty field among ``fields``."""
    if not fields:
        return []
    query = exp.select(exp.cast(col("t", key), "VARCHAR")).from_(exp.alias_(exp.Table(this=ident(table)), "t")).where(
        exp.Not(this=exp.Paren(this=_present("t", fields))))
    return [str(r[0]) for r in con.execute(query.sql("duckdb")).fetchall()]


def present_keys(con: duckdb.DuckDBPyConnection, table: str, key: str, keys: Sequence[str]) -> set[str]:
    """Those of ``keys`` that some row of the table has."""
    if not keys:
        return set()
    con.register(_KEYS, pa.table({"k": pa.array(list(keys), pa.string())}))
    try:
        query = exp.select(exp.cast(col("t", key), "VARCHAR")).from_(exp.alias_(exp.Table(this=ident(table)), "t")).where(
            exp.In(this=exp.cast(col("t", key), "VARCHAR"), query=exp.Subquery(this=exp.select("k").from_(exp.Table(this=ident(_KEYS))))))
        return {str(r[0]) for r in con.execute(query.sql("duckdb")).fetchall()}
    finally:
        con.unregister(_KEYS)


def rows_of(con: duckdb.DuckDBPyConnection, table: str, key: str, fields: Sequence[str], keys: Sequence[str]) -> list[dict]:
    """The typed rows (the given fields) of the given keys, in the file's order."""
    if not keys:
        return []
    con.register(_KEYS, pa.table({"k": pa.array(list(keys), pa.string())}))
    try:
        query = exp.select(*[col("t", f) for f in fields]).from_(exp.alias_(exp.Table(this=ident(table)), "t")).where(
            exp.In(this=exp.cast(col("t", key), "VARCHAR"), query=exp.Subquery(this=exp.select("k").from_(
                exp.Table(this=ident(_KEYS)))))).order_by(col("t", ROW))
        return [dict(zip(fields, r)) for r in con.execute(query.sql("duckdb")).fetchall()]
    finally:
        con.unregister(_KEYS)


def field(name: str) -> exp.Expr:
    """A field of a grouped entity, in the SQL of :func:`records`' ``texts``."""
    return col("e", name)


def records(con: duckdb.DuckDBPyConnection, columns: Sequence[str], key: str, as_of: str, patterns: pa.Table,
            texts: Mapping[str, exp.Expr], others: pa.Table, batch: int = 100_000) -> Iterator[pa.RecordBatch]:
    """Every entity's record (``columns``, all text), ordered by entity: the grouped entities with
    their pattern's cells (``patterns``: a ``cell:i`` column per figure, then columns named as the
    records') and the texts SQL writes (``texts``: column -> an expression over :func:`field`),
    and the records made by the per-entity path (``others``)."""
    source: dict[str, exp.Expr] = {"entity": col("e", key), "as_of": exp.Literal.string(as_of)}
    cells = [n for n in patterns.column_names if n.startswith(CELL)]
    source.update((n, col("p", n)) for n in patterns.column_names if not n.startswith(CELL))
    source.update(texts)
    joined = exp.select(*[exp.alias_(source.get(c, exp.Literal.string("")), c, quoted=True) for c in columns]).from_(
        exp.alias_(exp.Table(this=ident(_ENTITIES)), "e"))
    on = exp.and_(*[exp.EQ(this=col("e", c), expression=col("p", c)) for c in cells]) if cells else exp.true()
    joined = joined.join(exp.alias_(exp.Table(this=ident(_PATTERNS)), "p"), on=on, join_type="inner")
    union = exp.union(joined, exp.select(*[col("o", c) for c in columns]).from_(exp.alias_(exp.Table(this=ident(_OTHERS)), "o")),
                      distinct=False)
    query = exp.select("*").from_(exp.alias_(exp.Subquery(this=union), "r")).order_by(col("r", "entity"))
    con.register(_PATTERNS, patterns)
    con.register(_OTHERS, others)
    try:
        reader = con.sql(query.sql("duckdb")).to_arrow_reader(batch)
        yield from reader
        reader.close()
    finally:
        for name in [_PATTERNS, _OTHERS]:
            con.unregister(name)
