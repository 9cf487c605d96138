"""A comparison leaf's record texts (observed value, bound, gap) as SQL, compiled from the
definitions Python writes them with (:mod:`clausewise.values.texts`).

For a leaf that compares a whole-number field with a whole-number constant, the record shows
(:meth:`clausewise.report.columns.VerdictColumns.leaf_cells`) the observed value and the bound
as :data:`~clausewise.values.texts.WHOLE_FORMAT` writes them, and, when the comparison fails,
its gap (:data:`~clausewise.values.texts.GAPS`). Here the same format string becomes DuckDB's
``format()`` and the same gap rule SQL arithmetic on HUGEINT (128 bits: a 64-bit field minus a
constant of at most 38 digits does not leave it), so DuckDB writes every entity's texts in the
columnar pass; the constant's own text is made in Python, once. tests/columnar/test_texts.py
compares both forms on every comparison, on both sides, around 0, 2^31, 2^63 and 10^20.
"""

from __future__ import annotations

from sqlglot import exp

from clausewise.columnar.sql import literal
from clausewise.values.texts import GAPS, WHOLE_FORMAT, Gap, whole_text

_HUGEINT = "HUGEINT"
_COMPARE = {">=": exp.GTE, ">": exp.GT, "<=": exp.LTE, "<": exp.LT, "=": exp.EQ, "!=": exp.NEQ}
#: the comparisons :func:`leaf_texts` compiles
OPS = frozenset(_COMPARE)


def _huge(n: int) -> exp.Expr:
    return exp.cast(exp.Literal.string(str(n)), _HUGEINT)


def whole_sql(value: exp.Expr) -> exp.Expr:
    """The text of a whole number (any SQL whole-number type) as :func:`whole_text` writes it."""
    number = exp.cast(value, _HUGEINT)

    def written(v: exp.Expr) -> exp.Expr:
        return exp.func("format", exp.Literal.string(WHOLE_FORMAT), v)

    # DuckDB's format() takes about 20 times as long for a HUGEINT as for a BIGINT (4.3 against 0.2 µs)
    fits = exp.Between(this=number.copy(), low=_huge(-(2 ** 63)), high=_huge(2 ** 63 - 1))
    return exp.Case(ifs=[exp.If(this=fits, true=written(exp.cast(number.copy(), "BIGINT")))], default=written(number))


def gap_sql(gap: Gap, observed: exp.Expr, bound: exp.Expr) -> exp.Expr:
    """:meth:`Gap.of` of two whole numbers, in HUGEINT."""
    o, b = exp.cast(observed, _HUGEINT), exp.cast(bound, _HUGEINT)
    if gap.order == "distance":
        return exp.Abs(this=exp.Sub(this=o, expression=b))
    diff = exp.Sub(this=b, expression=o) if gap.order == "bound - observed" else exp.Sub(this=o, expression=b)
    return exp.Add(this=exp.Paren(this=diff), expression=exp.Literal.number(1)) if gap.strict else diff


def leaf_texts(op: str, value: exp.Expr, constant: int, figure_first: bool) -> tuple[exp.Expr, exp.Expr, exp.Expr]:
    """The observed value, bound and gap texts (SQL) of ``value op constant`` (``figure_first``)
    or ``constant op value``, for a present whole-number ``value``."""
    text = exp.Literal.string(whole_text(constant))
    number = exp.cast(literal(constant), _HUGEINT)
    observed, bound = (value, number) if figure_first else (number, value)
    passes = _COMPARE[op](this=exp.cast(observed.copy(), _HUGEINT), expression=exp.cast(bound.copy(), _HUGEINT))
    rule = GAPS.get(op)
    gap = exp.Literal.string("") if rule is None else exp.Case(
        ifs=[exp.If(this=passes, true=exp.Literal.string(""))], default=whole_sql(gap_sql(rule, observed.copy(), bound.copy())))
    return (whole_sql(value.copy()), text, gap) if figure_first else (text, whole_sql(value.copy()), gap)
