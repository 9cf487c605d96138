"""The figure plan and the figure table: what a policy measures per entity, and the leaf
statuses computed from it.

A *figure* is an expression a leaf condition reads: a side of a comparison
(``sum(shop_daily.paid_orders over bound_shops during evaluation_period)``, ``graduated_on``,
``silver_paid_orders``), the item or collection of a membership (of a date in a window: the date
and the window's start and end), the value of ``is set`` or of a bool condition. The same
expression text in several leaves is one figure. A figure that reads no data (literals,
parameters, ``as_of``, named values made of them) is *constant*: one value per evaluation. Two
more roles serve ``any|every month|day v in W: a op b`` when exactly one side uses ``v``: the
quantifier's *window* (a figure whose value is the window) and the *units* figure, the side that
uses ``v`` measured for every month or day of the window; the items of a list field a membership
reads (``catering in industries``) are a units figure too. A leaf too complex to split (a
quantifier over a group, ...) is a *leaf* figure whose value is its whole
:class:`~clausewise.evaluate.leaves.LeafResult`.

:func:`figure_plan` lowers a plan's leaves to a :class:`FigurePlan`; a producer fills a
*figure table* (per entity id, and per ``for each`` value since the entity id carries it:
``P01/catering``) with one :class:`FigureValue` per figure; :func:`leaf_result` computes
every leaf's status, observed value, bound, gap, witness and windows from the table. Every
evaluation path goes through :func:`leaf_result`: the Python reference (:class:`FigureProducer`
over :class:`~clausewise.evaluate.measure.Evaluator`) and the columnar engines
(:mod:`clausewise.columnar`), which only change how aggregates over rows are measured.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from clausewise.evaluate.closures import value_of
from clausewise.evaluate.computed import day_shared
from clausewise.evaluate.leaves import (
    LeafEvaluator,
    LeafResult,
    compare_unit,
    compared,
    is_set_truth,
    member_truth,
    UnitResults,
    quotient,
    truth_of,
    unit_of,
)
from clausewise.evaluate.measure import Evaluator, Missing, Scope, arith, missing
from clausewise.language import syntax
from clausewise.language.refs import CONSTANT, EntityFieldRef, LetRef, LookupRef, VarRef
from clausewise.values.calendar import Window, WindowTooLong

ROLES = ("value", "window", "units", "leaf")


@dataclass(frozen=True)
class FigureDef:
    """One figure of a policy (see the module docstring)."""

    id: str  # stable: the first leaf that reads it and the part it is ('silver.paid_orders.left')
    text: str  # the expression, whitespace normalised (a leaf figure: the condition)
    role: str  # value | window | units | leaf
    unit: str | None  # the value type's kind: orders, yuan, date, bool, ... (None: not typed)
    constant: bool  # reads no data: one value per evaluation, not per entity
    windows: tuple[str, ...] = ()  # the window expressions its aggregates and quantifiers read
    filters: tuple[str, ...] = ()  # the 'where' filters of its aggregates
    var: str | None = None  # units: the quantifier's variable
    unit_kind: str | None = None  # units: month | day
    window_figure: str | None = None  # units: the window figure whose months or days it walks
    node: Any = field(default=None, compare=False, repr=False)  # the syntax node measured
    #: a date offset of single dates, which the program states (:func:`date_offset`): ('shift',
    #: base, days), ('period_end', base, N) for ``end of N days from base``, ('diff', a, b) for ``a - b``
    offset: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class LeafDef:
    """How one leaf's result is computed from figures."""

    id: str
    kind: str  # compare | member | within | listed | is_set | truth | quantified | leaf
    figures: tuple[str, ...]  # compare: left, right; member: item, collection; within: the date, the
    #                          window's start, its end (a month: and its first and last day); listed:
    #                          the value, the list's items (a units
    #                          figure); is_set, truth: value; quantified: window, units, other side (its units
    #                          too where both sides read the unit; none for a bool of each unit);
    #                          leaf: the leaf figure
    op: str = "="  # compare, quantified: the comparison
    unit: str | None = None  # the unit its figures are shown in
    negated: bool = False  # member, within, listed, is_set: 'not in', 'is missing'
    quantifier: str | None = None  # quantified: any | every
    units_left: bool = True  # quantified: the units figure is the comparison's left side
    units_both: bool = False  # quantified: both sides are units figures (of the same months or days)


@dataclass(frozen=True)
class FigurePlan:
    figures: dict[str, FigureDef]
    leaves: dict[str, LeafDef]

    def per_entity(self) -> list[FigureDef]:
        return [f for f in self.figures.values() if not f.constant]

    def constants(self) -> list[FigureDef]:
        return [f for f in self.figures.values() if f.constant]


@dataclass(slots=True, unsafe_hash=True)
class FigureValue:
    """One figure's value for one entity (or for the evaluation, if constant). Never changed
    once made (not a frozen dataclass only because one of those takes four times as long to
    build, and an audit builds one per entity and figure).

    ``value``: the value (None when it is none or missing); for a units figure, a tuple of
    (month or day, FigureValue) in window order; for a leaf figure, its LeafResult.
    ``missing``: None when the value is known, else why not (reasons in the order found).
    ``windows``: (expression, dates) of the windows measuring it used, in order of use.
    ``parts``: for a quotient of figures (``defects / transactions``), its numerator and denominator.
    """

    value: Any = None
    missing: tuple[str, ...] | None = None
    windows: tuple[tuple[str, str], ...] = ()
    parts: tuple[Any, Any] | None = field(default=None, compare=False)

    @property
    def state(self) -> str:
        """value | none | missing: the three states SQL's NULL would merge."""
        return "missing" if self.missing is not None else "none" if self.value is None else "value"

    def raw(self) -> Any:
        """The evaluator's form: the value, or :class:`Missing` with the reasons."""
        return Missing(self.missing) if self.missing is not None else self.value


# ---- the figure plan ----------------------------------------------------------------------------------
def is_constant(checked, node: Any) -> bool:
    """Whether an expression reads no data: literals, parameters, ``as_of``, named values of them."""
    match node:
        case syntax.Aggregate() | syntax.AtDate() | syntax.TopN() | syntax.CountUnits() | syntax.FirstDay():
            return False
        case syntax.Name() | syntax.Attr():
            ref = checked.refs.get(node.nid)
            if ref is None:
                return isinstance(node, syntax.Attr) and is_constant(checked, node.base)
            if isinstance(ref, LetRef):
                return is_constant(checked, checked.lets[ref.name].expr)
            return isinstance(ref, CONSTANT)
    return all(is_constant(checked, child) for child in syntax.children(node))


def day_free(checked, node: Any) -> bool:
    """Whether an expression's value for an entity is the same on every as-of day: literals,
    parameters, the entity's fields, fields of a table found by key (``shop_learning.x``), and
    arithmetic, lists and parameter tables of them. Anything else may read the day."""
    match node:
        case syntax.Number() | syntax.String() | syntax.BoolLit() | syntax.DateLit() | syntax.MonthLit() | syntax.NoneLit():
            return True
        case syntax.Name() | syntax.Attr():
            ref = checked.refs.get(node.nid)
            if ref is None:
                return isinstance(node, syntax.Attr) and day_free(checked, node.base)
            return isinstance(ref, (*CONSTANT, EntityFieldRef, LookupRef))
        case syntax.Arith() | syntax.Neg() | syntax.SetLit() | syntax.Index():
            return all(day_free(checked, child) for child in syntax.children(node))
    return False


def uses_var(checked, node: Any, var: str) -> bool:
    """Whether an expression refers to a quantifier's variable."""
    if isinstance(node, syntax.Name) and isinstance(checked.refs.get(node.nid), VarRef):
        return node.name == var
    return any(uses_var(checked, child, var) for child in syntax.children(node))


def _static(node: Any, text: Callable[[Any], str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The window and filter texts of the aggregates and quantifiers inside an expression."""
    windows: dict[str, None] = {}
    filters: dict[str, None] = {}

    def walk(n: Any) -> None:
        if isinstance(n, syntax.Aggregate):
            if n.during is not None:
                windows.setdefault(_norm(text(n.during)))
            if n.where is not None:
                filters.setdefault(_norm(text(n.where)))
        elif isinstance(n, (syntax.Quantified, syntax.CountUnits, syntax.FirstDay)):
            windows.setdefault(_norm(text(n.window)))
        for child in syntax.children(n):
            walk(child)

    walk(node)
    return tuple(windows), tuple(filters)


def _norm(text: str) -> str:
    return " ".join(text.split())


class _Builder:
    def __init__(self, checked, text: Callable[[Any], str]):
        self.checked, self.text = checked, text
        self.figures: dict[str, FigureDef] = {}
        self._by_key: dict[tuple, str] = {}

    def figure(self, key: tuple, fid: str, node: Any, role: str, text: str | None = None, unit: str | None = None,
               **more: Any) -> str:
        """The figure of ``key`` (made as ``fid`` the first time); ``text`` and ``unit``: of a node the
        policy does not write (the start or end of a window), else its own."""
        found = self._by_key.get(key)
        if found is not None:
            return found
        windows, filters = _static(node, self.text)
        constant = role != "leaf" and is_constant(self.checked, node)
        if role == "units":
            constant = False
        if unit is None and role != "leaf":
            unit = unit_of(self.checked, node)
        self.figures[fid] = FigureDef(fid, text or _norm(self.text(node)), role, unit, constant, windows, filters,
                                      node=node, **more)
        self._by_key[key] = fid
        return fid

    def value(self, node: Any, fid: str) -> str:
        return self.figure(("value", _norm(self.text(node))), fid, node, "value")

    def edge(self, window: Any, kind: str, fid: str) -> str:
        """The figure of the start or end day of a window (``start of 60 days from found_on``): a node
        the policy does not write, measured as ``start of W`` would be (the window's own windows
        are the figure's)."""
        text = _norm(self.text(window))
        node = syntax.Edge(kind, window, span=window.span)
        return self.figure(("edge", kind, text), fid, node, "value", text=f"{kind} of {text}", unit="date")

    def offsets(self) -> None:
        """Each date offset of single dates gets its dates as figures (:func:`date_offset`): the
        program states the offset. After every leaf's figures, so that their ids stay as they were;
        a date an offset is computed from may be an offset itself (``end of previous quarter of as_of``
        in ``quarter_end - d``)."""
        pending, looked = list(self.figures), set(self.figures)
        while pending:
            fid = pending.pop(0)
            f = self.figures[fid]
            offset = date_offset(self.checked, f.node) if f.role == "value" else None
            if offset is not None:
                kind, *parts = offset
                names = ("base",) if kind != "diff" else ("from", "to")
                bases = [self.value(part, f"{fid}.{name}") for part, name in zip(parts, names)]
                self.figures[fid] = replace(f, offset=(kind, *bases, *parts[len(bases):]))
                pending += [base for base in bases if base not in looked]
                looked.update(bases)

    def leaf(self, leaf_id: str, cond: Any) -> LeafDef:
        c = self.checked
        match cond:
            case syntax.Compare(op=op, left=left, right=right):
                return LeafDef(leaf_id, "compare", (self.value(left, f"{leaf_id}.left"), self.value(right, f"{leaf_id}.right")),
                               op, compare_unit(c, cond))
            case syntax.Member(item=item, collection=coll, negated=negated) if unit_of(c, item) in ("date", "month") \
                    and (sort := c.sorts.get(coll.nid)) is not None and sort.kind == "window":
                parts: tuple[str, ...] = (self.value(item, f"{leaf_id}.item"), self.edge(coll, "start", f"{leaf_id}.start"),
                                          self.edge(coll, "end", f"{leaf_id}.end"))
                if unit_of(c, item) == "month":  # in the window when its first and its last day are
                    parts += (self.edge(item, "start", f"{leaf_id}.first"), self.edge(item, "end", f"{leaf_id}.last"))
                return LeafDef(leaf_id, "within", parts, negated=negated)
            case syntax.Member(item=item, collection=syntax.Name() | syntax.Attr() as coll, negated=negated) \
                    if isinstance(c.refs.get(coll.nid), (EntityFieldRef, LookupRef)) and (sort := c.sorts.get(coll.nid)) is not None \
                    and sort.vtype is not None and sort.vtype.is_list:  # a list field: its items
                items = self.figure(("items", _norm(self.text(coll))), f"{leaf_id}.items", coll, "units")
                return LeafDef(leaf_id, "listed", (self.value(item, f"{leaf_id}.item"), items), negated=negated)
            case syntax.Member(item=item, collection=coll, negated=negated):
                return LeafDef(leaf_id, "member", (self.value(item, f"{leaf_id}.item"),
                                                   self.value(coll, f"{leaf_id}.collection")), negated=negated)
            case syntax.IsSet(expr=expr, negated=negated):
                return LeafDef(leaf_id, "is_set", (self.value(expr, f"{leaf_id}.value"),), negated=negated)
            case syntax.Truth(expr=expr):
                return LeafDef(leaf_id, "truth", (self.value(expr, f"{leaf_id}.value"),))
            case syntax.Quantified(kind=kind, unit=unit, var=var, window=window, cond=syntax.Compare() as inner):
                sides = [uses_var(c, s, var) for s in (inner.left, inner.right)]
                if sides.count(True) == 1:
                    on_left = sides[0]
                    side, other = (inner.left, inner.right) if on_left else (inner.right, inner.left)
                    wid = self.figure(("window", _norm(self.text(window))), f"{leaf_id}.window", window, "window")
                    uid = self.figure(("units", _norm(self.text(side)), var, unit, wid), f"{leaf_id}.units", side, "units",
                                      var=var, unit_kind=unit, window_figure=wid)
                    oid = self.value(other, f"{leaf_id}.{'right' if on_left else 'left'}")
                    return LeafDef(leaf_id, "quantified", (wid, uid, oid), inner.op, compare_unit(c, inner),
                                   quantifier=kind, units_left=on_left)
                if sides == [True, True]:  # each unit's two sides: 'any month m in W: a(m) > b(m)'
                    wid = self.figure(("window", _norm(self.text(window))), f"{leaf_id}.window", window, "window")
                    lid, rid = (self.figure(("units", _norm(self.text(part)), var, unit, wid), f"{leaf_id}.{name}", part,
                                            "units", var=var, unit_kind=unit, window_figure=wid)
                                for part, name in ((inner.left, "units"), (inner.right, "units_right")))
                    return LeafDef(leaf_id, "quantified", (wid, lid, rid), inner.op, compare_unit(c, inner),
                                   quantifier=kind, units_both=True)
            case syntax.Quantified(kind=kind, unit=unit, var=var, window=window, cond=syntax.Truth(expr=expr)) \
                    if uses_var(c, expr, var):  # a bool of each unit: 'every day d in W: r0 on d'
                wid = self.figure(("window", _norm(self.text(window))), f"{leaf_id}.window", window, "window")
                uid = self.figure(("units", _norm(self.text(expr)), var, unit, wid), f"{leaf_id}.units", expr, "units",
                                  var=var, unit_kind=unit, window_figure=wid)
                return LeafDef(leaf_id, "quantified", (wid, uid), "truth", quantifier=kind)
        return LeafDef(leaf_id, "leaf", (self.figure(("leaf", leaf_id), f"{leaf_id}.leaf", cond, "leaf"),))


def _resolved(checked, node: Any) -> Any:
    """The expression a named value (a ``let``) stands for; any other node itself."""
    while isinstance(node, syntax.Name) and isinstance(ref := checked.refs.get(node.nid), LetRef):
        node = checked.lets[ref.name].expr
    return node


def date_offset(checked, node: Any) -> tuple[Any, ...] | None:
    """A date offset between single dates (through named values): ``d + 1 day`` or ``d - 30 days``
    (('shift', d, days)), ``end of 90 days from d`` (('period_end', d, 90), convention C-4 is the
    program's; ``start of N days from d`` is ('shift', d, 0)), ``a - b`` of two dates (('diff', a, b)),
    ``start of quarter of d`` or ``end of previous month of d`` (('calendar', d, 'start' | 'end',
    'quarter' | 'month', previous)), ``start of m`` or ``end of m`` of a month m (('month_edge', m,
    'start' | 'end')); None for any other expression."""
    expr = _resolved(checked, node)
    if isinstance(expr, syntax.Edge) and expr.kind in ("start", "end"):
        window = _resolved(checked, expr.window)
        if isinstance(window, syntax.Calendar) and unit_of(checked, window.date) == "date":
            return ("calendar", window.date, expr.kind, window.kind, window.previous)
        if unit_of(checked, expr.window) == "month":
            return ("month_edge", expr.window, expr.kind)
    match expr:
        case syntax.Arith(op="+" | "-" as op, left=base, right=syntax.Number(value=int() as days)) \
                if unit_of(checked, base) == "date" and not isinstance(days, bool):
            return ("shift", base, days if op == "+" else -days)
        case syntax.Edge(kind="end", window=syntax.NFrom(count=syntax.Number(value=int() as days), start=base)):
            return ("period_end", base, days)
        case syntax.Edge(kind="start", window=syntax.NFrom(start=base)) if unit_of(checked, base) == "date":
            return ("shift", base, 0)  # the first of N days from d is d, under either convention
        case syntax.Arith(op="-", left=a, right=b) if unit_of(checked, a) == "date" and unit_of(checked, b) == "date":
            return ("diff", a, b)
    return None


def figure_plan(checked, leaves: Iterable[tuple[str, Any]], text: Callable[[Any], str]) -> FigurePlan:
    """The figures of the given leaves (id, condition), in leaf order; ``text`` gives a node's source text."""
    builder = _Builder(checked, text)
    defs = {leaf_id: builder.leaf(leaf_id, cond) for leaf_id, cond in leaves}
    builder.offsets()
    return FigurePlan(builder.figures, defs)


# ---- leaf statuses from the figure table -------------------------------------------------------------
def _windows(*parts: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for part in parts:
        for w in part:
            seen.setdefault(w)
    return list(seen)


def leaf_result(leaf: LeafDef, values: Mapping[str, FigureValue]) -> LeafResult:
    """A leaf's result from its figures' values (constants included in ``values``)."""
    kind = leaf.kind
    if kind == "compare":
        a, b = values[leaf.figures[0]], values[leaf.figures[1]]
        result = compared(leaf.op, a.value if a.missing is None else Missing(a.missing),
                          b.value if b.missing is None else Missing(b.missing), leaf.unit)
        if a.parts is not None:
            result.ratio = a.parts
        if a.windows or b.windows:
            result.windows = _windows(a.windows, b.windows)
        return result
    if kind == "leaf":
        return values[leaf.figures[0]].value
    if kind == "quantified":
        return _quantified(leaf, values)
    if kind == "within":
        return _within(leaf, values)
    value = values[leaf.figures[0]]
    raw = value.raw()
    if kind in ("member", "listed"):
        coll = values[leaf.figures[1]]
        container = coll.raw()
        if kind == "listed" and type(container) is tuple:  # the list's items, as the units figure holds them
            container = tuple(item.value for _, item in container)
        verdict = member_truth(raw, container, leaf.negated)
        windows = _windows(value.windows, coll.windows)
    elif kind == "truth":
        return _truth(raw, list(value.windows))
    else:
        verdict = is_set_truth(raw, leaf.negated)
        windows = list(value.windows)
    if isinstance(verdict, Missing):
        return LeafResult("unknown", missing=verdict.reasons, windows=windows)
    return LeafResult("pass" if verdict else "fail", None if isinstance(raw, Missing) else raw, unit=None, windows=windows)


def _truth(raw: Any, windows: list[tuple[str, str]] | None = None) -> LeafResult:
    """A bool value as a condition's result (the explanation's: the status the verdict shows is the program's)."""
    verdict = truth_of(raw)
    if isinstance(verdict, Missing):
        return LeafResult("unknown", missing=verdict.reasons, windows=windows or [])
    return LeafResult("pass" if verdict else "fail", raw, unit=None, windows=windows or [])


def _within(leaf: LeafDef, values: Mapping[str, FigureValue]) -> LeafResult:
    """A date or a month in a window, from it and the window's start and end (the explanation's: the
    status the verdict shows is the program's); the window's start and end are none together when
    it does not exist, and missing together, for the same reasons, when it cannot be known."""
    item, start, end = (values[f] for f in leaf.figures[:3])
    raw = item.raw()
    windows = _windows(item.windows, start.windows, end.windows)
    bad = missing(raw, start.raw(), end.raw())
    if bad is not None:
        return LeafResult("unknown", missing=bad.reasons, windows=windows)
    found = raw is not None and start.value is not None and end.value is not None \
        and Window(start.value, end.value).contains(raw)
    return LeafResult("pass" if found != leaf.negated else "fail", raw, unit=None, windows=windows)


def _quantified(leaf: LeafDef, values: Mapping[str, FigureValue]) -> LeafResult:
    window, units, *other = (values[f] for f in leaf.figures)
    if window.missing is not None:
        return LeafResult("unknown", missing=window.missing, windows=list(window.windows))
    if window.value is None:  # a window from or to a day that does not exist
        return LeafResult("fail" if leaf.quantifier == "any" else "pass", witness="(no window)", windows=list(window.windows))
    results, shown = [], {}
    for unit, fv in units.value:
        if not other:  # a bool of each unit
            results.append((unit, _truth(fv.raw())))
            shown[unit] = _windows(window.windows, fv.windows)
            continue
        if leaf.units_both:  # the same unit of the other side
            pair = (fv, other[0].value[len(results)][1])
        else:
            pair = (fv, other[0]) if leaf.units_left else (other[0], fv)
        results.append((unit, compared(leaf.op, pair[0].raw(), pair[1].raw(), leaf.unit)))
        shown[unit] = _windows(window.windows, pair[0].windows, pair[1].windows)
    # the status and the unit that decides are the program's (the answer's shown_unit/3): until
    # the answer is read (report/explain.answered_leaves) the result is unknown
    return LeafResult("unknown", windows=list(window.windows),
                      units=UnitResults(leaf.quantifier or "any", results, list(window.windows), shown))


# ---- the Python producer (the reference) ----------------------------------------------------------------
class FigureProducer:
    """Measures every figure of a plan with an :class:`Evaluator` (the Python reference, or one whose
    aggregates come from a columnar engine: see :mod:`clausewise.columnar`)."""

    def __init__(self, plan: FigurePlan, ev: Evaluator, text: Callable[[Any], str]):
        self.plan, self.ev, self.text = plan, ev, text
        self.leaf_eval = LeafEvaluator(ev)
        self._varying = plan.per_entity()
        self._constants: dict[str, FigureValue] | None = None

    def constants(self) -> dict[str, FigureValue]:
        """The constant figures, measured once (they read no entity)."""
        if self._constants is None:
            scope = Scope({}, self.ev.c.entity_table, {})
            self._constants = {f.id: self.measure(f, scope, {}) for f in self.plan.constants()}
        return self._constants

    def entity(self, scope: Scope) -> dict[str, FigureValue]:
        """Every figure's value for the entity of ``scope``, constants included."""
        values = dict(self.constants())
        for f in self._varying:
            values[f.id] = self.measure(f, scope, values)
        return values

    def leaf_results(self, scope: Scope) -> dict[str, LeafResult]:
        values = self.entity(scope)
        return {leaf_id: leaf_result(leaf, values) for leaf_id, leaf in self.plan.leaves.items()}

    def measurer(self, f: FigureDef, days_shared: bool = True) -> Callable[[Scope, Mapping[str, FigureValue]], FigureValue]:
        """:meth:`measure` of one figure as a function of the scope (and the values known so far),
        with the common case (a value that is not a quotient) taking the shortest path;
        ``days_shared=False``: for an evaluator whose ``days_shared`` is false, which keeps no value
        for other days."""
        if f.role != "value" or quotient(f.node) is not None:
            return lambda scope, known: self.measure(f, scope, known)
        ev, node, rendered = self.ev, f.node, self._rendered

        def measure_value(scope: Scope, known: Mapping[str, FigureValue]) -> FigureValue:
            ev.windows_used = []
            value = value_of(ev, node, scope)
            windows = rendered(ev.windows_used) if ev.windows_used else ()
            if type(value) is Missing:
                return FigureValue(None, value.reasons, windows)
            return FigureValue(value, None, windows)

        if not days_shared or not day_free(ev.c, node):
            return measure_value

        def measure_once(scope: Scope, known: Mapping[str, FigureValue]) -> FigureValue:
            """The same value on every as-of day: measured once per entity (and subject, parameters
            and convention) for the evaluators of all days (a rule's history, a timeline). With one
            day only, keeping it costs more than measuring it (an entity's field, a parameter)."""
            if not ev.days_shared:
                return measure_value(scope, known)
            cache = day_shared(ev, scope)
            hit = cache.get(("figure", node.nid))
            if hit is not None and hit[0] is scope.subject and hit[1] is ev.params and hit[2] == ev.convention:
                return hit[3]
            fv = measure_value(scope, known)
            cache[("figure", node.nid)] = (scope.subject, ev.params, ev.convention, fv)
            return fv

        return measure_once

    def measure(self, f: FigureDef, scope: Scope, known: Mapping[str, FigureValue]) -> FigureValue:
        ev = self.ev
        if f.role == "leaf":
            return FigureValue(self.leaf_eval.evaluate(f.node, scope))
        if f.role == "units" and f.window_figure is None:  # the items of a list field, in order
            items = self._value(f.node, scope)
            if items.missing is not None or items.value is None:
                return items
            return FigureValue(tuple((k, FigureValue(item)) for k, item in enumerate(items.value)), None, items.windows)
        if f.role == "units":
            assert f.window_figure is not None and f.var is not None
            walked = known[f.window_figure].value
            if not isinstance(walked, Window):
                return FigureValue(())
            var = f.var
            try:
                units = walked.months() if f.unit_kind == "month" else walked.days()
                return FigureValue(tuple((u, self._value(f.node, ev.bind(scope, var, u))) for u in units))
            except WindowTooLong as exc:  # one unit, unknown with the reason: the quantifier is unknown
                return FigureValue(((walked.start, FigureValue(None, (str(exc),))),))
        value = self._value(f.node, scope)
        if f.role == "window" and value.missing is None:
            window = ev.as_window(value.value)
            extra = self._rendered([(f.node, window)]) if isinstance(window, Window) else ()
            return FigureValue(window, None, tuple(dict.fromkeys(value.windows + extra)))
        return value

    def _value(self, node: Any, scope: Scope) -> FigureValue:
        ev = self.ev
        ev.windows_used = []
        division = quotient(node)
        parts = None
        if division is None:
            value = value_of(ev, node, scope)
        else:  # measured as its parts, so the explanation can say '3 of 450'
            numerator, denominator = value_of(ev, division.left, scope), value_of(ev, division.right, scope)
            value = missing(numerator, denominator) or arith("/", numerator, denominator)
            if not isinstance(value, Missing) and value is not None:
                parts = (numerator, denominator)
        windows = self._rendered(ev.windows_used) if ev.windows_used else ()
        if isinstance(value, Missing):
            return FigureValue(None, value.reasons, windows)
        return FigureValue(value, None, windows, parts)

    def _rendered(self, used: list) -> tuple[tuple[str, str], ...]:
        """(expression, dates) of windows used, as a leaf shows them (the months or days a
        quantifier walks through are not shown)."""
        refs = self.ev.c.refs
        seen: dict[tuple[str, str], None] = {}
        for node, window in used:
            if isinstance(refs.get(node.nid), VarRef):
                continue
            seen.setdefault((self.text(node), str(window)))
        return tuple(seen)
