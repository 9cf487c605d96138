"""Hypothesis strategies: random policies (as TEXT) over a fixed schema, and matching data.

The schema has a provider entity table, shops, bindings with bound_on/unbound_on (the
relation ``bound_shops``), a shop daily table and a violations table. Thresholds and data
are drawn from the same scales so that comparisons land at, just below and just above their
bounds; money reaches billions of yuan and 2^31 fen, counts reach 2^31; dates cluster around
month, quarter and leap-day boundaries.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

HEADER = """policy gen {
  title "生成" / "generated"
  version "1"
  effective from 2000-01-01
  source "gen.txt"
  entity provider in providers
%s}
table providers key provider_id {
  provider_id: string
  region: enum(east, west, north)
  joined_on: date optional
  deposit: yuan optional
  staff: count optional
  verified: bool optional
  cap_override: orders optional
  fee: money(USD) optional
  industries: list(enum(retail, wholesale, catering)) optional
  tags: list(string) optional
}
table provider_profile key provider_id {
  provider_id: string -> providers
  certified: bool
  rating: score optional
  defect_rate: rate optional
}
table provider_daily key provider_id, date by date {
  provider_id: string -> providers
  date: date
  complaints: count optional
}
table provider_monthly key provider_id, month by month {
  provider_id: string -> providers
  month: month
  income: yuan
  deals: orders optional
}
table shops key shop_id {
  shop_id: string
  main_category: string
}
table bindings {
  provider_id: string -> providers
  shop_id: string -> shops
  bound_on: date
  unbound_on: date optional
}
table shop_daily key shop_id, date by date {
  shop_id: string -> shops
  date: date
  paid_orders: orders
  gmv: yuan
  score: score optional
}
table violations by occurred_on {
  provider_id: string -> providers
  occurred_on: date
  severity: enum(A, B, C)
  points: points
}
relation bound_shops [G-1] "绑定商家" / "bound shops": shops via bindings while bound_on until unbound_on
param period [G-2] "周期" / "period": window
param cap_orders [G-3] "上限" / "cap": orders = %d
param cat_standard [G-4] "类目标准" / "category standard": orders per string
let q [G-5] "上季度" / "previous quarter" = previous quarter of as_of
param lookback [G-10] "look-back months": count = 2
param max_defect_rate [G-11] "最高缺陷率": rate = 0.5%%
param sev_weight [G-12] "严重度权重" / "severity weight": rate per enum(A, B, C) = {}
"""

#: each table's fields in the order declared (the header of an empty CSV file)
FIELDS = {m.group(1): re.findall(r"^  (\w+):", m.group(2), re.M)
          for m in re.finditer(r"^table (\w+)[^{]*\{\n(.*?)^\}", HEADER, re.M | re.S)}

D = dt.date
AS_OF = [D(2024, 2, 29), D(2024, 3, 1), D(2024, 3, 31), D(2024, 4, 1), D(2024, 1, 1), D(2023, 3, 1), D(2024, 12, 31)]
PERIODS = ["2024-01..2024-03", "2023-12..2024-02", "2024-02-01..2024-02-29", "2023-10..2023-12", "2024-02..2024-02"]
MONTHS = [f"{y}-{m:02d}" for y, m in [(2023, 10), (2023, 11), (2023, 12), (2024, 1), (2024, 2), (2024, 3), (2024, 4),
                                      (2024, 11), (2024, 12)]]
CATEGORIES = ["女装", "宠物", "食品"]
ORDER_SCALES = [1, 3, 1_000_000, 715_827_883, 1_073_741_824, 2_147_483_647]
YUAN_SCALES = [Decimal("0.01"), Decimal("1.00"), Decimal("10737418.24"), Decimal("21474836.47"), Decimal("1000000000.00")]
OPS = [">=", ">", "<=", "<", "=", "!="]
FIXED_WINDOWS = ["2024-01-01 .. 2024-03-31", "2024-01 .. 2024-03", "2024-02-29 .. 2024-03-01", "2023-02-01 .. 2023-02-28"]


def day_pool(as_of: dt.date) -> list[dt.date]:
    days = {D(2023, 9, 30), D(2023, 10, 1), D(2023, 12, 31), D(2024, 1, 1), D(2024, 1, 31), D(2024, 2, 1),
            D(2024, 2, 28), D(2024, 2, 29), D(2024, 3, 1), D(2024, 3, 31), D(2024, 4, 1), D(2023, 2, 28),
            D(2023, 3, 1), D(2024, 6, 30), D(2024, 12, 31)}
    for delta in (-90, -60, -59, -30, -29, -1, 0, 1):
        days.add(as_of + dt.timedelta(days=delta))
    return sorted(days)


@dataclass
class Scales:
    orders: int
    yuan: Decimal
    points: int


@dataclass
class Ctx:
    scales: Scales
    rules: list[str] = field(default_factory=list)
    names: int = 0
    each: bool = False  # 'for each segment: enum(retail, wholesale)': one verdict per provider and segment

    def fresh(self) -> str:
        self.names += 1
        return f"c{self.names}"


def near(draw, base: int) -> int:
    return max(0, base + draw(st.sampled_from([-1, 0, 0, 1])))


def orders_bound(draw, ctx: Ctx) -> int:
    return near(draw, ctx.scales.orders * draw(st.integers(0, 4)))


def yuan_bound(draw, ctx: Ctx) -> Decimal:
    return max(Decimal(0), ctx.scales.yuan * draw(st.integers(0, 4)) + Decimal("0.01") * draw(st.sampled_from([-1, 0, 0, 1])))


# ---- windows ------------------------------------------------------------------------------------
@st.composite
def day_window(draw, membership: bool = False) -> str:
    if membership:  # 'x in W' takes a true window, not a single day or month
        return draw(st.sampled_from(["period", "q", "quarter of as_of", "last 30 days to as_of", "60 days from joined_on",
                                     "last 3 months to as_of", *FIXED_WINDOWS]))
    return draw(st.sampled_from([
        "period", "q", "month of as_of", "quarter of as_of", "previous quarter of as_of", "previous month of as_of",
        "last 30 days to as_of", "last 1 days to as_of", "last 3 months to as_of", "last 2 months to as_of",
        "as_of", "2024-02", "60 days from joined_on", "31 days from 2024-01-31", *FIXED_WINDOWS]))


@st.composite
def month_window(draw) -> str:
    return draw(st.sampled_from(["period", "q", "quarter of as_of", "previous quarter of as_of", "last 3 months to as_of",
                                 "2024-01 .. 2024-03", "month of as_of"]))


# ---- leaves -----------------------------------------------------------------------------------------
@st.composite
def leaf(draw, ctx: Ctx) -> str:
    op = draw(st.sampled_from(OPS))
    kind = draw(st.integers(0, 37))
    if kind >= 33:
        return draw(later_leaf(ctx, op))
    if kind >= 30:
        return draw(recent_leaf(ctx, op))
    if kind >= 24:
        return draw(life_leaf(ctx, op))
    if kind == 0:
        return f"staff {op} {draw(st.sampled_from([0, 1, 2, 2147483647, 2147483648, 3000000000]))}"
    if kind == 1:
        return f"deposit {op} {yuan_bound(draw, ctx)} yuan"
    if kind == 2:
        return draw(st.sampled_from(["verified", "region = east", "region != west", 'region in {"east", "north"}',
                                     "region not in {east}" if False else 'region not in {"east"}']))
    if kind == 3:
        return draw(st.sampled_from(["joined_on is set", "deposit is missing", "staff is set", "verified is missing"]))
    if kind == 4:
        return draw(st.sampled_from([f"joined_on {op} 2024-02-29", f"joined_on + 30 days {op} as_of",
                                     f"as_of - joined_on {op} {draw(st.sampled_from([0, 1, 29, 30, 59, 60, 90]))} days",
                                     "as_of in 60 days from joined_on", "joined_on in previous quarter of as_of",
                                     "as_of not in 30 days from joined_on", f"start of q {op} joined_on",
                                     f"end of last 2 months to as_of {op} 2024-03-31"]))
    if kind in (5, 6):
        return f"sum(shop_daily.paid_orders over bound_shops during {draw(day_window())}) {op} {orders_bound(draw, ctx)}"
    if kind == 7:
        return f"sum(shop_daily.gmv over bound_shops during {draw(day_window())}) {op} {yuan_bound(draw, ctx)} yuan"
    if kind == 8:
        k = draw(st.sampled_from([0, ctx.scales.orders - 1, ctx.scales.orders]))
        return (f"count(distinct shop_daily.shop_id over bound_shops during {draw(day_window())} where paid_orders > {k})"
                f" {op} {draw(st.integers(0, 3))}")
    if kind == 9:
        return (f"count(s in bound_shops where any month m in {draw(month_window())}: "
                f"sum(shop_daily.paid_orders over s during m) > cat_standard[s.main_category]) {op} {draw(st.integers(0, 3))}")
    if kind == 10:
        sev = draw(st.sampled_from(["A", "B", "C"]))
        return (f'sum(violations.points during {draw(day_window())} where severity = "{sev}") '
                f'{op} {near(draw, ctx.scales.points * draw(st.integers(0, 3)))} points')
    if kind == 11:
        return f"count(violations during {draw(day_window())}) {op} {draw(st.integers(0, 3))}"
    if kind == 12:
        fn = draw(st.sampled_from(["min", "max"]))
        return f"{fn}(violations.points during {draw(day_window())}) {op} {near(draw, ctx.scales.points)} points"
    if kind == 13:
        return (f"any month m in {draw(month_window())}: "
                f"sum(shop_daily.paid_orders over bound_shops during m) {op} {orders_bound(draw, ctx)}")
    if kind == 14:
        return f"count(f in violations where f.severity = B and f.occurred_on in {draw(day_window(True))}) {op} {draw(st.integers(0, 2))}"
    if kind == 15:
        return f"sum(shop_daily.paid_orders over bound_shops during {draw(day_window())}) {op} cap_orders"
    if kind == 16:
        return f"count(bound_shops) {op} {draw(st.integers(0, 3))}"
    if kind == 17:
        return (f"{draw(st.sampled_from(['max', 'min', 'avg']))}(shop_daily.score over bound_shops during {draw(day_window())}) "
                f"{op} {draw(st.sampled_from(['4.0', '4.5', '4.25']))}")
    if kind == 18:
        return f"avg(violations.points during {draw(day_window())}) {op} {near(draw, ctx.scales.points)} points"
    if kind == 19:
        return draw(st.sampled_from([f"provider_profile.rating {op} 4.5", "provider_profile.certified",
                                     "provider_profile.rating is set", f"provider_daily.complaints on as_of {op} {draw(st.integers(0, 2))}",
                                     f"provider_daily.complaints on (as_of - 1 day) {op} 1",
                                     "provider_daily.complaints on 2024-02-29 is missing"]))
    if kind == 21:
        return f"sum(provider_monthly.income during {draw(month_window())}) {op} {yuan_bound(draw, ctx)} yuan"
    if kind == 22:
        return f"any month m in {draw(month_window())}: sum(provider_monthly.deals during m) {op} {orders_bound(draw, ctx)}"
    if kind == 23:
        return (f"count(provider_monthly during {draw(month_window())} where income > {yuan_bound(draw, ctx)} yuan) "
                f"{op} {draw(st.integers(0, 2))}")
    return draw(st.sampled_from([f"(first day d in ({draw(day_window(True))}) where count(violations during d) > 0) "
                                 f"{op} {draw(st.sampled_from(['2024-02-29', 'as_of', '2024-01-01']))}",
                                 f"(first day d in ({draw(day_window(True))}) where sum(shop_daily.paid_orders over bound_shops "
                                 f"during d) >= {orders_bound(draw, ctx)}) is set",
                                 "every day d in last 3 days to as_of: count(violations during d) = 0",
                                 f"any month m in {draw(month_window())}: count(violations during m where points > 0) >= 1"]))


# ---- issue 18's constructs: % rates, money(USD), last N months with a parameter, quotients -------------
@st.composite
def recent_leaf(draw, ctx: Ctx, op: str) -> str:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        bound = draw(st.sampled_from(["0.5%", "0%", "100%", "3%", "0.005", "max_defect_rate"]))
        return f"provider_profile.defect_rate {op} {bound}"
    if kind == 1:
        return f"fee {op} {draw(st.sampled_from(['0.01', '1,000', '999.99', '21474836.47', '0']))} USD"
    if kind == 2:
        return f"sum(shop_daily.paid_orders over bound_shops during last lookback months to as_of) {op} {orders_bound(draw, ctx)}"
    if kind == 3:
        return f"count(violations during last lookback months to (as_of - 1 day)) {op} {draw(st.integers(0, 3))}"
    w = draw(day_window())  # a quotient of two figures; a zero denominator makes it unknown
    return (f'count(violations during {w} where severity = "B") / count(violations during {w}) '
            f"{op} {draw(st.sampled_from(['50%', '0%', '100%', '33.3%', 'max_defect_rate']))}")


# ---- list fields, aggregates of row expressions, 'day N of W', 'R on d' and 'first day d in a .. b' ----------
DAY_OF_WINDOWS = ["month of as_of", "previous month of as_of", "quarter of as_of", "q", "period", "2024-02", "2023-02",
                  "last 30 days to as_of"]


@st.composite
def later_leaf(draw, ctx: Ctx, op: str) -> str:
    kind = draw(st.integers(0, 4 if ctx.rules else 3))
    if kind == 0:  # a list field (optional: missing makes membership unknown); a string first is in parentheses:
        # after a bare rule name in a group, a string would read as the member's label
        return draw(st.sampled_from(["catering in industries", "retail not in industries", "wholesale in industries",
                                     '("x" in tags)', '("y" not in tags)', 'region = east and "x" in tags']))
    if kind == 1:  # an aggregate of a row expression, evaluated in each row
        w = draw(day_window())
        return draw(st.sampled_from([
            f"sum(violations.points * sev_weight[severity] during {w}) {op} {near(draw, ctx.scales.points)} points",
            f'sum(violations.points * 2 during {w} where severity = "B") {op} {near(draw, ctx.scales.points * 2)} points',
            f"sum(shop_daily.paid_orders * 2 over bound_shops during {w}) {op} {orders_bound(draw, ctx)}",
            f"sum(shop_daily.gmv * 0.5 over bound_shops during {w}) {op} {yuan_bound(draw, ctx)} yuan",
            f"{draw(st.sampled_from(['max', 'min']))}(violations.points * sev_weight[severity] during {w}) {op} "
            f"{draw(st.sampled_from(['0', '0.5', '1']))} points",
            f"sum(violations.points - 1 points during {w} where points > 0) {op} {near(draw, ctx.scales.points)} points"]))
    if kind == 2:  # 'day N of W': none when the window is shorter
        n = draw(st.sampled_from([1, 15, 20, 29, 30, 31, 61, 92]))
        w = draw(st.sampled_from(DAY_OF_WINDOWS))
        return draw(st.sampled_from([
            f"joined_on {op} day {n} of {w}", f"(day {n} of {w}) is set", f"as_of {op} day {n} of {w}",
            f"(if as_of >= day {n} of month of as_of then day {n} of month of as_of else day {n} of previous month of as_of)"
            f" {op} joined_on",
            f"count(violations during day 1 of {w} .. end of {w}) {op} {draw(st.integers(0, 2))}"]))
    if kind == 3:  # 'first day d in a .. b where c' without parentheses
        return draw(st.sampled_from([
            f"(first day d in as_of - 10 days .. as_of where count(violations during d) > 0) {op} as_of - 3 days",
            f"(first day d in start of q .. end of q where sum(shop_daily.paid_orders over bound_shops during d) > "
            f"{orders_bound(draw, ctx)}) is set"]))
    # 'R on d': the first rule's status as of another day (never later than as_of)
    return draw(st.sampled_from([
        f"r0 on (as_of - {draw(st.sampled_from([0, 1, 31]))} days)",
        f"(first day d in as_of - {draw(st.integers(1, 4))} days .. as_of where r0 on d) {op} as_of - 1 day",
        "(first day d in (last 3 days to as_of) where not (r0 on d)) is set",
        f"count(day d in last 3 days to as_of where r0 on d) {op} {draw(st.integers(0, 3))}",
        "every day d in last 2 days to as_of: r0 on d"]))


# ---- the LIFE-era constructs: for each, keyed parameters, if/else values, count(month ...), band, top N ----
LIFE_PARAMS = """param pair_bar [G-6] "两键标准" / "two-key standard": count per enum(east, west, north), string
param seg_bar [G-7] "分段标准" / "segment standard": count per enum(retail, wholesale)
param staff_bands [G-8] "人数分段" / "staff bands": count per string
param top_k [G-9] "前N" / "top N": count = 2
"""
FOR_EACH = "entity provider in providers for each segment: enum(retail, wholesale)\n"


@st.composite
def life_leaf(draw, ctx: Ctx, op: str) -> str:
    kind = draw(st.integers(0, 7 if ctx.each else 5))
    k = draw(st.integers(0, 3))
    if kind == 0:
        return f'staff {op} pair_bar[region, "{draw(st.sampled_from(["a", "b"]))}"]'
    if kind == 1:
        return draw(st.sampled_from([
            f"(if verified then staff else 0) {op} {k}",
            f"sum(shop_daily.paid_orders over bound_shops during (if region = east then last 30 days to as_of else q)) "
            f"{op} {orders_bound(draw, ctx)}",
            f"(if deposit > {yuan_bound(draw, ctx)} yuan then joined_on else none) is set",
            f"(if staff >= 2 then deposit else if region = west then 0 yuan else none) {op} {yuan_bound(draw, ctx)} yuan"]))
    if kind == 2:
        return (f"count(month m in {draw(month_window())} where sum(provider_monthly.deals during m) >= "
                f"{orders_bound(draw, ctx)}) {op} {k}")
    if kind == 3:
        return f"count(day d in {draw(day_window(True))} where count(violations during d) > 0) {op} {k}"
    if kind == 4:
        return draw(st.sampled_from([f'band of staff in staff_bands = "{draw(st.sampled_from(["low", "mid", "avg", "high"]))}"',
                                     "band of staff in staff_bands is set"]))
    if kind == 5:
        return f"staff {op} seg_bar[{draw(st.sampled_from(['retail', 'wholesale']))}]"
    if kind == 6:
        return draw(st.sampled_from(["segment = retail", f"staff {op} seg_bar[segment]",
                                     f"(if segment = retail then staff else {k}) {op} 2"]))
    return f'staff {op} pair_bar[region, "{draw(st.sampled_from(["retail", "wholesale"]))}"]'


@st.composite
def life_decides(draw, ctx: Ctx) -> str:
    """Outcomes by band, top N and count(month ...)."""
    def small() -> str:
        return draw(cond(ctx, 1))
    out = ""
    if draw(st.booleans()):
        out += (f'decide grade [G-D4] "档位" / "grade": string optional {{\n'
                f'  band of staff in staff_bands when {small()}\n  otherwise none\n}}\n')
    if draw(st.booleans()):
        fn = draw(st.sampled_from(["sum", "count", "max", "min"]))
        target = "violations" if fn == "count" else "violations.points"
        bound = draw(st.sampled_from(["", f" >= {near(draw, ctx.scales.points)}", " > 0"]))
        out += (f'decide ranked [G-D5] "严重度排名" / "ranked severities": list(string) optional {{\n'
                f'  top {draw(st.sampled_from(["top_k", "0", "1", "3"]))} (severity by {fn}({target} during {draw(day_window())}'
                f'{draw(st.sampled_from(["", " where points > 1"]))}){bound}) when {small()}\n  otherwise none\n}}\n')
    if draw(st.booleans()):
        out += (f'decide months_met [G-D6] "达标月数" / "months met": count optional {{\n'
                f'  count(month m in {draw(month_window())} where count(violations during m) = 0) when {small()}\n'
                f'  otherwise none\n}}\n')
    return out


# ---- conditions -----------------------------------------------------------------------------------------
def paren(text: str) -> str:
    return f"({text})"


@st.composite
def cond(draw, ctx: Ctx, depth: int) -> str:
    choice = draw(st.integers(0, 9 if depth > 0 else 1))
    if choice <= 1 or depth <= 0:
        if ctx.rules and draw(st.integers(0, 4)) == 0:
            return draw(st.sampled_from(ctx.rules))
        return draw(leaf(ctx))
    if choice <= 5:
        kind = draw(st.sampled_from(["all", "any", "none", "at_least"]))
        n = draw(st.integers(1, 4))
        entries = []
        for _ in range(n):
            body = draw(cond(ctx, depth - 1))
            if draw(st.booleans()):
                name = ctx.fresh()
                missing = draw(st.sampled_from(["", "", " missing fails", " missing passes"]))
                label = draw(st.sampled_from(['"条件" / "condition"', '"condition"', '"条件"']))  # one language may do
                entries.append(f'{name} [G-{ctx.names}] {label}{missing}: {body}')
            else:
                entries.append(body)
        head = f"at least {draw(st.integers(1, n))} of" if kind == "at_least" else f"{kind} of"
        return head + " { " + "  ".join(entries) + " }"
    if choice == 6:
        return "not " + paren(draw(cond(ctx, depth - 1)))
    if choice == 7:
        return paren(draw(cond(ctx, depth - 1))) + " and " + paren(draw(cond(ctx, depth - 1)))
    if choice == 8:
        return paren(draw(cond(ctx, depth - 1))) + " or " + paren(draw(cond(ctx, depth - 1)))
    return "if " + paren(draw(cond(ctx, depth - 1))) + " then " + paren(draw(cond(ctx, depth - 1)))


@dataclass
class Case:
    """One generated policy with its data: many entities, one clingo call."""

    text: str
    params: dict[str, Any]
    as_of: dt.date
    rows: dict[str, list[dict]]


@st.composite
def policy_text(draw) -> tuple[str, Ctx]:
    ctx = Ctx(Scales(draw(st.sampled_from(ORDER_SCALES)), draw(st.sampled_from(YUAN_SCALES)),
                     draw(st.sampled_from([1, 2, 1_073_741_824, 2_147_483_647]))))
    ctx.each = draw(st.integers(0, 2)) == 0
    parts = [LIFE_PARAMS]
    for i in range(draw(st.integers(1, 4))):
        name = f"r{i}"
        missing = draw(st.sampled_from(["", "", "", " missing fails"]))
        parts.append(f'rule {name} [G-R{i}] "规则" / "rule"{missing} = {draw(cond(ctx, draw(st.integers(0, 3))))}\n')
        ctx.rules.append(name)
    small = lambda: draw(cond(ctx, 1))  # noqa: E731
    parts.append(f'decide level [G-D1] "等级" / "level": enum(high, mid, low) {{\n  high when {small()}\n'
                 f'  mid when {small()}\n  otherwise low\n}}\n')
    if draw(st.booleans()):
        combine = draw(st.sampled_from(["min", "max"]))
        parts.append(f'decide cap [G-D2] "上限" / "cap": orders optional by {combine} {{\n'
                     f'  {near(draw, 1000)} orders when {small()}\n'
                     f'  {draw(st.sampled_from(["cap_orders", "cap_override"]))} when {small()}\n'
                     f'  {near(draw, 1000)} orders when {small()}\n  otherwise {draw(st.sampled_from(["none", "5 orders"]))}\n}}\n')
    if draw(st.booleans()):
        parts.append(f'decide flag [G-D3] "标记" / "flag": bool {{\n  true when {small()}\n  otherwise false\n}}\n')
    parts.append(draw(life_decides(ctx)))
    compliant = f"  compliant when {small()}\n" if draw(st.booleans()) else ""
    cap = orders_bound(draw, ctx)
    header = HEADER % (compliant, cap)
    if ctx.each:
        header = header.replace("entity provider in providers\n", FOR_EACH)
    return header + "".join(parts), ctx


def rows_for(rnd: random.Random, ctx: Ctx, as_of: dt.date, entities: int) -> dict[str, list[dict]]:
    """Data for ``entities`` providers, drawn from the policy's scales (plain random: fast, seeded by hypothesis)."""
    days = day_pool(as_of)
    s = ctx.scales

    def maybe(value: Any, none_in_four: int = 1) -> Any:
        return None if rnd.randrange(4) < none_in_four else value

    def near(base: int) -> int:
        return max(0, base + rnd.choice((-1, 0, 0, 1)))

    def money(top: int) -> Decimal:
        return max(Decimal(0), s.yuan * rnd.randint(0, top) + Decimal("0.01") * rnd.randint(-1, 1))

    providers, bindings, daily, violations, profiles, provider_daily, monthly = [], [], [], [], [], [], []
    shops = [{"shop_id": f"S{i}", "main_category": rnd.choice(CATEGORIES)} for i in range(6)]
    for i in range(entities):
        pid = f"P{i:03d}"
        providers.append({
            "provider_id": pid,
            "region": rnd.choice(["east", "west", "north"]),
            "joined_on": maybe(rnd.choice(days)),
            "deposit": maybe(money(4)),
            "staff": maybe(rnd.choice([0, 1, 2, 3, 2147483647, 2147483648, 3000000000])),
            "verified": maybe(rnd.random() < 0.5),
            "cap_override": maybe(rnd.choice([999, 1000, 1001]), 2),
            "fee": maybe(rnd.choice([Decimal("0"), Decimal("0.01"), Decimal("999.99"), Decimal("1000.00"), Decimal("21474836.48")])),
            # never empty: CSV reads an empty cell as missing
            "industries": maybe(rnd.sample(["retail", "wholesale", "catering"], rnd.randint(1, 3))),
            "tags": maybe(rnd.sample(["x", "y", "z"], rnd.randint(1, 2))),
        })
        if rnd.randrange(4):
            profiles.append({"provider_id": pid, "certified": rnd.random() < 0.5,
                             "rating": maybe(rnd.choice([Decimal("4.49"), Decimal("4.5"), Decimal("4.51")])),
                             "defect_rate": maybe(rnd.choice([Decimal("0.004"), Decimal("0.005"), Decimal("0.0051"),
                                                              Decimal("0"), Decimal("1"), Decimal("0.03")]))})
        for day in sorted({as_of, as_of - dt.timedelta(days=1), D(2024, 2, 29)}):
            if rnd.random() < 0.5:
                provider_daily.append({"provider_id": pid, "date": day, "complaints": maybe(rnd.randint(0, 2))})
        for month in sorted(rnd.sample(MONTHS, rnd.randint(0, 4))):
            monthly.append({"provider_id": pid, "month": month, "income": money(2),
                            "deals": maybe(near(s.orders * rnd.randint(0, 2)))})
        for _ in range(rnd.randint(0, 3)):
            start = rnd.choice(days)
            end = maybe(rnd.choice([d for d in days if d >= start]), 2)
            bindings.append({"provider_id": pid, "shop_id": f"S{rnd.randint(0, 5)}", "bound_on": start, "unbound_on": end})
        for _ in range(rnd.randint(0, 3)):
            violations.append({"provider_id": pid, "occurred_on": rnd.choice(days), "severity": rnd.choice("ABC"),
                               "points": near(s.points * rnd.randint(0, 2))})
    for shop in shops:
        for day in sorted(rnd.sample(days, rnd.randint(0, 5))):
            daily.append({"shop_id": shop["shop_id"], "date": day, "paid_orders": near(s.orders * rnd.randint(0, 2)),
                          "gmv": money(2), "score": maybe(rnd.choice([Decimal("4.0"), Decimal("4.5")]))})
    return {"providers": providers, "shops": shops, "bindings": bindings, "shop_daily": daily,
            "violations": violations, "provider_profile": profiles, "provider_daily": provider_daily, "provider_monthly": monthly}


@st.composite
def life_params(draw) -> dict[str, Any]:
    """Values of the keyed parameters (some keys left without a value) and a ladder with a tie."""
    pairs = {r: {k: draw(st.integers(0, 3)) for k in draw(st.sets(st.sampled_from(["a", "b", "retail", "wholesale"])))}
             for r in draw(st.sets(st.sampled_from(["east", "west", "north"])))}
    segments = {s: draw(st.integers(0, 3)) for s in draw(st.sets(st.sampled_from(["retail", "wholesale"])))}
    bands = draw(st.sampled_from([{"low": 0, "mid": 2, "avg": 2, "high": 3}, {"mid": 1, "high": 2147483648}, {}]))
    return {"pair_bar": pairs, "seg_bar": segments, "staff_bands": bands}


@st.composite
def cases(draw, entities: int = 12) -> Case:
    text, ctx = draw(policy_text())
    as_of = draw(st.sampled_from(AS_OF))
    params: dict[str, Any] = {"period": draw(st.sampled_from(PERIODS)),
                              "cat_standard": {c: near(draw, ctx.scales.orders * draw(st.integers(0, 2)))
                                               for c in draw(st.sets(st.sampled_from(CATEGORIES)))}}
    if draw(st.booleans()):
        params["period_day_count_convention"] = "start_day_excluded"
    params.update(draw(life_params()))
    if draw(st.booleans()):  # severity weights for aggregates of row expressions; a severity without one is unknown
        params["sev_weight"] = {k: draw(st.sampled_from(["0", "0.5", "1", "0.25"])) for k in draw(st.sets(st.sampled_from("ABC")))}
    if draw(st.booleans()):  # a look-back of 0 months makes its window unknown
        params["lookback"] = draw(st.sampled_from([0, 1, 3, 12]))
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    return Case(text, params, as_of, rows_for(rnd, ctx, as_of, entities))
