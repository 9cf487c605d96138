"""Figure values as clingo terms whose order is the values' order, exactly, at any size.

clingo integers are signed 32-bit and wrap silently, so a number never enters the program as
a plain integer. It is the term ``q(Sign, Exponent, Limbs)``:

* ``Sign`` is -1, 0 or 1;
* ``Exponent`` is the position of the leading base-10^9 limb (1 for 1 ≤ |v| < 10^9, 2 up to
  10^18, 0 for 10^-9 ≤ |v| < 1, ...), negated for negative numbers;
* ``Limbs`` are the limbs from the leading one, each below 10^9, trailing zero limbs dropped,
  as nested pairs ``(L1,(L2,()))``; for a negative number the limbs are negated and the list
  ends in ``#sup`` instead of ``()``.

clingo orders function terms by arity, then name, then arguments left to right; integers by
value; ``()`` below a pair and ``#sup`` above everything. So ``q`` terms compare as their
numbers do (``1.5 < 1.55 < 2 < 10^30``, ``-2 < -1.55 < -1.5 < 0``) and equal numbers
(``1.50``, ``1.5``) are the same term. Dates are day numbers (``date.toordinal()``, below
3,652,060), months are month numbers (year × 12 + month − 1), bools the constants ``true`` and
``false``, strings and enum values string terms. :func:`decode` inverts :func:`encode` (the
explanation reads values back from the answer's terms through it).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from clausewise.asp.text import q
from clausewise.values.valuetypes import Month

LIMB = 10**9
LIMB_DIGITS = 9


def number_parts(value: int | Decimal) -> tuple[int, int, tuple[int, ...]]:
    """(sign, exponent, limbs) of a number, as :func:`term_text` writes them (see the module
    doc). Exact: no step rounds (Decimal's context precision is never applied)."""
    if value == 0:
        return 0, 0, ()
    sign = 1 if value > 0 else -1
    _, digit_tuple, exponent10 = (Decimal(value) if isinstance(value, int) else value).as_tuple()
    assert isinstance(exponent10, int), "finite numbers only"
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    stripped = digits.rstrip("0")
    exponent10 += len(digits) - len(stripped)  # value = stripped × 10^exponent10
    point = len(stripped) + exponent10  # where the decimal point falls, counted from the left
    left_pad = (-point) % LIMB_DIGITS  # pad so that the point falls on a limb boundary
    padded = "0" * left_pad + stripped
    point += left_pad
    padded += "0" * ((-len(padded)) % LIMB_DIGITS)
    limbs = [int(padded[i:i + LIMB_DIGITS]) for i in range(0, len(padded), LIMB_DIGITS)]
    exponent = point // LIMB_DIGITS  # whole limbs before the point
    while limbs[0] == 0:
        limbs.pop(0)
        exponent -= 1
    while limbs[-1] == 0:
        limbs.pop()
    return sign, exponent * sign, tuple(limbs)


def number_from_parts(sign: int, exponent: int, limbs: tuple[int, ...]) -> int | Decimal:
    """The number :func:`number_parts` took apart (an int when it is whole), exactly."""
    if sign == 0:
        return 0
    digits = tuple(int(c) for c in "".join(f"{limb:09d}" for limb in limbs))
    value = Decimal((0 if sign > 0 else 1, digits, (exponent * sign - len(limbs)) * LIMB_DIGITS))
    if value == value.to_integral_value():
        return int(value)
    _, ds, exp = value.as_tuple()
    assert isinstance(exp, int)
    while ds and ds[-1] == 0:  # trailing zeros of the fraction, dropped without rounding
        ds, exp = ds[:-1], exp + 1
    return Decimal((0 if sign > 0 else 1, ds, exp))


_KINDS: dict[type, str] = {int: "number", Decimal: "number", bool: "bool", str: "string", dt.date: "date", Month: "month"}


def kind_of(value: Any) -> str:
    """The term kind of a value: number, date, month, bool or string ('' when it has no term)."""
    kind = _KINDS.get(type(value))
    if kind is not None:
        return kind
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, Decimal)):
        return "number"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, Month):
        return "month"
    if isinstance(value, str):
        return "string"
    return ""


def term_text(value: Any) -> str:
    """A value as ASP term text (for facts the compiler writes: parameter defaults, literals)."""
    kind = kind_of(value)
    if kind == "number":
        sign, exponent, limbs = number_parts(value)
        tail = "#sup" if sign < 0 else "()"
        for limb in reversed(limbs):
            tail = f"({limb * (1 if sign >= 0 else -1)},{tail})"
        return f"q({sign},{exponent},{tail})"
    if kind == "date":
        return str(value.toordinal())
    if kind == "month":
        return str(value.year * 12 + value.month - 1)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "string":
        return q(value)
    raise TypeError(f"no term for {value!r}")
