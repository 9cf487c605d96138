"""Figures measured on a columnar engine (DuckDB embedded; the same SQL on Spark).

A policy's figure plan (:mod:`clausewise.evaluate.figuretable`) is lowered to SQL built with
sqlglot (:mod:`.lower`, :mod:`.items` for counts of related items by a monthly test, :mod:`.sql`)
and run by DuckDB (:mod:`.duck`) or Spark (:mod:`.spark`); :mod:`.engine` prepares an
evaluation (lowering before any data is read) and :mod:`.scan` lets DuckDB read and validate
the CSV files only SQL needs, with the reader's rejected rows. The leaf statuses are computed
from the figure table by the same function as on the Python path; what is not lowered yet is
measured by the Python evaluator, aggregate by aggregate. This package never imports clingo.
"""
