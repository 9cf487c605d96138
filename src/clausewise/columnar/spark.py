"""The same lowered queries on Spark: the SQL sqlglot writes for Spark, run through pyspark.

Exactness on Spark: whole numbers are handed over as DECIMAL(38, 0), so a sum is a
DECIMAL(38, 0), never a BIGINT that could wrap; decimals as DECIMAL(38, s); dates as DATE (a
month is ``TRUNC(date, 'MONTH')``, a DATE, never a timestamp in the session's time zone).
The session must have ANSI mode on (an overflow is an error, not a NULL or a wrapped value):
:func:`session` sets it and refuses a session where it is off.

The master is ``local[2]`` unless ``CLAUSEWISE_SPARK_MASTER`` names another
(``spark://host:7077``, ``yarn``, ...). pyspark is the optional extra ``spark``.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from typing import Any, Callable, Mapping

from clausewise.columnar.duck import ColumnarEvaluator, keyed
from clausewise.columnar.items import ItemsLowered
from clausewise.columnar.sql import SCALE
from clausewise.evaluate.measure import Data
from clausewise.language.diagnostics import ClausewiseError
from clausewise.values.valuetypes import INTEGRAL_UNITS, TableSchema, is_decimal_unit

_SESSION: Any = None


def session() -> Any:
    """The process's Spark session (made once), with ANSI mode on and dates in UTC."""
    global _SESSION
    if _SESSION is None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise ClausewiseError.simple("--engine", "the Spark engine needs pyspark",
                                         "install the extra: pip install 'clausewise[spark]' (and Java 17)") from None
        builder = (SparkSession.builder.master(os.environ.get("CLAUSEWISE_SPARK_MASTER", "local[2]"))
                   .appName("clausewise").config("spark.sql.ansi.enabled", "true")
                   .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
                   .config("spark.sql.shuffle.partitions", "2").config("spark.ui.showConsoleProgress", "false"))
        _SESSION = builder.getOrCreate()
        _SESSION.sparkContext.setLogLevel("ERROR")
    if _SESSION.conf.get("spark.sql.ansi.enabled").lower() != "true":
        raise ClausewiseError.simple("--engine", "the Spark session has ANSI mode off: sums could wrap or turn NULL",
                                     "set spark.sql.ansi.enabled=true")
    return _SESSION


def _frame(spark: Any, schema: TableSchema, rows: list[dict]) -> Any:
    from pyspark.sql import types as T

    fields: list = []
    getters: list[Callable[..., Any]] = []  # a row's cell of each field, as Spark takes it
    for f in schema.fields:
        kind = f.type.kind
        if f.type.is_list or kind == "month":
            continue
        if kind in INTEGRAL_UNITS:
            fields.append(T.StructField(f.name, T.DecimalType(38, 0)))
            getters.append(lambda r, n=f.name: None if r.get(n) is None else Decimal(r[n]))
        elif is_decimal_unit(kind):
            top = max((-r[f.name].as_tuple().exponent for r in rows if r.get(f.name) is not None), default=0)
            fields.append(T.StructField(f.name, T.DecimalType(38, max(top, 0))))
            getters.append(lambda r, n=f.name: r.get(n))
            fields.append(T.StructField(SCALE + f.name, T.IntegerType()))
            getters.append(lambda r, n=f.name: None if r.get(n) is None else max(-r[n].as_tuple().exponent, 0))
        elif kind == "date":
            fields.append(T.StructField(f.name, T.DateType()))
            getters.append(lambda r, n=f.name: r.get(n))
        elif kind == "bool":
            fields.append(T.StructField(f.name, T.BooleanType()))
            getters.append(lambda r, n=f.name: r.get(n))
        elif kind in ("string", "enum"):
            fields.append(T.StructField(f.name, T.StringType()))
            getters.append(lambda r, n=f.name: None if r.get(n) is None else str(r[n]))
    data = [tuple(g(r) for g in getters) for r in rows]
    return spark.createDataFrame(data, T.StructType(fields))


def run_spark(lowered: Mapping[int, Any], tables: Mapping[str, list[dict]], schemas: Mapping[str, TableSchema]
              ) -> tuple[dict[int, Any], dict[int, str]]:
    """Every lowered query run on Spark, in the shape :func:`clausewise.columnar.duck.run` gives."""
    spark = session()
    names = sorted({t for low in lowered.values() for t in low.tables})
    frames = {}
    for name in names:  # cached: a frame made from Python rows would be serialized again by every query
        frames[name] = _frame(spark, schemas[name], list(tables.get(name, ()))).cache()
        frames[name].createOrReplaceTempView(name)
    results: dict[int, Any] = {}
    refused: dict[int, str] = {}
    for key, low in lowered.items():
        try:
            rows = [r.asDict() for r in spark.sql(low.query.sql("spark")).collect()]
            if isinstance(low, ItemsLowered):
                by_entity: dict[Any, dict] = {}
                for r in rows:
                    by_entity.setdefault(r["k"], {})[r["item"]] = r
                zero = spark.sql(low.zero.sql("spark")).collect()[0][0]
                results[key] = {"zero": int(zero), "rows": by_entity}
            else:
                results[key] = keyed(low, [{**r, "u": _day(r.get("u"))} for r in rows])
        except Exception as error:  # pyspark raises its own exception types: measured in Python instead
            refused[key] = str(error).splitlines()[0][:300]
    for name in names:
        spark.catalog.dropTempView(name)
        frames[name].unpersist()
    return results, refused


def _day(value: Any) -> Any:
    return value.date() if isinstance(value, dt.datetime) else value


def spark_evaluator(prepared, tables: Mapping[str, Any]) -> ColumnarEvaluator:
    """The evaluator whose lowered aggregates were measured on Spark (every table from the reader)."""
    c = prepared.checked
    rows = {n: t.rows for n, t in tables.items()}
    results, failed = run_spark(prepared.lowered, rows, c.tables)
    for k, message in failed.items():
        prepared.why[prepared.text(prepared.lowered[k].node)] = f"not run: {message}"
    return ColumnarEvaluator(c, Data(dict(rows)), prepared.params, prepared.as_of, prepared.convention,
                             prepared.lowered, results)
