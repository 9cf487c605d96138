"""Text rendering of figures: exact in JSON, rounded only for display where a quotient runs long."""

from __future__ import annotations

import pytest

import clausewise
from clausewise.explain import render_text, shown

from conftest import EXAMPLES, POLICIES


@pytest.mark.parametrize("text, expected", [
    ("61.13333333333333333333333333", "≈61.13"),
    ("1,234.5678901", "≈1,234.57"),
    ("-0.125000001", "≈-0.13"),
    ("4.0", "4.0"), ("299,999.99", "299,999.99"), ("0.012345", "0.012345"), ("9,000,000", "9,000,000"),
    ("none", "none"), (None, None),
])
def test_long_quotients_round_for_display_only(text, expected):
    assert shown(text) == expected


def test_rating_average_exact_in_json_rounded_in_text():
    import json

    policy = clausewise.load_policy(POLICIES / "life.policy")
    params = json.loads((EXAMPLES / "life" / "params.json").read_text(encoding="utf-8"))
    verdict = policy.evaluate(EXAMPLES / "life", "2024-04-01", params, entities=["P02/catering"]).verdicts[0]
    assert verdict.outcomes["rating_score"].startswith("61.13333333")
    assert "(rating_score) = ≈61.13 [" in render_text(verdict)
