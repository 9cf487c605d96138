"""``effective date not stated`` (issue 16 item 8): a policy whose source gives no effective date
says so instead of inventing one; it is in force on every day."""

from __future__ import annotations

import datetime as dt

import pytest

import clausewise
from clausewise.engine.policy import compile_policy_text
from clausewise.language.format import format_text

from tests.support import HEADER

UNSTATED = HEADER.replace("effective from 2020-01-01", "effective date not stated")
RULE = "rule opened [X-1] \"开店\" / \"opened\" = opened_on <= as_of\n"


def test_the_header_states_that_no_date_is_known_and_the_policy_is_always_in_force():
    policy = compile_policy_text(UNSTATED + RULE)
    h = policy.checked.header
    assert h.effective_not_stated and h.effective_from is None and h.effective_to is None
    assert h.effective_text() == "not stated"
    assert policy.in_force(dt.date(1, 1, 1)) and policy.in_force(dt.date(9999, 12, 31))
    dated = compile_policy_text(HEADER + RULE)
    assert dated.checked.header.effective_text() == "from 2020-01-01"
    assert not dated.in_force(dt.date(2019, 12, 31)) and dated.in_force(dt.date(2020, 1, 1))  # the day before, the first day


def test_fmt_keeps_it():
    assert "  effective date not stated\n" in format_text(UNSTATED + RULE)
    assert format_text(format_text(UNSTATED + RULE)) == format_text(UNSTATED + RULE)


def test_no_effective_line_is_an_error_whose_hint_names_both_forms():
    with pytest.raises(clausewise.ClausewiseError) as err:
        compile_policy_text(HEADER.replace("  effective from 2020-01-01\n", "") + RULE)
    d = err.value.diagnostics[0]
    assert d.message == "the policy block has no effective date"
    assert d.hint == "add: effective from YYYY-MM-DD (or: effective date not stated)"


def test_a_date_and_not_stated_together_are_refused():
    text = HEADER.replace("effective from 2020-01-01", "effective from 2020-01-01\n  effective date not stated")
    with pytest.raises(clausewise.ClausewiseError) as err:
        compile_policy_text(text + RULE)
    assert err.value.diagnostics[0].message == "'effective' given twice in the policy block"


def test_verify_of_a_policy_without_an_effective_date_needs_the_day(tmp_path):
    """Without --as-of, verify starts at the first day in force; a policy with no stated date has
    none, so --as-of is required (never today: the result does not depend on the day it runs;
    tests/hostile/test_hostile_analysis.py runs it on two clocks)."""
    from click.testing import CliRunner

    from clausewise.cli.main import main

    path = tmp_path / "t.policy"
    path.write_text(UNSTATED + RULE, "utf-8")
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 2 and "the policy states no effective date, so verify has no day to run on" in result.output
    assert "hint: give the day: --as-of YYYY-MM-DD" in result.output
    dated = tmp_path / "d.policy"
    dated.write_text(HEADER + RULE, "utf-8")
    assert CliRunner().invoke(main, ["verify", str(dated)]).stderr == ""  # from its first day in force, 2020-01-01
    assert CliRunner().invoke(main, ["verify", str(path), "--as-of", "2024-01-01"]).stderr == ""

