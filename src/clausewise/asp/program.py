"""Compile the logic of a policy to a readable Answer Set Program.

Each condition node gets its own predicate ``s_<node>(E, Status)`` so the program is
stratified: clingo's grounder decides everything, no search is needed. Data never appear
in the program text: the measure stage adds ``entity/1``, ``leaf/3`` and ``rank/4`` facts
through the solver's API (see :mod:`clausewise.asp.solve`).

Statuses: ``pass``, ``fail``, ``unknown`` (missing data), ``na`` (does not apply).
"""

from __future__ import annotations

from typing import Collection

from clausewise.asp.leafrules import FigureProgram
from clausewise.asp.plan import LogicNode, Plan
from clausewise.asp.text import comment, pred, q

HEADER = """\
% Input facts, added through clingo's API (never as program text):
%   entity(E).             one per entity evaluated
%   figure(E, F, V).       the value of figure F (a sum, a count, a field: computed from rows) for entity E;
%                          numbers are q(Sign,Exponent,Limbs) terms, exact at any size; dates are day numbers
%   figure_none(E, F).  figure_missing(E, F).   F is none / cannot be computed (missing data)
%   param_given(P, V).  param_none(P).   a parameter's value when it is not the default written here
%   const(F, V).           a constant figure computed from the as-of day
%   leaf(E, Node, S).      the status of a leaf condition the program does not state (its rule reads leaf/3)
%   rank(E, Field, I, R).  for 'decide ... by min|max': the order of clause I's value (0 = best)
%   missing_value(E, Field, I).  clause I's value cannot be computed (missing data)
"""

DECIDE_RULES = """\
% ---- outcome selection (shared by every decide block)
% undecided_by(E,F,I,when|value): outcome F is left undecided by clause I, whose condition is
% unknown or whose value cannot be computed (missing data; the explanation lists those data).
% by first: the first clause whose condition passes, if no earlier clause is still open.
open_before(E,F,I) :- first(F), when(E,F,I,_), when(E,F,J,S), J < I, S != fail, S != na.
chosen(E,F,I) :- first(F), when(E,F,I,pass), not open_before(E,F,I).
undecided_by(E,F,I,when) :- first(F), when(E,F,I,unknown), not open_before(E,F,I).
% by min|max: among passing clauses the best-ranked value; open if an unknown clause ranks better.
candidate(E,F,I,R) :- ranked(F), when(E,F,I,pass), rank(E,F,I,R).
best(E,F,B) :- ranked(F), candidate(E,F,_,_), B = #min{ R : candidate(E,F,_,R) }.
in_doubt(E,F,I,when) :- ranked(F), when(E,F,I,unknown), rank(E,F,I,R), best(E,F,B), R < B.
in_doubt(E,F,I,when) :- ranked(F), when(E,F,I,unknown), entity(E), not best(E,F,_).
% ... and open if a clause that passes or may pass has a missing value (its rank is not known).
in_doubt(E,F,I,value) :- ranked(F), missing_value(E,F,I), when(E,F,I,S), S != fail, S != na.
in_doubt(E,F,I,when) :- ranked(F), missing_value(E,F,I), when(E,F,I,unknown).
undecided_by(E,F,I,P) :- in_doubt(E,F,I,P).
chosen(E,F,I) :- ranked(F), best(E,F,B), not in_doubt(E,F,_,_), I = #min{ J : candidate(E,F,J,B) }.
% an outcome is decided when a clause is chosen and its value is known.
undecided_by(E,F,I,value) :- chosen(E,F,I), missing_value(E,F,I).
decided(E,F) :- chosen(E,F,I), not missing_value(E,F,I).
undecided(E,F) :- field(F), entity(E), not decided(E,F).
"""


def _comment(node: LogicNode) -> str:
    cites = f" [{', '.join(node.cites)}]" if node.cites else ""
    label = f" {node.labels.zh} / {node.labels.en}" if node.labels else ""
    kinds = {"at_least": f"at least {node.n_param or node.n} of", "leaf": "condition", "ref": f"= rule {node.target}"}
    what = kinds.get(node.kind, node.kind)
    return comment(f"{node.id}: {what}{cites}{label}")


def _node_rules(node: LogicNode, figures: FigureProgram | None) -> list[str]:
    me = pred(node.id) if not node.missing else "r" + pred(node.id)[1:]
    kids = [pred(c) for c in node.children]
    out = [_comment(node)]
    if node.kind == "leaf":
        stated = figures.rules(node, me) if figures is not None else None
        out += stated if stated is not None else [f"{me}(E,S) :- leaf(E,{q(node.id)},S)."]
    elif node.kind == "ref":
        assert node.target is not None
        out.append(f"{me}(E,S) :- {pred(node.target)}(E,S).")
    elif node.kind == "not":
        out += [f"{me}(E,pass) :- {kids[0]}(E,fail).", f"{me}(E,fail) :- {kids[0]}(E,pass).",
                f"{me}(E,S) :- {kids[0]}(E,S), S != pass, S != fail."]
    elif node.kind == "if":
        a, b = kids
        out += [f"{me}(E,na) :- {a}(E,fail).", f"{me}(E,na) :- {a}(E,na).", f"{me}(E,S) :- {a}(E,pass), {b}(E,S).",
                f"{me}(E,pass) :- {a}(E,unknown), {b}(E,pass).",
                f"{me}(E,unknown) :- {a}(E,unknown), {b}(E,S), S != pass."]
    elif node.kind in ("all", "any", "none"):
        h = me.replace("s_", "h_", 1) if me.startswith("s_") else "h" + me
        for status in ("pass", "fail", "unknown"):
            out += [f"{h}_{status}(E) :- {k}(E,{status})." for k in kids]
        if node.kind == "all":
            out += [f"{me}(E,fail) :- {h}_fail(E).",
                    f"{me}(E,unknown) :- {h}_unknown(E), not {h}_fail(E).",
                    f"{me}(E,pass) :- {h}_pass(E), not {h}_fail(E), not {h}_unknown(E)."]
        else:
            out += [f"{me}(E,{'pass' if node.kind == 'any' else 'fail'}) :- {h}_pass(E).",
                    f"{me}(E,unknown) :- {h}_unknown(E), not {h}_pass(E).",
                    f"{me}(E,{'fail' if node.kind == 'any' else 'pass'}) :- {h}_fail(E), not {h}_pass(E), not {h}_unknown(E)."]
        out.append(f"{me}(E,na) :- entity(E), not {h}_pass(E), not {h}_fail(E), not {h}_unknown(E).")
    elif node.kind == "at_least":
        # like the other groups, a group none of whose members applies does not apply itself
        h = me.replace("s_", "h_", 1) if me.startswith("s_") else "h" + me
        passing = "; ".join(f"{i}: {k}(E,pass)" for i, k in enumerate(kids))
        maybe = "; ".join(f"{i}: {k}(E,pass); {i}: {k}(E,unknown)" for i, k in enumerate(kids))
        out += [f"{h}_applies(E) :- {k}(E,S), S != na." for k in kids]
        if node.n_param is None:
            n, needed = str(node.n), ""
        else:  # the parameter's value, a whole number from 1 (checked when it is given): q(1,1,(N,()))
            n, needed = "N", f"param({q(node.n_param)},q(1,1,(N,()))), "
        out += [f"{me}(E,pass) :- entity(E), {needed}#count{{ {passing} }} >= {n}.",
                f"{me}(E,fail) :- {h}_applies(E), {needed}#count{{ {maybe} }} < {n}.",
                f"{me}(E,unknown) :- {h}_applies(E), not {me}(E,pass), not {me}(E,fail).",
                f"{me}(E,na) :- entity(E), not {h}_applies(E), not {me}(E,pass)."]
    if node.missing:
        final, decided = pred(node.id), "fail" if node.missing == "fails" else "pass"
        out += [f"% missing data {node.missing}: an unknown result counts as {decided}",
                f"{final}(E,S) :- {me}(E,S), S != unknown.",
                f"{final}(E,{decided}) :- {me}(E,unknown).",
                f"missing_decided(E,{q(node.id)}) :- {me}(E,unknown)."]
    return out


def _order(plan: Plan) -> list[LogicNode]:
    """Children before parents, referenced rules before their users; ties by id."""
    done: set[str] = set()
    order: list[LogicNode] = []

    def visit(node_id: str) -> None:
        if node_id in done:
            return
        done.add(node_id)
        node = plan.nodes[node_id]
        for child in node.children:
            visit(child)
        if node.target:
            visit(node.target)
        order.append(node)

    for node_id in sorted(plan.nodes):
        visit(node_id)
    return order


def compile_plan(plan: Plan, figures: FigureProgram | None = None, shown: Collection[str] | None = None) -> str:
    """The ASP program of a policy, as text; with ``figures``, the leaves it can decide from
    figure facts are rules of the program (:mod:`clausewise.asp.leafrules`); with ``shown``, only
    those nodes' statuses are shown (``status/3``; the rest of the program is the same)."""
    h = plan.checked.header
    lines = [comment(f"clausewise program for policy {h.name} version {h.version}"),
             comment(f"compiled from {plan.checked.source.name}"), HEADER]
    if figures is not None:
        lines += figures.preamble()
    for node in _order(plan):
        lines += _node_rules(node, figures)
        lines.append("")
    lines.append("% ---- outcome fields")
    for d in plan.decides:
        cites = ", ".join(d.decl.meta.cites)
        lines.append(comment(f"decide {d.field} by {d.decl.combine} [{cites}]"))
        lines.append(f"field({q(d.field)}).")
        lines.append(f"{'first' if d.decl.combine == 'first' else 'ranked'}({q(d.field)}).")
        for i, when in enumerate(d.when_nodes, 1):
            if when is None:
                lines.append(f"when(E,{q(d.field)},{i},pass) :- entity(E).")
            else:
                lines.append(f"when(E,{q(d.field)},{i},S) :- {pred(when)}(E,S).")
    lines.append("")
    lines.append(DECIDE_RULES)
    lines.append("% ---- what the explanation reads")
    for node_id in sorted(plan.nodes if shown is None else set(plan.nodes) & set(shown)):
        lines.append(f"status(E,{q(node_id)},S) :- {pred(node_id)}(E,S).")
    lines += ["#show status/3.", "#show chosen/3.", "#show undecided/2.", "#show missing_decided/2.",
              "#show undecided_by/4.",
              "#defined leaf/3.", "#defined rank/4.", "#defined first/1.", "#defined ranked/1.",
              "#defined field/1.", "#defined when/4.", "#defined missing_decided/2.", "#defined candidate/4.",
              "#defined chosen/3.", "#defined missing_value/3."]
    if figures is not None and any(leaf.kind == "quantified" for leaf in figures.compiled.values()):
        lines += ["#show shown_unit/3."]
    if figures is not None:
        lines += ["#defined figure/3.", "#defined figure_none/2.", "#defined figure_missing/2.", "#defined const/2.",
                  "#defined const_none/1.", "#defined const_missing/1.", "#defined param_default/2.",
                  "#defined param_given/2.", "#defined param_none/1.", "#defined compares/4."]
    return "\n".join(lines) + "\n"
