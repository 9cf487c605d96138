"""A hand-written DuckDB query of policies/tier.policy's silver decision over raw rows: the
reference for the columnar engine's time (benchmarks/columnar.py). No row validation, no
explanation; bindings are joined directly (each shop is bound once in the generated data).

    python benchmarks/columnar_hand.py DATA_DIR   # prints {provider: tier} as JSON
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

QUERY = """
WITH daily AS (
  SELECT * FROM read_csv($daily, header = true,
    columns = {'shop_id': 'VARCHAR', 'date': 'DATE', 'paid_orders': 'BIGINT', 'gift_orders': 'BIGINT'})),
bindings AS (
  SELECT * FROM read_csv($bindings, header = true,
    columns = {'provider_id': 'VARCHAR', 'shop_id': 'VARCHAR', 'bound_on': 'DATE', 'unbound_on': 'DATE'})),
shops AS (SELECT * FROM read_csv($shops, header = true, columns = {'shop_id': 'VARCHAR', 'main_category': 'VARCHAR'})),
providers AS (SELECT * FROM read_csv($providers, header = true, columns = {'provider_id': 'VARCHAR', 'tier': 'VARCHAR'})),
thresholds AS (SELECT unnest($categories::VARCHAR[]) AS category, unnest($standards::BIGINT[]) AS standard),
bound AS (
  SELECT b.provider_id, d.shop_id, date_trunc('month', d.date) AS month, d.paid_orders, d.gift_orders
  FROM daily d JOIN bindings b ON d.shop_id = b.shop_id AND d.date >= b.bound_on
    AND (b.unbound_on IS NULL OR d.date < b.unbound_on)
  WHERE d.date BETWEEN $first AND $last),
per_shop AS (
  SELECT provider_id, shop_id, month, sum(paid_orders + gift_orders)::HUGEINT AS orders,
         bool_or(paid_orders > 0 OR gift_orders > 0) AS active
  FROM bound GROUP BY ALL),
figures AS (
  SELECT s.provider_id, sum(s.orders) AS paid, count(DISTINCT s.shop_id) FILTER (WHERE s.active) AS active,
         count(DISTINCT s.shop_id) FILTER (WHERE s.orders > t.standard) AS qualified
  FROM per_shop s JOIN shops USING (shop_id) JOIN thresholds t ON t.category = shops.main_category
  GROUP BY s.provider_id)
SELECT p.provider_id, CASE WHEN p.tier IN ('gold', 'diamond') THEN p.tier
  WHEN coalesce(f.paid, 0) >= 9000000 AND (coalesce(f.active, 0) >= 1000 OR coalesce(f.qualified, 0) >= 150)
  THEN 'silver' ELSE 'base' END AS tier
FROM providers p LEFT JOIN figures f USING (provider_id) ORDER BY 1
"""


def main(data: Path) -> None:
    params = json.loads((data / "params.json").read_text("utf-8"))
    standards = params["qualified_merchant_monthly_order_threshold"]
    first, last = params["evaluation_period"].split("..")
    import datetime as dt

    start = dt.date.fromisoformat(first + "-01")
    end_month = dt.date.fromisoformat(last + "-01")
    end = (end_month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    rows = duckdb.execute(QUERY, {
        "daily": str(data / "shop_daily.csv"), "bindings": str(data / "bindings.csv"), "shops": str(data / "shops.csv"),
        "providers": str(data / "providers.csv"), "categories": list(standards), "standards": list(standards.values()),
        "first": start, "last": end}).fetchall()
    print(json.dumps(dict(rows)))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
