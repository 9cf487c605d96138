"""Language additions: 'for each' entities, parameters with several keys, conditional values,
ladders, top-N lists, counts of months/days, aggregates of row expressions, none windows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clausewise.language import syntax

from clausewise import compile_policy_text
from clausewise.language.diagnostics import ClausewiseError
from clausewise.language.format import format_text
from clausewise.language.parse import parse_text

POLICY = """policy ext {
  title "扩展" / "extensions"
  version "1"
  effective from 2020-01-01
  source "x.txt"
  entity provider in providers for each line: enum(food, travel)
}
table providers key provider_id {
  provider_id: string
  joined_on: date
}
table daily key provider_id, date, industry, city by date {
  provider_id: string -> providers
  date: date
  industry: enum(food, travel)
  city: string
  gmv: yuan
  active: bool
}
table scores key provider_id, month, industry, indicator by month {
  provider_id: string -> providers
  month: month
  industry: enum(food, travel)
  indicator: string
  score: score
}
param weight [X-1]: rate per enum(food, travel), string
param bands [X-2]: score per enum(food, travel), string
param cap [X-3]: count = 2
param nicknames [X-4]: string per string = {}
let q [X-1] = 2024-01 .. 2024-03
let score_avg [X-1] = sum(scores.score * weight[line, indicator] during q where industry = line) / 3
let first_sale [X-5] = if count(daily where industry = line and gmv > 0) > 0
  then min(daily.date where industry = line and gmv > 0) else none
rule busy [X-6] "忙" / "busy" = count(month m in q where count(distinct daily.date during m where industry = line and active) >= 2) >= 2
decide score [X-1] "分" / "score": score optional {
  score_avg when line = food
  otherwise none
}
decide label [X-2] "标签" / "label": string optional {
  band of score_avg in bands[line] when line = food
  otherwise none
}
decide cities [X-3] "城市" / "cities": list(string) {
  otherwise top cap (city by sum(daily.gmv during q where industry = line) >= 100)
}
decide first_sale_day [X-5] "首日" / "first sale": date optional {
  otherwise first_sale
}
decide first_sale_next [X-5] "次日" / "day after the first sale": date optional {
  otherwise first_sale + 1 day
}
decide sale_days [X-6] "销售天数" / "days with sales in January": count {
  otherwise count(day d in 2024-01 where sum(daily.gmv during d where industry = line) > 0)
}
decide nickname [X-4] "昵称" / "nickname": string optional {
  otherwise if nicknames[provider_id] is set then nicknames[provider_id] else "-"
}
"""

PARAMS = {"weight": {"food": {"taste": "0.6", "speed": "0.4"}, "travel": {"taste": "1"}},
          "bands": {"food": {"B": 60, "A": 80, "A+": 80, "S": "90.5"}}}


def rows(daily=(), scores=()):
    return {"providers": [{"provider_id": "P1", "joined_on": "2023-01-01"}],
            "daily": [{"provider_id": "P1", "date": d, "industry": i, "city": c, "gmv": g, "active": a}
                      for d, i, c, g, a in daily],
            "scores": [{"provider_id": "P1", "month": m, "industry": i, "indicator": k, "score": s} for m, i, k, s in scores]}


@pytest.fixture(scope="module")
def policy():
    return compile_policy_text(POLICY, "ext.policy")


def outcomes(policy, data, params=PARAMS, entity="P1/food"):
    return policy.evaluate(data, "2024-04-01", params).verdict(entity).outcomes


def test_round_trip_of_every_addition():
    assert parse_text(format_text(POLICY)) == parse_text(POLICY)
    assert format_text(format_text(POLICY)) == format_text(POLICY)
    text = format_text(POLICY)
    for piece in ("for each line: enum(food, travel)", "per enum(food, travel), string", "weight[line, indicator]",
                  "band of score_avg in bands[line]", "top cap (city by sum(", "count(month m in q",
                  "if count(daily where", "= {}"):
        assert piece in text


def test_for_each_gives_one_verdict_per_row_and_value(policy):
    result = policy.evaluate(rows(), "2024-04-01", PARAMS)
    assert [v.entity for v in result.verdicts] == ["P1/food", "P1/travel"]
    assert policy.evaluate(rows(), "2024-04-01", PARAMS, entities=["P1/travel"]).verdicts[0].outcomes["score"] is None


def test_row_expression_sum_with_two_key_weights_divides_by_three(policy):
    data = rows(scores=[("2024-01", "food", "taste", "90"), ("2024-01", "food", "speed", "70"),
                        ("2024-02", "food", "taste", "80"), ("2024-03", "travel", "taste", "10"),
                        ("2023-12", "food", "taste", "100")])
    # (90*0.6 + 70*0.4) + 80*0.6 = 82 + 48 = 130; the month without scores counts 0: 130/3
    assert Decimal(outcomes(policy, data)["score"]) == Decimal(130) / 3


def test_a_missing_weight_leaves_the_score_undecided(policy):
    data = rows(scores=[("2024-01", "food", "taste", "90"), ("2024-01", "food", "hygiene", "70")])
    verdict = policy.evaluate(data, "2024-04-01", PARAMS).verdict("P1/food")
    detail = next(o for o in verdict.outcome_details if o.field == "score")
    assert not detail.decided


@pytest.mark.parametrize("total,label", [("179.99", None), ("180", "B"), ("239.99", "B"), ("240", "A"),
                                         ("271.5", "S"), ("1000", "S")])
def test_band_the_highest_threshold_met_wins(policy, total, label):
    # one indicator with weight 1 would need a travel weight; use food taste at 0.6: score = total/3
    score = Decimal(total) / Decimal("0.6")
    data = rows(scores=[("2024-01", "food", "taste", str(score))])
    assert outcomes(policy, data)["label"] == label  # 80 shared by A and A+: the first in sorted order


def test_top_n_sorted_by_figure_then_name_cut_at_n_and_bound(policy):
    daily = [("2024-01-05", "food", "成都", "60", "true"), ("2024-02-05", "food", "成都", "40", "true"),
             ("2024-01-05", "food", "重庆", "100", "true"), ("2024-03-31", "food", "上海", "150", "true"),
             ("2024-04-01", "food", "北京", "1000", "true"), ("2024-01-09", "food", "西安", "99.99", "true"),
             ("2024-01-09", "travel", "西安", "500", "true")]
    # 上海 150; 成都 100 and 重庆 100 tie (by name); 西安 99.99 < 100; 北京 is after the quarter; cap 2
    assert outcomes(policy, rows(daily))["cities"] == ["上海", "成都"]
    assert outcomes(policy, rows(daily), {**PARAMS, "cap": 10})["cities"] == ["上海", "成都", "重庆"]
    assert outcomes(policy, rows(daily), entity="P1/travel")["cities"] == ["西安"]


def test_count_of_months_meeting_a_condition(policy):
    daily = [("2024-01-01", "food", "成都", "1", "true"), ("2024-01-02", "food", "重庆", "1", "true"),
             ("2024-02-01", "food", "成都", "1", "true"), ("2024-02-01", "food", "重庆", "1", "true"),
             ("2024-03-01", "food", "成都", "1", "true"), ("2024-03-02", "food", "成都", "1", "false"),
             ("2024-03-03", "food", "成都", "1", "true")]
    result = policy.evaluate(rows(daily), "2024-04-01", PARAMS).verdict("P1/food")
    busy = result.rules[0]
    assert busy.status == "pass" and busy.observed == "2"  # January and March: 2 distinct active days
    assert result.outcomes["sale_days"] == 2  # January 1 and 2 (one row each)


def test_conditional_value_and_none_arithmetic(policy):
    data = rows([("2024-02-03", "food", "成都", "0", "true"), ("2024-02-04", "food", "成都", "5", "true")])
    out = outcomes(policy, data)
    assert out["first_sale_day"] == "2024-02-04" and out["first_sale_next"] == "2024-02-05"
    travel = outcomes(policy, data, entity="P1/travel")
    assert travel["first_sale_day"] is None and travel["first_sale_next"] is None  # none + 1 day is none
    assert out["nickname"] == "-"
    assert outcomes(policy, data, {**PARAMS, "nicknames": {"P1": "小王"}})["nickname"] == "小王"


def test_nested_parameter_values_are_checked():
    policy = compile_policy_text(POLICY, "ext.policy")
    with pytest.raises(ClausewiseError) as err:
        policy.evaluate(rows(), "2024-04-01", {**PARAMS, "weight": {"food": "0.5"}})
    assert "weight" in err.value.diagnostics[0].message and "object" in err.value.diagnostics[0].message
    with pytest.raises(ClausewiseError) as err:
        policy.evaluate(rows(), "2024-04-01", {**PARAMS, "weight": {"snacks": {"taste": "1"}}})
    assert "snacks" in err.value.diagnostics[0].message


def errors(text: str) -> list[str]:
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(text, "bad.policy")
    return [d.message for d in err.value.diagnostics]


@pytest.mark.parametrize("change,message", [
    ("for each line: enum(food, travel)", None),
    ("for each industry: enum(food, travel)", "'industry' is already a field of table 'daily'"),
    ("for each line: string", "'for each line' needs the values listed"),
])
def test_for_each_checks(change, message):
    text = POLICY.replace("for each line: enum(food, travel)", change)
    if message is None:
        compile_policy_text(text, "ok.policy")
    else:
        assert any(message in m for m in errors(text))


@pytest.mark.parametrize("old,new,message", [
    ("weight[line, indicator]", "weight[line]", "'weight' takes 2 keys here"),
    ("band of score_avg in bands[line]", "band of score_avg in bands[line, indicator]", "'bands' takes 1 key here"),
    ("band of score_avg in bands[line]", "band of score_avg in cap", "takes a parameter of thresholds"),
    ("top cap (city by", "top cap (town by", "table 'daily' has no field 'town' to group by"),
    ("then min(daily.date where industry = line and gmv > 0) else none", "then 3 else joined_on",
     "the branches give"),
    ("if count(daily where", "if busy and count(daily where", "rule 'busy' cannot be used inside a figure"),
    ("sum(scores.score * weight[line, indicator]", "sum(scores.score * daily.gmv", "must read the fields of one table"),
    ("param nicknames [X-4]: string per string = {}", "param nicknames [X-4]: string per string = {1}",
     "takes its values from the parameters file"),
])
def test_checker_reports_misuse(old, new, message):
    assert POLICY.count(old) >= 1
    found = errors(POLICY.replace(old, new, 1))
    assert any(message in m for m in found), found


def test_count_units_only_counts():
    with pytest.raises(ClausewiseError) as err:
        parse_text(POLICY.replace("count(month m in q where", "sum(month m in q where"))
    assert "only count()" in err.value.diagnostics[0].message


def test_if_expression_parses_as_an_expression_inside_conditions():
    tree = parse_text(POLICY)
    let = next(d for d in tree.decls if isinstance(d, syntax.LetDecl) and d.name == "first_sale")
    assert isinstance(let.expr, syntax.IfExpr) and isinstance(let.expr.orelse, syntax.NoneLit)


def test_list_outcome_in_json_and_csv(policy, tmp_path):
    from clausewise.report.records import VerdictSink

    data = rows([("2024-01-05", "food", "成都", "100", "true"), ("2024-01-05", "food", "重庆", "200", "true")])
    result = policy.evaluate(data, "2024-04-01", PARAMS)
    assert '"cities":["重庆","成都"]' in result.verdict("P1/food").model_dump_json()
    with VerdictSink(tmp_path / "v.csv", [d.field for d in policy.plan.decides], plan=policy.plan) as sink:
        policy.evaluate(data, "2024-04-01", PARAMS, on_chunk=sink.write, render_raw=sink.render)
    assert "重庆;成都" in (tmp_path / "v.csv").read_text("utf-8")


def test_fmt_keeps_named_members_under_if_then():
    text = POLICY + '''rule gated [X-7] "门" / "gated" = if line = food then any of {
  early [X-7] "早" / "early": first_sale < 2024-02-01
  inner [X-7] "内" / "inner": if line = food then all of {
    named [X-7] "名" / "named": first_sale is set
  }
}
'''
    once = format_text(text)
    assert parse_text(once) == parse_text(text) and format_text(once) == once
    assert "early [X-7]" in once and "named [X-7]" in once
    policy = compile_policy_text(text, "gated.policy")
    assert {"gated.then.early", "gated.then.inner.then.named"} <= set(policy.plan.nodes)


def test_a_bare_key_is_not_an_entity_of_a_for_each_policy(policy):
    with pytest.raises(ClausewiseError) as err:
        policy.evaluate(rows(), "2024-04-01", PARAMS, entities=["P1"])
    assert err.value.diagnostics[0].hint == "one verdict per line: P1/food, P1/travel"


SUMS = """policy sums {
  title "和" / "sums"
  version "1"
  effective from 2020-01-01
  source "x.txt"
  entity provider in providers for each line: enum(food, travel)
}
table providers key provider_id {
  provider_id: string
}
table daily key provider_id, date, industry, city by date {
  provider_id: string -> providers
  date: date
  industry: enum(food, travel)
  city: string
  gmv: yuan
}
param w [X-1]: window
param ladder [X-2]: yuan per string
decide total [X-1] "和" / "total": yuan {
  otherwise sum(daily.gmv during w where industry = line)
}
decide running [X-1] "首日" / "first day the running total reaches 100": date optional {
  otherwise first day d in w where sum(daily.gmv during start of w .. d where industry = line) >= 100
}
decide step [X-2] "档" / "step": string optional {
  otherwise band of sum(daily.gmv during w where industry = line) in ladder
}
"""


@pytest.fixture(scope="module")
def sums():
    return compile_policy_text(SUMS, "sums.policy")


from hypothesis import given, settings, strategies as st  # noqa: E402

_rows = st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["food", "travel"]), st.sampled_from(["a", "b"]),
                           st.integers(0, 9999)), max_size=25, unique_by=lambda r: r[:3])


@settings(max_examples=40, deadline=None)
@given(rows_=_rows, start=st.integers(0, 40), length=st.integers(0, 20),
       steps=st.dictionaries(st.sampled_from(["x", "y", "z"]), st.integers(0, 300), max_size=3))
def test_cached_sums_running_totals_and_bands_match_brute_force(sums, rows_, start, length, steps):
    import datetime as dt

    base = dt.date(2024, 1, 1)
    data = {"providers": [{"provider_id": "P1"}],
            "daily": [{"provider_id": "P1", "date": str(base + dt.timedelta(days=n)), "industry": i, "city": c,
                       "gmv": str(Decimal(g) / 100)} for n, i, c, g in rows_]}
    first, last = base + dt.timedelta(days=start), base + dt.timedelta(days=start + length)
    got = sums.evaluate(data, "2024-06-01", {"w": f"{first}..{last}", "ladder": steps}).verdict("P1/food").outcomes
    food = [(base + dt.timedelta(days=n), Decimal(g) / 100) for n, i, _, g in rows_ if i == "food"]
    total = sum((g for d, g in food if first <= d <= last), Decimal(0))
    assert Decimal(got["total"]) == total
    running = None
    for k in range(length + 1):
        day = first + dt.timedelta(days=k)
        if sum((g for d, g in food if first <= d <= day), Decimal(0)) >= 100:
            running = str(day)
            break
    assert got["running"] == running
    reached = sorted((-t, name) for name, t in steps.items() if total >= t)
    assert got["step"] == (reached[0][1] if reached else None)
