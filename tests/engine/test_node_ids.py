"""Node ids: the checker's annotations are keyed by ``node.nid``, so a policy pickled into another
process (spawned, not forked) still resolves every name and gives the same verdicts."""

from __future__ import annotations

import multiprocessing as mp
import pickle
from concurrent.futures import ProcessPoolExecutor

import clausewise
from clausewise.language import syntax
from clausewise.language.parse import parse_text

from tests.policies.test_tier import PARAMS, data
from tests.support import HEADER, POLICIES

ROWS = data([("P1", "S1", "2023-01-01", ""), ("P2", "S2", "2023-01-01", "")],
            [("S1", "2024-01-05", 6000), ("S2", "2024-02-05", 10)], providers=("P1", "P2"))


def test_nodes_have_distinct_ids_that_equality_and_the_walker_ignore():
    a, b = parse_text(HEADER), parse_text(HEADER)
    ids = [n.nid for tree in (a, b) for n in syntax.walk(tree, metadata=True)]
    assert len(set(ids)) == len(ids)
    assert a == b and hash(a.header) == hash(b.header)
    assert "nid" not in [f.name for f in syntax.node_fields(a.header)]
    assert "nid=" not in repr(a.header)


def test_a_pickled_policy_resolves_every_annotation():
    tier = clausewise.load_policy(POLICIES / "tier.policy")
    copy = pickle.loads(pickle.dumps(tier))
    before = {n.nid: n for n in syntax.walk(tier.checked.tree)}
    after = {n.nid: n for n in syntax.walk(copy.checked.tree)}
    assert before.keys() == after.keys() and all(before[k] == after[k] for k in before)
    resolved = [k for k in after if k in copy.checked.refs]
    assert resolved and all(copy.checked.refs[k] == tier.checked.refs[k] for k in resolved)
    assert copy.checked.sorts == tier.checked.sorts
    assert copy.evaluate(ROWS, "2024-04-01", PARAMS) == tier.evaluate(ROWS, "2024-04-01", PARAMS)


def _evaluate_elsewhere(pickled: bytes) -> tuple[object, list[int]]:
    policy = pickle.loads(pickled)
    fresh = [n.nid for n in syntax.walk(parse_text(HEADER))]  # nodes made in this process
    return policy.evaluate(ROWS, "2024-04-01", PARAMS), fresh


def test_a_spawned_process_evaluates_a_pickled_policy_and_makes_ids_of_its_own():
    tier = clausewise.load_policy(POLICIES / "tier.policy")
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        result, fresh = pool.submit(_evaluate_elsewhere, pickle.dumps(tier)).result(timeout=300)
    assert result == tier.evaluate(ROWS, "2024-04-01", PARAMS)
    assert not set(fresh) & {n.nid for n in syntax.walk(tier.checked.tree)}
