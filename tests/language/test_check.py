"""The checker: every mistake reported at once, with position, caret and hint."""

import pytest

from clausewise import compile_policy_text
from clausewise.language.diagnostics import ClausewiseError

from tests.support import HEADER


def errors(body: str) -> list[str]:
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(HEADER + body, "p.policy")
    return [d.render() for d in err.value.diagnostics]


def first_lines(body: str) -> list[str]:
    return [e.splitlines()[0] for e in errors(body)]


def test_unknown_name_with_did_you_mean():
    out = errors('rule r [X-1] "a" / "b" = sum(shop_daily.paid_order during as_of) > 0\n')
    assert out == [
        "p.policy:21:41: error: table 'shop_daily' has no field 'paid_order'\n"
        ' 21 | rule r [X-1] "a" / "b" = sum(shop_daily.paid_order during as_of) > 0\n'
        "    |                                         ^~~~~~~~~~\n"
        "hint: did you mean 'paid_orders'?"
    ]


def test_unknown_bare_name():
    out = errors('rule r [X-1] "a" / "b" = opend_on < as_of\n')
    assert out[0].splitlines()[0] == "p.policy:21:26: error: unknown name 'opend_on'"
    assert out[0].splitlines()[-1] == "hint: did you mean 'opened_on'?"


def test_unit_mismatch_yuan_vs_orders():
    out = first_lines('rule r [X-1] "a" / "b" = sum(shop_daily.paid_orders during as_of) >= 30万 yuan\n')
    assert out == ["p.policy:21:26: error: cannot compare orders with yuan"]



def test_sum_of_a_table_as_a_value_is_reported_not_a_traceback():
    out = first_lines('param p [X-1] "p" / "p": orders = sum(shop_daily during last 30 days to as_of)\n'
                      'rule r [X-1] "a" / "b" = p >= 1\n')
    assert out == ["p.policy:21:35: error: sum() needs a field: sum(shop_daily.FIELD ...)"]

def test_date_vs_count_mismatch():
    out = first_lines('rule r [X-1] "a" / "b" = opened_on >= 3 orders\n')
    assert out == ["p.policy:21:26: error: cannot compare date with orders"]


def test_all_errors_at_once():
    out = first_lines('rule r [X-1] "a" / "b" = nope > 1\nrule s [X-1] "a" / "b" = alsonope > 1\n')
    assert len(out) == 2 and "unknown name 'nope'" in out[0] and "unknown name 'alsonope'" in out[1]


def test_duplicate_declaration():
    out = first_lines('let x [X-1] = 1\nlet x [X-1] = 2\n')
    assert out == ["p.policy:22:1: error: 'x' is declared twice"]


def test_rule_cycle():
    out = first_lines('rule a [X-1] "a" / "a" = b\nrule b [X-1] "b" / "b" = a\n')
    assert out == ["p.policy:22:1: error: rules depend on each other in a cycle: a -> b -> a"]


def test_rule_needs_citation_and_labels():
    out = first_lines("rule r = opened_on < as_of\n")
    assert out == ["p.policy:21:1: error: rule 'r' cites no clause", "p.policy:21:1: error: rule 'r' has no labels"]


def test_enum_value_checked():
    out = errors('rule r [X-1] "a" / "b" = shop_type = flagshp\n')
    assert out[0].splitlines()[0] == "p.policy:21:38: error: 'flagshp' is not one of flagship, ordinary"
    assert out[0].splitlines()[-1] == "hint: did you mean 'flagship'?"


def test_many_rows_need_an_aggregate():
    out = errors('rule r [X-1] "a" / "b" = shop_daily.paid_orders > 3\n')
    assert out[0].splitlines()[0] == "p.policy:21:26: error: 'shop_daily' can hold many rows per shops row"
    assert out[0].splitlines()[-1].startswith("hint: aggregate it")


def test_rule_inside_a_figure_is_refused():
    out = first_lines('rule a [X-1] "a" / "a" = opened_on < as_of\n'
                      'rule b [X-1] "b" / "b" = count(shop_daily during as_of where a) > 0\n')
    assert out[0].startswith("p.policy:22:62: error: rule 'a' cannot be used inside a figure")


def test_unused_parameter_is_a_warning():
    policy = compile_policy_text(HEADER + 'param p [X-1]: orders = 3\nrule r [X-1] "a" / "b" = opened_on < as_of\n', "p.policy")
    assert [w.render().splitlines()[0] for w in policy.checked.warnings] == [
        "p.policy:21:1: warning: parameter 'p' is never used"]


def test_decide_none_needs_optional():
    out = first_lines('decide cap [X-1] "a" / "b": orders {\n  1000 when opened_on < as_of\n  otherwise none\n}\n')
    assert out == ["p.policy:23:13: error: 'cap' is not optional, so it cannot be none"]


def test_otherwise_must_be_last():
    out = first_lines('decide cap [X-1] "a" / "b": orders {\n  otherwise 3\n  1000 when opened_on < as_of\n}\n')
    assert out == ["p.policy:22:3: error: 'otherwise' must be the last clause"]


def test_window_over_table_without_dates():
    body = ('table notes { shop_id: string -> shops  text: string }\n'
            'rule r [X-1] "a" / "b" = count(notes during as_of) > 0\n')
    assert first_lines(body) == ["p.policy:22:45: error: table 'notes' has no date: declare it 'by DATE_FIELD' to use 'during'"]
