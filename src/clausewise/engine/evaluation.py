"""The one evaluation of entities: measure, solve, read the outcomes.

Every path that evaluates a policy (the library's :meth:`Policy.evaluate`, the analysis
commands' :mod:`clausewise.analysis.assumed`, the benchmarks' stage timings)
goes through :class:`EntityEvaluation`:

1. :meth:`EntityEvaluation.measure` computes the figures the program reads (sums, counts,
   fields: :mod:`clausewise.evaluate.figuretable`), each leaf's result for the explanation,
   and every outcome clause's value (:class:`Measured`);
2. :meth:`EntityEvaluation.solve` hands the facts to the compiled program, which decides each
   comparison it states (:mod:`clausewise.asp.leafrules`), the statuses of the groups, the
   outcome clause of each ``decide`` (precedence, ``by min|max``, ``otherwise``) and which
   outcomes are undecided (:mod:`clausewise.asp.program`); figures enter through their cells
   (:mod:`clausewise.asp.cells`), so entities on the same side of every bound share one solve;
3. :meth:`EntityEvaluation.outcomes` reads the value of each chosen clause. No Python code
   edits the solver's answer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from clausewise.asp.cells import Cells
from clausewise.asp.leafrules import FigureProgram
from clausewise.asp.plan import STATUSES, DecidePlan, Plan
from clausewise.asp.solve import Const, EntityAnswer, Fact, solve, term
from clausewise.asp.terms import kind_of
from clausewise.engine.history import RuleHistory  # also gives evaluators no evaluation made their history
from clausewise.evaluate.closures import value_of
from clausewise.evaluate.figuretable import FigureProducer, FigureValue, day_free, is_constant, leaf_result
from clausewise.evaluate.leaves import LeafEvaluator, LeafResult
from clausewise.evaluate.measure import Evaluator, Missing, Scope


@dataclass(slots=True)
class Measured:
    """What one entity's data give: the figures the program reads, each leaf's result (for
    the explanation) and each outcome clause's value."""

    leaves: dict[str, LeafResult]
    #: the per-entity figures the program's comparisons read
    figures: dict[str, FigureValue] = field(default_factory=dict)
    #: (field, clause number) -> the clause's value (Missing when data are missing)
    values: dict[tuple[str, int], Any] = field(default_factory=dict)
    #: (field, clause number, rank) for ``decide ... by min|max``: rank 0 is the best value
    ranks: list[tuple[str, int, int]] = field(default_factory=list)
    #: the (field, clause number) of :attr:`values` that are Missing, in order (``missing_value/3`` facts)
    missing: list[tuple[str, int]] = field(default_factory=list)

    def missing_values(self) -> list[tuple[str, int]]:
        """The outcome clauses whose value is missing (``missing_value/3`` facts)."""
        return self.missing


class EntityEvaluation:
    """Evaluates entities of one policy with one evaluator (data, parameters, as-of day)."""

    def __init__(self, plan: Plan, program: str, figures: FigureProgram, ev: Evaluator,
                 text: Callable[[Any], str], leaf_eval: LeafEvaluator | None = None, history: Any = None):
        """``history``: the :class:`clausewise.engine.history.RuleHistory` that answers ``R on d``
        (one is made when the policy reads a rule on another day)."""
        self.plan, self.program, self.figures, self.ev, self._text = plan, program, figures, ev, text
        self.leaf_eval = leaf_eval or LeafEvaluator(ev)
        self.producer = FigureProducer(figures.figures, ev, text)
        self._leaves = [(leaf.id, leaf.cond, figures.compiled.get(leaf.id)) for leaf in plan.leaves()]
        self._entity_figures = [figures.figures.figures[fid] for fid in figures.entity_figures]
        self._measurers = [(f.id, self.producer.measurer(f)) for f in self._entity_figures]
        #: the same while no evaluator of another day shares this one's values (``ev.days_shared``)
        self._measurers_one_day = [(f.id, self.producer.measurer(f, days_shared=False)) for f in self._entity_figures]
        #: figures that are not single values: a quantifier's window (only its state reaches the
        #: program) and its units (one fact per month or day)
        self._roles = {fid: f.role for fid, f in figures.figures.figures.items() if f.role in ("window", "units")}
        self._status_leaves = [leaf.id for leaf in plan.leaves() if leaf.id not in figures.compiled]
        #: date offsets the program computes from their dates: measured (for the explanation), not sent
        self._offset_figures = figures.offset_figures
        if history is None and plan.checked.history_rules:
            history = RuleHistory(plan, figures, ev, text)
        if history is not None:
            ev.history = history
        self._constants: dict[str, FigureValue] | None = None
        self._entity_figures_type: type[dict] = dict
        self._cells: Cells | None = None
        checked = plan.checked
        #: per decide: (decide, [(clause number, (field, clause number), value node, constant?)])
        self._clauses = [(d, [(i, (d.field, i), c.value, is_constant(checked, c.value)) for i, c in enumerate(d.decl.clauses, 1)])
                         for d in plan.decides]
        self._constant_values: dict[int, Any] = {}
        #: the constant figures that read no day (literals, parameters): the same on every day with the same parameters
        self._day_free = {f.id for f in figures.figures.constants() if day_free(checked, f.node)}
        #: the evaluation this one was made from by :meth:`on_day`: its cells serve while the constants are the same
        self._made_from: EntityEvaluation | None = None

    def on_day(self, ev: Evaluator, history: Any = None) -> EntityEvaluation:
        """The same evaluation with the evaluator of another as-of day (a timeline's day, a rule's
        history day): what depends only on the plan is shared, and the cells while the constants
        (parameters, literals, what the day gives) are the same terms."""
        other = copy.copy(self)
        other.ev, other.leaf_eval = ev, LeafEvaluator(ev)
        other.producer = FigureProducer(self.figures.figures, ev, self._text)
        other._measurers = [(f.id, other.producer.measurer(f)) for f in self._entity_figures]
        # an evaluator of another day shares the days (Evaluator.on_day), and never stops sharing them:
        # the one-day measurers would not be used
        other._measurers_one_day = other._measurers if ev.days_shared else [
            (f.id, other.producer.measurer(f, days_shared=False)) for f in self._entity_figures]
        other._constants, other._cells, other._constant_values, other._made_from = None, None, {}, self
        if history is None and self.plan.checked.history_rules:
            history = RuleHistory(self.plan, self.figures, ev, self._text)
        if history is not None:
            ev.history = history
        return other

    def constants(self) -> dict[str, FigureValue]:
        """The constant figures (parameters, literals, what the as-of day gives), measured once."""
        if self._constants is None:
            made_from = self._made_from
            before = made_from._constants if made_from is not None else None
            if before is not None and made_from is not None and made_from.ev.params is self.ev.params \
                    and made_from.ev.convention == self.ev.convention:  # another day, the same parameters
                scope = Scope({}, self.ev.c.entity_table, {})
                self._constants = {f.id: before[f.id] if f.id in self._day_free else self.producer.measure(f, scope, {})
                                   for f in self.figures.figures.constants()}
            else:
                self._constants = dict(self.producer.constants())
            self._entity_figures_type = _figures_over(self._constants)
            if made_from is not None and made_from._cells is not None \
                    and _same_constants(before, self._constants, self.figures.constants):
                self._cells = made_from._cells
            else:
                self._cells = Cells(self.figures, self._constants)
            self._made_from = None
        return self._constants

    def measure(self, scope: Scope, explained: bool = True, known: Mapping[str, FigureValue] | None = None) -> Measured:
        """The figures, leaf results and outcome clause values of the entity in ``scope``;
        ``explained=False``: only the leaf results :meth:`facts` reads (a rule's history); ``known``:
        figures already measured for this entity, day and parameters (a rule's history of the day)."""
        constants = self._constants if self._constants is not None else self.constants()
        values = dict(constants)  # what the leaves read: the constants and the entity's figures
        figures: dict[str, FigureValue] = {}
        ev = self.ev
        measurers = self._measurers if ev.days_shared else self._measurers_one_day
        if known:
            for fid, measure in measurers:  # in the same order, so that the facts are too
                found = known.get(fid)
                figures[fid] = values[fid] = found if found is not None else measure(scope, values)
        else:
            for fid, measure in measurers:
                figures[fid] = values[fid] = measure(scope, values)
        evaluate = self.leaf_eval.evaluate
        leaves = {node_id: leaf_result(compiled, values) if compiled is not None else evaluate(cond, scope)
                  for node_id, cond, compiled in self._leaves if explained or compiled is None}
        measured = Measured(leaves, figures)
        fixed, clause_values_of = self._constant_values, measured.values
        for d, clauses in self._clauses:
            clause_values = []
            for i, key, node, constant in clauses:
                if constant:
                    nid = node.nid
                    value = fixed[nid] if nid in fixed else fixed.setdefault(nid, value_of(ev, node, scope))
                else:
                    value = value_of(ev, node, scope)
                clause_values.append((i, value))
                clause_values_of[key] = value
                if isinstance(value, Missing):
                    measured.missing.append(key)
            if d.decl.combine != "first":
                measured.ranks += [(d.field, i, r) for i, r in ranks(d, clause_values)]
        return measured

    def explained_leaves(self, measured: Measured) -> dict[str, LeafResult]:
        """Every leaf's result for the explanation, of an entity measured with ``explained=False``:
        what :meth:`measure` gives with ``explained=True``, in the same order."""
        self.constants()
        values, leaves = self._entity_figures_type(measured.figures), measured.leaves
        return {node_id: leaf_result(compiled, values) if compiled is not None else leaves[node_id]
                for node_id, _, compiled in self._leaves}

    def facts(self, measured: Measured) -> list[Fact]:
        """One entity's facts: its figures (each value replaced by its cell's representative),
        the statuses of the leaves the program does not state, ranks and missing clause values."""
        self.constants()
        assert self._cells is not None
        representative, roles = self._cells.representative, self._roles
        ranks = self._cells.ranks(measured.figures) if self._cells.groups else {}
        out: list[Fact] = []
        for fid, fv in measured.figures.items() if not self._offset_figures else self._sent(measured.figures):
            if fv.missing is not None:
                out.append(("figure_missing", (fid,)))
            elif fv.value is None:
                out.append(("figure_none", (fid,)))
            elif fid in ranks:
                out.append(("figure", (fid, ("number", ranks[fid]))))
            elif fid not in roles:
                out.append(("figure", (fid, representative(fid, fv.value))))
            elif roles[fid] == "units":
                for k, (_, unit) in enumerate(fv.value):
                    if unit.missing is not None:
                        out.append(("unit_missing", (fid, k)))
                    elif unit.value is None:
                        out.append(("unit_none", (fid, k)))
                    else:
                        out.append(("unit_value", (fid, k, representative(fid, unit.value))))
        leaves = measured.leaves
        out += [("leaf", (node_id, _STATUS[leaves[node_id].status])) for node_id in self._status_leaves]
        out += [("rank", (f, i, r)) for f, i, r in measured.ranks]
        out += [("missing_value", (f, i)) for f, i in measured.missing_values()]
        return out

    def _sent(self, figures: dict[str, FigureValue]) -> list[tuple[str, FigureValue]]:
        """The figures whose values reach the program: not the date offsets it computes itself."""
        offsets = self._offset_figures
        return [(f, v) for f, v in figures.items() if f not in offsets]

    def shared_facts(self) -> list[Fact]:
        """The evaluation's facts: parameters that differ from the program's defaults, and the
        constants computed from the as-of day."""
        return self.param_facts() + self.const_facts()

    def param_facts(self) -> list[Fact]:
        """The parameters that differ from the program's defaults (``param_given/2``, ``param_none/1``)."""
        constants = self.constants()
        defaults = self.figures.defaults()
        out: list[Fact] = []
        given: set[str] = set()
        for fid, (kind, what) in self.figures.constants.items():
            fv = constants[fid]
            if kind == "param" and what not in given:
                given.add(what)
                if fv.missing is None and fv.value is None:
                    out.append(("param_none", (what,)))
                elif fv.missing is None and (what not in defaults or not _same(defaults[what], fv.value)):
                    out.append(("param_given", (what, term(fv.value))))
        for name in self.plan.checked.group_counts:  # N of 'at least N of' (a whole number, checked)
            value = self.ev.params.get(name)
            if name not in given and value is not None and (name not in defaults or not _same(defaults[name], value)):
                out.append(("param_given", (name, term(value))))
        out += [("param_given", (name, term(value))) for name, value in self.figures.convention_params(self.ev.convention)]
        return out

    def const_facts(self, per_entity: bool = False) -> list[Fact]:
        """The constants computed from the as-of day (``const/2``, ``const_none/1``, ``const_missing/1``);
        ``per_entity``: as one entity's figure facts instead (``figure/3``, ...), which the program
        reads the same way, so that entities evaluated on different days share one solve."""
        constants = self.constants()
        names = ("figure", "figure_none", "figure_missing") if per_entity else ("const", "const_none", "const_missing")
        out: list[Fact] = []
        for fid, (kind, _) in self.figures.constants.items():
            if kind == "const":
                fv = constants[fid]
                if fv.missing is not None:
                    out.append((names[2], (fid,)))
                elif fv.value is None:
                    out.append((names[1], (fid,)))
                elif fid not in self._roles:  # a window's days reach the program as its units
                    out.append((names[0], (fid, term(fv.value))))
        return out

    def signature(self, measured: Measured) -> tuple:
        """What the program's answer for the entity depends on: the cell of each figure, the
        statuses the program is given, the ranks and missing clause values. Entities with the
        same signature get the same answer (:mod:`clausewise.asp.cells`)."""
        if self._cells is None:
            self.constants()
        of = self._cells
        assert of is not None
        ranks = of.ranks(measured.figures) if of.groups else {}
        cells = of.keys(measured.figures.items() if not self._offset_figures else self._sent(measured.figures), self._roles, ranks)
        if of.relative:  # a date in a window with an edge of the entity's own: the date's sides of the edges
            cells += of.relations(measured.figures)
        if self._status_leaves:
            leaves = measured.leaves
            cells += [leaves[node_id].status for node_id in self._status_leaves]
        if measured.ranks or measured.values:
            return (tuple(cells), tuple(measured.ranks), tuple(measured.missing))
        return tuple(cells)

    def solve(self, measured: dict[str, Measured]) -> dict[str, EntityAnswer]:
        """The compiled program's answer for each entity: the facts of one entity per signature
        are solved, and the entities of that signature share its answer (not to be edited)."""
        signatures = {e: self.signature(m) for e, m in measured.items()}
        first: dict[tuple, str] = {}
        for entity, sig in signatures.items():
            first.setdefault(sig, entity)
        answers = solve(self.program, {e: self.facts(measured[e]) for e in first.values()}, self.shared_facts())
        return {e: answers[first[sig]] for e, sig in signatures.items()}

    @staticmethod
    def outcomes(answer: EntityAnswer, measured: Measured) -> dict[str, Any]:
        """The value of the clause the program chose for each outcome field; a field left undecided
        by the missing values of clauses it did not choose (``by min|max``) gets them (a
        :class:`Missing`, whose reasons the verdict lists)."""
        out = {f: measured.values[(f, clause)] for f, clause in answer.chosen.items()}
        for f, i, part in sorted(answer.undecided_by) if answer.undecided_by else ():
            if part == "value" and f not in answer.chosen:
                value = measured.values[(f, i)]
                out[f] = out[f] | value if f in out else value
        return out

    def evaluate(self, scopes: dict[str, Scope]) -> dict[str, tuple[EntityAnswer, Measured, dict[str, Any]]]:
        """Measure, solve and read the outcomes of every entity in ``scopes``."""
        if self.ev.history is not None:  # the histories the entities read, solved together first
            self.ev.history.prepare(self.ev, scopes)
        measured = {entity: self.measure(scope) for entity, scope in scopes.items()}
        answers = self.solve(measured)
        return {e: (answers[e], m, self.outcomes(answers[e], m)) for e, m in measured.items()}


_STATUS = {s: Const(s) for s in STATUSES}


def _figures_over(constants: dict[str, FigureValue]) -> type[dict]:
    """The dict type of an entity's figure values: a constant figure is looked up in the
    evaluation's ``constants`` (not copied for every entity); made once per evaluation, so that
    an entity's dict is built without a Python-level ``__init__``."""

    class EntityFigures(dict):
        __slots__ = ()

        def __missing__(self, key: str) -> FigureValue:
            return constants[key]

    return EntityFigures


def _same_constants(a: dict[str, FigureValue] | None, b: dict[str, FigureValue], read: Mapping[str, Any]) -> bool:
    """Whether two evaluations' constant figures that the cells ``read`` (the program's) are the same
    values of the same types (so the same cells)."""
    return a is not None and all(k in a and k in b for k in read) and all(
        (x.missing is None) == (y.missing is None) and type(x.value) is type(y.value) and x.value == y.value
        for x, y in ((a[k], b[k]) for k in read))


def _same(a: Any, b: Any) -> bool:
    """Whether two values are the same term (``1.50`` and ``1.5`` are; ``True`` and ``1`` are not)."""
    return type(a) is type(b) and a == b or (kind_of(a) == kind_of(b) == "number" and a == b)


def ranks(d: DecidePlan, values: list[tuple[int, Any]]) -> list[tuple[int, int]]:
    """Order the present clause values of a min/max decide: rank 0 is the one that wins
    (``none`` ranks last). Clauses with a missing value get no rank."""
    present_values = [(i, v) for i, v in values if not isinstance(v, Missing)]
    present = sorted({v for _, v in present_values if v is not None}, reverse=d.decl.combine == "max")
    position = {v: r for r, v in enumerate(present)}
    return [(i, position[v] if v is not None else len(present)) for i, v in present_values]
