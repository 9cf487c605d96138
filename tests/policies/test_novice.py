"""NOVICE on small data: the daily assessment, caps, exit inspection, post-exit periods."""

from __future__ import annotations

import datetime as dt

import pytest

import clausewise

from tests.support import POLICIES, node

AS_OF = dt.date(2024, 3, 15)


@pytest.fixture(scope="module")
def novice():
    return clausewise.load_policy(POLICIES / "novice.policy")


def day(offset: int) -> str:
    return str(AS_OF + dt.timedelta(days=offset))


def shop(**over):
    base = {"shop_id": "S1", "opened_on": "2024-01-01", "shop_type": "ordinary", "brand_is_known": "false",
            "main_category": "女装", "registered_province": "浙江省", "graduated_on": ""}
    return {**base, **over}


def evaluate(novice, shop_row=None, daily=None, violations=(), learning=True, findings=(), medians=True,
             params=None, as_of=AS_OF):
    shop_row = shop_row or shop()
    sid = shop_row["shop_id"]
    if daily is None:
        daily = [{"date": str(as_of), "signed_orders": "120", "experience_score": "4.5"}]
    rows = [{"shop_id": sid, "signed_orders": "0", "experience_score": "4.5", "quality_return_rate": "0.01",
             "bad_review_rate": "0.01", "complaint_rate": "0.01", **d} for d in daily]
    data = {
        "shops": [shop_row],
        "shop_daily": rows,
        "shop_violations": [{"shop_id": sid, "occurred_on": d, "severity": s, "points": p} for d, s, p in violations],
        "shop_learning": [{"shop_id": sid, "learning_tasks_done": str(learning).lower(),
                           "novice_exam_passed": str(learning).lower(), "consumer_protection_exam_passed": "false"}],
        "shop_risk_findings": [{"shop_id": sid, "found_on": f[0], "kind": f[1], "resolved_on": f[2] if len(f) > 2 else ""}
                               for f in findings],
        "category_medians": [{"main_category": "女装", "date": str(as_of), "quality_return_rate": "0.02",
                              "bad_review_rate": "0.02", "complaint_rate": "0.02"}] if medians else [],
    }
    return novice.evaluate(data, as_of, params or {}).verdicts[0]


def test_experience_score_must_be_strictly_above_4(novice):
    at = evaluate(novice, daily=[{"date": str(AS_OF), "experience_score": "4.0"}])
    above = evaluate(novice, daily=[{"date": str(AS_OF), "experience_score": "4.01"}])
    assert node(at, "dynamic_pass.experience").status == "fail"
    assert at.outcomes["daily_order_cap"] == 1000 and at.outcomes["settlement_days"] == 30
    assert at.outcomes["selected_alliance_promotion_allowed"] is False and at.compliant is False
    assert node(above, "dynamic_pass.experience").status == "pass"
    assert above.outcomes["quality_novice_merchant"] is True and above.outcomes["daily_order_cap"] is None
    assert above.outcomes["settlement_days"] == 14 and above.compliant is True


def test_missing_score_fails_and_says_why(novice):
    v = evaluate(novice, daily=[{"date": day(-1), "experience_score": "4.8"}])
    n = node(v, "dynamic_pass.experience")
    assert (n.status, n.decided_by_missing) == ("fail", True)
    assert n.missing == [f"no shop_daily row for 'S1' on {AS_OF}"]
    assert v.outcomes["daily_order_cap"] == 1000


def test_class_b_points_in_30_days(novice):
    four = evaluate(novice, violations=[(day(0), "B", "2"), (day(-29), "B", "2"), (day(-30), "B", "9")])
    three = evaluate(novice, violations=[(day(0), "B", "3"), (day(-30), "B", "9"), (day(0), "A", "12")])
    assert node(four, "dynamic_pass.serious_violations.b_points").status == "fail"
    b4 = node(four, "dynamic_pass.serious_violations.b_points.then")
    assert (b4.status, b4.observed, b4.comparison, b4.bound) == ("fail", "4", "<", "4")
    assert [w.dates for w in b4.windows] == ["2024-02-15..2024-03-15"]
    assert node(three, "dynamic_pass.serious_violations.b_points").status == "pass"
    assert node(three, "dynamic_pass.serious_violations.any_b").status == "na"


def test_class_b_reading_is_a_parameter(novice):
    v = evaluate(novice, violations=[(day(0), "B", "1")], params={"b_class_rule_mode": "any_b_violation"})
    assert node(v, "dynamic_pass.serious_violations.any_b").status == "fail"
    assert node(v, "dynamic_pass.serious_violations.b_points").status == "na"
    assert v.outcomes["daily_order_cap"] == 1000


def test_fulfilment_risk_caps_a_passing_novice_at_3000_that_day_only(novice):
    today = evaluate(novice, findings=[(day(0), "fulfillment_risk")], learning=False)
    yesterday = evaluate(novice, findings=[(day(-1), "fulfillment_risk")], learning=False)
    assert today.outcomes["daily_order_cap"] == 3000 and today.outcomes["settlement_days"] == 14
    assert yesterday.outcomes["daily_order_cap"] is None


@pytest.mark.parametrize("found, resolved, conforms", [
    (day(1), "", True),          # found tomorrow: not yet
    (day(0), "", False),         # found today, open
    (day(-30), "", False),       # open since a month: still non-conforming (AMB-N3, amended)
    (day(-5), day(1), False),    # resolved tomorrow: not today
    (day(-5), day(0), True),     # resolved today: resolved_on itself conforms again
])
def test_operating_risk_lasts_from_found_on_until_resolved_on(novice, found, resolved, conforms):
    v = evaluate(novice, findings=[(found, "operating_risk", resolved)], learning=False)
    assert node(v, "dynamic_pass.risk_norms").status == ("pass" if conforms else "fail")
    assert v.outcomes["daily_order_cap"] == (None if conforms else 1000) and v.compliant is conforms


def test_failing_novice_with_fulfilment_risk_stays_at_1000(novice):
    v = evaluate(novice, daily=[{"date": str(AS_OF), "experience_score": "3.9"}], findings=[(day(0), "fulfillment_risk")])
    assert v.outcomes["daily_order_cap"] == 1000


def test_direct_pass_skips_the_novice_period(novice):
    v = evaluate(novice, shop(shop_type="flagship", brand_is_known="true"))
    assert v.outcomes["in_novice_period"] is False and v.outcomes["exit_date"] == "2024-01-01"
    assert v.outcomes["settlement_days"] == 4 and v.outcomes["marketing_activity_signup_allowed"] is True
    assert v.outcomes["manual_review_required"] is True  # AMB-N10: the direct-pass reading is flagged
    near = evaluate(novice, shop(shop_type="specialty", brand_is_known="true"), learning=False)
    assert near.outcomes["in_novice_period"] is True and near.outcomes["manual_review_required"] is False


def test_exit_inspection_passes_on_the_day(novice):
    v = evaluate(novice, daily=[{"date": str(AS_OF), "signed_orders": "100", "experience_score": "4.4",
                                 "quality_return_rate": "0.02"}])
    assert node(v, "exit_inspection").status == "pass"
    assert v.outcomes["in_novice_period"] is False and v.outcomes["exit_date"] == str(AS_OF)
    assert v.outcomes["settlement_days"] == 4


def test_99_signed_orders_is_short_by_one(novice):
    v = evaluate(novice, daily=[{"date": day(-3), "signed_orders": "50"}, {"date": str(AS_OF), "signed_orders": "49"}])
    n = node(v, "exit_inspection.metrics.signed_orders")
    assert (n.status, n.observed, n.gap.amount, n.gap.percent) == ("fail", "99", "1", "1.0%")
    assert v.outcomes["in_novice_period"] is True


def test_jiangsu_shanghai_anhui_need_the_consumer_protection_exam(novice):
    js = evaluate(novice, shop(registered_province="江苏省"))
    zj = evaluate(novice, shop(registered_province="浙江省"))
    assert node(js, "exit_inspection.consumer_protection_exam").status == "fail"
    assert js.outcomes["in_novice_period"] is True
    assert node(zj, "exit_inspection.consumer_protection_exam").status == "na"
    assert zj.outcomes["in_novice_period"] is False


def test_missing_category_median_leaves_the_exit_undecided(novice):
    v = evaluate(novice, medians=False)
    assert node(v, "exit_inspection.metrics.quality_returns").status == "unknown"
    assert v.outcome_details[0].field == "in_novice_period" and v.outcome_details[0].decided is False
    assert f"no category_medians row for '女装' on {AS_OF}" in v.missing_data


def test_improper_graduation_cap_lasts_60_days_from_discovery(novice):
    exited = shop(graduated_on="2024-01-10")
    inside = evaluate(novice, exited, findings=[(day(-59), "improper_graduation")])
    ended = evaluate(novice, exited, findings=[(day(-60), "improper_graduation")])
    assert inside.outcomes["daily_order_cap"] == 1000
    assert ended.outcomes["daily_order_cap"] is None


def test_improper_graduation_found_after_90_days_is_outside_monitoring(novice):
    exit_day = AS_OF - dt.timedelta(days=100)
    exited = shop(graduated_on=str(exit_day))
    day89 = evaluate(novice, exited, findings=[(str(exit_day + dt.timedelta(days=89)), "improper_graduation")])
    day90 = evaluate(novice, exited, findings=[(str(exit_day + dt.timedelta(days=90)), "improper_graduation")])
    assert day89.outcomes["daily_order_cap"] == 1000
    assert day90.outcomes["daily_order_cap"] is None


def test_civil_code_convention_moves_the_edge_by_one_day(novice):
    exited = shop(graduated_on="2024-01-10")
    v = evaluate(novice, exited, findings=[(day(-60), "improper_graduation")],
                 params={"period_day_count_convention": "start_day_excluded"})
    assert v.outcomes["daily_order_cap"] == 1000


def test_post_exit_fulfilment_cap_is_three_days(novice):
    exited = shop(graduated_on="2024-03-01")
    assert evaluate(novice, exited, findings=[(day(-2), "fulfillment_risk")]).outcomes["daily_order_cap"] == 1000
    assert evaluate(novice, exited, findings=[(day(-3), "fulfillment_risk")]).outcomes["daily_order_cap"] is None


def test_a_finding_on_the_exit_day_caps_under_4_3_from_that_day(novice):
    """Issue 16 item 7 (reading chosen): the exit day is day 1 of the 90-day monitoring (C-4), so a
    fulfilment risk found that day caps at 1,000 that day (neither 3.2's 3,000 nor no cap) and the
    two days after; the day before, the shop is still a novice and 3.2 gives 3,000."""
    passing = [{"date": day(-1), "signed_orders": "120", "experience_score": "4.6"},
               {"date": str(AS_OF), "experience_score": "4.6"}]
    before = evaluate(novice, findings=[(day(-1), "fulfillment_risk")], learning=False,
                      as_of=AS_OF - dt.timedelta(days=1), daily=passing[:1])
    assert before.outcomes["in_novice_period"] is True and before.outcomes["daily_order_cap"] == 3000
    exit_day = evaluate(novice, findings=[(day(0), "fulfillment_risk")], daily=passing)
    assert exit_day.outcomes["exit_date"] == str(AS_OF) and exit_day.outcomes["daily_order_cap"] == 1000
    assert node(exit_day, "post_exit_fulfillment_restricted.exit_day").status == "pass"
    for offset, cap in ((1, 1000), (2, 1000), (3, None)):
        later = AS_OF + dt.timedelta(days=offset)
        v = evaluate(novice, shop(graduated_on=str(AS_OF)), findings=[(day(0), "fulfillment_risk")], as_of=later,
                     daily=[{"date": str(later), "experience_score": "4.6"}])
        assert v.outcomes["daily_order_cap"] == cap, offset


def test_settlement_after_exit_depends_on_todays_score(novice):
    exited = shop(graduated_on="2024-01-10")
    assert evaluate(novice, exited, daily=[{"date": str(AS_OF), "experience_score": "4.4"}]).outcomes["settlement_days"] == 4
    assert evaluate(novice, exited, daily=[{"date": str(AS_OF), "experience_score": "4.39"}]).outcomes["settlement_days"] == 10


def test_bound_shows_as_the_rule_text_writes_it(novice):
    at = evaluate(novice, daily=[{"date": str(AS_OF), "experience_score": "4.0"}])
    n = node(at, "dynamic_pass.experience")
    assert (n.observed, n.comparison, n.bound) == ("4.0", ">", "4.0")


def test_missing_data_lists_only_what_decided_something(novice):
    # graduated_on is empty, but 'graduated_on is set' fails, so the rule 'exited' fails anyway:
    # the empty field decided nothing and is not reported as missing data.
    v = evaluate(novice)
    assert node(v, "exited").status == "fail"
    assert [m for m in v.missing_data if "graduated_on" in m] == []
    # a missing score decides the dynamic assessment under 'missing fails' (AMB-N5): reported
    no_score = evaluate(novice, daily=[{"date": day(-1), "experience_score": "4.8"}])
    assert f"no shop_daily row for 'S1' on {AS_OF}" in no_score.missing_data


def test_overlapping_post_exit_caps_hold_until_the_later_end(novice):
    """NOVICE-4.3 overlap: 60-day and 3-day restrictions at once; the cap is 1,000 until the later end."""
    exited = shop(graduated_on="2024-01-10")
    findings = [(day(-59), "improper_graduation"), (day(-1), "fulfillment_risk")]  # ends day 0 and day +1

    def on(offset):
        as_of = AS_OF + dt.timedelta(days=offset)
        return evaluate(novice, exited, findings=findings, as_of=as_of,
                        daily=[{"date": str(as_of), "signed_orders": "120", "experience_score": "4.5"}])

    both, later_only, none_left = on(0), on(1), on(2)
    assert (node(both, "improper_graduation_restricted").status, node(both, "post_exit_fulfillment_restricted").status) \
        == ("pass", "pass")
    assert both.outcomes["daily_order_cap"] == 1000
    assert node(later_only, "improper_graduation_restricted").status == "fail"
    assert later_only.outcomes["daily_order_cap"] == 1000
    assert none_left.outcomes["daily_order_cap"] is None


def test_explanation_lists_only_the_windows_of_the_rows_counted(novice):
    """Issue 16 item 13: a fulfilment-risk finding is not counted by the improper-graduation condition,
    so that condition lists no '60 days from f.found_on' window for it; the fulfilment-risk condition
    lists its '3 days from f.found_on'. Windows that do not depend on the row stay listed."""
    def walk(nodes):
        for n in nodes:
            yield n
            yield from walk(n.children)

    def windows(v, kind):
        leaves = [n for n in walk(v.rules) if n.expression and f"f.kind = {kind} and f.found_on in 90 days from" in n.expression
                  and "opened_on" not in n.expression]
        assert len(leaves) == 1
        return leaves[0].status, {w.expression: w.dates for w in leaves[0].windows}

    exited = shop(graduated_on="2024-03-01")
    v = evaluate(novice, exited, findings=[(day(-2), "fulfillment_risk")])
    status, seen = windows(v, "fulfillment_risk")
    assert status == "pass" and seen["3 days from f.found_on"] == f"{day(-2)}..{day(0)}"
    status, seen = windows(v, "improper_graduation")
    assert status == "fail" and not any("f.found_on" in e for e in seen) and len(seen) == 1  # 90 days from the exit
    both = evaluate(novice, exited, findings=[(day(-2), "fulfillment_risk"), (day(-1), "improper_graduation")])
    assert windows(both, "improper_graduation")[1]["60 days from f.found_on"] == f"{day(-1)}..{day(58)}"
    assert windows(both, "fulfillment_risk")[1]["3 days from f.found_on"] == f"{day(-2)}..{day(0)}"  # not day(-1)'s
