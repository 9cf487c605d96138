"""The fast paths of the engine give exactly what the general paths give.

* solve: entities with the same leaf facts share one solved answer;
* data: per-field parsers with shortcuts for well-formed text;
* evaluate: streamed chunks (``on_chunk``/``render``), in one process or in workers.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import clausewise
from clausewise.data.rows import field_parser, parse_value
from clausewise.asp.solve import Const, solve, term
from clausewise.values.valuetypes import FieldSchema, ValueType

from tests.support import POLICIES
from tests.policies.test_tier import PARAMS, data


def _outcome(parse, value):
    try:
        return ("ok", parse(value))
    except ValueError as err:
        return ("error", str(err))


def test_shared_answers_equal_one_solve_per_entity():
    policy = clausewise.load_policy(POLICIES / "novice.policy")
    stated = set(policy.figures.compiled)
    leaves = [leaf.id for leaf in policy.plan.leaves() if leaf.id not in stated]
    figures = policy.figures.entity_figures
    rng = random.Random(5)
    entities = [f"S{i}" for i in range(60)]
    facts = {e: [("leaf", (leaf, Const(rng.choice(("pass", "fail", "unknown") if i % 3 else ("pass",))))) for leaf in leaves]
             + [("figure", (f, term(rng.choice((0, 1, 5))))) if rng.random() < 0.8 else ("figure_missing", (f,))
                for f in figures if policy.figures.figures.figures[f].unit not in ("bool", "string", "enum", "date")]
             for i, e in enumerate(entities)}
    together = solve(policy.program, facts)
    for entity in entities:
        alone = solve(policy.program, {entity: facts[entity]})[entity]
        assert together[entity] == alone
    together[entities[0]].undecided.add("x")  # answers are copies: changing one leaves the others
    assert all("x" not in together[e].undecided for e in entities[1:])


def test_node_and_field_names_with_quotes_and_backslashes_survive_the_solver():
    program = 'status(E,N,S) :- leaf(E,N,S).\nchosen(E,"a\\\\b\\"c",1) :- entity(E).\n#show status/3.\n#show chosen/3.\n'
    answer = solve(program, {"e": [("leaf", ('odd "node" \\ name', Const("pass")))]})["e"]
    assert answer.status == {'odd "node" \\ name': "pass"} and answer.chosen == {'a\\b"c': 1}


TYPES = [ValueType("orders"), ValueType("date"), ValueType("string"), ValueType("enum", ("A", "B")),
         ValueType("yuan"), ValueType("rate"), ValueType("score")]
TEXT = st.one_of(st.text(max_size=12), st.from_regex(r"\A[ +-]?[0-9]{1,12}[ ]?\Z"),
                 st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"), st.sampled_from(["A", " B ", "C", "", " ", "٣", "²", "1.50"]),
                 st.integers(-5, 10**12), st.none())


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(TYPES), st.booleans(), TEXT)
def test_field_parsers_agree_with_parse_value(vtype, optional, value):
    field = FieldSchema("f", vtype, optional)
    assert _outcome(field_parser(field), value) == _outcome(lambda v: parse_value(v, vtype, optional), value)


@pytest.mark.parametrize("workers", [1, 2])
def test_streamed_chunks_equal_the_kept_verdicts(workers, monkeypatch):
    monkeypatch.setattr(clausewise.engine.policy, "CHUNK", 7)
    tier = clausewise.load_policy(POLICIES / "tier.policy")
    providers = tuple(f"P{i:03d}" for i in range(30))
    rows = data([(p, f"S{i}", "2023-01-01", "") for i, p in enumerate(providers)],
                [(f"S{i}", "2024-01-05", i * 1000) for i in range(30)], providers=providers)
    kept = tier.evaluate(rows, "2024-04-01", PARAMS)
    chunks: list = []
    streamed = tier.evaluate(rows, "2024-04-01", PARAMS, workers=workers, on_chunk=chunks.append,
                             render=lambda vs: [v.model_dump_json() for v in vs])
    assert streamed.verdicts == [] and streamed.accounting == kept.accounting
    assert [line for chunk in chunks for line in chunk] == [v.model_dump_json() for v in kept.verdicts]


@pytest.mark.parametrize("name, as_of, with_params, attribution", [
    ("tier", "2024-04-01", True, None), ("novice", "2024-03-15", False, None), ("life", "2024-04-01", True, None),
    ("renew", "2024-06-30", True, "while_bound"), ("renew", "2024-06-30", True, "whole_period_if_bound_during")])
def test_per_entity_caches_and_closures_give_what_the_plain_walker_gives(name, as_of, with_params, attribution):
    """Every leaf of every example entity, once with the per-entity caches (cached_aggregate,
    remembered_aggregate) and compiled closures, once without any: a fresh evaluator for each
    leaf, walking the tree. Tier's with 20 of each provider's shops (tests/support.small_tier: its
    47,000 rows made it 8.6 CPU s)."""
    import datetime as dt
    import json

    from clausewise.evaluate import computed
    from clausewise.evaluate.leaves import LeafEvaluator
    from clausewise.evaluate.measure import Data, Evaluator, Scope
    from clausewise.evaluate.params import resolve_params
    from tests.support import EXAMPLES, small_tier

    policy = clausewise.load_policy(POLICIES / f"{name}.policy")
    params = json.loads((EXAMPLES / name / "params.json").read_text("utf-8")) if with_params else {}
    if attribution is not None:  # RENEW's two readings of which orders count
        params["order_attribution"] = attribution
    tables = policy.load_data(small_tier() if name == "tier" else EXAMPLES / name)
    rows = {n: t.rows for n, t in tables.items()}
    day = dt.date.fromisoformat(as_of)
    values, convention = resolve_params(policy.checked, params, day)
    cached = Evaluator(policy.checked, Data(rows), values, day, convention)
    fast = LeafEvaluator(cached)
    entities = computed.entity_rows(policy.checked, rows[policy.checked.entity_table])
    compared = 0
    for entity in sorted(entities):
        row = entities[entity]
        for leaf in policy.plan.leaves():
            scope = Scope(row, policy.checked.entity_table, row)
            # the plain walker: a fresh evaluator for each leaf (nothing cached before), no closures
            plain = Evaluator(policy.checked, Data(rows), values, day, convention)
            slow = LeafEvaluator(plain, compiled=False)
            assert fast.evaluate(leaf.cond, scope) == slow.evaluate(leaf.cond, scope), (entity, leaf.id)
            compared += 1
    assert compared >= 36
    assert cached.__dict__.get("_row_cache") or any(rows for _, rows in cached.day_shared.values())  # rows filtered once, kept


NESTED = '''policy nested {
  title "嵌套" / "nested"
  version "1"
  effective from 2024-01-01
  source "n.txt"
  entity provider in providers
}
table providers key provider_id {
  provider_id: string
}
table shops key shop_id {
  shop_id: string
}
table bindings {
  provider_id: string -> providers
  shop_id: string -> shops
  bound_on: date
  unbound_on: date optional
}
table daily key shop_id, date by date {
  shop_id: string -> shops
  date: date
  orders: orders
}
relation bound [N-1] "绑定" / "bound": shops via bindings while bound_on until unbound_on
rule busy [N-2] "忙" / "busy" = all of {
  busy_orders [N-3] "忙店订单" / "orders of busy shops":
    sum(daily.orders over bound where count(x in daily where x.orders > 5) >= 2) >= 10
}
'''


def test_a_nested_aggregate_is_remembered_per_subject_not_per_entity():
    """The inner count depends on the shop of the outer row: S1 has two days over 5 orders, S2
    one; only S1's rows add up (6 + 6 + 1 = 13). A cache keyed by entity alone would give 20."""
    policy = clausewise.compile_policy_text(NESTED, "nested.policy")
    days = [("S1", "2024-01-02", "6"), ("S1", "2024-01-03", "6"), ("S1", "2024-01-04", "1"),
            ("S2", "2024-01-02", "6"), ("S2", "2024-01-03", "1")]
    for order in (days, days[::-1]):
        data = {"providers": [{"provider_id": "P1"}], "shops": [{"shop_id": "S1"}, {"shop_id": "S2"}],
                "bindings": [{"provider_id": "P1", "shop_id": s, "bound_on": "2024-01-01", "unbound_on": ""}
                             for s in ("S1", "S2")],
                "daily": [{"shop_id": s, "date": d, "orders": o} for s, d, o in order]}
        raws: list = []
        policy.evaluate(data, "2024-02-01", render_raw=lambda chunk: chunk, on_chunk=raws.extend)
        assert raws[0].leaves["busy.busy_orders"].observed == 13


def test_a_window_of_no_entity_is_made_once_per_day_and_shown_for_every_entity(monkeypatch):
    """``last 7 days to end of month of as_of`` reads no entity: it is computed once per evaluator
    (computed._during), and every entity's explanation still lists the windows it used, the month
    inside it included."""
    from clausewise.evaluate.measure import Evaluator
    from tests.support import HEADER, node

    rule = 'rule r [NOVICE-1] "r" / "r" = sum(shop_daily.paid_orders during last 7 days to end of month of as_of) >= 10\n'
    policy = clausewise.compile_policy_text(HEADER + rule, "window.policy")
    shops = [{"shop_id": s, "opened_on": "2020-01-01", "shop_type": "ordinary", "main_category": "x"} for s in ("S1", "S2", "S3")]
    daily = [{"shop_id": s, "date": "2024-03-28", "paid_orders": o, "amount_yuan": 0, "experience_score": None}
             for s, o in (("S1", 12), ("S2", 3), ("S3", 10))]
    made: list[object] = []
    real = Evaluator.window
    monkeypatch.setattr(Evaluator, "window", lambda self, n, scope: made.append(n) or real(self, n, scope))
    verdicts = policy.evaluate({"shops": shops, "shop_daily": daily}, "2024-03-15").verdicts
    assert {v.entity: node(v, "r").status for v in verdicts} == {"S1": "pass", "S2": "fail", "S3": "pass"}
    for v in verdicts:
        assert [(w.expression, w.dates) for w in node(v, "r").windows] == [
            ("month of as_of", "2024-03"), ("last 7 days to end of month of as_of", "2024-03-25..2024-03-31")], v.entity
    assert len(made) == 2  # the month and the last 7 days, once (not once per shop)
