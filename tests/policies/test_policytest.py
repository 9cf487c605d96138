"""`clausewise test`: cases beside a policy, their failures, mistakes in test files, coverage."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from clausewise.cli.main import main

from tests.support import POLICIES

CASE = '''
[defaults]
as_of = "2024-04-01"
[defaults.params]
evaluation_period = "2024-01..2024-03"
qualified_merchant_monthly_order_threshold = { "女装" = 100 }

[[case]]
name = "no orders"
entity = "P1"
{expect}
[[case.rows.providers]]
provider_id = "P1"
tier = "base"
[[case.rows.shops]]
shop_id = "S1"
main_category = "女装"
[[case.rows.bindings]]
provider_id = "P1"
shop_id = "S1"
bound_on = "2023-06-01"
unbound_on = ""
[[case.rows.shop_daily]]
shop_id = "S1"
date = "2024-02-10"
paid_orders = 150
gift_orders = 0
'''


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "tier.policy"
    shutil.copy(POLICIES / "tier.policy", path)
    return path


def run(policy, expect: str, *args):
    policy.with_name("tier.tests.toml").write_text(CASE.replace("{expect}", expect), "utf-8")
    return CliRunner().invoke(main, ["test", str(policy), *args])


def test_bundled_policy_tests_pass():
    result = CliRunner().invoke(main, ["test", str(POLICIES)])
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output and "FAIL" not in result.output


def test_passing_case_reports_coverage(policy):
    result = run(policy, 'outcomes = { tier = "base" }\nfail = ["silver.paid_orders", "silver.optional_indicators.qualified_merchants"]')
    assert result.exit_code == 0, result.output
    assert "  PASS  no orders [P1]" in result.output
    assert "coverage: 0/8 rules and conditions seen both passing and failing (0.0%)" in result.output
    assert "  silver                                   0/5" in result.output
    assert "    silver.paid_orders: never seen passing" in result.output
    assert result.output.rstrip().endswith("1 passed, 0 failed")


def test_failing_expectations_are_each_reported_with_exit_1(policy):
    result = run(policy, 'outcomes = { tier = "silver" }\npass = ["silver.paid_orders"]')
    assert result.exit_code == 1
    assert "  FAIL  no orders [P1]" in result.output
    assert "        outcome tier: expected silver, got base" in result.output
    assert "        silver.paid_orders: expected pass, got fail (observed 150 >= 9,000,000)" in result.output


def test_min_coverage_fails_an_undertested_policy(policy):
    result = run(policy, 'outcomes = { tier = "base" }', "--min-coverage", "50")
    assert result.exit_code == 1
    assert "coverage 0.0% is below --min-coverage 50%" in result.output


@pytest.mark.parametrize("expect, message", [
    ('outcome = { tier = "base" }', "tier.tests.toml:8: error: case.0.outcome: unknown key\nhint: did you mean 'outcomes'?"),
    ('fail = ["silver.paid_order"]', "error: case 'no orders': no condition 'silver.paid_order'\nhint: did you mean 'silver.paid_orders'?"),
    ('outcomes = { teir = "base" }', "error: case 'no orders': no outcome field 'teir'\nhint: did you mean 'tier'?"),
    ('compliant = true', "error: case 'no orders': the policy has no 'compliant when'"),
    ('fail = ["x"', "tier.tests.toml:12:1: error: not valid TOML"),
])
def test_mistakes_in_a_test_file_exit_2_with_a_location(policy, expect, message):
    result = run(policy, expect)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output + result.stderr


def test_a_policy_without_tests_is_a_warning(policy):
    result = CliRunner().invoke(main, ["test", str(policy)])
    assert result.exit_code == 0
    assert f"{policy}: warning: no test file {policy.with_name('tier.tests.toml')}" in result.stderr


def test_undecided_is_an_outcome_value_to_expect(policy):
    """`outcomes = { f = "undecided" }` means what `undecided = ["f"]` means."""
    missing = CASE.replace('qualified_merchant_monthly_order_threshold = { "女装" = 100 }',
                           'qualified_merchant_monthly_order_threshold = { "男装" = 100 }')
    policy.with_name("tier.tests.toml").write_text(missing.replace("{expect}", 'outcomes = { tier = "undecided" }'), "utf-8")
    assert CliRunner().invoke(main, ["test", str(policy)]).exit_code == 1  # one active merchant: base, decided
    ok = CASE.replace("{expect}", 'outcomes = { tier = "base" }\nundecided = []')
    policy.with_name("tier.tests.toml").write_text(ok, "utf-8")
    assert CliRunner().invoke(main, ["test", str(policy)]).exit_code == 0
    wrong = CASE.replace("{expect}", 'outcomes = { tier = "undecided" }')
    policy.with_name("tier.tests.toml").write_text(wrong, "utf-8")
    result = CliRunner().invoke(main, ["test", str(policy)])
    assert result.exit_code == 1 and "outcome tier: expected undecided, got base" in result.output


def test_every_mistake_of_a_test_file_in_one_run(policy):
    two = CASE.replace("{expect}", 'fail = ["silver.paid_order"]\noutcomes = { teir = "base" }')
    case = two[two.index("[[case]]"):]
    second = case.replace('name = "no orders"', 'name = "second"').replace('entity = "P1"', 'entity = "P9"')
    policy.with_name("tier.tests.toml").write_text(two + second, "utf-8")
    result = CliRunner().invoke(main, ["test", str(policy)])
    assert result.exit_code == 2
    errors = [line.split(" error: ")[1] for line in result.stderr.splitlines() if " error: " in line]
    assert sorted(errors) == ["case 'no orders': no condition 'silver.paid_order'",
                              "case 'no orders': no outcome field 'teir'",
                              "case 'second': no entity 'P9' in its data"], result.stderr
