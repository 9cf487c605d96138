"""Figures and their candidate values: the search space of what-if, verify and diff.

A *figure* is a data-dependent expression a leaf condition compares or tests: an aggregate
(``sum(shop_daily.paid_orders over bound_shops during ...)``), a field (``graduated_on``), a
value on a day (``shop_daily.experience_score on as_of``). The same expression text in several
leaves is one figure. A leaf too complex to split (a quantifier, a membership in a window made
from data) is itself a yes/no figure. Bounds that do not depend on data (literals, parameters,
``as_of``) stay fixed.

Each figure gets a few candidate values: the values where some leaf over it changes status
(the bound, and one step either side in the figure's unit: 1 for counts, the bound's last
decimal place for scores and rates, 0.01 for yuan), plus its current value (what-if) or a
missing value (verify, diff). A free parameter is a figure too, around its default or given
value. The search chooses one candidate per figure and the policy's own program decides every
leaf from them (:mod:`clausewise.analysis.programfacts` gives the program its input facts).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from clausewise.analysis.subjects import ASSUMED_MISSING, Subject
from clausewise.analysis.ties import (
    DAY,
    bound_of,
    depends_on_data,
    key_of,
    members_of,
    split_offset,
    tie_cases,
)
from clausewise.evaluate.measure import Missing
from clausewise.evaluate.figuretable import uses_var
from clausewise.language import syntax
from clausewise.language.sorts import CONVENTIONS
from clausewise.language.refs import CONSTANT, EntityFieldRef, LetRef, ParamRef, RowFieldRef, RowsRef, RowVarFieldRef
from clausewise.values.valuetypes import Month, ValueType, is_decimal_unit, is_money

NON_NEGATIVE = {"count", "orders", "points", "merchants", "yuan", "rate", "score"}
DEFAULT_EXPONENT = {"yuan": -2, "rate": -2, "score": -1}


@dataclass
class Figure:
    key: str  # the expression text, whitespace normalised (or "leaf <id>" for a yes/no leaf)
    text: str
    name: str  # a short name for output: the leaf's name
    nodes: list[Any] = field(default_factory=list)  # the AST nodes the override replaces
    vtype: ValueType | None = None
    is_leaf: bool = False
    may_miss: bool = False
    bounds: list[Any] = field(default_factory=list)
    members: list[Any] = field(default_factory=list)
    current: Any = None
    candidates: list[Any] = field(default_factory=list)
    #: 'any month m in W: x >= b' as a figure (the best month's x): the comparison (op, bound, x on the left)
    test: tuple[str, Any, bool] | None = None

    def show(self, value: Any) -> str:
        from clausewise.report.explain import value_text

        if isinstance(value, Missing):
            return "missing"
        if self.is_leaf:
            return "holds" if value else "does not hold"
        return value_text(value)


# ---- which expressions are figures ------------------------------------------------------------------------
def may_be_missing(subject: Subject, node: Any) -> bool:
    """Whether a figure can be missing in some data (an optional field, an absent row, a per-key value)."""
    c = subject.policy.checked
    match node:
        case syntax.AtDate() | syntax.Index():
            return True
        case syntax.Aggregate(fn=fn, where=where, target=target):
            if fn in ("avg", "min", "max"):
                return True
            ref = c.refs.get(node.nid)
            if fn == "sum" and isinstance(ref, RowsRef) and isinstance(target, syntax.Attr):
                schema = c.tables[ref.table].field(target.name)
                if schema is not None and schema.optional:
                    return True
            return where is not None and _cond_may_miss(subject, where)
        case syntax.Name() | syntax.Attr():
            match c.refs.get(node.nid):
                case None:
                    return True
                case EntityFieldRef(name):
                    if name == c.dimension:
                        return False  # 'for each NAME': every verdict has its value
                    schema = c.tables[c.entity_table].field(name)
                    return schema is None or schema.optional
                case LetRef(name):
                    return may_be_missing(subject, c.lets[name].expr)
                case RowFieldRef(name) | RowVarFieldRef(_, name):  # a column of the rows aggregated: empty only if optional
                    return any((f := t.field(name)) is not None and f.optional for t in c.tables.values())
                case ref:
                    return not isinstance(ref, CONSTANT)
        case syntax.SetLit() | syntax.Group():
            return False  # the items of a set or a group are not looked into
    if isinstance(node, syntax.Node):
        return any(may_be_missing(subject, child) for child in syntax.children(node))
    return False


def _is_list(subject: Subject, cond: Any) -> bool:
    """Whether a condition is ``V in L`` (or ``not in``) of a list field ``L``."""
    if not isinstance(cond, syntax.Member):
        return False
    sort = subject.policy.checked.sorts.get(cond.collection.nid)
    return sort is not None and sort.vtype is not None and sort.vtype.is_list


def _cond_may_miss(subject: Subject, cond: Any) -> bool:
    if isinstance(cond, (syntax.IsSet,)):
        return False
    if isinstance(cond, syntax.Node):
        return any((may_be_missing(subject, v) if not isinstance(v, (syntax.Group, syntax.Not, syntax.IfThen, syntax.Quantified,
                                                                        syntax.Compare, syntax.Member, syntax.Truth, syntax.Entry))
                    else _cond_may_miss(subject, v))
                   for v in syntax.children(cond))
    return False


class SpaceBuilder:
    """Finds the figures of one or more policies (sharing figures by expression text)."""

    def __init__(self) -> None:
        self.figures: dict[str, Figure] = {}
        #: per subject (by id(): a subject is not a syntax node): leaf node id -> figure keys, in the order the leaf uses them
        self.leaf_figures: dict[int, dict[str, list[str]]] = {}
        #: per subject (by id()): the nid of a comparison side or tested expression -> (figure key, offsets split off it)
        self.sides: dict[int, dict[int, tuple[str, list]]] = {}
        self.subjects: list[Subject] = []
        #: bounds computed once the evaluation days are known: (figure, subject, bound on a day's subject)
        self.deferred: list[tuple[Figure, Subject, Any]] = []
        self.pairs: list[tuple[Figure, Figure, Subject]] = []
        self.day_bounds: list[tuple[Subject, Any]] = []  # days where a condition on the day alone changes
        #: figure key -> (subject, input figure keys, cases that break the tie): see :meth:`tie`
        self.ties: dict[str, tuple[Subject, list[str], list[tuple[tuple[int, ...], str]]]] = {}
        self._days: dict[tuple[int, dt.date], Subject] = {}

    def _figure(self, subject: Subject, expr: Any, name: str, is_leaf: bool = False) -> Figure:
        text = subject.policy.source_text(expr)
        if isinstance(expr, (syntax.Name, syntax.Attr, syntax.AsOf)):
            name = key_of(text)  # a field, a named value or the evaluation day: its own name reads best
        key = f"leaf {name}" if is_leaf else key_of(text)
        fig = self.figures.get(key)
        if fig is None:
            sort = None if is_leaf else subject.policy.checked.sorts.get(expr.nid)
            fig = self.figures[key] = Figure(key, text, name, vtype=sort.vtype if sort else None, is_leaf=is_leaf)
        fig.nodes.append(expr)
        return fig

    def day_figure(self) -> Figure:
        """The evaluation day of a generated entity: a figure; whatever depends on it and on no
        data (``start of quarter of as_of``) is computed from it, never free."""
        fig = self.figures.get(DAY)
        if fig is None:
            fig = self.figures[DAY] = Figure(DAY, DAY, DAY, [syntax.AsOf()], ValueType("date"))
        return fig

    def _day_bounds(self, subject: Subject, cond: Any) -> None:
        """``as_of > end of assessment_period``: the days around the end are candidate days."""
        if isinstance(cond, syntax.Compare):
            sides = [depends_on_data(subject, s) for s in (cond.left, cond.right)]
            if sides.count(True) == 1:
                side, other = (cond.left, cond.right) if sides[0] else (cond.right, cond.left)
                inner, steps = split_offset(subject, side, day=True)
                if isinstance(inner, syntax.AsOf):
                    self.day_bounds.append((subject, bound_of(other, steps)))
        elif isinstance(cond, syntax.Member) and isinstance(cond.item, syntax.AsOf) \
                and not depends_on_data(subject, cond.collection):
            self.day_bounds.append((subject, members_of(cond.collection)))

    def on(self, subject: Subject, day: Any) -> Subject:
        """The subject on a candidate day (cached; only a generated entity's day is free)."""
        if not subject.free_as_of or not isinstance(day, dt.date):
            return subject
        key = (id(subject), day)
        if key not in self._days:
            self._days[key] = subject.at(day)
        return self._days[key]

    def add(self, subject: Subject) -> None:
        """Collect the figures of every leaf of the subject's policy and their bounds."""
        per_leaf: dict[str, list[str]] = {}
        sides = self.sides.setdefault(id(subject), {})
        self.subjects.append(subject)
        for leaf in subject.policy.plan.leaves():
            name = leaf.name or _name_of(leaf.id)
            cond = leaf.cond
            figs: list[Figure] = []
            if not depends_on_data(subject, cond, day=False):  # parameters and the day alone decide it
                per_leaf[leaf.id] = [self.day_figure().key] if depends_on_data(subject, cond) else []
                if per_leaf[leaf.id]:
                    self._day_bounds(subject, cond)
                continue
            if isinstance(cond, syntax.Compare):
                data = [(s, depends_on_data(subject, s, day=False)) for s in (cond.left, cond.right)]
                if all(d for _, d in data):
                    a, b = (self._figure(subject, s, name) for s, _ in data)
                    figs = [a, b]
                    sides[cond.left.nid], sides[cond.right.nid] = (a.key, []), (b.key, [])
                    self.pairs.append((a, b, subject))
                else:
                    (side, _), (other, _) = sorted(data, key=lambda sd: not sd[1])
                    inner, steps = split_offset(subject, side)
                    fig = self._figure(subject, inner, name)
                    sides[side.nid] = (fig.key, steps)
                    self.deferred.append((fig, subject, bound_of(other, steps)))
                    figs = [fig]
                    if depends_on_data(subject, other) or any(depends_on_data(subject, o) for _, o, _ in steps):
                        figs.append(self.day_figure())  # the bound moves with the day
            elif isinstance(cond, syntax.Member) and depends_on_data(subject, cond.item, day=False) \
                    and not depends_on_data(subject, cond.collection, day=False):
                fig = self._figure(subject, cond.item, name)
                self.deferred.append((fig, subject, members_of(cond.collection)))
                figs = [fig] + ([self.day_figure()] if depends_on_data(subject, cond.collection) else [])
            elif isinstance(cond, (syntax.IsSet, syntax.Truth)) and not isinstance(cond.expr, syntax.Aggregate):
                figs = [self._figure(subject, cond.expr, name)]
                sides[cond.expr.nid] = (figs[0].key, [])
            elif isinstance(cond, syntax.Member) and (base := self._window_date(subject, leaf.id)) is not None:
                fig = self._figure(subject, base.node, name)
                sides[base.node.nid] = (fig.key, [])
                self.deferred.append((fig, subject, _edge_bounds(cond.item, subject.policy.search_figures, leaf.id)))
                figs = [fig] + ([self.day_figure()] if depends_on_data(subject, cond.item) else [])
            elif (best := self._best_unit(subject, cond, name, leaf.id)) is not None:
                figs = [best]
            else:
                figs = [self._figure(subject, cond, leaf.id, is_leaf=True)]
                if isinstance(cond, syntax.Truth):  # a bool condition's value: the yes/no figure's
                    sides[cond.expr.nid] = (figs[0].key, [])
                if isinstance(cond, syntax.Member) and _is_list(subject, cond):  # a value in a list: unknown when it is missing
                    figs[0].may_miss = figs[0].may_miss or may_be_missing(subject, cond.collection)
            for fig in figs:
                self._seed(subject, fig)
                fig.may_miss = fig.may_miss or (not fig.is_leaf and fig.key != DAY and may_be_missing(subject, fig.nodes[-1]))
            per_leaf[leaf.id] = list(dict.fromkeys(f.key for f in figs))
        self.leaf_figures[id(subject)] = per_leaf

    def _seed(self, subject: Subject, fig: Figure) -> None:
        """A free parameter's figure: its default or given value is a candidate (and, through a
        comparison, a bound of the other side)."""
        node = fig.nodes[-1] if fig.nodes else None
        ref = subject.policy.checked.refs.get(node.nid) if isinstance(node, syntax.Name) else None
        if isinstance(ref, ParamRef) and ref.name in subject.free_params:
            seed = subject.seeds.get(ref.name)
            if seed is not None and not isinstance(seed, (Missing, dict)) and seed not in fig.bounds:
                fig.bounds.append(seed)

    def _window_date(self, subject: Subject, leaf_id: str) -> Any:
        """The date (its figure definition) that the edges of the window of a constant date are
        day offsets of, where the search's program states that leaf (``as_of in 60 days from
        found_on``: found_on), else None."""
        program = subject.policy.search_figures
        leaf = program.compiled.get(leaf_id)
        base = program.edges_of_one_date(leaf) if leaf is not None and leaf.kind == "within" else None
        return program.figures.figures[base] if base is not None else None

    def _best_unit(self, subject: Subject, cond: Any, name: str, leaf_id: str) -> Figure | None:
        """``any month m in W: x >= b`` with a fixed bound: a figure, the best month's x."""
        if not (isinstance(cond, syntax.Quantified) and cond.kind == "any" and isinstance(cond.cond, syntax.Compare)):
            return None
        inner = cond.cond
        checked = subject.policy.checked
        fixed = [not uses_var(checked, side, cond.var) and not depends_on_data(subject, side) for side in (inner.left, inner.right)]
        if fixed.count(True) != 1:
            return None
        side, other = (inner.right, inner.left) if fixed[0] else (inner.left, inner.right)
        bound = subject.ev.eval(other, subject.scope)
        if isinstance(bound, Missing):
            return None
        text = f"{subject.policy.source_text(side)} in the best {cond.unit} of {subject.policy.source_text(cond.window)}"
        sort = subject.policy.checked.sorts.get(side.nid)
        fig = self.figures.setdefault(f"leaf {leaf_id}", Figure(f"leaf {leaf_id}", text, f"{name} (best {cond.unit})",
                                                                vtype=sort.vtype if sort else None))
        fig.nodes.append(cond)
        fig.test = (inner.op, bound, side is inner.left)
        fig.bounds.append(bound)
        return fig

    def set_current(self, subject: Subject) -> None:
        """What-if: every figure's value in the subject's data."""
        for fig in self.figures.values():
            fig.current = figure_value(fig, subject)

    def finish(self, with_current: bool, allow_missing: bool) -> None:
        """Every figure's candidate values (index 0: the current value when ``with_current``)."""
        days: list[dt.date | None] = [None]
        if DAY in self.figures:  # the day: around the analysis day, on days every version is in force
            base = self.subjects[0].as_of
            edges = [base] + [v for subject, bound in self.day_bounds for v in bound(subject) if isinstance(v, dt.date)]
            near = sorted({d + dt.timedelta(days=k) for d in edges for k in (-1, 0, 1)})
            self.figures[DAY].candidates = days = [d for d in near if all(s.policy.in_force(d) for s in self.subjects)] or [base]
        for fig, subject, bound in self.deferred:
            for day in days:
                for value in bound(self.on(subject, day)):
                    if not isinstance(value, Missing) and value not in fig.bounds:
                        fig.bounds.append(value)
        for a, b, subject in self.pairs:  # a figure compared with a figure: each takes the other's bounds
            a.bounds, b.bounds = a.bounds + b.bounds, b.bounds + a.bounds
            if not a.bounds:  # neither has one: a common grid around one base value, so every order can occur
                base = subject.as_of if a.vtype is not None and a.vtype.kind == "date" else _default_values(
                    a.vtype.kind if a.vtype else None)[-1]
                a.bounds.append(base)
                b.bounds.append(base)
        for fig in self.figures.values():
            if fig.key == DAY:
                continue
            values = candidate_values(fig)
            if with_current:
                values = [fig.current] + [v for v in values if v != fig.current or type(v) is not type(fig.current)]
                if fig.is_leaf:
                    values = [fig.current]  # a whole condition is not a figure to repair
            elif allow_missing and fig.may_miss:
                values.append(ASSUMED_MISSING)
            fig.candidates = values
        if not with_current:
            for key in sorted(self.figures):
                self.tie(key)

    def tie(self, key: str) -> None:
        """A figure computed from other figures is tied to them (see :func:`derived.tie_cases`)."""
        found = tie_cases(self, key)
        if found is not None:
            self.ties[key] = found

    def label(self, key: str) -> str:
        """A figure's short name, with its expression when another figure has the same name."""
        fig = self.figures[key]
        clash = sum(1 for f in self.figures.values() if f.name == fig.name) > 1
        return f"{fig.name} ({fig.text})" if clash and not fig.is_leaf else fig.name


def _edge_bounds(item: Any, program: Any, leaf_id: str) -> Any:
    """The values of a window's date at which a constant date ``item`` enters or leaves it: where
    an edge (the date plus K days, or the end of N days from it) is the item's day."""
    def bounds(subject: Subject) -> list[Any]:
        day = subject.ev.eval(item, subject.scope)
        if not isinstance(day, dt.date):
            return []
        extra = 0 if subject.ev.convention == CONVENTIONS[0] else 1
        out = []
        for fid in program.compiled[leaf_id].figures[1:3]:
            offset = program.offset_figures.get(fid)
            if offset is not None:
                days = offset[2] if offset[0] == "shift" else offset[2] - 1 + extra
                try:
                    out.append(day - dt.timedelta(days=days))
                except OverflowError:
                    continue
        return out
    return bounds


def figure_value(fig: Figure, subject: Subject) -> Any:
    """The figure's value in the subject's data (a yes/no figure: whether its condition holds)."""
    node = fig.nodes[0]
    if fig.test is not None:
        result = subject.leaf_eval.evaluate(node, subject.scope)
        return ASSUMED_MISSING if result.status == "unknown" or result.observed is None else result.observed
    if fig.is_leaf:
        result = subject.leaf_eval.evaluate(node, subject.scope)
        return ASSUMED_MISSING if result.status == "unknown" else result.status == "pass"
    return subject.ev.eval(node, subject.scope)




def _name_of(node_id: str) -> str:
    """The nearest named part of a node id: ``b_points`` for ``dynamic_pass....b_points.then``."""
    parts = [p for p in re.split(r"[.#]", node_id) if not p.isdigit() and p not in ("if", "then", "not")]
    return parts[-1] if parts else node_id


def step_of(fig: Figure, value: Any) -> Any:
    """One step in the figure's unit: 1 for whole numbers, else the finest decimal place in play."""
    kind = fig.vtype.kind if fig.vtype else None
    if fig.vtype is not None and fig.vtype.is_integral and isinstance(value, int):
        return 1
    exponents = [DEFAULT_EXPONENT.get("yuan" if is_money(kind) else kind or "", 0)]
    for v in (value, fig.current):
        if isinstance(v, Decimal) and isinstance(exponent := v.as_tuple().exponent, int):  # exact: never NaN
            exponents.append(exponent)
    return 1 if min(exponents) >= 0 and isinstance(value, int) else Decimal(1).scaleb(min(min(exponents), 0))


def candidate_values(fig: Figure) -> list[Any]:
    """The values where some leaf over the figure may change status, sorted."""
    kind = fig.vtype.kind if fig.vtype else None
    if fig.is_leaf or kind == "bool":
        return [False, True]
    found: list[Any] = []
    for bound in fig.bounds:
        if isinstance(bound, bool) or bound is None:
            continue
        if isinstance(bound, (int, Decimal)):
            step = step_of(fig, bound)
            found += [bound - step, bound, bound + step]
        elif isinstance(bound, dt.date):
            found += [bound - dt.timedelta(days=1), bound, bound + dt.timedelta(days=1)]
        elif isinstance(bound, Month):
            found += [bound.shift(-1), bound, bound.shift(1)]
        elif isinstance(bound, str):
            found.append(bound)
    if kind == "enum" and fig.vtype is not None:
        found += list(fig.vtype.enum_values)
    elif kind == "string" or fig.members:
        found += [m for m in fig.members if isinstance(m, str)]
        other = "other"
        while other in found:
            other += "_"
        found.append(other)
    if kind in NON_NEGATIVE:
        found = [v for v in found if not isinstance(v, (int, Decimal)) or v >= 0]
    if kind == "rate":
        found = [v for v in found if not isinstance(v, (int, Decimal)) or v <= 1]
    if not found:
        found = _default_values(kind)
    unique = list(dict.fromkeys(found))
    try:
        return sorted(unique)
    except TypeError:
        return unique


def _default_values(kind: str | None) -> list[Any]:
    if kind in ("date",):
        return [dt.date(2024, 1, 1)]
    if is_decimal_unit(kind):
        return [Decimal("0"), Decimal("1")]
    return [0, 1]
