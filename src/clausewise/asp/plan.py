"""Lower a checked policy to its logic: a tree of condition nodes with stable ids.

Leaves (comparisons, memberships, quantifiers, bool values) are decided by the measure
stage in exact Python arithmetic; everything above them (groups, negation, applicability,
references between rules, outcome selection) is compiled to ASP and decided by clingo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clausewise.language import syntax
from clausewise.language.check import Checked
from clausewise.language.diagnostics import Span
from clausewise.language.refs import RuleRef


#: The statuses a condition node can have: ``pass``, ``fail``, ``unknown`` (missing data decided
#: nothing either way), ``na`` (does not apply).
STATUSES = ("pass", "fail", "unknown", "na")

#: A verdict's compliance from the status of the policy's ``compliant when`` node: a condition
#: that does not apply is compliant; ``unknown`` leaves compliance undecided (None).
COMPLIANCE: dict[str, bool | None] = {"pass": True, "na": True, "fail": False, "unknown": None}


def compliance(status: str | None) -> bool | None:
    """Compliance from the status of the ``compliant when`` node (None: undecided or no status)."""
    return COMPLIANCE.get(status) if status is not None else None


def statuses_meaning(compliant: bool | None) -> list[str]:
    """The statuses of the ``compliant when`` node that give this compliance."""
    return [s for s, c in COMPLIANCE.items() if c is compliant]


@dataclass
class LogicNode:
    id: str
    kind: str  # leaf | all | any | none | at_least | not | if | ref
    children: list[str] = field(default_factory=list)
    n: int = 0
    #: ``at least NAME of``: the parameter that gives N
    n_param: str | None = None
    cites: tuple[str, ...] = ()
    labels: syntax.Labels | None = None
    missing: str | None = None
    cond: object = None  # the ast condition (leaves) or None
    target: str | None = None  # rule id for refs
    span: Span | None = None
    name: str | None = None


@dataclass
class DecidePlan:
    field: str
    decl: syntax.DecideDecl
    #: per clause: the node id of its condition (None for ``otherwise``)
    when_nodes: list[str | None]


@dataclass
class Plan:
    checked: Checked
    nodes: dict[str, LogicNode]
    rules: list[str]
    decides: list[DecidePlan]
    compliant: str | None
    #: what explanations repeat for every entity (labels, citations, expression text), by node id
    explain_cache: dict[str, dict] = field(default_factory=dict, repr=False, compare=False)

    def leaves(self) -> list[LogicNode]:
        return [n for n in self.nodes.values() if n.kind == "leaf"]


class _Lowering:
    def __init__(self, checked: Checked):
        self.checked = checked
        self.nodes: dict[str, LogicNode] = {}

    def add(self, node: LogicNode) -> str:
        assert node.id not in self.nodes, node.id
        self.nodes[node.id] = node
        return node.id

    def lower(self, cond, node_id: str, cites: tuple[str, ...], meta: syntax.Meta | None = None, name: str | None = None) -> str:
        own_cites = meta.cites if meta and meta.cites else cites
        labels = meta.labels if meta else None
        missing = meta.missing if meta else None
        common = dict(cites=own_cites, labels=labels, missing=missing, span=cond.span, name=name)
        match cond:
            case syntax.Group(kind=kind, entries=entries, n=n, n_param=n_param):
                children = []
                for i, entry in enumerate(entries, 1):
                    child_id = f"{node_id}.{entry.name or i}"
                    children.append(self.lower(entry.cond, child_id, own_cites, entry.meta, entry.name))
                return self.add(LogicNode(node_id, kind, children, n=n, n_param=n_param, **common))
            case syntax.Not(cond=inner):
                child = self.lower(inner, f"{node_id}.not", own_cites)
                return self.add(LogicNode(node_id, "not", [child], **common))
            case syntax.IfThen(cond=a, then=b):
                first = self.lower(a, f"{node_id}.if", own_cites)
                second = self.lower(b, f"{node_id}.then", own_cites)
                return self.add(LogicNode(node_id, "if", [first, second], **common))
            case syntax.Truth(expr=syntax.Name() as ref) if isinstance(self.checked.refs.get(ref.nid), RuleRef):
                return self.add(LogicNode(node_id, "ref", target=ref.name, **common))
        return self.add(LogicNode(node_id, "leaf", cond=cond, **common))


def plan(checked: Checked) -> Plan:
    """Build the logic tree of every rule, outcome clause and the compliance condition."""
    low = _Lowering(checked)
    rules = []
    for name, rule in checked.rules.items():
        rules.append(low.lower(rule.body, name, rule.meta.cites, rule.meta, name))
    decides = []
    for name, decl in checked.decides.items():
        whens: list[str | None] = []
        for i, clause in enumerate(decl.clauses, 1):
            if clause.when is None:
                whens.append(None)
            else:
                whens.append(low.lower(clause.when, f"{name}#{i}", decl.meta.cites))
        decides.append(DecidePlan(name, decl, whens))
    compliant = None
    if checked.header.compliant is not None:
        compliant = low.lower(checked.header.compliant, "compliant", tuple(s[0] for s in checked.header.sources))
    return Plan(checked, low.nodes, rules, decides, compliant)


def nodes_under(plan: Plan, roots: list[str]) -> set[str]:
    """The condition nodes the statuses of ``roots`` depend on, the roots included (through the
    rules they name, too)."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        node_id = stack.pop()
        if node_id in seen or node_id not in plan.nodes:
            continue
        seen.add(node_id)
        node = plan.nodes[node_id]
        if node.kind == "ref" and node.target is not None:
            stack.append(node.target)
        stack += node.children
    return seen
