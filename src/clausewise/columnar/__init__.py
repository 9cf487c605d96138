"""Figures measured on a columnar engine (DuckDB embedded; the same SQL for Spark).

A policy's figure plan (:mod:`clausewise.evaluate.figuretable`) is lowered to SQL built with
sqlglot (:mod:`clausewise.columnar.lower`, :mod:`clausewise.columnar.sql`) and run by DuckDB
(:mod:`clausewise.columnar.duck`); the leaf statuses are computed from the figure table by the
same function as on the Python path. What is not lowered yet is measured by the Python
evaluator, figure by figure. This package never imports clingo.
"""
