"""The lowered queries on Spark (pyspark, local[2]) give DuckDB's and Python's figure tables
and verdicts on every bundled example.

Needs pyspark (the ``spark`` extra, installed by ./dev test) and Java 17. In CI (CI=true) these
tests are required; elsewhere they are skipped when pyspark or Java is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil

import pytest

from clausewise.columnar.spark import session, spark_evaluator
from clausewise.engine.policy import load_policy
from clausewise.evaluate import computed
from clausewise.evaluate.figuretable import FigureProducer
from clausewise.evaluate.measure import Scope
from tests.support import EXAMPLES, POLICIES
from tests.columnar.test_columnar_duckdb import BUNDLED, figure_tables, params_of, resolve

pytestmark = pytest.mark.slow

HOW = "install the extra (pip install -e '.[test,spark]', as ./dev test does) and Java 17 to run the Spark tests"


@pytest.fixture(scope="session")
def spark():
    try:
        import pyspark  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("pyspark is missing in CI: " + HOW)
        pytest.skip("pyspark is not installed: " + HOW)
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        if os.environ.get("CI") == "true":
            pytest.fail("Java is missing in CI: " + HOW)
        pytest.skip("Java is not installed: " + HOW)
    return session()


def test_spark_figure_tables_equal_duckdbs_and_pythons_on_every_example(spark):
    from clausewise.columnar.engine import prepare

    assert spark.conf.get("spark.sql.ansi.enabled") == "true"
    for name, as_of, with_params in BUNDLED:
        policy = load_policy(POLICIES / f"{name}.policy")
        params = params_of(name, with_params)
        python, duck, _, _ = figure_tables(policy, EXAMPLES / name, as_of, params)
        assert python == duck, name
        day = dt.date.fromisoformat(as_of)
        values, convention = resolve(policy.checked, params, day)
        prepared = prepare(policy.checked, [(leaf.id, leaf.cond) for leaf in policy.plan.leaves()], values, day,
                           convention, policy.source_text, EXAMPLES / name, backend="spark")
        tables = policy.load_data(EXAMPLES / name)
        ev = spark_evaluator(prepared, tables)
        assert not [m for m in prepared.why.values() if m.startswith("not run")], (name, prepared.why)
        producer = FigureProducer(prepared.plan, ev, policy.source_text)
        table = policy.checked.entity_table
        rows = {n: t.rows for n, t in tables.items()}
        on_spark = {entity: producer.entity(Scope(row, table, row))
                    for entity, row in sorted(computed.entity_rows(policy.checked, rows[table]).items())}
        assert on_spark == python, name


def test_spark_verdicts_equal_pythons(spark):
    policy = load_policy(POLICIES / "renew.policy")
    params = json.loads((EXAMPLES / "renew" / "params.json").read_text("utf-8"))
    python = policy.evaluate(EXAMPLES / "renew", "2024-06-30", params)
    on_spark = policy.evaluate(EXAMPLES / "renew", "2024-06-30", params, engine="spark")
    assert [v.model_dump_json() for v in python.verdicts] == [v.model_dump_json() for v in on_spark.verdicts]
    assert python.accounting == on_spark.accounting
