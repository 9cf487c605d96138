"""The audit summary keeps the failing conditions that decide a non-compliance apart from those
that decide none, and `diff` without data exits 1 on any kind of change found (issue 18)."""

from __future__ import annotations

from click.testing import CliRunner

from clausewise.analysis.diff import ChangeKind, Diff
from clausewise.cli.main import main
from clausewise.engine.policy import compile_policy_text
from clausewise.report.records import deciding_conditions

from tests.support import EXAMPLES, POLICIES

POLICY = """policy p {
  title "测试" / "test"
  version "1"
  effective from 2020-01-01
  source "x.txt"
  entity shop in shops
  compliant when not revoked
}
table shops key shop_id {
  shop_id: string
  orders: count
  deposit: count
  tracked: count
}
rule revoked [T-1] "撤销" / "revoked" = any of {
  few_orders [T-1] "订单不足" / "too few orders": orders < 100
  no_deposit [T-1] "未缴保证金" / "no deposit": deposit = 0
}
rule tracking [T-2] "跟踪" / "tracking" = all of {
  most [T-2] "多数" / "most": tracked >= 95
  base [T-2] "有订单" / "has orders": orders > 0
}
"""


def statuses(verdict) -> dict[str, str]:
    out, stack = {}, list(verdict.rules)
    while stack:
        node = stack.pop()
        out[node.id] = node.status
        stack += node.children
    return out


def test_deciding_conditions_follow_what_gave_the_compliance_node_its_status():
    policy = compile_policy_text(POLICY, "p.policy")
    rows = [{"shop_id": "S1", "orders": "50", "deposit": "10", "tracked": "90"},
            {"shop_id": "S2", "orders": "500", "deposit": "10", "tracked": "90"}]
    result = policy.evaluate({"shops": rows}, "2024-01-01", {})
    s1 = statuses(result.verdict("S1"))
    s1.update({"compliant": "fail", "compliant.not": "pass"})  # the compliance nodes, as the answer has them
    # S1 is revoked because few_orders passed: the failing no_deposit and tracking.most decide nothing
    assert deciding_conditions(policy.plan, s1, policy.plan.compliant) == {"revoked.few_orders": "pass"}
    assert result.verdict("S2").compliant is True


def test_audit_summary_separates_deciding_failures(tmp_path):
    result = CliRunner().invoke(main, ["audit", str(POLICIES / "novice.policy"), "--data", str(EXAMPLES / "novice"),
                                       "--as-of", "2024-03-15", "--out", str(tmp_path / "n.csv")])
    lines = result.output.splitlines()
    deciding = lines.index("failing conditions that decide non-compliance:")
    other = lines.index("other failing conditions (they decide no non-compliance):")
    assert deciding < other
    assert any("dynamic_pass." in line for line in lines[deciding + 1:other])
    assert not any("direct_pass." in line for line in lines[deciding + 1:other])  # its failure is not a reason
    assert any("direct_pass." in line for line in lines[other + 1:other + 6])


def test_an_unrealized_kind_of_change_is_a_change():
    unrealized = ChangeKind("tier", "base", "silver", checked=False)
    assert Diff("p 1", "p 2", kinds=[unrealized]).changed
    assert not Diff("p 1", "p 2", kinds=[]).changed
    assert not Diff("p 1", "p 2", entities=[], evaluated=3).changed
