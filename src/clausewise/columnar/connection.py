"""A DuckDB connection with a memory budget, spilling into a private temporary directory.

DuckDB keeps up to 80% of the machine's memory for itself unless told otherwise, and an
in-memory database spills into ``.tmp`` under the current directory. An audit shares the
machine with the Python side of the evaluation (the tables the reader loads, the solver), so
each connection here gets :func:`memory_budget` (an eighth of physical memory, at least 1 GiB)
and spills beyond it into a fresh directory under the system's temporary directory, removed
when the connection closes. Workload 3 at full size (93 M rows) keeps the whole process under
6 GiB this way on a 24 GiB machine (docs/benchmarks.md).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Iterator

import duckdb

#: DuckDB's share of physical memory (1/8), and the least it gets
MEMORY_SHARE = 8
MIN_BUDGET = 1 << 30


def memory_budget() -> int:
    """Bytes DuckDB may keep in memory before it spills: an eighth of physical memory, at least 1 GiB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # a platform without these: DuckDB's least sensible share
        return MIN_BUDGET
    return max(MIN_BUDGET, total // MEMORY_SHARE)


@contextlib.contextmanager
def connect(threads: int | None = None, budget: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection limited to ``budget`` bytes (default :func:`memory_budget`),
    spilling into its own temporary directory; closed, and the directory removed, on exit."""
    with tempfile.TemporaryDirectory(prefix="clausewise-duckdb-") as spill:
        limit = f"{(budget or memory_budget()) >> 20}MiB"
        config: dict[str, str | bool | int | float | list[str]] = {"memory_limit": limit, "temp_directory": spill}
        if threads is not None:
            config["threads"] = max(1, int(threads))
        con = duckdb.connect(":memory:", config=config)
        try:
            yield con
        finally:
            con.close()
