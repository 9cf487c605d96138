"""The one evaluation of entities: measure, solve, read the outcomes.

Every path that evaluates a policy (the library's :meth:`Policy.evaluate`, the analysis
commands' :func:`clausewise.analysis.subjects.evaluate_with`, the benchmarks' stage timings)
goes through :class:`EntityEvaluation`:

1. :meth:`EntityEvaluation.measure` decides each leaf condition in exact arithmetic and
   computes every outcome clause's value (:class:`Measured`);
2. :meth:`EntityEvaluation.solve` hands the facts to the compiled program, which decides the
   statuses of the groups, the outcome clause of each ``decide`` (precedence, ``by min|max``,
   ``otherwise``) and which outcomes are undecided (:mod:`clausewise.asp.program`);
3. :meth:`EntityEvaluation.outcomes` reads the value of each chosen clause. No Python code
   edits the solver's answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clausewise.asp.plan import DecidePlan, Plan
from clausewise.asp.solve import EntityAnswer, solve
from clausewise.evaluate.closures import value_of
from clausewise.evaluate.leaves import LeafEvaluator, LeafResult
from clausewise.evaluate.measure import Evaluator, Missing, Scope


@dataclass(slots=True)
class Measured:
    """What one entity's data give: each leaf's result and each outcome clause's value."""

    leaves: dict[str, LeafResult]
    #: (field, clause number) -> the clause's value (Missing when data are missing)
    values: dict[tuple[str, int], Any] = field(default_factory=dict)
    #: (field, clause number, rank) for ``decide ... by min|max``: rank 0 is the best value
    ranks: list[tuple[str, int, int]] = field(default_factory=list)

    def missing_values(self) -> list[tuple[str, int]]:
        """The outcome clauses whose value is missing (``missing_value/3`` facts)."""
        return [key for key, value in self.values.items() if isinstance(value, Missing)]


class EntityEvaluation:
    """Evaluates entities of one policy with one evaluator (data, parameters, as-of day)."""

    def __init__(self, plan: Plan, program: str, ev: Evaluator, leaf_eval: LeafEvaluator | None = None):
        self.plan, self.program, self.ev = plan, program, ev
        self.leaf_eval = leaf_eval or LeafEvaluator(ev)
        self._leaves = [(leaf.id, leaf.cond) for leaf in plan.leaves()]

    def measure(self, scope: Scope) -> Measured:
        """Leaf results and outcome clause values of the entity in ``scope``."""
        evaluate = self.leaf_eval.evaluate
        measured = Measured({node_id: evaluate(cond, scope) for node_id, cond in self._leaves})
        for d in self.plan.decides:
            values = [(i, value_of(self.ev, clause.value, scope)) for i, clause in enumerate(d.decl.clauses, 1)]
            measured.values.update(((d.field, i), v) for i, v in values)
            if d.decl.combine != "first":
                measured.ranks += [(d.field, i, r) for i, r in ranks(d, values)]
        return measured

    def solve(self, measured: dict[str, Measured]) -> dict[str, EntityAnswer]:
        """The compiled program's answer for each entity (solved once per distinct set of facts)."""
        leaves = [(e, node_id, r.status) for e, m in measured.items() for node_id, r in m.leaves.items()]
        rank_facts = [(e, f, i, r) for e, m in measured.items() for f, i, r in m.ranks]
        missing = [(e, f, i) for e, m in measured.items() for f, i in m.missing_values()]
        return solve(self.program, list(measured), leaves, rank_facts, missing)

    @staticmethod
    def outcomes(answer: EntityAnswer, measured: Measured) -> dict[str, Any]:
        """The value of the clause the program chose for each outcome field."""
        return {f: measured.values[(f, clause)] for f, clause in answer.chosen.items()}

    def evaluate(self, scopes: dict[str, Scope]) -> dict[str, tuple[EntityAnswer, Measured, dict[str, Any]]]:
        """Measure, solve and read the outcomes of every entity in ``scopes``."""
        measured = {entity: self.measure(scope) for entity, scope in scopes.items()}
        answers = self.solve(measured)
        return {e: (answers[e], m, self.outcomes(answers[e], m)) for e, m in measured.items()}


def ranks(d: DecidePlan, values: list[tuple[int, Any]]) -> list[tuple[int, int]]:
    """Order the present clause values of a min/max decide: rank 0 is the one that wins
    (``none`` ranks last). Clauses with a missing value get no rank."""
    present_values = [(i, v) for i, v in values if not isinstance(v, Missing)]
    present = sorted({v for _, v in present_values if v is not None}, reverse=d.decl.combine == "max")
    position = {v: r for r, v in enumerate(present)}
    return [(i, position[v] if v is not None else len(present)) for i, v in present_values]
