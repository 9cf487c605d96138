"""Figure values as clingo terms: the term order is the value order, exactly, at any size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import clingo
from hypothesis import given, settings
from hypothesis import strategies as st

from clausewise.asp.solve import value_symbol
from clausewise.asp.terms import number_from_parts, number_parts, term_text

NUMBERS = st.one_of(
    st.integers(-(10**40), 10**40),
    st.integers(-(2**64), 2**64),
    st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, 2**31 + 1, 2**32, 2**63 - 1, 2**63, -(2**31), -(2**63), 10**9, 10**9 - 1,
                     10**18, 10**30]),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**12), max_value=10**12),
    st.decimals(allow_nan=False, allow_infinity=False, places=12, min_value=-10, max_value=10),
    st.sampled_from([Decimal("0.5"), Decimal("0.50"), Decimal("1.05"), Decimal("1.5"), Decimal("1.55"), Decimal("-1.5"),
                     Decimal("-1.55"), Decimal("1E-12"), Decimal("61.13333333333333333333333333333333"), Decimal("1E+30")]),
)


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


@settings(max_examples=600, deadline=None)
@given(NUMBERS, NUMBERS)
def test_number_terms_compare_as_the_numbers_do(a, b):
    sa, sb = value_symbol(a), value_symbol(b)
    expected = _sign((a > b) - (a < b))
    assert _sign((sa > sb) - (sa < sb)) == expected
    assert (sa == sb) == (a == b)


@settings(max_examples=300, deadline=None)
@given(NUMBERS)
def test_number_terms_read_back_exactly(a):
    assert number_from_parts(*number_parts(a)) == a
    assert str(value_symbol(a)) == term_text(a)  # the text the compiler writes is the symbol the solver gets


def test_the_solver_compares_terms_as_python_does():
    """Term order inside clingo (not only in its Python API): X < Y over values around 2^31, 2^63 and 10^30."""
    values = [-(2**63), -(2**31) - 1, Decimal("-1.55"), Decimal("-1.5"), -1, 0, Decimal("0.5"), 1, 2**31 - 1, 2**31,
              2**31 + 1, 2**32, 2**63 - 1, 2**63, 10**30]
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], "less(I,J) :- v(I,X), v(J,Y), X < Y. same(I,J) :- v(I,X), v(J,Y), X = Y.")
    with ctl.backend() as backend:
        for i, v in enumerate(values):
            backend.add_rule([backend.add_atom(clingo.Function("v", [clingo.Number(i), value_symbol(v)]))])
    ctl.ground([("base", [])])
    found: set[tuple[str, int, int]] = set()
    ctl.solve(on_model=lambda m: found.update((s.name, s.arguments[0].number, s.arguments[1].number)
                                              for s in m.symbols(atoms=True) if s.name in ("less", "same")))
    for i, a in enumerate(values):
        for j, b in enumerate(values):
            assert (("less", i, j) in found) == (a < b), (a, b)
            assert (("same", i, j) in found) == (a == b), (a, b)


def test_dates_months_bools_and_strings():
    assert value_symbol(dt.date(9999, 12, 31)).number == dt.date(9999, 12, 31).toordinal() < 2**31
    assert value_symbol(True) != value_symbol(1)  # a bool is not a number
    assert value_symbol('a "quoted" \\ name').string == 'a "quoted" \\ name'
    assert term_text('a "b"') == '"a \\"b\\""'
