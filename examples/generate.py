"""Write the bundled example data (deterministic): ``python examples/generate.py``.

examples/tier    14 industry-belt providers, their recorded tiers, bound shops and daily paid
                 and gift orders, for the tiers (TIER-1, TIER-3, AMB-T5, AMB-T6) over the
                 evaluation period 2024-01..2024-03.
examples/novice  14 shops on 2024-03-15 for the novice-period rules (NOVICE-1 to NOVICE-4),
                 with three deliberately bad rows in shop_daily.csv to show rejected rows.
examples/renew   36 providers for the 2024 renewal rules (written by gen_renew.py).
examples/life    24 life-services providers, 72 (provider, industry) verdicts (gen_life.py).

examples/README.md tells the story of each entity.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MONTH_DAYS = ("2024-01-15", "2024-02-15", "2024-03-15")
THRESHOLDS = {"女装": 3000, "食品饮料": 5000, "美妆": 4000, "家居": 2000, "数码": 6000}


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def spread(total: int, parts: int, rng: random.Random) -> list[int]:
    """``parts`` positive whole numbers summing exactly to ``total``."""
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total])]


class Tier:
    def __init__(self) -> None:
        self.rng = random.Random(2024)
        self.providers: list[dict] = []
        self.shops: list[dict] = []
        self.bindings: list[dict] = []
        self.daily: list[dict] = []

    def provider(self, pid: str, tier: str, shops: int, orders: int, category: str = "女装",
                 bound_on: str = "2023-06-01", unbound_on: str = "", qualified: int = 0, days=MONTH_DAYS) -> list[str]:
        """A provider whose ``shops`` bound shops sell exactly ``orders`` in the period.

        The first ``qualified`` shops sell more than their category's monthly standard in one month.
        """
        self.providers.append({"provider_id": pid, "tier": tier})
        ids = [f"{pid}-S{i:04d}" for i in range(shops)]
        amounts = spread(orders, shops * len(days), self.rng) if shops else []
        standard = THRESHOLDS.get(category, 0)
        for i, sid in enumerate(ids):
            self.shops.append({"shop_id": sid, "main_category": category})
            self.bindings.append({"provider_id": pid, "shop_id": sid, "bound_on": bound_on, "unbound_on": unbound_on})
            for j, day in enumerate(days):
                self.daily.append({"shop_id": sid, "date": day, "paid_orders": amounts[i * len(days) + j],
                                   "gift_orders": 0})
        # move orders so that exactly the first `qualified` shops exceed the standard in January
        if qualified and standard:
            rows = [r for r in self.daily if r["shop_id"].startswith(pid + "-")]
            for r in rows:
                r["paid_orders"] = min(r["paid_orders"], standard)
            for r in rows:
                if r["date"] == days[0] and int(r["shop_id"][-4:]) < qualified:
                    r["paid_orders"] = standard + 1
            missing = orders - sum(r["paid_orders"] for r in rows)
            rows[0]["paid_orders"] += missing  # the first shop (already qualified in January) absorbs the rest
        return ids

    def build(self) -> None:
        self.provider("P01", "base", 1100, 9_800_000, "食品饮料")              # silver by active merchants
        self.provider("P02", "base", 400, 9_200_000, "家居", qualified=160)     # silver by qualified merchants only
        self.provider("P03", "base", 1050, 8_999_990, "美妆")                  # 10 orders short of 9,000,000
        self.provider("P04", "base", 1000, 9_000_000, "数码")                  # exactly at both thresholds
        late = self.provider("P05", "base", 1000, 9_300_000, "女装", bound_on="2024-02-01")
        del late  # bound from 2024-02-01: January's orders are not the provider's
        self.providers.append({"provider_id": "P06", "tier": "base"})          # no bound shops at all
        self.provider("P07", "base", 200, 9_500_000, "宠物")                   # no standard given for 宠物
        self.provider("P08", "silver", 1200, 9_900_000, "女装", unbound_on="2024-03-01")  # unbound in March
        self.provider("P09", "base", 150, 2_000_000, "女装", qualified=150)    # 150 qualified, orders far short
        self.provider("P10", "base", 30, 45_000, "食品饮料")                    # a small provider
        self.provider("P11", "gold", 1300, 12_000_000, "数码", qualified=149)  # recorded gold: kept (AMB-T6)
        self.provider("P12", "base", 999, 9_100_000, "家居", qualified=149)    # one short on both indicators
        # AMB-T5: 8,999,000 paid orders and 1,000 gift orders reach 9,000,000 only with the gifts
        gifts = self.provider("P13", "base", 1000, 8_999_000, "食品饮料")
        for row in self.daily:
            if row["shop_id"] in gifts[:500] and row["date"] == MONTH_DAYS[1]:
                row["gift_orders"] = 2
        self.provider("P14", "diamond", 20, 30_000, "女装")                     # recorded diamond: kept (AMB-T6)

    def write(self, root: Path) -> None:
        write_csv(root / "providers.csv", ["provider_id", "tier"], self.providers)
        write_csv(root / "shops.csv", ["shop_id", "main_category"], self.shops)
        write_csv(root / "bindings.csv", ["provider_id", "shop_id", "bound_on", "unbound_on"], self.bindings)
        write_csv(root / "shop_daily.csv", ["shop_id", "date", "paid_orders", "gift_orders"], self.daily)
        params = {"evaluation_period": "2024-01..2024-03", "qualified_merchant_monthly_order_threshold": THRESHOLDS}
        (root / "params.json").write_text(json.dumps(params, ensure_ascii=False, indent=2) + "\n", "utf-8")


AS_OF = "2024-03-15"
DAILY_COLUMNS = ["shop_id", "date", "signed_orders", "experience_score", "quality_return_rate", "bad_review_rate",
                 "complaint_rate"]


def novice(root: Path) -> None:
    shops, daily, violations, learning, findings = [], [], [], [], []

    def shop(sid: str, *, shop_type="ordinary", known=False, category="女装", province="浙江省", graduated="",
             score="4.6", signed=(60, 60), rates=("0.010", "0.010", "0.010"), learned=True, exams=(True, False)):
        shops.append({"shop_id": sid, "opened_on": "2024-01-02", "shop_type": shop_type,
                      "brand_is_known": str(known).lower(), "main_category": category,
                      "registered_province": province, "graduated_on": graduated})
        daily.append({"shop_id": sid, "date": "2024-02-01", "signed_orders": signed[0], "experience_score": "4.5",
                      "quality_return_rate": "0.010", "bad_review_rate": "0.010", "complaint_rate": "0.010"})
        daily.append({"shop_id": sid, "date": AS_OF, "signed_orders": signed[1], "experience_score": score,
                      "quality_return_rate": rates[0], "bad_review_rate": rates[1], "complaint_rate": rates[2]})
        if learned is not None:
            learning.append({"shop_id": sid, "learning_tasks_done": str(learned).lower(),
                             "novice_exam_passed": str(exams[0]).lower(),
                             "consumer_protection_exam_passed": str(exams[1]).lower()})

    shop("S01", score="3.9", signed=(40, 30))                      # fails the daily assessment twice over
    violations += [{"shop_id": "S01", "occurred_on": "2024-03-01", "severity": "B", "points": 2},
                   {"shop_id": "S01", "occurred_on": "2024-03-10", "severity": "B", "points": 2}]
    shop("S02", signed=(40, 40))                                   # passes daily, too few signed orders to exit
    shop("S03")                                                    # passes the exit inspection today
    shop("S04", shop_type="flagship", known=True)                  # direct pass
    shop("S05", graduated="2024-02-01", score="4.2")               # exited; score below 4.4: 10 days
    shop("S06", graduated="2024-02-01")                            # exited; improper graduation found
    findings.append({"shop_id": "S06", "found_on": "2024-02-10", "kind": "improper_graduation", "resolved_on": ""})
    shop("S07", signed=(30, 30))                                   # fulfilment risk found today: 3000 cap
    findings.append({"shop_id": "S07", "found_on": AS_OF, "kind": "fulfillment_risk", "resolved_on": ""})
    shop("S08", score="")                                          # no experience score today (AMB-N5)
    shop("S09", province="江苏省")                                  # 江沪皖 shop without the consumer exam
    shop("S10", rates=("0.010", "0.010", "0.030"))                 # complaint rate above the median
    shop("S11")                                                    # operating-risk finding, still open
    findings.append({"shop_id": "S11", "found_on": "2024-03-10", "kind": "operating_risk", "resolved_on": ""})
    shop("S12", graduated="2024-03-01")                            # exited; fulfilment risk 2 days ago
    findings.append({"shop_id": "S12", "found_on": "2024-03-13", "kind": "fulfillment_risk", "resolved_on": ""})
    shop("S13", learned=None)                                      # no learning record: undecided
    shop("S14", category="食品饮料", score="4.0")                    # score exactly 4.0: not above 4.0
    violations.append({"shop_id": "S14", "occurred_on": "2024-02-14", "severity": "B", "points": 6})  # 30 days + 1 ago
    # three deliberately bad rows: each is reported and rejected, the rest of the file is used
    daily += [{"shop_id": "S03", "date": "2024-03-14", "signed_orders": -5, "experience_score": "4.6",
               "quality_return_rate": "0.01", "bad_review_rate": "0.01", "complaint_rate": "0.01"},
              {"shop_id": "S03", "date": "2024-02-30", "signed_orders": 5, "experience_score": "4.6",
               "quality_return_rate": "0.01", "bad_review_rate": "0.01", "complaint_rate": "0.01"},
              {"shop_id": "S02", "date": "2024-03-14", "signed_orders": 5, "experience_score": "4.6",
               "quality_return_rate": "1.7", "bad_review_rate": "0.01", "complaint_rate": "0.01"}]
    # the days the exited shops passed the exit inspection, as the platform recorded them (graduated_on):
    # the daily data show it too (novice.policy derives the exit day from them: derived_exit_on), appended
    # after the bad rows so that those keep their line numbers
    for sid, day in (("S05", "2024-01-20"), ("S06", "2024-01-20"), ("S12", "2024-03-01")):
        daily.append({"shop_id": sid, "date": day, "signed_orders": 50, "experience_score": "4.5",
                      "quality_return_rate": "0.010", "bad_review_rate": "0.010", "complaint_rate": "0.010"})
    medians = [{"main_category": c, "date": day, "quality_return_rate": "0.020", "bad_review_rate": "0.020",
                "complaint_rate": "0.020"}
               for c, day in (("女装", "2024-02-01"), ("女装", "2024-03-01"), ("女装", AS_OF), ("食品饮料", AS_OF))]
    write_csv(root / "shops.csv", ["shop_id", "opened_on", "shop_type", "brand_is_known", "main_category",
                                   "registered_province", "graduated_on"], shops)
    write_csv(root / "shop_daily.csv", DAILY_COLUMNS, daily)
    write_csv(root / "shop_violations.csv", ["shop_id", "occurred_on", "severity", "points"], violations)
    write_csv(root / "shop_learning.csv", ["shop_id", "learning_tasks_done", "novice_exam_passed",
                                           "consumer_protection_exam_passed"], learning)
    write_csv(root / "shop_risk_findings.csv", ["shop_id", "found_on", "kind", "resolved_on"], findings)
    write_csv(root / "category_medians.csv", ["main_category", "date", "quality_return_rate", "bad_review_rate",
                                              "complaint_rate"], medians)


def _sibling(name: str):
    """A generator module beside this file (examples/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(root: Path = HERE) -> None:
    tier = Tier()
    tier.build()
    tier.write(root / "tier")
    novice(root / "novice")
    _sibling("gen_renew").main(root)
    _sibling("gen_life").main(root / "life")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
