"""Sorts: what an expression denotes (a value of a type, a window, a table, a relation ...), and
the rules the checker applies to value types: which compare, which mix, which are ordered."""

from __future__ import annotations

from dataclasses import dataclass

from clausewise.language import syntax
from clausewise.values.valuetypes import UNITS, ValueType, is_currency, is_money

CONVENTION = "period_day_count_convention"
CONVENTIONS = ("start_day_is_day_1", "start_day_excluded")
WINDOW_TYPE = ValueType("window")
#: Units that may be compared with each other (a count of shops is a number of merchants).
COMPATIBLE = {frozenset({"count", "merchants"})}
SCALAR_KINDS = UNITS | {"string", "bool", "date", "month"}


@dataclass(frozen=True)
class Sort:
    """What an expression denotes: a value, a window, or a way into the data."""

    kind: str  # value | window | table | column | relation | item | row | set | none
    vtype: ValueType | None = None
    table: str | None = None
    field: str | None = None

    @property
    def value_type(self) -> ValueType:
        """The type of the values (a value, a column, a set or a ladder has one)."""
        if self.vtype is None:
            raise TypeError(f"a {self.kind} has no value type")
        return self.vtype


def field_type(t: syntax.TypeExpr) -> ValueType:
    """The value type of a declared field or parameter type."""
    if t.name == "enum":
        return ValueType("enum", t.enum_values)
    if t.name == "money" and t.enum_values:
        return ValueType(t.enum_values[0])
    if t.name == "list" and t.element is not None:
        inner = field_type(t.element)
        return ValueType(inner.kind, inner.enum_values, is_list=True)
    return ValueType(t.name)


def compatible(a: ValueType, b: ValueType) -> bool:
    """Whether values of the two types may be compared or combined."""
    if a.kind == "number" or b.kind == "number":
        return (a.is_numeric or a.kind == "number") and (b.is_numeric or b.kind == "number")
    if a.kind == b.kind:
        return True
    if {a.kind, b.kind} <= {"string", "enum"}:
        return True
    return frozenset({a.kind, b.kind}) in COMPATIBLE


ORDERED = UNITS | {"number", "date", "month"}


def unit_hint(a: ValueType, b: ValueType) -> str:
    """Why two units do not mix, for a diagnostic's hint."""
    if is_money(a.kind) and is_money(b.kind):
        return ("amounts in different currencies do not mix: give the data and the bounds in one currency, "
                "or convert before loading")
    return "units must match: yuan with yuan, orders with orders"


def ordered(vtype: ValueType) -> bool:
    """Whether values of the type compare with < and >: units, currencies, numbers, dates, months."""
    return vtype.kind in ORDERED or is_currency(vtype.kind)


VALUE = "value"


def vsort(vtype: ValueType) -> Sort:
    """The sort of a value of ``vtype``."""
    return Sort(VALUE, vtype)
