"""Which engine measures the figures: the Python evaluator (the reference) or a columnar one.

``python`` measures every figure in Python. ``duckdb`` measures the aggregates over rows that
:mod:`clausewise.columnar.lower` can lower in DuckDB and every other figure in Python; the
leaf statuses, the solving and the verdicts are the same code either way, so the verdicts are
the same (tests/test_columnar_engine.py compares the files).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Mapping

from clausewise.evaluate.measure import Data, Evaluator
from clausewise.language.diagnostics import ClausewiseError

ENGINES = ("python", "duckdb")


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ClausewiseError.simple("--engine", f"unknown engine '{engine}'", f"choose one of: {', '.join(ENGINES)}")


def make_evaluator(engine: str, checked, leaves: list[tuple[str, Any]], rows: Mapping[str, Any], params: dict[str, Any],
                   as_of: dt.date, convention: str, text: Callable[[Any], str]) -> Evaluator:
    """The evaluator of an evaluation on ``engine`` over the loaded rows."""
    check_engine(engine)
    if engine == "python":
        return Evaluator(checked, Data(dict(rows)), params, as_of, convention)
    from clausewise.columnar.duck import for_policy  # DuckDB is imported only when it is used

    ev, _why = for_policy(checked, leaves, rows, params, as_of, convention, text)
    return ev
