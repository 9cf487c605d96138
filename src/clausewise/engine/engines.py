"""Which engine measures the figures: the Python evaluator (the reference) or a columnar one.

``python`` reads every table with the Python reader and measures every figure in Python.
``duckdb`` lowers the aggregates over rows it can (:mod:`clausewise.columnar`), reads the CSV
files of tables only those read in DuckDB itself (validated with the reader's rejected rows and
accounting), runs the queries, and measures every other figure in Python; the leaf statuses,
the solving and the verdicts are the same code either way, so the verdicts are the same
(tests/columnar/test_columnar_engine.py compares the files). ``spark`` runs the same queries on Spark
(:mod:`clausewise.columnar.spark`; every table read by the Python reader).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, MutableMapping, Sequence

from clausewise.evaluate.measure import Data, Evaluator
from clausewise.language.diagnostics import ClausewiseError

ENGINES = ("python", "duckdb", "spark")
#: what the CLI's ``explain`` and one-day ``audit`` measure with when ``--engine`` is not given (a
#: ``--from/--to`` range runs on python, its only engine); the library's ``Policy.evaluate`` keeps python
CLI_DEFAULT_ENGINE = "duckdb"


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ClausewiseError.simple("--engine", f"unknown engine '{engine}'", f"choose one of: {', '.join(ENGINES)}")


def engine_label(engine: str) -> str:
    """What measured the figures, for the decision record: ``python``, or the columnar engine and
    the version of its library (``duckdb 2.0.1``; ``spark`` with pyspark's)."""
    check_engine(engine)
    if engine == "python":
        return engine
    from importlib.metadata import version  # only for a columnar engine's record

    return f"{engine} {version('duckdb' if engine == 'duckdb' else 'pyspark')}"


class PythonEngine:
    """Every table read by the Python reader, every figure measured by the evaluator."""

    skip: set[str] = set()

    def __init__(self, checked, params: dict[str, Any], as_of: dt.date, convention: str):
        self.checked, self.params, self.as_of, self.convention = checked, params, as_of, convention

    def evaluator(self, tables: MutableMapping[str, Any]) -> Evaluator:
        rows = {name: t if hasattr(t, "by_field") else t.rows for name, t in tables.items()}
        return Evaluator(self.checked, Data(rows), self.params, self.as_of, self.convention)


def prepare(engine: str, checked, leaves: list[tuple[str, Any]], params: dict[str, Any], as_of: dt.date,
            convention: str, text: Callable[[Any], str], data: Any, entities: Sequence[str] | None = None) -> Any:
    """The engine, before the data are read: ``.skip`` names the tables the Python reader need
    not read, ``.evaluator(tables)`` gives the evaluator (adding the tables it read itself).
    ``entities``: the only entities evaluated, when named (a columnar engine reads only their rows)."""
    check_engine(engine)
    if engine == "python":
        return PythonEngine(checked, params, as_of, convention)
    from clausewise.columnar.engine import prepare as prepare_columnar  # DuckDB is imported only when used

    prepared = prepare_columnar(checked, leaves, params, as_of, convention, text, data, backend=engine, entities=entities)
    if checked.history_rules:  # a rule on another day is measured in Python from every table it reads
        prepared.scan = {}
    return prepared
