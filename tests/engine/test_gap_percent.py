"""A failing comparison's gap as a share of its bound (``gap_percent``, shown as "12.3%"): exact
at any size, rounded half to even at the tenth."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from clausewise.evaluate import leaves


def _exact(gap: int | Decimal, bound: int | Decimal) -> Decimal:
    """The reference: the share as an exact fraction, rounded half to even by ``round``."""
    return Decimal(f"{round(Fraction(gap) * 1000 / abs(Fraction(bound)))}E-1")


@pytest.mark.parametrize("gap, bound, shown", [
    (1, 3, "33.3"), (2, 3, "66.7"), (1, 8, "12.5"), (3, 16, "18.8"), (1, 16, "6.2"), (1, 2000, "0.0"),
    (1, 1999, "0.1"), (Decimal("0.01"), Decimal("4.0"), "0.2"), (5, -10, "50.0"), (0, 7, "0.0"),
    # a constant of 26 digits and more against a small figure: Decimal's 28 digits raised InvalidOperation
    (10 ** 26, 1, "1" + "0" * 28 + ".0"), (10 ** 40 - 1, 3, str((10 ** 42 - 100) // 3) + ".0"),
    (2 ** 63, 2 ** 31, str(2 ** 32 * 100) + ".0"),
])
def test_known_shares(gap, bound, shown):
    assert str(leaves._percent(gap, bound)) == shown


def test_no_share_without_a_number_bound():
    assert leaves._percent(1, 0) is None
    assert leaves._percent(1, True) is None
    assert leaves._percent(None, 5) is None


_numbers = st.one_of(st.integers(-(10 ** 40), 10 ** 40),
                     st.decimals(min_value=-(10 ** 20), max_value=10 ** 20, places=4, allow_nan=False, allow_infinity=False))


@given(_numbers, _numbers.filter(bool))
def test_equals_the_exact_fraction(gap, bound):
    assert leaves._percent(gap, bound) == _exact(gap, bound)
