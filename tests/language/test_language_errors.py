"""Error messages a newcomer can act on (issue 18): an incomplete declaration pointed at where it
ends, keywords by their words, 'in' written for 'during', a missing '-> table' reported once with
the field to mark."""

from __future__ import annotations

import pytest

from clausewise.engine.policy import compile_policy_text
from clausewise.language.diagnostics import ClausewiseError

from tests.support import seller_policy

HEADER = seller_policy("defect: bool")


def errors(text: str) -> list[str]:
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(HEADER + text, "top.policy")
    return [d.render() for d in err.value.diagnostics]


def test_incomplete_declaration_is_pointed_at_where_it_ends():
    [message] = errors('let recent [TOP-1] "近期" / "recent" = last 3 months\nlet other [TOP-1] "x" / "x" = 1\n')
    lines = message.splitlines()
    assert lines[0] == "top.policy:17:51: error: expected 'to' here, before 'let' on line 18"
    assert lines[1].startswith(" 17 | let recent") and lines[2].endswith("^")
    assert lines[3] == "hint: the declaration ends before it is complete"


def test_keywords_are_named_by_their_words():
    [message] = errors('rule r [TOP-1] "r" / "r" = count(transactions during last 3 months as_of) >= 1\n')
    assert "expected 'to'" in message and "'TO'" not in message


def test_in_written_for_during():
    [message] = errors('rule r [TOP-1] "r" / "r" = count(transactions in last 90 days to as_of where defect) >= 1\n')
    assert "error: 'transactions in last 90 days to as_of' binds a name to each item of a collection" in message
    assert "hint: rows of a table in a window are written with 'during': count(transactions during last 90 days" in message


def test_missing_reference_reported_once_with_the_field_to_mark():
    text = HEADER.replace("seller_id: string -> sellers", "seller_id: string")
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(text + """rule r [TOP-1] "r" / "r" = all of {
  count(transactions during last 90 days to as_of where defect) <= 3
  count(transactions during last 90 days to as_of) >= 100
  count(transactions during last 12 months to as_of) >= 100
}
""", "top.policy")
    [message] = [d.render() for d in err.value.diagnostics]
    assert "error: 'transactions' has no field that points at 'sellers'" in message
    assert "hint: mark the field that holds it: seller_id: string -> sellers (in table transactions)" in message


def test_row_expression_example_uses_the_policys_tables():
    text = HEADER.replace("defect: bool", "defect: bool\n  amount: money(USD)")
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(text + 'rule r [TOP-1] "r" / "r" = sum(2 * 3 during last 3 months to as_of) >= 1 USD\n',
                            "top.policy")
    rendered = "\n".join(d.render() for d in err.value.diagnostics)
    assert "hint: e.g. sum(transactions.amount * 2 during last 30 days to as_of)" in rendered


@pytest.mark.parametrize("written, fixed", [("60 days from as_of - 1 day", "60 days from (as_of - 1 day)"),
                                            ("month of as_of + 1 day", "month of (as_of + 1 day)")])
def test_window_of_a_computed_day_needs_parentheses(written, fixed):
    [message] = errors(f'rule r [TOP-1] "r" / "r" = count(transactions during {written}) >= 1\n')
    assert f"hint: 'of' and 'from' take one value: write {fixed}" in message


def test_header_errors_do_not_hide_the_body_errors():
    """Issue 18: a header without a version and a rule with an unknown name: both in one run."""
    from tests.support import HEADER

    text = HEADER.replace('  version "1"\n', "").replace('  source "x.txt"\n', "") + 'rule r [X-1] "r" / "r" = nosuch >= 1\n'
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(text)
    assert [d.message for d in err.value.diagnostics] == [
        "the policy block has no version", "the policy block names no source document", "unknown name 'nosuch'"]
    # an undeclared entity table still stops there: every rule reads it, so their errors would only echo it
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(HEADER.replace("entity shop in shops", "entity shop in shopz") + 'rule r [X-1] "r" / "r" = nosuch >= 1\n')
    assert [d.message for d in err.value.diagnostics] == ["entity table 'shopz' is not declared"]


def test_a_string_right_after_a_bare_rule_name_in_a_group_is_named_as_its_label():
    """`none of { r0 "x" in tags }` reads `"x"` as the label of a member named r0 (the oracle's long run
    wrote it): the message says so, and the hint writes the string's member in parentheses."""
    text = HEADER.replace("table sellers key seller_id {\n  seller_id: string\n",
                        "table sellers key seller_id {\n  seller_id: string\n  tags: list(string)\n")
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(text + 'rule r0 [TOP-1] "r" / "r" = "a" in tags\n'
                            'rule r1 [TOP-1] "r" / "r" = none of { r0 "x" in tags }\n', "top.policy")
    lines = err.value.diagnostics[0].render().splitlines()
    assert lines[0].endswith("error: unexpected 'in': \"x\" right after r0 reads as the label of a group member named r0")
    assert lines[-1] == 'hint: to start a member with the string, write ("x" in tags); to name a member, write r0 "x": condition'
    fixed = text + 'rule r0 [TOP-1] "r" / "r" = "a" in tags\nrule r1 [TOP-1] "r" / "r" = none of { r0 ("x" in tags) }\n'
    assert compile_policy_text(fixed, "top.policy").checked.rules.keys() >= {"r0", "r1"}
    # after 'param' the name is the declaration's: the plain message
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(text + 'param cap "x" orders\n', "top.policy")
    assert "label of a group member" not in err.value.diagnostics[0].message
