"""The policy's own program solved over an entity's figure table with some figures assumed.

What-if checks each repair here, and the tests compare the search with it: the entity is measured
as evaluation measures it (:class:`~clausewise.engine.evaluation.EntityEvaluation` over
:attr:`Policy.program` and :attr:`Policy.figures`, the figures of :mod:`clausewise.evaluate.figuretable`),
the program figures an analysis figure stands for take its assumed value, and the same program
is solved over the table. No expression is evaluated again: a program figure takes an analysis
figure's value when it is the same comparison side or the same expression text (an offset split
off applied again, :func:`clausewise.analysis.programfacts.forward`); the months or days of a
quantifier take a best-month figure's value (every unit has it, so the quantifier holds exactly
when the best unit does) or, from a yes/no figure, a value on the side of the bound that gives
its truth (every unit the same, so ``any`` and ``every`` alike; months that two quantifiers'
figures would both give are not made up here); the items of a list a constant is looked up in are
the constants whose yes/no figures say so. A generated entity is measured on the day and with the
free parameters the assignment gives. A leaf the program does not state (``leaf/3``) takes the status its one assumed figure
gives it; one of several assumed figures cannot be decided here, and :func:`solve_assumed`
says so (None) rather than guess, as it does for months two quantifiers share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from clausewise.analysis.programfacts import candidate_status, forward, unit_against
from clausewise.analysis.subjects import Evaluated, Subject
from clausewise.analysis.ties import DAY
from clausewise.engine.evaluation import EntityEvaluation, Measured
from clausewise.evaluate.figuretable import FigureValue, LeafDef
from clausewise.evaluate.leaves import LeafResult
from clausewise.evaluate.measure import Missing
from clausewise.language import syntax
from clausewise.language.refs import ParamRef

if TYPE_CHECKING:
    from clausewise.analysis.figures import Figure, SpaceBuilder


def solve_assumed(builder: SpaceBuilder, subject: Subject, assignment: Mapping[str, Any]) -> Evaluated | None:
    """The program's answer and outcomes for ``subject`` with the analysis figures of
    ``assignment`` (key -> value) assumed, the other figures as measured; None when a leaf the
    program does not state reads several assumed figures (only the search decides it)."""
    on = _measured_on(builder, subject, assignment)
    policy = subject.policy
    evaluation = EntityEvaluation(policy.plan, policy.program, policy.figures, on.ev, policy.source_text)
    measured = evaluation.measure(on.scope)
    assumed = _Assumed(builder, subject, on, assignment, measured, evaluation.constants())
    assumed.values()
    for compiled in policy.figures.compiled.values():
        if not assumed.units(compiled):
            return None
    for leaf in policy.plan.leaves():
        if leaf.id not in policy.figures.compiled and not assumed.status(leaf.id, leaf.cond):
            return None
    answer = evaluation.solve({subject.entity: measured})[subject.entity]
    return Evaluated(answer, evaluation.outcomes(answer, measured))


def _measured_on(builder: SpaceBuilder, subject: Subject, assignment: Mapping[str, Any]) -> Subject:
    """The subject on the assumed day, with the assumed free parameters (a generated entity)."""
    params = {}
    for key, value in assignment.items():
        nodes = builder.figures[key].nodes if key != DAY else []
        node = nodes[0] if nodes else None
        ref = subject.policy.checked.refs.get(node.nid) if isinstance(node, syntax.Name) else None
        if isinstance(ref, ParamRef) and ref.name in subject.free_params:
            params[ref.name] = None if isinstance(value, Missing) else value
    if not subject.free_as_of and not params:
        return subject
    day = assignment.get(DAY, subject.as_of) if subject.free_as_of else subject.as_of
    return subject.at(day, params)


def as_figure_value(value: Any) -> FigureValue:
    """A value as the figure table holds it (missing: with its reasons)."""
    return FigureValue(None, value.reasons) if isinstance(value, Missing) else FigureValue(value)


class _Assumed:
    """The assumed values written into one entity's measured figures and leaf results."""

    def __init__(self, builder: SpaceBuilder, subject: Subject, on: Subject, assignment: Mapping[str, Any],
                 measured: Measured, constants: Mapping[str, FigureValue]):
        self.builder, self.subject, self.on, self.assignment, self.measured = builder, subject, on, assignment, measured
        self.constants = constants
        #: units figure -> the analysis figure that gave it its months or days
        self.given: dict[str, str] = {}
        self.sides = builder.sides.get(id(subject), {})
        self.per_leaf = builder.leaf_figures[id(subject)]
        self.table = subject.policy.figures.figures.figures

    def side_of(self, fid: str) -> tuple[str, list] | None:
        """The analysis figure a program figure is, with the offsets split off it."""
        f = self.table[fid]
        found = self.sides.get(f.node.nid)
        if found is not None:
            return found[0], found[1]
        return (f.text, []) if f.text in self.builder.figures and f.text != DAY else None

    def values(self) -> None:
        """Each single-valued program figure an assumed analysis figure stands for."""
        figures = self.measured.figures
        for fid in figures:
            if self.table[fid].role != "value":
                continue
            side = self.side_of(fid)
            if side is None or side[0] not in self.assignment:
                continue
            fig = self.builder.figures[side[0]]
            value = self.assignment[side[0]]
            if not fig.is_leaf and side[1]:
                value = forward(value, side[1], self.on)
            figures[fid] = as_figure_value(value)

    def one_figure(self, leaf_id: str) -> Figure | None:
        keys = [k for k in self.per_leaf.get(leaf_id, []) if k != DAY]
        return self.builder.figures[keys[0]] if len(keys) == 1 and keys[0] in self.assignment else None

    def units(self, leaf: LeafDef) -> bool:
        """A quantifier's months or days, or a list's items, from the leaf's assumed figure (False:
        a figure the units cannot be made from)."""
        if leaf.kind == "listed":
            return self.items(leaf)
        if leaf.kind != "quantified":
            return True
        fig = self.one_figure(leaf.id)
        if fig is None or not (fig.is_leaf or fig.test is not None):
            return True  # its figures are the units' own (or as measured)
        value = self.assignment[fig.key]
        units = leaf.figures[1:3] if leaf.units_both else leaf.figures[1:2]
        if any(self.given.setdefault(fid, fig.key) != fig.key for fid in units):
            return False  # months another quantifier's figure gives too: only the search relates the two
        if leaf.units_both:
            return isinstance(value, Missing) and self._every_unit(leaf.figures[1], value) \
                and self._every_unit(leaf.figures[2], value)
        if fig.test is None and not isinstance(value, Missing):  # a yes/no figure: a unit on the side that gives it
            value = self._unit_for(leaf, bool(value))  # every unit the same: any and every alike
            if value is None:
                return False
        return self._every_unit(leaf.figures[1], value)

    def _every_unit(self, fid: str, value: Any) -> bool:
        measured = self.measured.figures.get(fid)
        units = measured.value if measured is not None and isinstance(measured.value, tuple) else ()
        if not units:
            return False  # no month or day to give the value to
        self.measured.figures[fid] = FigureValue(tuple((u, as_figure_value(value)) for u, _ in units))
        return True

    def _unit_for(self, leaf: LeafDef, passing: bool) -> Any:
        """A unit value whose comparison with the other side passes (or fails); a bool of each unit: itself."""
        if leaf.op == "truth":
            return passing
        other = self.measured.figures.get(leaf.figures[2]) or self.constants.get(leaf.figures[2])
        return unit_against(leaf, other.raw() if other is not None else None, passing)

    def items(self, leaf: LeafDef) -> bool:
        """A list field's items from the yes/no figures of the conditions ``V in L`` that look
        constants up in it (the list holds V when the condition holds, ``not in``: when it does
        not; missing when a figure is)."""
        fid = leaf.figures[1]
        found: list[tuple[Any, Any]] = []
        for other in self.subject.policy.figures.compiled.values():
            if other.kind == "listed" and other.figures[1] == fid:
                fig = self.one_figure(other.id)
                cond = next((n for n in fig.nodes if isinstance(n, syntax.Member)), None) if fig is not None else None
                if fig is None or not fig.is_leaf or cond is None:
                    return True  # the list as measured
                found.append((self.assignment[fig.key], cond))
        items: list[FigureValue] = []
        for holds, cond in found:
            if isinstance(holds, Missing):
                self.measured.figures[fid] = as_figure_value(holds)
                return True
            item = self.on.ev.eval(cond.item, self.on.scope)
            if bool(holds) != cond.negated and item is not None and not isinstance(item, Missing) \
                    and all(i.value != item for i in items):
                items.append(FigureValue(item))
        self.measured.figures[fid] = FigureValue(tuple(enumerate(items)))
        return True

    def status(self, leaf_id: str, cond: Any) -> bool:
        """A leaf the program does not state: the status its one assumed figure gives it (False: it
        reads several assumed figures)."""
        keys = [k for k in self.per_leaf.get(leaf_id, []) if k != DAY and k in self.assignment]
        if not keys:
            return True  # the day and parameters, or the entity's own data: as measured
        fig = self.one_figure(leaf_id)
        if fig is None:
            return False
        side = None
        if isinstance(cond, syntax.Compare):
            side = next(((n, self.sides[n.nid][1]) for n in (cond.left, cond.right) if n.nid in self.sides), None)
        status = candidate_status(fig, cond, self.assignment[fig.key], self.on, side)
        if status is None:
            return False
        self.measured.leaves[leaf_id] = LeafResult(status)
        return True
