"""Text rendering of figures: exact in JSON, rounded only for display where a quotient runs long."""

from __future__ import annotations

import pytest

import clausewise
from clausewise.report.explain import render_text, shown

from tests.support import EXAMPLES, POLICIES


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


def test_a_window_named_by_let_is_shown_by_name_at_every_use():
    import json

    policy = clausewise.load_policy(POLICIES / "renew.policy")
    params = json.loads((EXAMPLES / "renew" / "params.json").read_text(encoding="utf-8"))
    verdict = policy.evaluate(EXAMPLES / "renew", "2024-06-30", params, entities=["R01"]).verdicts[0]

    def windows(node_id):
        stack = list(verdict.rules)
        while stack:
            n = stack.pop()
            if n.id == node_id:
                return [(w.expression, w.dates) for w in n.windows]
            stack += n.children
        raise KeyError(node_id)

    period = [("assessment_period", "2023-12-01..2024-02-29")]
    assert windows("order_line.while_bound.then") == period  # first use of the let
    assert windows("deposit_paid") == period  # used again: still shown, by name, not by its expansion
