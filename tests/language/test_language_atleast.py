"""``at least N of`` with N a parameter: checked, stated in the program, given per evaluation."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

import clausewise
from clausewise.cli.main import main
from clausewise.language.diagnostics import ClausewiseError
from clausewise.language.format import format_text
from tests.oracle.interp import Oracle
from tests.support import policy_block

POLICY = policy_block(compliant="ok") + """table shops key shop_id {
  shop_id: string
  a: count
  b: count
  c: count optional
}
param min_met "至少满足" / "conditions to meet": count = 2
rule ok [X-1] "达标" / "meets" = at least min_met of {
  a_ok "A" / "A": a >= 1
  b_ok "B" / "B": b >= 1
  c_ok "C" / "C": c >= 1
}
"""
ROWS = {"shops": [
    {"shop_id": "S3", "a": 1, "b": 1, "c": 1},
    {"shop_id": "S2", "a": 1, "b": 1, "c": 0},
    {"shop_id": "S1", "a": 1, "b": 0, "c": 0},
    {"shop_id": "S0", "a": 0, "b": 0, "c": 0},
    {"shop_id": "SU", "a": 1, "b": 0, "c": None},  # c unknown: 1 met, 1 unknown
]}
AS_OF = "2024-01-01"


def statuses(params: dict) -> dict[str, str]:
    policy = clausewise.compile_policy_text(POLICY)
    result = policy.evaluate(ROWS, AS_OF, params=params)
    return {v.entity: v.rules[0].status for v in result.verdicts}


@pytest.mark.parametrize("n, expected", [
    (1, {"S3": "pass", "S2": "pass", "S1": "pass", "S0": "fail", "SU": "pass"}),
    (2, {"S3": "pass", "S2": "pass", "S1": "fail", "S0": "fail", "SU": "unknown"}),
    (3, {"S3": "pass", "S2": "fail", "S1": "fail", "S0": "fail", "SU": "fail"}),
])
def test_the_parameter_is_the_count_at_each_boundary(n, expected):
    assert statuses({"min_met": n}) == expected


def test_the_default_is_used_when_not_given():
    assert statuses({}) == statuses({"min_met": 2})


def test_the_program_states_the_parameter_not_a_number():
    program = clausewise.compile_policy_text(POLICY).program
    assert 'param_default("min_met",q(1,1,(2,())))' in program
    assert 'param("min_met",q(1,1,(N,()))), #count{' in program
    assert "} >= N." in program and "} < N." in program


def test_the_oracle_agrees():
    policy = clausewise.compile_policy_text(POLICY)
    for n in (1, 2, 3):
        oracle = Oracle(policy.checked, ROWS, {"min_met": n}, dt.date.fromisoformat(AS_OF))
        by_oracle = {row["shop_id"]: oracle.evaluate(row).statuses["ok"] for row in ROWS["shops"]}
        assert by_oracle == statuses({"min_met": n}), n


def test_fmt_keeps_the_parameter():
    text = format_text(POLICY)
    assert "at least min_met of {" in text
    assert clausewise.compile_policy_text(text).program == clausewise.compile_policy_text(POLICY).program


@pytest.mark.parametrize("change, message", [
    ("at least min_met of", None),
    ("at least nope of", "no parameter 'nope'"),
    ("at least shop_kind of", "needs a parameter of type count"),
])
def test_the_checker_names_what_is_wrong(change, message):
    text = POLICY.replace("at least min_met of", change).replace(
        "param min_met", 'param shop_kind "类" / "kind": string = "x"\nparam min_met')
    if message is None:
        clausewise.compile_policy_text(text)
        return
    with pytest.raises(ClausewiseError) as err:
        clausewise.compile_policy_text(text)
    assert message in str(err.value)


def test_a_default_outside_the_group_is_refused():
    with pytest.raises(ClausewiseError) as err:
        clausewise.compile_policy_text(POLICY.replace(": count = 2", ": count = 4"))
    assert "the default 4 is not from 1 to 3" in str(err.value)


@pytest.mark.parametrize("value", ["0", "4", "1.5"])
def test_a_value_outside_the_group_is_an_error_exit_2(tmp_path, value):
    (tmp_path / "p.policy").write_text(POLICY, "utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "shops.csv").write_text("shop_id,a,b,c\nS1,1,0,0\n", "utf-8")
    result = CliRunner().invoke(main, ["explain", str(tmp_path / "p.policy"), "--data", str(tmp_path / "data"),
                                       "--entity", "S1", "--as-of", AS_OF, "--param", f"min_met={value}"])
    assert result.exit_code == 2, result.output
    assert "parameter 'min_met'" in result.output and "Traceback" not in result.output
