"""Rates written as percentages: `0.5%` literals and parameters, range checks, and explanations
that show a rate as a percentage with its numerator and denominator (issue 18)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from clausewise.cli.main import main
from clausewise.engine.policy import compile_policy_text
from clausewise.language import syntax
from clausewise.language.diagnostics import ClausewiseError
from clausewise.language.format import format_text
from clausewise.language.parse import parse_text
from clausewise.report.explain import percent_shown, render_text

from tests.support import seller_policy

POLICY = seller_policy("defect: bool") + """param max_defect_rate [TOP-2] "缺陷率上限" / "maximum defect rate": rate = 0.5%
rule low_defects [TOP-2] "缺陷率不超过上限" / "defect rate at most the maximum" =
  count(transactions during last 90 days to as_of where defect) / count(transactions during last 90 days to as_of)
    <= max_defect_rate
rule literal [TOP-2] "缺陷率不超过0.5%" / "defect rate at most 0.5%" =
  count(transactions during last 90 days to as_of where defect) / count(transactions during last 90 days to as_of) <= 0.5%
"""


def rows(defects: int, total: int, seller: str = "S1") -> list[dict]:
    return [{"txn_id": f"{seller}-{i}", "seller_id": seller, "date": "2024-03-01", "defect": str(i < defects).lower()}
            for i in range(total)]


def data() -> dict:
    return {"sellers": [{"seller_id": "S1"}, {"seller_id": "S2"}, {"seller_id": "S3"}],
            "transactions": rows(3, 450, "S1") + rows(2, 400, "S2")}


def test_percent_literal_is_an_exact_rate_and_keeps_its_spelling():
    tree = parse_text(POLICY, "top.policy")
    param = next(d for d in tree.decls if isinstance(d, syntax.ParamDecl))
    assert param.default == syntax.Number(Decimal("0.005"), "rate", "0.5%", span=param.default.span)
    assert "= 0.5%" in format_text(POLICY, "top.policy")
    assert parse_text("let x = 12.25%", "x.policy").decls[0].expr.value == Decimal("0.1225")


def test_percent_with_another_unit_is_an_error():
    with pytest.raises(ClausewiseError) as err:
        parse_text("let x = 5% orders", "x.policy")
    text = err.value.diagnostics[0].render()
    assert "a percentage is a rate, not orders: 5% orders" in text and "write 5% alone" in text


def test_rate_explained_as_percent_with_numerator_and_denominator():
    policy = compile_policy_text(POLICY, "top.policy")
    result = policy.evaluate(data(), "2024-04-01", {})
    text = render_text(result.verdict("S1"))
    assert "observed ≈0.67% (3 of 450) <= 0.5% — over by ≈0.17 percentage points, 33.3%" in text
    zh = render_text(result.verdict("S2"), "zh")
    assert "观测值 0.5% (400中的2) <= 0.5%" in zh
    leaf = result.verdict("S1").rules[0]
    assert (leaf.observed, leaf.bound, leaf.unit) == ("0.006666666666666666666666666667", "0.005", "rate")
    assert leaf.ratio is not None and (leaf.ratio.numerator, leaf.ratio.denominator) == ("3", "450")


def test_division_by_zero_is_unknown_with_its_reason():
    policy = compile_policy_text(POLICY, "top.policy")
    verdict = policy.evaluate(data(), "2024-04-01", {}).verdict("S3")
    leaf = verdict.rules[0]
    assert leaf.status == "unknown" and leaf.missing == ["division by zero"] and leaf.ratio is None


def test_rate_parameter_given_as_percent_and_range_checked(tmp_path):
    (tmp_path / "top.policy").write_text(POLICY, encoding="utf-8")
    (tmp_path / "sellers.csv").write_text("seller_id\nS2\n", encoding="utf-8")
    body = "".join(f"S2-{i},S2,2024-03-01,{'true' if i < 2 else 'false'}\n" for i in range(400))
    (tmp_path / "transactions.csv").write_text("txn_id,seller_id,date,defect\n" + body, encoding="utf-8")
    args = ["explain", str(tmp_path / "top.policy"), "--data", str(tmp_path), "--as-of", "2024-04-01",
            "--entity", "S2", "--format", "json"]
    result = CliRunner().invoke(main, args + ["--param", "max_defect_rate=0.4%"])
    assert result.exit_code == 0, result.output  # no 'compliant when': exit 0 whatever the rules say
    verdict = json.loads(result.output)
    assert verdict["rules"][0]["bound"] == "0.004" and verdict["rules"][0]["status"] == "fail"
    refused = CliRunner().invoke(main, args + ["--param", "max_defect_rate=1.5"])
    assert refused.exit_code == 2
    assert "parameter 'max_defect_rate'" in refused.output and "between 0 and 1" in refused.output


@pytest.mark.parametrize("rate, text", [("0.005", "0.5%"), ("0.0067", "0.67%"), ("1", "100%"), ("0.25", "25%"),
                                        ("0.00666666666666", "≈0.67%"), ("0.1225", "12.25%"), ("0", "0%")])
def test_percent_shown(rate, text):
    assert percent_shown(rate) == text


@pytest.mark.parametrize("default", ["150%", "1.5"])
def test_rate_default_outside_0_and_1_is_a_check_error(default):
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(POLICY.replace("rate = 0.5%", f"rate = {default}"), "top.policy")
    rendered = err.value.diagnostics[0].render()
    assert f"the rate {default} is not between 0 and 1 (0% and 100%)" in rendered
