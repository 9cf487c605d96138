"""Value types of the policy language and of table fields.

Quantities carry a unit (orders, yuan, ...) so that the checker can refuse to compare
yuan with orders. Numbers are exact: integral units hold ``int``, decimal units hold
``decimal.Decimal``; binary floats never appear.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Union

#: Units whose values are whole numbers (counts).
INTEGRAL_UNITS = frozenset({"count", "orders", "points", "merchants", "days"})
#: Units whose values are exact decimals.
DECIMAL_UNITS = frozenset({"yuan", "rate", "score"})
UNITS = INTEGRAL_UNITS | DECIMAL_UNITS


def is_currency(kind: str | None) -> bool:
    """A currency code as a unit (``money(USD)``, ``1,000 USD``): three capital letters. Each
    currency is its own unit, so dollars never mix with euros or yuan; amounts are exact
    decimals with at most two places, like yuan."""
    return kind is not None and len(kind) == 3 and kind.isascii() and kind.isalpha() and kind.isupper()


def is_money(kind: str | None) -> bool:
    """yuan or a currency code: amounts with at most two decimal places."""
    return kind == "yuan" or is_currency(kind)


def is_decimal_unit(kind: str | None) -> bool:
    return kind in DECIMAL_UNITS or is_currency(kind)


class OutOfCalendar(ValueError):
    """A day or month beyond the calendar (0001-01-01 to 9999-12-31)."""


#: the calendar's range, as the evaluation and its messages state it
CALENDAR = "the calendar (0001-01-01 to 9999-12-31)"


@dataclass(frozen=True, order=True)
class Month:
    """A natural month, e.g. ``2024-02``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"no such month {self.year:04d}-{self.month:02d}")
        if not 1 <= self.year <= 9999:
            raise OutOfCalendar(f"month {self.year:04d}-{self.month:02d} is beyond {CALENDAR}")

    @classmethod
    def of(cls, day: dt.date) -> "Month":
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> "Month":
        parts = text.strip().split("-")
        if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2:
            raise ValueError(f"not a month (YYYY-MM): {text!r}")
        return cls(int(parts[0]), int(parts[1]))

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        if self.month == 12:  # 9999-12 has a last day, though it has no next month
            return dt.date(self.year, 12, 31)
        return Month(self.year, self.month + 1).first_day - dt.timedelta(days=1)

    @property
    def index(self) -> int:
        """Months since the year 0: ``Month.at(m.index + n)`` is ``m.shift(n)``."""
        return self.year * 12 + self.month - 1

    @classmethod
    def at(cls, index: int) -> "Month":
        """The month with this :attr:`index`; OutOfCalendar beyond 0001-01 .. 9999-12."""
        if not 12 <= index <= 9999 * 12 + 11:
            raise OutOfCalendar(f"month number {index} (year {index // 12}) is beyond {CALENDAR}")
        return cls(index // 12, index % 12 + 1)

    def shift(self, months: int) -> "Month":
        """The month ``months`` later (earlier when negative); OutOfCalendar past 9999-12 or before 0001-01."""
        index = self.index + months
        if not 12 <= index <= 9999 * 12 + 11:
            raise OutOfCalendar(f"{self} {'+' if months >= 0 else '-'} {abs(months)} months is beyond {CALENDAR}")
        return Month(index // 12, index % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


Scalar = Union[int, Decimal, bool, str, dt.date, Month, None]


@dataclass(frozen=True)
class ValueType:
    """The static type of a field, parameter or expression.

    ``kind`` is a unit from :data:`UNITS`, one of ``string``, ``bool``, ``date``, ``month``, ``enum``, or ``"number"`` for a
    bare literal that takes the unit of what it is compared with.
    """

    kind: str
    enum_values: tuple[str, ...] = ()
    is_list: bool = False

    @property
    def is_numeric(self) -> bool:
        return self.kind in UNITS or self.kind == "number" or is_currency(self.kind)

    @property
    def is_integral(self) -> bool:
        return self.kind in INTEGRAL_UNITS

    def __str__(self) -> str:
        base = (f"enum({', '.join(self.enum_values)})" if self.kind == "enum"
                else f"money({self.kind})" if is_currency(self.kind) else self.kind)
        return f"list({base})" if self.is_list else base


NUMBER = ValueType("number")
BOOL = ValueType("bool")
DATE = ValueType("date")
MONTH = ValueType("month")
STRING = ValueType("string")
DAYS = ValueType("days")
COUNT = ValueType("count")


@dataclass(frozen=True)
class FieldSchema:
    """One column of a table as a policy declares it."""

    name: str
    type: ValueType
    optional: bool = False
    #: ``(table, field)`` this column refers to, if any (``-> shops``).
    references: tuple[str, str] | None = None


@dataclass(frozen=True)
class TableSchema:
    """A table of the data dictionary, as far as a policy reads it."""

    name: str
    fields: tuple[FieldSchema, ...]
    #: Fields that identify a row; no two rows may share them. Empty: no key.
    key: tuple[str, ...] = ()
    #: The date or month column that places a row in time (``by date``), if any.
    time_field: str | None = None

    def field(self, name: str) -> FieldSchema | None:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        return None
