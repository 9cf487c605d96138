"""Parsing: literals as the rule text writes them, syntax errors with positions."""

import re
from decimal import Decimal

import pytest

from clausewise.language import syntax
from clausewise.language.diagnostics import ClausewiseError
from clausewise.language.parse import parse_number, parse_text

from tests.support import HEADER, POLICIES


@pytest.mark.parametrize("text,value", [
    ("30万", 300_000), ("30W", 300_000), ("30w", 300_000), ("150W", 1_500_000), ("10万", 100_000),
    ("900万", 9_000_000), ("9,000,000", 9_000_000), ("1.5万", 15_000), ("4.4", Decimal("4.4")),
    ("4.0", Decimal("4.0")), ("299,999.99", Decimal("299999.99")), ("3000000000", 3_000_000_000),
])
def test_number_literals(text, value):
    result = parse_number(text)
    assert result == value and type(result) is type(value)


def test_number_with_unit_words():
    tree = parse_text(HEADER + 'let a [X-1] = 30万 元\nlet b [X-1] = 1000单\nlet c [X-1] = 3 days\nlet d [X-1] = 150 个\n')
    lets = {d.name: d.expr for d in tree.decls if isinstance(d, syntax.LetDecl)}
    assert (lets["a"].value, lets["a"].unit) == (300_000, "yuan")
    assert (lets["b"].value, lets["b"].unit) == (1000, "orders")
    assert (lets["c"].value, lets["c"].unit) == (3, "days")
    assert (lets["d"].value, lets["d"].unit) == (150, "merchants")


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*.policy")), ids=lambda p: p.name)
def test_bundled_policies_parse(path):
    text = path.read_text("utf-8")
    tree = parse_text(text, str(path))
    assert tree.header.name == re.search(r"^policy (\w+)", text, re.M).group(1)
    declared = {d.name for d in tree.decls if isinstance(d, (syntax.RuleDecl, syntax.DecideDecl, syntax.TableDecl))}
    assert declared == set(re.findall(r"^(?:rule|decide|table) (\w+)", text, re.M))


def render(text: str) -> str:
    with pytest.raises(ClausewiseError) as err:
        parse_text(text, "p.policy")
    return "\n".join(d.render() for d in err.value.diagnostics)


def test_syntax_error_has_position_line_and_caret():
    out = render(HEADER + "rule r [X-1] \"a\" / \"b\" = paid_orders >\n")
    assert out.splitlines()[0] == "p.policy:21:39: error: unexpected end of file"
    assert out.splitlines()[-1].startswith("hint: expected ")


def test_unexpected_token_points_at_it():
    out = render(HEADER + "rule r [X-1] \"a\" / \"b\" = all of { opened_on >= >= }\n")
    first, source, caret, hint = out.splitlines()
    assert first == "p.policy:21:48: error: unexpected '>='"
    assert source == " 21 | rule r [X-1] \"a\" / \"b\" = all of { opened_on >= >= }"
    assert caret == "    |                                                ^~"
    assert hint.startswith("hint: expected ")


def test_unexpected_character():
    out = render(HEADER + "let x [X-1] = 3 $ 4\n")
    assert out.splitlines()[0] == "p.policy:21:17: error: unexpected character '$'"


def test_impossible_date_is_an_error():
    out = render(HEADER + "let x [X-1] = 2023-02-29\n")
    assert out.splitlines()[0] == "p.policy:21:15: error: no such date: 2023-02-29"


def test_leap_day_is_a_date():
    tree = parse_text(HEADER + "let x [X-1] = 2024-02-29\n")
    assert str(tree.decls[-1].expr.value) == "2024-02-29"


def test_nul_is_rejected():
    out = render(HEADER + "let x [X-1] = \"a\x00b\"\n")
    assert "NUL character" in out.splitlines()[0]


def test_bad_escape_in_string():
    out = render(HEADER + 'let x [X-1] = "a\\qb"\n')
    assert out.splitlines()[0] == "p.policy:21:15: error: unknown escape '\\q' in string"


def test_spans_do_not_affect_equality():
    a = parse_text(HEADER + "let x [X-1] = 1 + 2\n")
    b = parse_text("\n\n" + HEADER + "let   x [X-1] =   1+2\n")
    assert a == b
