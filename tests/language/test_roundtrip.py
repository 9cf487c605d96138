"""Round trip: parse(fmt(p)) == parse(p) and fmt(fmt(p)) == fmt(p), for bundled and generated policies.

Syntax trees compare without spans (spans do not take part in equality).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from clausewise.language import syntax
from clausewise.language.format import format_text
from clausewise.language.parse import parse_text
from tests.support import HEADER, POLICIES
from tests.oracle.gen import policy_text

BUNDLED = sorted(POLICIES.rglob("*.policy"))


def roundtrip(text: str, name: str = "<policy>") -> None:
    tree = parse_text(text, name)
    once = format_text(text, name)
    assert parse_text(once, name) == tree
    assert format_text(once, name) == once


def test_there_are_bundled_policies():
    assert len(BUNDLED) >= 2


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(POLICIES)))
def test_bundled_policy_roundtrips(path):
    roundtrip(path.read_text("utf-8"), str(path))


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(policy_text())
def test_generated_policy_roundtrips(generated):
    roundtrip(generated[0])


def test_a_first_day_read_further_keeps_its_parentheses():
    # 'first day d in W where <condition>' takes everything after it: bare, 'is set' would join the condition
    for value in ("(first day d in last 3 days to as_of where not (r0 on d)) is set",
                  "(first day d in last 3 days to as_of where r0 on d) >= 2024-01-01"):
        text = HEADER + f'rule r0 [X-1] "a" / "b" = x >= 1\nrule r [X-2] "a" / "b" = {value}\n'
        roundtrip(text)
        assert "= (first day d in last 3 days to as_of where" in format_text(text).replace("=\n  ", "= ")


def test_roundtrip_compares_meaning_not_layout():
    a = parse_text(HEADER + 'rule r [X-1] "a" / "b" = all of { x >= 1   y }\n')
    b = parse_text(HEADER + 'rule r [X-1] "a" / "b" = all of {\n  x >= 1\n  y\n}\n')
    c = parse_text(HEADER + 'rule r [X-1] "a" / "b" = all of { x >= 2  y }\n')
    assert a == b
    assert a != c


# ---- regressions: entries written one after another, as fmt prints them -------------------------------
def body(text: str) -> syntax.Cond:
    return parse_text(HEADER + f'rule r [X-1] "a" / "b" = {text}\n').decls[-1].body


def test_entry_after_a_number_may_start_with_count():
    # was: '1 count' read as the number 1 with the unit 'count', then a syntax error at '('
    group = body("any of {\n  x >= 1\n  count(shop_daily during as_of) > 0\n}")
    assert [type(e.cond.left).__name__ for e in group.entries] == ["Name", "Aggregate"]
    assert group.entries[0].cond.right == syntax.Number(1, None, "1")


def test_a_number_may_still_carry_the_unit_count():
    assert body("x >= 3 count").right == syntax.Number(3, "count", "3 count")


def test_entry_after_a_name_may_start_with_not():
    # was: 'a not' read as the start of 'a not in ...', a syntax error at '('
    group = body("all of {\n  brand_is_known\n  not (exited)\n}")
    assert isinstance(group.entries[1].cond, syntax.Not)
    assert body('x not in {"a"}') == syntax.Member(syntax.Name("x"), syntax.SetLit((syntax.String("a"),)), negated=True)
    assert body('x not\n  in {"a"}').negated
