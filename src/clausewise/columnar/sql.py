"""SQL through sqlglot's expression builder: identifiers quoted, values as typed literals.

No text from the data or the policy is ever pasted into SQL: statements are fixed templates
parsed once, whose ``:placeholders`` are replaced by sqlglot expressions
(:func:`sqlglot.expressions.replace_placeholders`), and every value becomes a literal node
(:func:`literal`), so sqlglot writes the quoting and escaping for each dialect.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

#: the precision of every exact number: DECIMAL(38, s); whole numbers in SQL are DECIMAL(38, 0)
PRECISION = 38
#: the column beside a decimal field holding the decimal places each value was written with
SCALE = "scale:"


class Unsupported(Exception):
    """A construct the columnar engine does not lower yet (the figure is measured in Python)."""


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def col(table: str, name: str) -> exp.Column:
    return exp.column(ident(name), table=ident(table))


def decimal_type(scale: int) -> exp.DataType:
    return exp.DataType.build(f"DECIMAL({PRECISION}, {scale})")


def literal(value: Any) -> exp.Expr:
    """A typed SQL literal for a policy or data value (int, Decimal, bool, str, date)."""
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        if abs(value) >= 10**PRECISION:
            raise Unsupported(f"integer {value} beyond {PRECISION} digits")
        return exp.cast(exp.Literal.string(str(value)), decimal_type(0))
    if isinstance(value, Decimal):
        sign, digits, exponent = value.as_tuple()
        if not isinstance(exponent, int):
            raise Unsupported(f"not a finite number: {value}")
        scale = max(-exponent, 0)
        if len(digits) + max(exponent, 0) > PRECISION or scale > PRECISION:
            raise Unsupported(f"decimal {value} beyond DECIMAL({PRECISION})")
        return exp.cast(exp.Literal.string(f"{value:f}"), decimal_type(scale))
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
    raise Unsupported(f"no SQL literal for {type(value).__name__} values")


@lru_cache(maxsize=None)
def _parsed(text: str) -> exp.Expr:
    return sqlglot.parse_one(text)


def template(text: str, **parts: Any) -> exp.Select:
    """A fixed SQL query (program text, never data) with ``:name`` placeholders replaced by
    the given expressions (a str is an identifier)."""
    values = {k: ident(v) if isinstance(v, str) else v for k, v in parts.items()}
    query = exp.replace_placeholders(_parsed(text).copy(), **values)
    assert isinstance(query, exp.Select)
    return query


#: the bound spans of each entity (e) and item (k) of a relation merged into islands(e, k, s, t):
#: overlapping or touching spans are one, an open span (t NULL) takes in every later start
ISLANDS_CTE = """
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
  FROM numbered GROUP BY e, k, island)
"""
