"""The peer encodings of benchmarks/peers/ give clausewise's verdicts on generated data.

Skipped unless the bench extras are installed (``pip install -e .[bench]``, or ``./dev bench``).
"""

from __future__ import annotations

import importlib.util
import sys

import clingo
import pytest

from tests.support import ROOT

if not all(importlib.util.find_spec(m) for m in ("zen", "regopy", "cedarpy")):
    pytest.skip("the bench extras are not installed (pip install -e .[bench])", allow_module_level=True)
# regopy loaded before clingo's first Control aborts the process ("free(): invalid pointer"); the
# benchmark runs each engine in its own process, here clingo simply starts first.
clingo.Control(["--warn=none"])
sys.path.insert(0, str(ROOT))

import clausewise  # noqa: E402
from benchmarks import generate  # noqa: E402
from benchmarks.peers.engines import PEERS  # noqa: E402


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    generate.write_figures(out, 400, seed=7)
    return out


def test_generated_verdicts_are_mixed_and_peers_agree_with_clausewise(figures):
    policy = clausewise.load_policy(ROOT / "benchmarks" / "silver_figures.policy")
    result = policy.evaluate(figures, "2024-04-01")
    expected = [(v.entity, v.outcomes["tier"]) for v in result.verdicts]
    tiers = {tier for _, tier in expected}
    assert tiers == {"silver", "base"}
    for name, engine in PEERS.items():
        assert engine(figures / "provider_figures.csv") == expected, name


def test_a_provider_one_order_short_is_base_in_every_engine(tmp_path):
    rows = [("P1", 8_999_999, 2000, 200), ("P2", 9_000_000, 999, 150), ("P3", 9_000_000, 999, 149)]
    (tmp_path / "provider_figures.csv").write_text(
        "provider_id,paid_orders,active_merchants,qualified_merchants\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in rows))
    expected = [("P1", "base"), ("P2", "silver"), ("P3", "base")]
    policy = clausewise.load_policy(ROOT / "benchmarks" / "silver_figures.policy")
    assert [(v.entity, v.outcomes["tier"]) for v in policy.evaluate(tmp_path, "2024-04-01").verdicts] == expected
    for name, engine in PEERS.items():
        assert engine(tmp_path / "provider_figures.csv") == expected, name
