"""How a verdict writes a whole number and a failing comparison's gap: one definition, two forms.

Python writes a whole number through :data:`WHOLE_FORMAT` (``str.format``) and a gap with
:data:`GAPS` (:func:`clausewise.evaluate.leaves.gap_of`); the columnar audit compiles the same
format string and the same gap rules to SQL (:mod:`clausewise.columnar.texts`), and
tests/columnar/test_texts.py compares the two forms on every comparison and on edge values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal

#: a whole number's text: its digits grouped by three from the right with ``,``, ``-`` before a
#: negative one (9,000,000 · -1,000 · 0). A replacement field that Python's ``str.format`` and
#: DuckDB's ``format()`` (the fmt library) both read the same way
WHOLE_FORMAT = "{:,}"

#: a whole number (a Python int) written as :data:`WHOLE_FORMAT` says
whole_text: Callable[[int], str] = WHOLE_FORMAT.format


@dataclass(frozen=True)
class Gap:
    """How far a failing comparison ``observed op bound`` is from passing (a positive number):
    ``bound - observed`` (``>=``, ``>``), ``observed - bound`` (``<=``, ``<``) or the distance
    between them (``=``); a strict comparison of whole numbers is one further."""

    order: Literal["bound - observed", "observed - bound", "distance"]
    strict: bool

    def of(self, observed: Any, bound: Any, integral: bool) -> Any:
        """The gap of two numbers (int or Decimal; ``integral``: both whole)."""
        if self.order == "distance":
            return abs(observed - bound)
        step = 1 if integral and self.strict else 0
        return (bound - observed if self.order == "bound - observed" else observed - bound) + step


#: the gap of each comparison that has one (``!=`` has none)
GAPS: dict[str, Gap] = {
    ">=": Gap("bound - observed", False), ">": Gap("bound - observed", True),
    "<=": Gap("observed - bound", False), "<": Gap("observed - bound", True),
    "=": Gap("distance", False),
}
