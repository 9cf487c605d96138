"""The data of examples/toprated (`python examples/toprated/generate.py [OUT_DIR]`): eight sellers,
each at one edge of the standards as of 2024-04-01 (the 3-month period is 2024-01..2024-03, the
12-month one 2023-04..2024-03)."""

import csv
import datetime as dt
import sys
from pathlib import Path

JAN = dt.date(2024, 1, 1)
APRIL_2023 = dt.date(2023, 4, 1)


def transactions(seller: str, n: int, start: dt.date, days: int, amount: str = "25.00", defects: int = 0,
                 late: int = 0, untracked: int = 0) -> list[list[str]]:
    """n transactions spread over `days` days from `start`; the first `defects` have a defect (each
    from its own buyer), transactions late .. 2*late-1 ship late, the last `untracked` have no tracking."""
    rows = []
    for i in range(n):
        buyer = f"DB{i}" if i < defects else f"B{i % 300}"
        rows.append([f"{seller}-{i:04d}", seller, buyer, (start + dt.timedelta(days=i % days)).isoformat(), amount,
                     str(i < defects).lower(), str(late > 0 and late <= i < 2 * late).lower(),
                     str(i < n - untracked).lower()])
    return rows


SELLERS = [  # id, registered on, transactions
    ("S01", "2020-05-01", transactions("S01", 450, JAN, 91, defects=2, late=10)),  # top rated, 3-month period
    ("S02", "2021-03-15", transactions("S02", 450, JAN, 91, defects=3)),  # 0.67% > 0.5%, but 3 buyers: passes
    ("S03", "2019-11-02", transactions("S03", 450, JAN, 91, defects=4)),  # 0.89% and 4 buyers: fails
    ("S04", "2022-01-10", transactions("S04", 150, APRIL_2023, 360, amount="6.66")
     + [["S04-X", "S04", "B1", "2023-05-02", "0.99", "false", "false", "true"]]),  # 999.99 USD: a cent short
    ("S05", "2024-02-01", transactions("S05", 420, dt.date(2024, 2, 1), 60)),  # open 60 days
    ("S06", "2023-01-01", []),  # no transactions: the rates are unknown
    ("S07", "2018-07-07", transactions("S07", 200, APRIL_2023, 360, amount="12.00", late=8)),  # 12 months, 4% late
    ("S08", "2020-02-02", transactions("S08", 200, APRIL_2023, 360, amount="12.00", untracked=11)),  # 94.5% tracked
]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "sellers.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["seller_id", "registered_on"])
        writer.writerows([seller, registered] for seller, registered, _ in SELLERS)
    with open(out / "transactions.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["txn_id", "seller_id", "buyer_id", "date", "amount", "defect", "shipped_late", "tracked_on_time"])
        for _, _, rows in SELLERS:
            writer.writerows(rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "data")
