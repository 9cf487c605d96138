"""Seeded synthetic platform data in the tables the bundled policies declare, at any size.

Figures are clustered around the thresholds of the rules, so verdicts are mixed (some
providers pass by one order, some fail by one). The same seed and size give the same files.

    python -m benchmarks.generate figures  --providers 100000 --out /tmp/bench/figures
    python -m benchmarks.generate novice   --shops 100000 --days 90 --out /tmp/bench/novice
    python -m benchmarks.generate bindings --providers 10000 --shops 1000000 --days 90 --out /tmp/bench/tier
    python -m benchmarks.generate renewal  --providers 10000 --shops 1000000 --out /tmp/bench/renew
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from pathlib import Path
from typing import Iterator

SILVER_PAID_ORDERS = 9_000_000
SILVER_ACTIVE = 1000
SILVER_QUALIFIED = 150
CATEGORIES = ("女装", "男装", "食品", "美妆", "家居", "数码", "母婴", "宠物")
PROVINCES = ("江苏省", "上海市", "安徽省", "浙江省", "广东省", "山东省")


def _near(rng: random.Random, threshold: int, spread: int) -> int:
    """A figure near a threshold: a quarter exactly at it or one below, the rest spread around it."""
    roll = rng.random()
    if roll < 0.125:
        return threshold
    if roll < 0.25:
        return threshold - 1
    return max(0, int(rng.gauss(threshold, spread)))


def figure_rows(providers: int, seed: int = 1) -> Iterator[dict]:
    """Workload 1: one row per provider with its three period figures."""
    rng = random.Random(seed)
    for i in range(providers):
        yield {"provider_id": f"P{i:07d}",
               "paid_orders": _near(rng, SILVER_PAID_ORDERS, 400_000),
               "active_merchants": _near(rng, SILVER_ACTIVE, 60),
               "qualified_merchants": _near(rng, SILVER_QUALIFIED, 12)}


def write_csv(path: Path, columns: list[str], rows) -> int:
    """Write rows (dicts or tuples) to a CSV file; return the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row[c] for c in columns] if isinstance(row, dict) else row)
            count += 1
    return count


def write_figures(out: Path, providers: int, seed: int = 1) -> dict[str, int]:
    cols = ["provider_id", "paid_orders", "active_merchants", "qualified_merchants"]
    return {"provider_figures": write_csv(out / "provider_figures.csv", cols, figure_rows(providers, seed))}


# ---- workload 2: the novice daily assessment ------------------------------------------------------


def write_novice(out: Path, shops: int, days: int, as_of: dt.date, seed: int = 2) -> dict[str, int]:
    """Shops opened within the last ``days`` days, one shop_daily row per shop and open day."""
    rng = random.Random(seed)
    resolving = random.Random(seed + 1_000)  # its own stream: the other columns stay as they were
    start = as_of - dt.timedelta(days=days - 1)
    counts: dict[str, int] = {}
    shop_rows, learning, findings, violations = [], [], [], []
    opened: list[dt.date] = []
    for i in range(shops):
        sid = f"S{i:07d}"
        opened_on = start + dt.timedelta(days=int(rng.random() ** 2 * (days // 3)))
        opened.append(opened_on)
        graduated = ""
        if rng.random() < 0.2:
            graduated = str(min(as_of - dt.timedelta(days=1), opened_on + dt.timedelta(days=rng.randint(20, 60))))
        shop_rows.append((sid, str(opened_on), rng.choice(("flagship", "specialty", "franchise", "ordinary", "ordinary")),
                          "true" if rng.random() < 0.1 else "false", rng.choice(CATEGORIES), rng.choice(PROVINCES), graduated))
        learning.append((sid, _b(rng, 0.7), _b(rng, 0.7), _b(rng, 0.8)))
        for _ in range(rng.choice((0, 0, 0, 1, 2))):
            kind = rng.choice(("fulfillment_risk", "improper_graduation", "operating_risk"))
            found_on = as_of - dt.timedelta(days=rng.randint(0, 60))
            # about half the findings were closed by the platform 1 to 20 days later (none after as_of)
            resolved_on = found_on + dt.timedelta(days=resolving.randint(1, 20))
            findings.append((sid, str(found_on), kind,
                             str(resolved_on) if resolving.random() < 0.5 and resolved_on <= as_of else ""))
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            violations.append((sid, str(as_of - dt.timedelta(days=rng.randint(0, 45))), rng.choice("ABC"), rng.randint(1, 4)))
    counts["shops"] = write_csv(out / "shops.csv", ["shop_id", "opened_on", "shop_type", "brand_is_known", "main_category",
                                                    "registered_province", "graduated_on"], shop_rows)
    counts["shop_learning"] = write_csv(out / "shop_learning.csv", ["shop_id", "learning_tasks_done", "novice_exam_passed",
                                                                    "consumer_protection_exam_passed"], learning)
    counts["shop_risk_findings"] = write_csv(out / "shop_risk_findings.csv", ["shop_id", "found_on", "kind", "resolved_on"],
                                             findings)
    counts["shop_violations"] = write_csv(out / "shop_violations.csv", ["shop_id", "occurred_on", "severity", "points"], violations)

    def daily() -> Iterator[tuple]:
        for i in range(shops):
            sid = f"S{i:07d}"
            day = opened[i]
            base = rng.uniform(3.6, 4.9)
            while day <= as_of:
                score = "" if rng.random() < 0.03 else f"{min(5.0, max(0.0, base + rng.gauss(0, 0.25))):.2f}"
                yield (sid, str(day), rng.randint(0, 6), score, f"{rng.uniform(0, 0.04):.4f}",
                       f"{rng.uniform(0, 0.03):.4f}", f"{rng.uniform(0, 0.02):.4f}")
                day += dt.timedelta(days=1)

    counts["shop_daily"] = write_csv(out / "shop_daily.csv", ["shop_id", "date", "signed_orders", "experience_score",
                                                              "quality_return_rate", "bad_review_rate", "complaint_rate"],
                                     daily())
    medians = []
    for category in CATEGORIES:
        day = start
        while day <= as_of:
            medians.append((category, str(day), "0.0200", "0.0150", "0.0100"))
            day += dt.timedelta(days=1)
    counts["category_medians"] = write_csv(out / "category_medians.csv", ["main_category", "date", "quality_return_rate",
                                                                          "bad_review_rate", "complaint_rate"], medians)
    return counts


def _b(rng: random.Random, p: float) -> str:
    return "true" if rng.random() < p else "false"


# ---- workload 3: providers, bindings and daily shop orders --------------------------------------------


def write_bindings(out: Path, providers: int, shops: int, days: int, end: dt.date, seed: int = 3) -> dict[str, int]:
    """Providers with bound shops and the shops' daily paid orders over ``days`` days up to ``end``.

    One provider in twenty is large (about 1,100 shops, of which 85-100% sell, period orders near
    9,000,000); the others share the remaining shops. A tenth of the shops are bound mid-period.
    """
    rng = random.Random(seed)
    start = end - dt.timedelta(days=days - 1)
    big = [p for p in range(providers) if p % 20 == 0]
    big_size = min(1100, shops // (2 * max(1, len(big))))
    small = [p for p in range(providers) if p % 20 != 0]
    owner: list[int] = []
    for p in big:
        owner += [p] * big_size
    rest = shops - len(owner)
    owner += [small[i * len(small) // rest] if small else big[0] for i in range(rest)]
    counts = {"providers": write_csv(out / "providers.csv", ["provider_id", "tier"],
                                     ((f"P{p:07d}", "base") for p in range(providers)))}
    counts["shops"] = write_csv(out / "shops.csv", ["shop_id", "main_category"],
                                ((f"S{s:07d}", CATEGORIES[s % len(CATEGORIES)]) for s in range(shops)))
    bind_rows = []
    for s_ in range(shops):
        late = rng.random() < 0.1
        bound_on = start + dt.timedelta(days=rng.randint(1, days // 2)) if late else start - dt.timedelta(days=30)
        bind_rows.append((f"P{owner[s_]:07d}", f"S{s_:07d}", str(bound_on), ""))
    counts["bindings"] = write_csv(out / "bindings.csv", ["provider_id", "shop_id", "bound_on", "unbound_on"], bind_rows)
    size = {p: 0 for p in range(providers)}
    for p in owner:
        size[p] += 1
    target = {p: rng.gauss(SILVER_PAID_ORDERS, 600_000) for p in range(providers)}
    selling = {p: rng.uniform(0.85, 1.0) for p in range(providers)}
    monthly_mean = SILVER_PAID_ORDERS / (1000 * max(1, days // 30))

    def daily() -> Iterator[tuple]:
        for s_ in range(shops):
            p = owner[s_]
            sells = rng.random() < selling[p]
            level = target[p] / (size[p] * selling[p] * days) * rng.uniform(0.5, 1.5) if sells else 0.0
            sid = f"S{s_:07d}"
            for d in range(days):
                yield (sid, str(start + dt.timedelta(days=d)), max(0, int(rng.gauss(level, level * 0.2) + 0.5)) if level else 0)

    counts["shop_daily"] = write_csv(out / "shop_daily.csv", ["shop_id", "date", "paid_orders"], daily())
    first_month = start.replace(day=1)  # the natural months the days fall in (TIER-3: three natural months)
    (out / "params.json").write_text(json.dumps({
        "evaluation_period": f"{first_month.strftime('%Y-%m')}..{end.strftime('%Y-%m')}",
        "qualified_merchant_monthly_order_threshold": {c: int(monthly_mean * 1.35) for c in CATEGORIES}}, ensure_ascii=False))
    return counts


# ---- workload 3: the 2024 renewal (policies/renew.policy) ------------------------------------------------
RENEW_START, RENEW_END = dt.date(2023, 12, 1), dt.date(2024, 2, 29)  # the assessment period (91 days)
RENEW_THRESHOLD = 50_000  # examples/renew/params.json: renewal_order_threshold = 5万


def write_renewal(out: Path, providers: int, shops: int, seed: int = 4) -> dict[str, int]:
    """Providers, their deposits, re-applications, bindings and 91 days of the bound shops' paid
    orders for RENEW (assessment period 2023-12-01..2024-02-29).

    Each provider's period orders cluster around the 5万 renewal line (so verdicts are mixed);
    one binding in ten starts or ends inside the period (orders count only while bound); one
    provider in ten is short of the 10万 deposit; one in twenty is not yet formalized; one in
    fifty was revoked and re-applied.
    """
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    days = (RENEW_END - RENEW_START).days + 1
    owner = [s_ * providers // shops for s_ in range(shops)]  # consecutive shops per provider
    size = [0] * providers
    for p in owner:
        size[p] += 1
    pid = [f"R{p:07d}" for p in range(providers)]
    revoked = {p for p in range(providers) if p % 50 == 7}

    def provider_rows() -> Iterator[tuple]:
        for p in range(providers):
            regular = "" if p % 20 == 3 else "2023-06-01"
            revoked_on = "2024-03-10" if p in revoked else ""
            yield (pid[p], "2023-03-01", regular, revoked_on, "2024-03-12" if revoked_on else "")

    counts = {"providers": write_csv(out / "providers.csv",
                                     ["provider_id", "certified_on", "regularized_on", "revoked_on", "delisted_on"],
                                     provider_rows())}
    counts["provider_deposits"] = write_csv(out / "provider_deposits.csv", ["provider_id", "paid_on", "amount_yuan"], (
        (pid[p], "2023-03-01", "100000" if p % 10 else str(rng.choice([50000, 99999, 80000]))) for p in range(providers)))
    counts["provider_applications"] = write_csv(out / "provider_applications.csv",
                                                ["provider_id", "applied_on", "special_explanation"],
                                                ((pid[p], "2024-06-20", _b(rng, 0.5)) for p in sorted(revoked)))
    counts["shops"] = write_csv(out / "shops.csv", ["shop_id"], ((f"T{s_:08d}",) for s_ in range(shops)))
    spans = []
    for _ in range(shops):
        r = rng.random()
        start = RENEW_START + dt.timedelta(days=rng.randint(10, 60)) if r < 0.05 else dt.date(2023, 6, 1)
        end = RENEW_START + dt.timedelta(days=rng.randint(30, 80)) if 0.05 <= r < 0.1 else None
        spans.append((start, end))
    counts["bindings"] = write_csv(out / "bindings.csv", ["provider_id", "shop_id", "bound_on", "unbound_on"], (
        (pid[owner[s_]], f"T{s_:08d}", str(spans[s_][0]), str(spans[s_][1] or "")) for s_ in range(shops)))
    target = [rng.gauss(RENEW_THRESHOLD * 1.05, RENEW_THRESHOLD * 0.08) for _ in range(providers)]

    def daily() -> Iterator[tuple]:
        for s_ in range(shops):
            p = owner[s_]
            level = target[p] / (size[p] * days) * rng.uniform(0.5, 1.5)
            sid = f"T{s_:08d}"
            for d in range(days):
                yield (sid, str(RENEW_START + dt.timedelta(days=d)), max(0, int(rng.gauss(level, level * 0.3) + 0.5)))

    counts["shop_daily"] = write_csv(out / "shop_daily.csv", ["shop_id", "date", "paid_orders"], daily())
    (out / "params.json").write_text(json.dumps({"renewal_order_threshold": "5万"}, ensure_ascii=False))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("figures", "novice", "bindings", "renewal"))
    parser.add_argument("--providers", type=int, default=10_000)
    parser.add_argument("--shops", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--as-of", default="2024-03-31")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    as_of = dt.date.fromisoformat(args.as_of)
    if args.kind == "figures":
        counts = write_figures(args.out, args.providers, args.seed)
    elif args.kind == "novice":
        counts = write_novice(args.out, args.shops, args.days, as_of, args.seed)
    elif args.kind == "renewal":
        counts = write_renewal(args.out, args.providers, args.shops, args.seed)
    else:
        counts = write_bindings(args.out, args.providers, args.shops, args.days, as_of, args.seed)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
