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
from clausewise.data import field_parser, parse_value
from clausewise.solve import solve
from clausewise.types import FieldSchema, ValueType

from conftest import POLICIES
from test_tier import PARAMS, data


def _outcome(parse, value):
    try:
        return ("ok", parse(value))
    except ValueError as err:
        return ("error", str(err))


def test_shared_answers_equal_one_solve_per_entity():
    policy = clausewise.load_policy(POLICIES / "novice.policy")
    leaves = [leaf.id for leaf in policy.plan.leaves()]
    rng = random.Random(5)
    entities = [f"S{i}" for i in range(60)]
    facts = [(e, leaf, rng.choice(("pass", "fail", "unknown") if i % 3 else ("pass",)))
             for i, e in enumerate(entities) for leaf in leaves]
    together = solve(policy.program, entities, facts)
    for entity in entities:
        alone = solve(policy.program, [entity], [f for f in facts if f[0] == entity])[entity]
        assert together[entity] == alone
    together[entities[0]].undecided.add("x")  # answers are copies: changing one leaves the others
    assert all("x" not in together[e].undecided for e in entities[1:])


def test_node_and_field_names_with_quotes_and_backslashes_survive_the_solver():
    program = 'status(E,N,S) :- leaf(E,N,S).\nchosen(E,"a\\\\b\\"c",1) :- entity(E).\n#show status/3.\n#show chosen/3.\n'
    answer = solve(program, ["e"], [("e", 'odd "node" \\ name', "pass")])["e"]
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
    monkeypatch.setattr(clausewise.api, "CHUNK", 7)
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
