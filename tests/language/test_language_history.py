"""The language of history: a rule on a day (`R on d`) and `first day d in a .. b where ...`."""

from __future__ import annotations

import pytest

from clausewise.engine.policy import compile_policy_text
from clausewise.language.diagnostics import ClausewiseError
from clausewise.language.format import format_text
from clausewise.language.parse import parse_text
from tests.support import HEADER

RULES = HEADER + """
rule busy [X-1] "忙" / "busy" = shop_daily.paid_orders on as_of >= 10
let since [X-1] "起" / "since" = first day d in opened_on .. as_of - 1 day where busy on d
rule busy_yesterday [X-1] "昨" / "yesterday" = busy on (as_of - 1 day)
decide first [X-1] "首日" / "first": date optional { since when true }
"""


def test_a_range_without_parentheses_formats_and_parses_back() -> None:
    text = format_text(RULES)
    assert "first day d in opened_on .. as_of - 1 day where busy on d" in " ".join(text.split())
    assert "busy on (as_of - 1 day)" in text
    assert parse_text(text) == parse_text(RULES)
    assert format_text(text) == text


def test_rule_on_a_day_is_checked() -> None:
    checked = compile_policy_text(RULES).checked
    assert checked.history_rules == {"busy"}
    with pytest.raises(ClausewiseError, match="the day after 'on'"):
        compile_policy_text(RULES + 'rule bad [X-1] "b" / "b" = busy on shop_type\n')
    with pytest.raises(ClausewiseError, match="'on DATE' picks a day's row of a table"):
        compile_policy_text(RULES + 'rule bad [X-1] "b" / "b" = since on as_of\n')

