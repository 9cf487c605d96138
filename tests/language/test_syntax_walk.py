"""The syntax tree's one walker: children and walk, used by the checker, the figure plan and coverage."""

from __future__ import annotations

from clausewise.language import syntax
from clausewise.language.parse import parse_text
from tests.support import HEADER

TEXT = HEADER + """rule r [X-1] "规则" / "rule" = all of {
  a "甲" / "A": sum(shop_daily.paid_orders during last 30 days to as_of) >= 10
  count(shop_daily during last 7 days to as_of) > 2
}
"""


def test_children_leave_out_the_span_and_metadata_unless_asked():
    rule = next(d for d in parse_text(TEXT).decls if isinstance(d, syntax.RuleDecl))
    assert [type(c).__name__ for c in syntax.children(rule)] == ["Group"]
    assert [type(c).__name__ for c in syntax.children(rule, metadata=True)] == ["Meta", "Group"]


def test_walk_visits_every_node_once_depth_first_in_field_order():
    rule = next(d for d in parse_text(TEXT).decls if isinstance(d, syntax.RuleDecl))
    nodes = list(syntax.walk(rule))
    assert nodes[0] is rule and len({id(n) for n in nodes}) == len(nodes)
    compares = [n for n in nodes if isinstance(n, syntax.Compare)]
    assert [c.op for c in compares] == [">=", ">"]  # the first entry before the second
    numbers = [n.value for n in nodes if isinstance(n, syntax.Number)]
    assert numbers == [30, 10, 7, 2]
    assert not any(isinstance(n, (syntax.Labels, syntax.Meta)) for n in nodes)
    assert any(isinstance(n, syntax.Labels) for n in syntax.walk(rule, metadata=True))
