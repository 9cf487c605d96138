"""LIFE (life-services provider assessments): every boundary the catalog names, on small data.

Cold start on days 30, 31, 60 and never (T+1 pass date, cycle 2 restarting at day 31, failure
on day 61), the 60-day certification scope, any-month 30W, the hotel & travel average of active
merchants, the comprehensive look-back at the previous quarter (across a year boundary) and its
T+1, ratings (÷3, missing months 0, bands), advantage cities (cap 10), effective operating months.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import subprocess
import sys
from decimal import Decimal

import pytest

import clausewise
from clausewise.language.diagnostics import ClausewiseError

from tests.support import EXAMPLES, POLICIES, ROOT, node

PARAMS = {"cold_start_gmv_yuan": {"catering": "50000", "hotel_travel": "30000", "comprehensive": "20000"},
          "cold_start_rolling_lookback_window": "30",
          "rating_weight": {"catering": {"a": "0.5", "b": "0.5"}, "hotel_travel": {"a": "1"}, "comprehensive": {"a": "1"}},
          "rating_label_bands": {"catering": {"一星": 60, "二星": 70}, "hotel_travel": {"一星": 60},
                                 "comprehensive": {"一星": 60}}}
D = dt.date.fromisoformat
DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def life():
    return clausewise.load_policy(POLICIES / "life.policy")


class Rows:
    """A small data set for one provider P1, built day by day."""

    def __init__(self, joined="2023-09-30", initial="catering", kind="new"):
        self.tables: dict[str, list] = {"ls_providers": [{"provider_id": "P1", "joined_on": joined,
                                                          "initial_industries": initial, "kind": kind}],
                                        "ls_industry_history": [], "ls_daily": [], "ls_monthly": [],
                                        "ls_city_daily": [], "ls_monthly_scores": []}

    def sell(self, day, amount, industry="catering", sub="", active="true"):
        day = D(day) if isinstance(day, str) else day
        self.tables["ls_daily"].append({"provider_id": "P1", "date": str(day), "industry": industry, "subcategory": sub,
                                        "pay_gmv_yuan": str(amount), "verified_gmv_yuan": "0", "active": active})
        return self

    def history(self, industry, amount):
        self.tables["ls_industry_history"].append({"provider_id": "P1", "industry": industry, "historical_pay_yuan": amount})
        return self

    def merchants(self, counts, industry="hotel_travel"):
        for month, n in zip(("2024-01", "2024-02", "2024-03"), counts):
            self.tables["ls_monthly"].append({"provider_id": "P1", "month": month, "industry": industry, "active_merchants": n})
        return self

    def score(self, month, indicator, score, industry="catering"):
        self.tables["ls_monthly_scores"].append({"provider_id": "P1", "month": month, "industry": industry,
                                                 "indicator": indicator, "score": score})
        return self

    def city(self, city, amount, day="2024-02-01", industry="catering"):
        self.tables["ls_city_daily"].append({"provider_id": "P1", "date": day, "industry": industry, "city": city,
                                             "verified_gmv_yuan": amount})
        return self


def verdict(life, rows: Rows, as_of, industry="catering", **params):
    return life.evaluate(rows.tables, as_of, {**PARAMS, **params}, entities=[f"P1/{industry}"]).verdicts[0]



TRIGGER = D("2023-10-01")  # joined 2023-09-30, catering selected: day 1 is 2023-10-01


def day(n: int) -> dt.date:
    return TRIGGER + (n - 1) * DAY


# ---- cold start -------------------------------------------------------------------------------------
def test_met_on_day_30_passes_on_day_31_in_cycle_1(life):
    rows = Rows().sell(day(1), "20000").sell(day(30), "30000")  # cumulative 50,000 on day 30
    on_30 = verdict(life, rows, day(30))
    assert on_30.outcomes["cold_start_status"] == "in_progress"  # day 30's data counts from T+1
    v = verdict(life, rows, day(31))
    assert v.outcomes["cold_start_status"] == "passed"
    assert (v.outcomes["cold_start_pass_date"], v.outcomes["cold_start_pass_cycle"]) == (str(day(31)), 1)
    assert v.outcomes["industry_permission"] == "certified" and on_30.outcomes["industry_permission"] == "initial"
    leaf = node(v, "cold_start_passed.cycle_1")
    assert (leaf.status, leaf.observed, leaf.witness) == ("pass", "50,000", str(day(30)))
    assert node(on_30, "cold_start_passed.cycle_1").observed == "20,000"  # day 30 is not yet known on day 30


def test_day_31_starts_again_from_zero(life):
    short = Rows().sell(day(1), "49999.99").sell(day(31), "49999.99")  # 99,999.98 over days 1-31
    v = verdict(life, short, day(33))
    assert v.outcomes["cold_start_status"] == "in_progress" and v.outcomes["cold_start_pass_date"] is None
    met = Rows().sell(day(1), "49999.99").sell(day(31), "50000")
    v = verdict(life, met, day(32))
    assert (v.outcomes["cold_start_pass_date"], v.outcomes["cold_start_pass_cycle"]) == (str(day(32)), 2)
    leaf = node(v, "cold_start_passed.cycle_2")
    assert (leaf.observed, leaf.witness) == ("50,000", str(day(31)))  # day 31 alone: the cycle restarts
    assert node(v, "cold_start_passed.cycle_1").gap.amount == "0.01"


def test_met_on_day_60_passes_on_day_61_not_fails(life):
    rows = Rows().sell(day(31), "25000").sell(day(60), "25000")
    assert verdict(life, rows, day(60)).outcomes["cold_start_status"] == "in_progress"
    v = verdict(life, rows, day(61))
    assert v.outcomes["cold_start_status"] == "passed" and v.outcomes["cold_start_pass_cycle"] == 2
    assert v.outcomes["cold_start_pass_date"] == str(day(61)) and v.outcomes["cold_start_fail_date"] is None


def test_never_met_fails_on_day_61_and_restricts_binding(life):
    rows = Rows().sell(day(1), "49999.99").sell(day(61), "1000000")  # day 61 is after both cycles
    on_60 = verdict(life, rows, day(60))
    assert on_60.outcomes["cold_start_status"] == "in_progress" and on_60.outcomes["new_merchant_binding_restricted"] is False
    v = verdict(life, rows, day(61))
    assert v.outcomes["cold_start_status"] == "failed" and v.outcomes["cold_start_fail_date"] == str(day(61))
    assert v.outcomes["new_merchant_binding_restricted"] is True
    assert v.outcomes["new_merchant_binding_restricted_from"] == str(day(61))
    assert v.outcomes["industry_permission"] == "initial" and v.compliant is False
    assert node(v, "cold_start_failed.day_61").status == "pass"


@pytest.mark.parametrize("kind,initial,history,first_sale,status,trigger", [
    ("new", "catering", None, None, "in_progress", "2023-10-01"),          # LIFE-CS-1a: joined + 1 day
    ("new", "hotel_travel", None, "2023-11-05", "in_progress", "2023-11-06"),  # 1b: first performance + 1 day
    ("new", "hotel_travel", None, None, "not_started", None),              # 1b: no performance yet
    ("existing", "hotel_travel", "0", "2023-11-05", "in_progress", "2023-11-06"),      # 1c: history = 0
    ("existing", "hotel_travel", "0.01", "2023-11-05", "not_required", None),          # 1d: history > 0
    ("existing", "hotel_travel", None, "2023-11-05", None, None),                      # no history row: undecided
])
def test_trigger_cases(life, kind, initial, history, first_sale, status, trigger):
    rows = Rows(initial=initial, kind=kind)
    if history is not None:
        rows.history("catering", history)
    if first_sale:
        rows.sell(first_sale, "1")
    v = verdict(life, rows, "2023-11-20")
    detail = next(o for o in v.outcome_details if o.field == "cold_start_status")
    assert (detail.value if detail.decided else None) == status
    if status is not None:
        assert v.outcomes["cold_start_trigger_date"] == trigger
    else:
        assert "ls_industry_history" in " ".join(v.missing_data)


@pytest.mark.parametrize("history,reading,status,trigger", [
    ("0", "undecided", "in_progress", "2023-11-06"),     # LIFE-CS-1c: a row with 0 yuan
    ("0.01", "undecided", "not_required", None),        # LIFE-CS-1d: one fen of history
    (None, "undecided", None, None),                    # no row, default reading: undecided
    (None, "zero", "in_progress", "2023-11-06"),        # no row read as 0: as a row with 0 yuan
    ("0.01", "zero", "not_required", None),             # a row is read as it is under either reading
])
def test_a_missing_history_row_under_both_readings(life, history, reading, status, trigger):
    """Issue 16 item 14: an existing provider without an ls_industry_history row for the industry is
    undecided by default, the missing row named in its missing data; missing_industry_history=zero
    reads it as 0 yuan."""
    rows = Rows(initial="catering", kind="existing").sell("2023-11-05", "1", "hotel_travel")
    if history is not None:
        rows.history("hotel_travel", history)
    v = verdict(life, rows, "2023-11-20", "hotel_travel", missing_industry_history=reading)
    detail = next(o for o in v.outcome_details if o.field == "cold_start_status")
    assert (detail.value if detail.decided else None) == status
    if status is None:
        assert v.missing_data == ["no ls_industry_history rows to take the max of"]
        assert not next(o for o in v.outcome_details if o.field == "industry_permission").decided
    else:
        assert v.outcomes["cold_start_trigger_date"] == trigger and v.missing_data == []


def test_a_missing_standard_is_an_error_naming_it_and_its_clause(life):
    with pytest.raises(ClausewiseError) as err:
        life.evaluate(Rows().tables, "2024-04-01", {k: v for k, v in PARAMS.items() if k != "cold_start_gmv_yuan"})
    message = err.value.diagnostics[0].message
    assert "cold_start_gmv_yuan" in message and "LIFE-CS-2" in message and "AMB-L1" in message


def test_a_missing_lookback_window_is_an_error_naming_it_and_its_clause(life):
    """AMB-L6: the rolling look-back's window length is not in the text: required, no default (C-7)."""
    with pytest.raises(ClausewiseError) as err:
        life.evaluate(Rows().tables, "2024-04-01", {k: v for k, v in PARAMS.items() if k != "cold_start_rolling_lookback_window"})
    message = err.value.diagnostics[0].message
    assert "cold_start_rolling_lookback_window" in message and "LIFE-CS-3b" in message and "AMB-L6" in message


def test_rolling_lookback_after_failure_passes_on_t_plus_1(life):
    """AMB-L6: after the day-61 failure, day T passes when the window of N days ending on T (T
    included) reaches the standard; the pass is dated T+1 and the restriction ends that day."""
    rows = Rows().sell("2024-01-01", "25000").sell("2024-01-30", "25000")  # 01-01 .. 01-30: 30 days
    on_t = verdict(life, rows, "2024-01-30")
    assert on_t.outcomes["cold_start_status"] == "failed" and on_t.outcomes["new_merchant_binding_restricted"] is True
    v = verdict(life, rows, "2024-01-31")
    assert (v.outcomes["cold_start_status"], v.outcomes["cold_start_pass_date"]) == ("passed", "2024-01-31")
    assert v.outcomes["cold_start_fail_date"] == str(day(61)) and v.outcomes["cold_start_pass_cycle"] is None
    assert v.outcomes["new_merchant_binding_restricted"] is False and v.outcomes["industry_permission"] == "certified"
    leaf = node(v, "cold_start_lookback_passed.window")
    assert (leaf.observed, leaf.witness) == ("50,000", "2024-01-30")
    shorter = verdict(life, rows, "2024-01-31", cold_start_rolling_lookback_window="29")  # 01-02 .. 01-30
    assert shorter.outcomes["cold_start_status"] == "failed"


def test_an_industry_without_a_standard_is_unknown_not_failed(life):
    rows = Rows().sell(day(1), "60000")
    v = verdict(life, rows, day(70), cold_start_gmv_yuan={"hotel_travel": "1"})
    assert not next(o for o in v.outcome_details if o.field == "cold_start_status").decided
    assert any("cold_start_gmv_yuan" in m for m in v.missing_data)


# ---- certification: catering and hotel & travel ------------------------------------------------------
def certified(pass_day: str, joined_trigger: str = "2023-10-01") -> Rows:
    """Cold start met on the day before ``pass_day`` (one sale of the whole standard)."""
    rows = Rows(joined=str(D(joined_trigger) - DAY))
    rows.sell(D(pass_day) - DAY, "50000")
    return rows


@pytest.mark.parametrize("pass_day,status", [("2024-01-31", "passed"), ("2024-02-01", "not_assessed")])
def test_sixty_days_between_cold_start_pass_and_the_quarter_end(life, pass_day, status):
    rows = certified(pass_day, "2024-01-05").sell("2024-03-10", "300000")
    v = verdict(life, rows, "2024-04-01")
    assert v.outcomes["certification_status"] == status
    assert v.outcomes["new_merchant_binding_restricted"] is False  # AMB-L10: not assessed, no restriction
    assert node(v, "certification_in_scope.sixty_days.then").observed == ("60" if status == "passed" else "59")


def test_any_one_month_not_the_quarter_total(life):
    rows = certified("2023-10-20")
    for month in ("01", "02", "03"):
        rows.sell(f"2024-{month}-10", "200000")  # 600,000 in the quarter, no month at 300,000
    v = verdict(life, rows, "2024-04-01")
    assert v.outcomes["certification_status"] == "failed"
    leaf = node(v, "catering_certification.then")
    assert (leaf.observed, leaf.gap.amount) == ("200,000", "100,000")
    # T+1: the quarter's last day is the assessment date, the restriction starts the day after
    assert v.outcomes["certification_assessment_date"] == "2024-03-31"
    assert v.outcomes["new_merchant_binding_restricted_from"] == "2024-04-01"
    assert v.outcomes["new_merchant_binding_restricted"] is True
    rows.sell("2024-02-11", "100000")
    assert verdict(life, rows, "2024-04-01").outcomes["certification_status"] == "passed"


def test_data_after_the_quarter_and_on_the_assessment_date(life):
    rows = certified("2023-10-20").sell("2024-03-31", "300000").sell("2024-04-01", "5000000")
    assert verdict(life, rows, "2024-04-01").outcomes["certification_status"] == "passed"
    # on 2024-03-31 the quarter assessed is still 2023-Q4 (its result took effect on 2024-01-01)
    v = verdict(life, rows, "2024-03-31")
    assert v.outcomes["certification_assessment_date"] == "2023-12-31" and v.outcomes["certification_status"] == "failed"


@pytest.mark.parametrize("counts,gmv,status,dispatch", [
    ((2, 2, 2), "299999.99", "passed", False),   # (2+2+2)/3 = 2 >= 2
    ((2, 2, 1), "299999.99", "failed", True),    # 5/3 < 2, exactly (no rounding)
    ((3, 3, 0), "0", "passed", False),           # 6/3 = 2
    ((0, 0, 0), "300000", "passed", False),      # one month at 300,000
])
def test_hotel_travel_gmv_or_average_active_merchants(life, counts, gmv, status, dispatch):
    rows = Rows(initial="hotel_travel").sell("2023-10-05", "30000", "hotel_travel").merchants(counts)
    if gmv != "0":
        rows.sell("2024-02-10", gmv, "hotel_travel")
    v = verdict(life, rows, "2024-04-01", "hotel_travel")
    assert v.outcomes["certification_status"] == status
    assert v.outcomes["agency_operation_dispatch_restricted"] is dispatch
    assert v.outcomes["agency_operation_dispatch_restricted_from"] == ("2024-04-01" if dispatch else None)
    assert v.outcomes["rating_eligible_this_quarter"] is (status == "passed")
    assert verdict(life, rows, "2024-04-01").outcomes["agency_operation_dispatch_restricted"] is None  # catering


# ---- certification: comprehensive -------------------------------------------------------------------------
def comprehensive() -> Rows:
    return Rows(initial="comprehensive").sell("2023-10-01", "20000", "comprehensive", "beauty")  # passed 2023-10-02


def test_comprehensive_looks_back_at_the_previous_quarter_across_the_year(life):
    rows = comprehensive().sell("2023-12-31", "100000", "comprehensive", "beauty")
    v = verdict(life, rows, "2024-01-01", "comprehensive")
    assert v.outcomes["certification_status"] == "passed"
    assert v.outcomes["certification_assessment_date"] == "2024-01-01"
    leaf = node(v, "comprehensive_certification.then.per_subcategory.then.beauty")
    assert leaf.witness == "2023-12" and leaf.windows[0].dates == "2023-10..2023-12"
    later = verdict(life, rows, "2024-04-01", "comprehensive")
    assert later.outcomes["certification_status"] == "failed"


def test_comprehensive_failure_restricts_from_the_quarter_second_day(life):
    rows = comprehensive().sell("2024-02-10", "99999.99", "comprehensive", "le")
    first = verdict(life, rows, "2024-04-01", "comprehensive")
    assert first.outcomes["certification_status"] == "failed"
    assert first.outcomes["new_merchant_binding_restricted_from"] == "2024-04-02"
    assert first.outcomes["new_merchant_binding_restricted"] is False and first.compliant is True
    assert (first.outcomes["industry_permission"], first.outcomes["manual_review_required"]) == ("certified", False)
    second = verdict(life, rows, "2024-04-02", "comprehensive")
    assert second.outcomes["new_merchant_binding_restricted"] is True and second.compliant is False
    # AMB-L13 (amended): the certified permission is withdrawn from the same day, flagged for review
    assert (second.outcomes["industry_permission"], second.outcomes["manual_review_required"]) == ("initial", True)


def test_sub_categories_are_not_summed_by_default(life):
    rows = comprehensive().sell("2024-02-10", "499999.99", "comprehensive", "leisure_shopping") \
                          .sell("2024-02-11", "99999.99", "comprehensive", "beauty")
    assert verdict(life, rows, "2024-04-01", "comprehensive").outcomes["certification_status"] == "failed"
    rows.sell("2024-03-01", "100000", "comprehensive", "le")
    assert verdict(life, rows, "2024-04-01", "comprehensive").outcomes["certification_status"] == "passed"


def test_classified_total_mode(life):
    rows = comprehensive().sell("2024-02-10", "60000", "comprehensive", "leisure_shopping") \
                          .sell("2024-02-11", "40000", "comprehensive", "beauty")
    mode = {"comprehensive_subcategory_mode": "classified_total"}
    beauty = verdict(life, rows, "2024-04-01", "comprehensive", **mode, comprehensive_provider_subcategory={"P1": "beauty"})
    assert beauty.outcomes["certification_status"] == "passed"  # 100,000 in February >= 10W
    leisure = verdict(life, rows, "2024-04-01", "comprehensive", **mode,
                      comprehensive_provider_subcategory={"P1": "leisure_shopping"})
    assert leisure.outcomes["certification_status"] == "failed"
    unknown = verdict(life, rows, "2024-04-01", "comprehensive", **mode)
    assert not next(o for o in unknown.outcome_details if o.field == "certification_status").decided


# ---- ratings and labels -----------------------------------------------------------------------------------
def test_rating_divides_by_three_with_missing_months_as_zero(life):
    rows = certified("2023-10-20").sell("2024-01-10", "300000")
    rows.score("2024-01", "a", "90").score("2024-01", "b", "100").score("2024-02", "a", "90").score("2024-02", "b", "90")
    v = verdict(life, rows, "2024-04-01")
    assert Decimal(v.outcomes["rating_score"]) == Decimal(185) / 3  # (95 + 90 + 0) / 3 = 61.67
    assert v.outcomes["rating_label"] == "一星"
    rows.score("2024-03", "a", "25").score("2024-03", "b", "24.99")  # + 24.995: 209.995 / 3 < 70
    assert verdict(life, rows, "2024-04-01").outcomes["rating_label"] == "一星"
    rows.tables["ls_monthly_scores"][-1]["score"] = "25"  # + 25: exactly 70
    assert verdict(life, rows, "2024-04-01").outcomes["rating_label"] == "二星"


def test_below_the_lowest_band_no_label_and_a_missing_weight_undecided(life):
    rows = certified("2023-10-20").sell("2024-01-10", "300000").score("2024-01", "a", "100")
    assert verdict(life, rows, "2024-04-01").outcomes["rating_label"] is None  # 50/3
    rows.score("2024-02", "c", "80")
    v = verdict(life, rows, "2024-04-01")
    assert not next(o for o in v.outcome_details if o.field == "rating_score").decided


def test_not_rated_without_passing_certification(life):
    rows = certified("2023-10-20").sell("2024-01-10", "299999.99").score("2024-01", "a", "100")
    v = verdict(life, rows, "2024-04-01")
    assert v.outcomes["rating_score"] is None and v.outcomes["rating_eligible_this_quarter"] is False


def test_advantage_cities_at_least_150w_highest_first_at_most_10(life):
    rows = certified("2023-10-20")
    for i in range(12):
        rows.city(f"城市{i:02d}", str(1_500_000 + 1000 * i))
    rows.city("边界", "1499999.99").city("跨季", "1000000", "2024-03-31").city("跨季", "500000", "2024-04-01")
    rows.city("酒旅城", "9000000", industry="hotel_travel")
    v = verdict(life, rows, "2024-04-01")
    assert v.outcomes["advantage_city_labels"] == [f"城市{i:02d}" for i in range(11, 1, -1)]
    # LIFE-CAT-LBL-2: earned (>= 150W) and displayed (at most 10) are different outputs: 城市00 and
    # 城市01 earn the label (城市00 at 1,500,000, the 12th) without being shown; 边界 (1,499,999.99)
    # and 跨季 (1,000,000 in the quarter) do not earn it
    assert v.outcomes["advantage_cities_earned"] == [f"城市{i:02d}" for i in range(11, -1, -1)]
    assert v.outcomes["advantage_cities_earned_count"] == 12
    assert verdict(life, rows, "2024-04-01", "hotel_travel").outcomes["advantage_city_labels"] is None
    assert verdict(life, rows, "2024-04-01", "hotel_travel").outcomes["advantage_cities_earned_count"] is None


def test_effective_operating_months_count_distinct_sales_days(life):
    rows = comprehensive()
    for d in range(1, 8):  # 7 distinct days in January, two rows on the 1st
        rows.sell(f"2024-01-{d:02d}", "10", "comprehensive", "le")
    rows.sell("2024-01-01", "10", "comprehensive", "beauty")
    for d in range(1, 7):  # 6 days in February
        rows.sell(f"2024-02-{d:02d}", "10", "comprehensive", "le")
    for d in range(1, 9):  # 8 rows in March, 2 of them without sales
        rows.sell(f"2024-03-{d:02d}", "10", "comprehensive", "le", active="true" if d > 2 else "false")
    v = verdict(life, rows, "2024-04-01", "comprehensive")
    assert v.outcomes["effective_operating_months"] == 1
    # which months (LIFE-COMP-LBL): January (7 days); February (6) and March (6 active of 8) are not
    assert [v.outcomes[f"effective_operating_month_{i}"] for i in (1, 2, 3)] == ["2024-01-01", None, None]
    assert node(v, "operating_month_2.then").observed == "6"
    assert verdict(life, rows, "2024-04-01").outcomes["effective_operating_month_1"] is None  # catering


def test_which_months_are_effective_not_only_how_many(life):
    """6 days in January and 7 in February give the same count as 7 and 6: the months differ."""
    def months(jan, feb):
        rows = comprehensive()
        for d in range(1, jan + 1):
            rows.sell(f"2024-01-{d:02d}", "10", "comprehensive", "le")
        for d in range(1, feb + 1):
            rows.sell(f"2024-02-{d:02d}", "10", "comprehensive", "le")
        v = verdict(life, rows, "2024-04-01", "comprehensive")
        return v.outcomes["effective_operating_months"], [v.outcomes[f"effective_operating_month_{i}"] for i in (1, 2, 3)]
    assert months(6, 7) == (1, [None, "2024-02-01", None])
    assert months(7, 6) == (1, ["2024-01-01", None, None])


# ---- the bundled examples and the CLI ----------------------------------------------------------------------
EXPECTED = {
    "P01/catering": {"cold_start_pass_date": "2023-07-11", "certification_status": "passed", "rating_label": "四星"},
    "P02/catering": {"cold_start_pass_date": "2023-10-31", "cold_start_pass_cycle": 1, "advantage_city_labels": ["成都"]},
    "P03/catering": {"cold_start_pass_cycle": 2, "certification_status": "failed", "new_merchant_binding_restricted": True,
                     "industry_permission": "initial", "manual_review_required": True},
    "P04/catering": {"cold_start_pass_date": "2023-11-30", "rating_label": "二星"},
    "P05/catering": {"cold_start_status": "failed", "new_merchant_binding_restricted_from": "2023-11-30"},
    "P06/catering": {"cold_start_status": "in_progress"},
    "P07/catering": {"certification_status": "not_assessed"},
    "P08/catering": {"certification_status": "passed"},
    "P09/catering": {"cold_start_status": "not_required", "certification_status": "failed",
                     "industry_permission": "initial", "manual_review_required": True},
    "P10/hotel_travel": {"cold_start_trigger_date": "2023-08-17", "certification_status": "passed"},
    "P11/hotel_travel": {"agency_operation_dispatch_restricted": True},
    "P12/hotel_travel": {"certification_status": "passed", "rating_label": "五星"},
    "P13/comprehensive": {"certification_status": "passed", "effective_operating_months": 2},
    "P14/comprehensive": {"certification_status": "failed", "new_merchant_binding_restricted": False,
                          "new_merchant_binding_restricted_from": "2024-04-02"},
    "P15/comprehensive": {"certification_status": "failed"},
    "P16/comprehensive": {"cold_start_status": "in_progress", "cold_start_trigger_date": "2024-02-11"},
    "P16/hotel_travel": {"cold_start_status": "not_started"},
    "P19/comprehensive": {"cold_start_status": "failed"},
    "P21/catering": {"rating_score": "59.99", "rating_label": None},
    "P23/catering": {"rating_label": "一星"},
    "P25/catering": {"cold_start_status": "passed", "cold_start_pass_date": "2024-03-11",
                     "cold_start_fail_date": "2023-11-30", "new_merchant_binding_restricted": False},
}


@pytest.fixture(scope="module")
def examples(life):
    params = json.loads((EXAMPLES / "life" / "params.json").read_text("utf-8"))
    return life.evaluate(EXAMPLES / "life", "2024-04-01", params)


def test_examples_tell_their_stories(examples):
    assert len(examples.verdicts) == 75 and examples.accounting.rows_rejected == 2
    for entity, outcomes in EXPECTED.items():
        got = examples.verdict(entity).outcomes
        assert {k: got[k] for k in outcomes} == outcomes, entity
    p01 = examples.verdict("P01/catering").outcomes
    assert len(p01["advantage_city_labels"]) == 10 and p01["advantage_city_labels"][0] == "成都"
    assert p01["advantage_cities_earned_count"] == 12 and p01["advantage_cities_earned"][-1] == "合肥"  # exactly 150W
    for entity in ("P17/comprehensive", "P18/catering"):
        assert any(not o.decided for o in examples.verdict(entity).outcome_details)


def test_example_files_are_what_the_generator_writes(tmp_path):
    sys.path.insert(0, str(EXAMPLES))
    try:
        import gen_life
    finally:
        sys.path.pop(0)
    gen_life.main(tmp_path)
    names = sorted(p.name for p in (EXAMPLES / "life").iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(EXAMPLES / "life", tmp_path, names, shallow=False)
    assert not mismatch and not errors


def test_cli_audit_and_explain(tmp_path):
    cli = [sys.executable, "-m", "clausewise.cli.main"]
    common = ["--data", str(EXAMPLES / "life"), "--params", str(EXAMPLES / "life" / "params.json"), "--as-of", "2024-04-01"]
    out = tmp_path / "life.csv"
    run = subprocess.run([*cli, "audit", str(POLICIES / "life.policy"), *common, "--out", str(out), "--workers", "1"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1, run.stderr  # some providers are restricted
    assert "75 entities, 75 verdicts" in run.stdout + run.stderr
    text = out.read_text("utf-8")
    assert "P01/catering,2024-04-01,true,passed" in text and "成都;重庆;西安" in text
    from click.testing import CliRunner

    from clausewise.cli.main import main  # in this process: the process's own start is the audit's above

    shown = CliRunner().invoke(main, ["explain", str(POLICIES / "life.policy"), *common, "--entity", "P03/catering",
                                      "--no-color"])
    assert "short by 0.01 yuan" in shown.stdout and "cold-start cycle passed in" in shown.stdout


def test_text_explanation_shows_why_other_industries_rules_do_not_apply(life):
    from clausewise.report.explain import render_text

    v = verdict(life, comprehensive().sell("2024-02-10", "99999.99", "comprehensive", "le"), "2024-04-01", "comprehensive")
    text = render_text(v)
    assert "– catering: paid GMV of any month of the quarter at least 300,000 yuan [LIFE-CAT-CERT] n/a" in text
    assert "observed comprehensive = catering" in text
    assert "where industry = catering) >= certification_monthly_gmv" not in text  # not assessed: not shown
    assert "short by 0.01 yuan" in text  # LE at 99,999.99
    catering = node(v, "catering_certification")
    assert catering.status == "na" and len(catering.children) == 2  # the JSON keeps the whole tree
