"""The search's facts: how each candidate value of a figure enters the policy's own program.

What-if, verify and diff run :attr:`Policy.program`, the program evaluation runs, with choice
rules over figure values (:mod:`clausewise.asp.search`). A search figure (see
:mod:`clausewise.analysis.figures`) takes one of its candidate values; this module says, for each
candidate, which input facts of the program it gives:

* the program's per-entity figures (``figure/3``, ``figure_none/2``, ``figure_missing/2``): a
  program figure is a search figure (the same expression text), or one with an offset split off
  (``graduated_on + 90 days`` from ``graduated_on``; the offset applied by the evaluator's own
  arithmetic, on each candidate day when it depends on the day); the items of a list field a
  constant is looked up in (``unit_value/4``), from that condition's yes/no figure; a program
  figure no search figure gives keeps the value measured on the entity;
* the constants computed from the day (``const/2``) and the parameters (``param_given/2``,
  ``param_none/1``), per candidate day, exactly as the evaluation makes them; a free parameter's
  value is a search figure's;
* the status of each leaf the program does not state yet (``leaf/3``): computed from the
  candidate of its one figure (a yes/no figure, a best-month figure's comparison, a membership
  in a fixed collection), from the day alone, or, for a leaf of several figures, a free choice
  of a generated entity (its real rows are checked afterwards) and its current status for an
  entity of real data.

Values enter as exact terms (:mod:`clausewise.asp.terms`); ``none`` and ``missing`` stand for a
figure with no value and one that cannot be computed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Mapping

from clausewise.analysis.subjects import WITNESS, Subject
from clausewise.analysis.ties import DAY, Step, missing_causes
from clausewise.asp.search import Constant
from clausewise.asp.solve import term
from clausewise.asp.terms import kind_of
from clausewise.engine.evaluation import EntityEvaluation, ranks
from clausewise.evaluate.closures import value_of
from clausewise.evaluate.leaves import compare, compared, member_truth
from clausewise.evaluate.measure import Missing, arith, missing
from clausewise.language import syntax
from clausewise.language.refs import AtRef, ParamRef

if TYPE_CHECKING:
    from clausewise.analysis.figures import Figure, SpaceBuilder

ANY = Constant("any")  # a fact that holds on every candidate day
NONE, MISSING = Constant("none"), Constant("missing")


def space_facts(builder: SpaceBuilder, subjects: Mapping[str, Subject]) -> tuple[list, list[str]]:
    """Facts for :mod:`clausewise.asp.search`: the search figures with their candidates (by index)
    and, per policy tag, what each candidate gives the tag's program. Returns the facts and the
    figure keys (a figure's index in the facts is its position)."""
    keys = sorted(builder.figures)
    index = {k: i for i, k in enumerate(keys)}
    facts: list = [("witness", [WITNESS])]
    for k in keys:
        fig = builder.figures[k]
        facts.append(("figure", [index[k]]))
        for v, value in enumerate(fig.candidates):
            facts.append(("option", [index[k], v]))
            if isinstance(value, Missing):
                facts.append(("missing_value", [index[k], v]))
    if DAY in builder.figures:
        facts.append(("day_figure", [index[DAY]]))
    facts += [("same_row", [index[a], index[b]]) for a, b in same_row(builder) + same_list(builder)]
    facts += [("missing_if", [index[a], index[b]]) for a, b in missing_causes(builder)]
    for tag, subject in subjects.items():
        facts += _Feed(builder, subject, Constant(tag), index).facts()
        policy = subject.policy
        for d in policy.plan.decides:
            if d.decl.combine != "first":
                values = [(i, value_of(subject.ev, c.value, subject.scope)) for i, c in enumerate(d.decl.clauses, 1)]
                facts += [(f"{tag}_rank", [WITNESS, d.field, i, r]) for i, r in ranks(d, values)]
    for key, (_, names, broken) in sorted(builder.ties.items()):  # a computed figure against its inputs
        for case_no, (combo, _status) in enumerate(broken):
            facts.append(("broken", [f"tie {key}", case_no]))
            for k, v in zip(names, combo):
                facts.append(("broken_needs", [f"tie {key}", case_no, index[k], v]))
    return facts, keys


def same_row(builder: SpaceBuilder) -> list[tuple[str, str]]:
    """Pairs (a, b) of figures that read one row (``T.f on D``: the same table, day and lookup)
    where the schema says ``a`` is missing only when the row is absent (a required field), so
    ``b`` is missing then too: a relation between figures the search keeps."""
    rows: dict[tuple, list[tuple[str, bool]]] = {}
    for key, fig in builder.figures.items():
        node = fig.nodes[0] if fig.nodes and not fig.is_leaf else None
        if not isinstance(node, syntax.AtDate):
            continue
        for subject in builder.subjects:
            c = subject.policy.checked
            ref = c.refs.get(node.nid)
            if not isinstance(ref, AtRef):
                continue
            table, name, link = ref.table, ref.field, ref.link
            schema = c.tables[table].field(name)
            row = (table, tuple(link), " ".join(subject.policy.source_text(node.date).split()))
            rows.setdefault(row, []).append((key, schema is not None and not schema.optional))
            break
    pairs = []
    for members in rows.values():
        for a, required in members:
            pairs += [(a, b) for b, _ in members if required and b != a]
    return sorted(set(pairs))


def list_figures(builder: SpaceBuilder, subject: Subject, fid: str) -> list[tuple[Figure, Any]]:
    """The yes/no figures (with their conditions ``V in L``) of the compiled leaves that look
    values up in the list figure ``fid`` of the search program."""
    out = []
    per_leaf = builder.leaf_figures[id(subject)]
    for leaf in subject.policy.search_figures.compiled.values():
        keys = per_leaf.get(leaf.id, [])
        if leaf.kind == "listed" and leaf.figures[1] == fid and len(keys) == 1:
            fig = builder.figures[keys[0]]
            out += [(fig, n) for n in fig.nodes[:1] if fig.is_leaf and isinstance(n, syntax.Member)]
    return out


def same_list(builder: SpaceBuilder) -> list[tuple[str, str]]:
    """Pairs of yes/no figures that look values up in one list (the program's list figure): when
    the list is missing both conditions are unknown, so both figures are missing together."""
    pairs = []
    for subject in builder.subjects:
        program = subject.policy.search_figures
        for fid in dict.fromkeys(leaf.figures[1] for leaf in program.compiled.values() if leaf.kind == "listed"):
            keys = [fig.key for fig, _ in list_figures(builder, subject, fid)]
            pairs += [(a, b) for a in keys for b in keys if a != b]
    return sorted(set(pairs))


def fed(value: Any) -> Any:
    """A value as the search hands it to a program: an exact term, ``none`` or ``missing``."""
    if isinstance(value, Missing):
        return MISSING
    if value is None:
        return NONE
    if not kind_of(value):
        return MISSING  # a value with no term (a window) cannot be compared by the program
    return term(value)


def forward(value: Any, steps: list[Step], subject: Subject) -> Any:
    """The value of a side whose offset was split off (``graduated_on + 90 days``), from the
    value of its figure (``graduated_on``): the offsets applied again, innermost first."""
    for op, expr, figure_left in reversed(steps):
        offset = subject.ev.eval(expr, subject.scope)
        a, b = (value, offset) if figure_left else (offset, value)
        value = missing(a, b) or arith(op, a, b)
    return value


def candidate_status(fig: Figure, cond: Any, value: Any, subject: Subject,
                     side: tuple[Any, list[Step]] | None) -> str | None:
    """A leaf's status when its one figure takes ``value`` (None: not a function of it alone).
    ``side``: for a comparison, the side the figure stands for and the offsets split off it."""
    if isinstance(value, Missing) and (fig.is_leaf or fig.test is not None):
        return "unknown"
    if fig.test is not None:  # the best month's value against the fixed bound
        op, bound, left = fig.test
        return "pass" if (compare(op, value, bound) if left else compare(op, bound, value)) else "fail"
    if fig.is_leaf:
        return "pass" if value else "fail"
    ev, scope = subject.ev, subject.scope
    if isinstance(cond, syntax.Member):
        truth = member_truth(value, ev.eval(cond.collection, scope), cond.negated)
        return "unknown" if isinstance(truth, Missing) else "pass" if truth else "fail"
    if isinstance(cond, syntax.Compare) and side is not None:
        node, steps = side
        mine = forward(value, steps, subject)
        left, right = (mine if s is node else ev.eval(s, scope) for s in (cond.left, cond.right))
        return compared(cond.op, left, right, None).status
    return None


@dataclass
class _Side:
    key: str  # the search figure
    steps: list[Step]  # offsets from its value to the program figure's


class _Feed:
    """The facts that connect the search figures to one policy's program (one tag)."""

    def __init__(self, builder: SpaceBuilder, subject: Subject, tag: Constant, index: dict[str, int]):
        self.builder, self.subject, self.tag, self.index = builder, subject, tag, index
        day = builder.figures.get(DAY)
        self.days: list[Subject] = [builder.on(subject, d) for d in day.candidates] if day is not None else [subject]
        self.day_free = day is not None
        policy = subject.policy
        self.program = policy.search_figures
        self._measured: dict[str, Any] | None = None

    def evaluation(self, s: Subject) -> EntityEvaluation:
        p = s.policy
        return EntityEvaluation(p.plan, p.search_program, p.search_figures, s.ev, p.source_text, s.leaf_eval)

    def measured(self) -> dict[str, Any]:
        """The program's figures measured on the entity (for those no search figure gives)."""
        if self._measured is None:
            m = self.evaluation(self.subject).measure(self.subject.scope)
            self._measured = {fid: fv.raw() for fid, fv in m.figures.items()}
        return self._measured

    def facts(self) -> list:
        return self.shared() + self.figures() + self.leaves()

    def on(self, i: int | None) -> Any:
        return ANY if i is None else i

    # ---- constants and parameters, per candidate day ------------------------------------------------------
    def shared(self) -> list:
        tag, free = self.tag, self.subject.free_params
        out: list = []
        per_day = [self.evaluation(s).shared_facts() for s in self.days]
        same = all(facts == per_day[0] for facts in per_day)
        for i, facts in enumerate(per_day[:1] if same else per_day):
            day = self.on(None if same else i)
            for name, args in facts:
                if name.startswith("param_") and args[0] in free:
                    continue  # a free parameter's value is a search figure's (below)
                value = NONE if name.endswith("_none") else MISSING if name.endswith("_missing") else args[1]
                what = "param_on" if name.startswith("param_") else "const_on"
                out.append((what, [tag, day, args[0], value]))
        for key, fig in self.builder.figures.items():
            param = _param_of(self.subject, fig)
            if param is not None:
                out += [("param_from", [tag, self.index[key], v, param, fed(value)]) for v, value in enumerate(fig.candidates)]
        return out

    # ---- the program's per-entity figures --------------------------------------------------------------------
    def sides(self) -> dict[str, _Side]:
        """Each per-entity program figure the search gives: from the side it is, else by its text."""
        sides = self.builder.sides.get(id(self.subject), {})
        plan = self.program.figures
        out: dict[str, _Side] = {}
        for fid in self.program.entity_figures:
            f = plan.figures[fid]
            found = sides.get(f.node.nid)
            if found is not None:
                out[fid] = _Side(*found)
            elif f.text in self.builder.figures and f.text != DAY:
                out[fid] = _Side(f.text, [])
        return out

    def figures(self) -> list:
        tag, out = self.tag, []
        sides = self.sides()
        plan = self.program.figures
        for fid in self.program.entity_figures:
            if fid in self.program.offset_figures:  # the program computes it (a window's edge from a chosen date)
                continue
            if plan.figures[fid].role == "units":
                out += self.units(fid)
                continue
            if plan.figures[fid].role == "window":  # as evaluation gives it: only when it is none or missing
                window = self.measured().get(fid)
                if window is None or isinstance(window, Missing):
                    out.append(("gives_fixed", [tag, fid, fed(window)]))
                continue
            side = sides.get(fid)
            if side is None:
                out.append(("gives_fixed", [tag, fid, fed(self.measured().get(fid, Missing(("not measured",))))]))
                continue
            fig = self.builder.figures[side.key]
            leaf_value = fig.is_leaf and fig.test is None  # a yes/no figure: a bool condition's value
            for v, value in enumerate(fig.candidates):
                if leaf_value:
                    per_day = [value]
                else:
                    per_day = [forward(value, side.steps, s) for s in self.days] if side.steps else [value]
                if all(_same(x, per_day[0]) for x in per_day):
                    out.append(("gives", [tag, ANY, self.index[side.key], v, fid, fed(per_day[0])]))
                else:
                    out += [("gives", [tag, i, self.index[side.key], v, fid, fed(x)]) for i, x in enumerate(per_day)]
        return out

    def units(self, fid: str) -> list:
        """The months or days a compiled quantifier walks, or the items of a list a value is looked
        up in (``unit_value/4`` ...): from the search figure that stands for its leaf, as one unit
        (a best-month figure: its value; a yes/no figure: a unit that decides, none, or a missing
        one; for a list: the value looked up, or no item, or the list missing), else as measured
        on the entity."""
        tag, builder = self.tag, self.builder
        leaf = next((lf for lf in self.program.compiled.values()
                     if lf.kind in ("quantified", "listed") and lf.figures[1] == fid), None)
        keys = builder.leaf_figures[id(self.subject)].get(leaf.id, []) if leaf is not None else []
        fig = builder.figures[keys[0]] if len(keys) == 1 and keys[0] != DAY else None
        if leaf is None or fig is None or not (fig.is_leaf or fig.test is not None):
            measured = self.measured().get(fid)
            units = measured if isinstance(measured, tuple) else ()
            return [("gives_unit_fixed", [tag, fid, k, fed(unit.raw())]) for k, (_, unit) in enumerate(units)]
        if leaf.kind == "listed":
            return self.items(fid)
        out: list = []
        for v, value in enumerate(fig.candidates):
            per_day = [self._unit_for(fig, leaf, value, s) for s in self.days]
            same = all(_same(x, per_day[0]) for x in per_day)
            for i, unit in enumerate(per_day[:1] if same else per_day):
                if unit is not NO_UNIT:
                    out.append(("gives_unit", [tag, self.on(None if same else i), self.index[fig.key], v, fid, 0, fed(unit)]))
        return out

    def items(self, fid: str) -> list:
        """A list's items from the yes/no figures of the conditions ``V in L`` (V a constant) that
        look values up in it, one unit each: the list holds V when the condition holds (``not
        in``: when it does not); missing when the figure is (:func:`same_list`: the figures of
        one list are missing together). The program's rule decides each status."""
        tag, out = self.tag, []
        for k, (fig, cond) in enumerate(list_figures(self.builder, self.subject, fid)):
            for v, value in enumerate(fig.candidates):
                if isinstance(value, Missing):
                    out.append(("gives", [tag, ANY, self.index[fig.key], v, fid, MISSING]))
                    continue
                if bool(value) == cond.negated:
                    continue  # no unit: V is not in the list
                per_day = [s.ev.eval(cond.item, s.scope) for s in self.days]
                same = all(_same(x, per_day[0]) for x in per_day)
                for i, item in enumerate(per_day[:1] if same else per_day):
                    if item is not None and not isinstance(item, Missing):
                        out.append(("gives_unit", [tag, self.on(None if same else i), self.index[fig.key], v, fid, k,
                                                   fed(item)]))
        return out

    def _unit_for(self, fig: Figure, leaf: Any, value: Any, s: Subject) -> Any:
        """The one unit that gives a quantifier the candidate: a best-month figure's value itself;
        for a yes/no figure, a unit on the deciding side of the bound (any: passing, every:
        failing), no unit for the other status, a missing unit for unknown."""
        if fig.test is not None or isinstance(value, Missing):
            return value
        deciding = (leaf.quantifier or "any") == "any"
        if bool(value) != deciding:
            return NO_UNIT
        cond = next((n for n in fig.nodes if isinstance(n, syntax.Quantified)), None)
        if cond is None or not isinstance(cond.cond, syntax.Compare):
            return NO_UNIT
        other = cond.cond.right if leaf.units_left else cond.cond.left
        bound = s.ev.eval(other, s.scope)
        found = unit_against(leaf, bound, deciding)
        return NO_UNIT if found is None else found

    # ---- leaves the program does not state yet ------------------------------------------------------------
    def leaves(self) -> list:
        tag, subject, builder = self.tag, self.subject, self.builder
        out: list = []
        per_leaf = builder.leaf_figures[id(subject)]
        sides = builder.sides.get(id(subject), {})
        for leaf in subject.policy.plan.leaves():
            if leaf.id in self.program.compiled:
                continue
            data = [k for k in per_leaf.get(leaf.id, []) if k != DAY]
            if not data:  # the parameters and the day alone decide it
                statuses = [s.leaf_eval.evaluate(leaf.cond, s.scope).status for s in self.days]
                if all(st == statuses[0] for st in statuses):
                    out.append(("leaf_on", [tag, ANY, leaf.id, Constant(statuses[0])]))
                else:
                    out += [("leaf_on", [tag, i, leaf.id, Constant(st)]) for i, st in enumerate(statuses)]
                continue
            found = self._one_figure(leaf, data, sides) if len(data) == 1 else None
            if found is not None:
                out += found
            elif subject.free_as_of:  # a generated entity: the leaf itself is chosen (its rows checked later)
                out.append(("free_leaf", [tag, leaf.id]))
                may_miss = any(builder.figures[k].may_miss for k in data)
                out += [("leaf_option", [tag, leaf.id, Constant(st)]) for st in ("pass", "fail", "unknown")
                        if st != "unknown" or may_miss]
            else:  # an entity of real data: as it is
                out.append(("leaf_on", [tag, ANY, leaf.id, Constant(subject.leaf_eval.evaluate(leaf.cond, subject.scope).status)]))
        return out

    def _one_figure(self, leaf: Any, data: list[str], sides: Mapping[int, tuple[str, list[Step]]]) -> list | None:
        """The leaf's status for each candidate of its one figure (and day), or None."""
        fig = self.builder.figures[data[0]]
        cond = leaf.cond
        side = None
        if isinstance(cond, syntax.Compare):
            side = next(((n, sides[n.nid][1]) for n in (cond.left, cond.right) if n.nid in sides), None)
        rows = []
        for v, value in enumerate(fig.candidates):
            found = [candidate_status(fig, cond, value, s, side) for s in self.days]
            statuses = [st for st in found if st is not None]
            if len(statuses) < len(found):
                return None
            if all(st == statuses[0] for st in statuses):
                rows.append(("leaf_from", [self.tag, ANY, self.index[fig.key], v, leaf.id, Constant(statuses[0])]))
            else:
                rows += [("leaf_from", [self.tag, i, self.index[fig.key], v, leaf.id, Constant(st)])
                         for i, st in enumerate(statuses)]
        return rows


#: no unit at all: a quantifier's other status (any: fail, every: pass)
NO_UNIT = object()


def probes(bound: Any) -> list[Any]:
    """Values around a bound: it, and one step either side (a day for dates)."""
    if isinstance(bound, (Missing, bool)) or bound is None:
        return []
    if isinstance(bound, dt.date):
        return [bound, bound + dt.timedelta(days=1), bound - dt.timedelta(days=1)]
    if isinstance(bound, (int, Decimal)):
        exponent = bound.as_tuple().exponent if isinstance(bound, Decimal) else 0
        step = Decimal(1).scaleb(min(0, exponent)) if isinstance(exponent, int) and exponent < 0 else 1
        return [bound, bound + step, bound - step]
    return [bound]


def unit_against(leaf: Any, bound: Any, passing: bool) -> Any:
    """A unit's value whose comparison with ``bound`` (the quantifier's other side; the unit on
    the left when ``leaf.units_left``) passes, or fails; None when no value near the bound does."""
    want = "pass" if passing else "fail"
    for probe in probes(bound):
        a, b = (probe, bound) if leaf.units_left else (bound, probe)
        if compared(leaf.op, a, b, None).status == want:
            return probe
    return None


def _param_of(subject: Subject, fig: Figure) -> str | None:
    """The free parameter a search figure is (its value enters as ``param_given/2``), if any."""
    node = fig.nodes[0] if fig.nodes else None
    if not isinstance(node, syntax.Name):
        return None
    ref = subject.policy.checked.refs.get(node.nid)
    if not isinstance(ref, ParamRef) or ref.name not in subject.free_params:
        return None
    return ref.name if subject.policy.checked.params[ref.name].per is None else None


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and (a == b if not isinstance(a, Missing) else True)
