"""Write the LIFE example data (deterministic): ``python examples/gen_life.py``.

examples/life  25 life-services providers, assessed per industry as of 2024-04-01 (the
               quarter assessed is 2024-Q1): cold starts passed on day 10, 30, 31 and 60, one
               never passed, one passed by the rolling look-back after failing, one in progress, the 59/60-day certification scope edge, the
               30W and active-merchant bounds, the comprehensive sub-categories, ratings, the
               advantage-city cap, and two deliberately bad rows (reported, never used).

The cold-start standards, weights and label bands in params.json are example values: the text
does not give them (AMB-L1, AMB-L8), so the policy requires them. examples/README.md tells
each provider's story.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

OUT = Path(__file__).resolve().parent / "life"
DAY = dt.timedelta(days=1)
LAST = dt.date(2024, 3, 31)  # the last day with data
PARAMS = {
    "cold_start_gmv_yuan": {"catering": "5万", "hotel_travel": "3万", "comprehensive": "2万"},
    "cold_start_rolling_lookback_window": "30",
    "rating_weight": {
        "catering": {"核销率": "0.4", "履约率": "0.3", "商家满意度": "0.3"},
        "hotel_travel": {"订单量": "0.5", "好评率": "0.5"},
        "comprehensive": {"动销率": "0.6", "服务分": "0.4"},
    },
    "rating_label_bands": {industry: {"一星": 60, "二星": 70, "三星": 80, "四星": 90, "五星": 95}
                           for industry in ("catering", "hotel_travel", "comprehensive")},
}
CITIES = ["成都", "重庆", "西安", "武汉", "长沙", "杭州", "南京", "苏州", "郑州", "昆明", "贵阳", "合肥"]


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def split(total: Decimal, parts: int) -> list[Decimal]:
    """``parts`` amounts (in fen) summing exactly to ``total``."""
    fen = int(total * 100)
    base, rest = divmod(fen, parts)
    return [Decimal(base + (1 if i < rest else 0)) / 100 for i in range(parts)]


class Life:
    def __init__(self) -> None:
        self.providers: list[dict] = []
        self.history: list[dict] = []
        self.daily: dict[tuple, dict] = {}
        self.monthly: list[dict] = []
        self.city: list[dict] = []
        self.scores: list[dict] = []

    # ---- builders ---------------------------------------------------------------------------
    def provider(self, pid: str, joined: str, industries: str, kind: str = "new", name: str = "") -> None:
        self.providers.append({"provider_id": pid, "name": name or f"服务商{pid}", "joined_on": joined,
                               "initial_industries": industries, "kind": kind})

    def sell(self, pid: str, industry: str, day: dt.date, pay: Decimal, sub: str = "", verified: Decimal | None = None,
             active: bool = True) -> None:
        key = (pid, day, industry, sub)
        row = self.daily.setdefault(key, {"provider_id": pid, "date": day.isoformat(), "industry": industry,
                                          "subcategory": sub, "pay_gmv_yuan": Decimal(0), "verified_gmv_yuan": Decimal(0),
                                          "active": "true" if active else "false"})
        row["pay_gmv_yuan"] += pay
        row["verified_gmv_yuan"] += (pay * Decimal("0.8")).quantize(Decimal("0.01")) if verified is None else verified

    def steady(self, pid: str, industry: str, first: dt.date, last: dt.date, per_day: str, sub: str = "") -> None:
        day = first
        while day <= last:
            self.sell(pid, industry, day, Decimal(per_day), sub)
            day += DAY

    def month_total(self, pid: str, industry: str, month: str, total: str, days: int = 10, sub: str = "") -> None:
        """Exactly ``total`` yuan in the month, spread over its first ``days`` days."""
        first = d(month + "-01")
        for i, amount in enumerate(split(Decimal(total), days)):
            self.sell(pid, industry, first + i * DAY, amount, sub)

    def cold_start(self, pid: str, industry: str, trigger: dt.date, met_on_day: int | None, standard: str) -> None:
        """Daily paid GMV from the trigger so that the standard is first met on day ``met_on_day``
        of its cycle (None: never met in 60 days)."""
        std = Decimal(standard)
        if met_on_day is None:
            for i in range(60):  # each cycle totals 1 yuan short of the standard
                self.sell(pid, industry, trigger + i * DAY, split(std - 1, 30)[i % 30])
            return
        cycle_start = 0 if met_on_day <= 30 else 30
        if cycle_start:  # cycle 1 falls 0.01 yuan short; cycle 2 starts again from 0
            for i, amount in enumerate(split(std - Decimal("0.01"), 30)):
                self.sell(pid, industry, trigger + i * DAY, amount)
        days = met_on_day - cycle_start
        for i, amount in enumerate(split(std, days)):
            self.sell(pid, industry, trigger + (cycle_start + i) * DAY, amount)

    def active_merchants(self, pid: str, industry: str, counts: tuple[int, int, int]) -> None:
        for month, count in zip(("2024-01", "2024-02", "2024-03"), counts):
            self.monthly.append({"provider_id": pid, "month": month, "industry": industry, "active_merchants": count})

    def rating(self, pid: str, industry: str, months: dict[str, dict[str, str]]) -> None:
        for month, scores in months.items():
            for indicator, score in scores.items():
                self.scores.append({"provider_id": pid, "month": month, "industry": industry,
                                    "indicator": indicator, "score": score})

    def cities(self, pid: str, amounts: dict[str, str]) -> None:
        for i, (city, total) in enumerate(amounts.items()):
            for j, amount in enumerate(split(Decimal(total), 3)):
                self.city.append({"provider_id": pid, "date": f"2024-0{j + 1}-{10 + i:02d}", "industry": "catering",
                                  "city": city, "verified_gmv_yuan": amount})

    # ---- the providers ----------------------------------------------------------------------------
    def build(self) -> None:
        full = {"核销率": "92", "履约率": "95", "商家满意度": "88"}  # 0.4*92 + 0.3*95 + 0.3*88 = 91.7
        # P01: large catering provider: cold start on day 10, 12 advantage cities (10 shown), rated 四星
        self.provider("P01", "2023-06-30", "catering", name="蓉城本地生活")
        self.cold_start("P01", "catering", d("2023-07-01"), 10, "50000")
        self.steady("P01", "catering", d("2023-07-11"), LAST, "12000")
        # 12 cities earn the label (the 12th, 合肥, exactly at 150W), 10 are shown; 南昌 is 0.01 short
        self.cities("P01", {**{c: str(3_000_000 - 100_000 * i) for i, c in enumerate(CITIES)},
                            "合肥": "1500000", "南昌": "1499999.99"})
        self.rating("P01", "catering", {m: full for m in ("2024-01", "2024-02", "2024-03")})
        # P02: standard met exactly on day 30: passed on day 31, cycle 1; one city at 150W, one at 149.99W
        self.provider("P02", "2023-09-30", "catering")
        self.cold_start("P02", "catering", d("2023-10-01"), 30, "50000")
        self.month_total("P02", "catering", "2024-02", "300000")
        self.cities("P02", {"成都": "1500000", "重庆": "1499999.99"})
        self.rating("P02", "catering", {"2024-01": full, "2024-02": full})  # March missing: counts 0
        # P03: cycle 1 falls 0.01 short; cycle 2 starts from 0 and meets it on day 31 itself
        self.provider("P03", "2023-09-30", "catering")
        self.cold_start("P03", "catering", d("2023-10-01"), 31, "50000")
        self.month_total("P03", "catering", "2024-03", "299999.99")
        # P04: met on day 60: passed on day 61 (cycle 2)
        self.provider("P04", "2023-09-30", "catering")
        self.cold_start("P04", "catering", d("2023-10-01"), 60, "50000")
        self.month_total("P04", "catering", "2024-01", "450000")
        self.rating("P04", "catering", {m: {"核销率": "70", "履约率": "70", "商家满意度": "70"} for m in ("2024-01", "2024-02", "2024-03")})
        # P05: never met: failed on day 61, binding restricted from then
        self.provider("P05", "2023-09-30", "catering")
        self.cold_start("P05", "catering", d("2023-10-01"), None, "50000")
        # P06: joined 2024-03-01: cold start in progress on 2024-04-01 (day 31)
        self.provider("P06", "2024-03-01", "catering")
        self.steady("P06", "catering", d("2024-03-02"), LAST, "1000")
        # P07/P08: cold start passed 59 / 60 days before 2024-03-31: not assessed / assessed
        self.provider("P07", "2023-12-31", "catering")
        self.cold_start("P07", "catering", d("2024-01-01"), 31, "50000")  # passed 2024-02-01
        self.month_total("P07", "catering", "2024-03", "10000")
        self.provider("P08", "2023-12-31", "catering")
        self.cold_start("P08", "catering", d("2024-01-01"), 30, "50000")  # passed 2024-01-31
        self.month_total("P08", "catering", "2024-03", "300000")
        # P09: existing provider with catering history: no cold start; best month 299,999.99
        self.provider("P09", "2021-05-01", "catering;hotel_travel", kind="existing")
        for industry, amount in (("catering", "8800000"), ("hotel_travel", "0"), ("comprehensive", "0")):
            self.history.append({"provider_id": "P09", "industry": industry, "historical_pay_yuan": amount})
        self.month_total("P09", "catering", "2024-01", "299999.99")
        self.month_total("P09", "catering", "2024-02", "120000")
        # P10: existing, no hotel & travel history: triggered by its first sale; certified by 2,2,2 merchants
        self.provider("P10", "2022-03-01", "catering", kind="existing")
        for industry, amount in (("catering", "0"), ("hotel_travel", "0"), ("comprehensive", "0")):
            self.history.append({"provider_id": "P10", "industry": industry, "historical_pay_yuan": amount})
        self.sell("P10", "hotel_travel", d("2023-08-16"), Decimal("800"))  # first sale: trigger 2023-08-17
        self.cold_start("P10", "hotel_travel", d("2023-08-17"), 12, "30000")
        self.rating("P10", "hotel_travel", {m: {"订单量": "80", "好评率": "90"} for m in ("2024-01", "2024-02", "2024-03")})
        self.active_merchants("P10", "hotel_travel", (2, 2, 2))
        self.month_total("P10", "hotel_travel", "2024-02", "120000")
        # P11: hotel & travel: 2,2,1 merchants (5/3 < 2) and no month at 30W: failed
        self.provider("P11", "2023-06-30", "hotel_travel")
        self.cold_start("P11", "hotel_travel", d("2023-07-01"), 5, "30000")
        self.active_merchants("P11", "hotel_travel", (2, 2, 1))
        self.month_total("P11", "hotel_travel", "2024-03", "200000")
        # P12: hotel & travel: one month exactly 30W
        self.provider("P12", "2023-06-30", "hotel_travel")
        self.cold_start("P12", "hotel_travel", d("2023-07-01"), 20, "30000")
        self.active_merchants("P12", "hotel_travel", (0, 1, 0))
        self.month_total("P12", "hotel_travel", "2024-03", "300000")
        self.rating("P12", "hotel_travel", {m: {"订单量": "96", "好评率": "98"} for m in ("2024-01", "2024-02", "2024-03")})
        # P13: comprehensive: beauty exactly 10W in March; effective operating months
        self.provider("P13", "2023-06-30", "comprehensive")
        self.cold_start("P13", "comprehensive", d("2023-07-01"), 3, "20000")
        self.month_total("P13", "comprehensive", "2024-01", "20000", days=7, sub="le")        # 7 days: effective
        self.month_total("P13", "comprehensive", "2024-02", "20000", days=6, sub="le")        # 6 days: not
        self.month_total("P13", "comprehensive", "2024-03", "100000", days=8, sub="beauty")   # 8 days: effective
        self.rating("P13", "comprehensive", {m: {"动销率": "75", "服务分": "85"} for m in ("2024-01", "2024-02", "2024-03")})
        # P14: comprehensive: leisure 499,999.99 + beauty 99,999.99 in one month: not summed, fails
        self.provider("P14", "2023-06-30", "comprehensive")
        self.cold_start("P14", "comprehensive", d("2023-07-01"), 3, "20000")
        self.month_total("P14", "comprehensive", "2024-02", "499999.99", sub="leisure_shopping")
        self.month_total("P14", "comprehensive", "2024-02", "99999.99", sub="beauty")
        # P15: comprehensive: LE 10W in December 2023 only, outside the look-back quarter
        self.provider("P15", "2023-06-30", "comprehensive")
        self.cold_start("P15", "comprehensive", d("2023-07-01"), 3, "20000")
        self.month_total("P15", "comprehensive", "2023-12", "100000", sub="le")
        # P16: three industries: catering selected at joining; hotel & travel never sold; comprehensive
        # triggered by a first sale on 2024-02-10 (in progress)
        self.provider("P16", "2023-06-30", "catering")
        self.cold_start("P16", "catering", d("2023-07-01"), 2, "50000")
        self.month_total("P16", "catering", "2024-03", "310000")
        self.sell("P16", "comprehensive", d("2024-02-10"), Decimal("500"), "beauty")
        # P17: existing provider without a history row for comprehensive: undecided there
        self.provider("P17", "2022-01-01", "comprehensive", kind="existing")
        for industry, amount in (("catering", "0"), ("hotel_travel", "0")):
            self.history.append({"provider_id": "P17", "industry": industry, "historical_pay_yuan": amount})
        self.month_total("P17", "comprehensive", "2024-01", "600000", sub="leisure_shopping")
        # P18: catering rated with an indicator that has no weight: score undecided
        self.provider("P18", "2023-06-30", "catering")
        self.cold_start("P18", "catering", d("2023-07-01"), 15, "50000")
        self.month_total("P18", "catering", "2024-01", "800000")
        self.rating("P18", "catering", {"2024-01": {**full, "口碑": "90"}})
        # P19-P24: smaller catering providers, certified in January, various months
        for n, (best, score) in enumerate([("350000", "81"), ("280000", "90"), ("300000", "59.99"),
                                           ("1000000", "95"), ("300000.01", "60"), ("100", "99")], start=19):
            pid = f"P{n}"
            self.provider(pid, "2023-05-31", "catering;comprehensive" if n == 19 else "catering")
            self.cold_start(pid, "catering", d("2023-06-01"), 10 + n, "50000")
            self.month_total(pid, "catering", f"2024-0{n % 3 + 1}", best)
            self.rating(pid, "catering", {m: {"核销率": score, "履约率": score, "商家满意度": score}
                                          for m in ("2024-01", "2024-02", "2024-03")})
        # P25: failed on day 61 like P05, then the 30 days ending 2024-03-10 reach 5万 (the 30 ending
        # 03-09 do not): passed by the rolling look-back on 2024-03-11 (AMB-L6), restriction lifted
        self.provider("P25", "2023-09-30", "catering")
        self.cold_start("P25", "catering", d("2023-10-01"), None, "50000")
        self.month_total("P25", "catering", "2024-03", "50000", days=10)

    def write(self, where: Path = OUT) -> None:
        def out(name: str, columns: list[str], rows: list[dict], bad: list[str] = ()) -> None:
            path = where / f"{name}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
                writer.writeheader()
                writer.writerows({k: str(v) for k, v in r.items()} for r in rows)
                for line in bad:
                    fh.write(line + "\n")

        out("ls_providers", ["provider_id", "name", "joined_on", "initial_industries", "kind"], self.providers)
        out("ls_industry_history", ["provider_id", "industry", "historical_pay_yuan"], self.history)
        daily = sorted(self.daily.values(), key=lambda r: (r["provider_id"], r["date"], r["industry"], r["subcategory"]))
        out("ls_daily", ["provider_id", "date", "industry", "subcategory", "pay_gmv_yuan", "verified_gmv_yuan", "active"],
            daily, bad=["P01,2024-02-30,catering,,100,80,true",          # no such date
                        "P02,2024-03-05,catering,,100.005,80,true"])     # three decimal places
        out("ls_monthly", ["provider_id", "month", "industry", "active_merchants"], self.monthly)
        out("ls_city_daily", ["provider_id", "date", "industry", "city", "verified_gmv_yuan"],
            sorted(self.city, key=lambda r: (r["provider_id"], r["date"], r["city"])))
        out("ls_monthly_scores", ["provider_id", "month", "industry", "indicator", "score"], self.scores)
        (where / "params.json").write_text(json.dumps(PARAMS, ensure_ascii=False, indent=2) + "\n", "utf-8")


def main(where: Path = OUT) -> None:
    life = Life()
    life.build()
    life.write(where)


if __name__ == "__main__":
    main()
