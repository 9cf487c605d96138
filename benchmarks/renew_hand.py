"""A hand-written DuckDB query of policies/renew.policy's renewal status over raw rows: the
reference for the columnar engine's time on workload 3 (benchmarks/columnar_renew.py). No row
validation, no explanation, no cool-down outcomes; bindings are joined directly (each shop is
bound once in the generated data, so its spans need no merging).

    python benchmarks/renew_hand.py DATA_DIR AS_OF [ATTRIBUTION]   # prints {provider: status} as JSON

ATTRIBUTION is renew.policy's ``order_attribution``: ``while_bound`` (the default) or
``whole_period_if_bound_during``.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import duckdb

QUERY = """
WITH daily AS (
  SELECT * FROM read_csv($daily, header = true,
    columns = {'shop_id': 'VARCHAR', 'date': 'DATE', 'paid_orders': 'BIGINT'})),
bindings AS (
  SELECT * FROM read_csv($bindings, header = true,
    columns = {'provider_id': 'VARCHAR', 'shop_id': 'VARCHAR', 'bound_on': 'DATE', 'unbound_on': 'DATE'})),
providers AS (
  SELECT * FROM read_csv($providers, header = true,
    columns = {'provider_id': 'VARCHAR', 'certified_on': 'DATE', 'regularized_on': 'DATE', 'revoked_on': 'DATE',
               'delisted_on': 'DATE'})),
deposits AS (
  SELECT provider_id, sum(amount_yuan)::HUGEINT AS paid FROM read_csv($deposits, header = true,
    columns = {'provider_id': 'VARCHAR', 'paid_on': 'DATE', 'amount_yuan': 'BIGINT'})
  WHERE paid_on <= $last GROUP BY provider_id),
orders AS (
  SELECT b.provider_id, sum(d.paid_orders)::HUGEINT AS orders
  FROM daily d JOIN bindings b ON d.shop_id = b.shop_id
  WHERE d.date BETWEEN $first AND $last AND CASE WHEN $whole
    THEN b.bound_on <= $last AND (b.unbound_on IS NULL OR b.unbound_on > $first)
    ELSE d.date >= b.bound_on AND (b.unbound_on IS NULL OR d.date < b.unbound_on) END
  GROUP BY b.provider_id)
SELECT p.provider_id, CASE
  WHEN NOT p.certified_on < DATE '2023-12-01' THEN 'not_applicable'
  WHEN p.regularized_on IS NULL OR p.regularized_on > DATE '2023-11-30' THEN 'not_applicable_not_formalized'
  WHEN NOT $as_of > $last THEN 'pending'
  WHEN coalesce(o.orders, 0) >= $threshold AND coalesce(d.paid, 0) >= 100000 THEN 'kept'
  ELSE 'revoked' END AS status
FROM providers p LEFT JOIN orders o USING (provider_id) LEFT JOIN deposits d USING (provider_id) ORDER BY 1
"""


def main(data: Path, as_of: str, attribution: str = "while_bound") -> None:
    rows = duckdb.execute(QUERY, {
        "daily": str(data / "shop_daily.csv"), "bindings": str(data / "bindings.csv"),
        "providers": str(data / "providers.csv"), "deposits": str(data / "provider_deposits.csv"),
        "first": dt.date(2023, 12, 1), "last": dt.date(2024, 2, 29), "as_of": dt.date.fromisoformat(as_of),
        "whole": attribution == "whole_period_if_bound_during", "threshold": 50_000}).fetchall()
    print(json.dumps(dict(rows)))


if __name__ == "__main__":
    main(Path(sys.argv[1]), *sys.argv[2:])
