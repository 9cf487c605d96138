"""Golden files per stage: parse (syntax tree), check (diagnostics), compile (ASP program).

Set CLAUSEWISE_UPDATE_GOLDEN=1 to rewrite them after an intended change, then review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clausewise.language import syntax

from clausewise import compile_policy_text, load_policy
from clausewise.language.diagnostics import ClausewiseError
from clausewise.language.parse import parse_text

from tests.support import POLICIES, golden

CASES = Path(__file__).resolve().parents[1] / "cases"


def dump(node, depth: int = 0) -> str:
    """A stable, indented rendering of a syntax tree (spans included as line:col)."""
    pad = "  " * depth
    if isinstance(node, syntax.Node):
        fields = syntax.node_fields(node)
        head = f"{pad}{type(node).__name__} @{node.span.line}:{node.span.column}"
        parts = [head]
        for f in fields:
            value = getattr(node, f.name)
            if isinstance(value, (syntax.Node, tuple)) and value and any(isinstance(v, syntax.Node) for v in
                                                                       (value if isinstance(value, tuple) else (value,))):
                parts.append(f"{pad}  .{f.name}:")
                for item in value if isinstance(value, tuple) else (value,):
                    parts.append(dump(item, depth + 2) if isinstance(item, syntax.Node) else f"{pad}    {item!r}")
            else:
                parts.append(f"{pad}  .{f.name} = {value!r}")
        return "\n".join(parts)
    return f"{pad}{node!r}"


def test_parse_golden():
    text = (CASES / "features.policy").read_text("utf-8")
    golden("features.ast", dump(parse_text(text, "features.policy")) + "\n")


def test_compile_golden_features():
    policy = load_policy(CASES / "features.policy")
    golden("features.lp", policy.program.replace(str(CASES), "tests/cases"))


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*.policy")), ids=lambda p: p.stem)
def test_compile_golden_policies(path):
    program = load_policy(path).program.replace(str(POLICIES), "policies")
    golden(f"{path.stem}.lp", program)


@pytest.mark.parametrize("path", sorted(CASES.glob("bad_*.policy")), ids=lambda p: p.stem)
def test_check_golden(path):
    with pytest.raises(ClausewiseError) as err:
        compile_policy_text(path.read_text("utf-8"), f"tests/cases/{path.name}")
    golden(f"{path.stem}.err", "\n".join(d.render() for d in err.value.diagnostics) + "\n")
