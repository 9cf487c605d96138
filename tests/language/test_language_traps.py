"""Silent traps made loud (issue 18): 'during' a single day, a table of dated rows without a key,
and an evaluation without --as-of (an error since issue 19)."""

from __future__ import annotations

from click.testing import CliRunner

from clausewise.cli.main import main
from clausewise.engine.policy import compile_policy_text

from tests.support import EXAMPLES, POLICIES, seller_policy

POLICY = seller_policy() + """table defects by date {
  seller_id: string -> sellers
  date: date
}
rule some [TOP-1] "有交易" / "some transactions" = count(transactions during as_of) >= 1
rule few [TOP-1] "缺陷少" / "few defects" = count(defects during last 30 days to as_of) <= 3
rule day [TOP-1] "当日" / "on the day" = count(transactions during as_of .. as_of) >= 1
"""


def warnings(text: str) -> list[str]:
    return [w.render() for w in compile_policy_text(text, "top.policy").checked.warnings]


def test_during_a_single_day_warns_with_the_alternatives():
    found = [w for w in warnings(POLICY) if "is one day" in w]
    assert len(found) == 1  # 'as_of .. as_of' says one day on purpose
    assert found[0].splitlines()[0] == ("top.policy:20:75: warning: 'during as_of' is one day: only the rows of "
                                        "that day are counted")
    assert "hint: write 'during as_of .. as_of' if one day is meant, or a period: 'last 30 days to as_of'" in found[0]


def test_dated_table_without_key_warns():
    found = [w for w in warnings(POLICY) if "no key" in w]
    assert len(found) == 1 and found[0].startswith(
        "top.policy:16:1: warning: table 'defects' has no key: a row given twice is counted twice")
    assert "table defects key ID_FIELD by date" in found[0]
    keyed = POLICY.replace("table defects by date {", "table defects key seller_id, date by date {")
    assert not [w for w in warnings(keyed) if "no key" in w]


def test_check_prints_the_warnings_and_passes(tmp_path):
    path = tmp_path / "top.policy"
    path.write_text(POLICY, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0
    assert result.stderr.count("warning:") == 2 and "ok — policy top" in result.stdout


def test_evaluation_without_as_of_is_an_error_and_today_is_asked_for():
    """No answer depends on the day it runs (issue 19): without --as-of, exit 2 with the hint;
    ``--as-of today`` takes the machine's date, and says which on stderr."""
    args = ["explain", str(POLICIES / "tier.policy"), "--data", str(EXAMPLES / "tier"), "--params",
            str(EXAMPLES / "tier" / "params.json"), "--entity", "P03"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == ("--as-of: error: no evaluation day given: the verdicts would depend on the day the command runs\n"
                             "hint: give the day: --as-of YYYY-MM-DD (or --as-of today, for the machine's date)\n")
    today = CliRunner().invoke(main, args + ["--as-of", "today"])
    assert today.stderr.startswith("note: --as-of today is 20") and "(the machine's clock)" in today.stderr
    given = CliRunner().invoke(main, args + ["--as-of", "2024-04-01"])
    assert given.stderr == "" and "P03" in given.stdout
