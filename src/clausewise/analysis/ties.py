"""Figures that come from other figures or from the evaluation day, not from data of their own.

A comparison with the day (``quarter_start_assessment + 1 day <= as_of``) is computed from the
day; an offset is split off (``cold_start_fail_day = cold_start_trigger + 60 days`` is the figure
``cold_start_trigger``, its bound moved by 60 days); a named value computed from other figures
(``cold_start_trigger`` from ``kind`` and ``history_pay``) is tied to them where they fix it:
worked out in Python for each combination of the inputs' candidates (at most
:data:`MAX_TIE_CASES` with its own), the values it does not take ruled out of the search.
Used by :mod:`clausewise.analysis.figures`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal
from typing import Any, Mapping

from clausewise.language import syntax
from clausewise.language.refs import (CONSTANT, AtRef, ConventionRef, EntityFieldRef, EnumRef, ItemsRef, LetRef, LookupRef,
                                      ParamRef, RelationRef, RowFieldRef, RowsRef, RowVarFieldRef, VarRef)
from clausewise.evaluate.measure import Evaluator, Missing, Scope
from clausewise.analysis.subjects import ASSUMED_MISSING, Subject
from clausewise.values.valuetypes import Month
from clausewise.values.calendar import Window

#: what a computed figure's data reads give while its inputs are tried (the data are not known)
OPEN = Missing(("data not known here",))
#: the key of the evaluation-day figure
DAY = "as_of"
#: at most this many combinations of a computed figure's inputs are tried
MAX_TIE_CASES = 4096


def depends_on_data(subject: Subject, node: Any, day: bool = True) -> bool:
    """Whether an expression's value comes from the entity's data (or a free parameter), or, with
    ``day``, from the evaluation day of a generated entity (which is a figure of its own)."""
    c = subject.policy.checked
    match node:
        case syntax.AsOf():
            return subject.free_as_of and day
        case syntax.Number() | syntax.String() | syntax.BoolLit() | syntax.DateLit() | syntax.MonthLit() | syntax.NoneLit():
            return False
        case syntax.Aggregate() | syntax.AtDate() | syntax.FirstDay():
            return True
        case syntax.Index(name=name, key=key):
            return name in subject.free_params or depends_on_data(subject, key, day)
        case syntax.Name() | syntax.Attr():
            match c.refs.get(node.nid):
                case None:
                    return depends_on_data(subject, node.base, day) if isinstance(node, syntax.Attr) else True
                case ParamRef(name):
                    return name in subject.free_params
                case EnumRef() | ConventionRef():
                    return False
                case LetRef(name):
                    return depends_on_data(subject, c.lets[name].expr, day)
                case EntityFieldRef(name) if name == c.dimension:
                    return subject.free_as_of  # 'for each NAME': which verdict it is, not a figure of real data
            return True
    if isinstance(node, syntax.Node):
        return any(depends_on_data(subject, child, day) for child in syntax.children(node))
    if isinstance(node, tuple):
        return any(depends_on_data(subject, item, day) for item in node)
    return False


def key_of(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


Step = tuple[str, Any, bool]  # an operator, the expression on its other side, whether the figure is on the left


def split_offset(subject: Subject, side: Any, depth: int = 0, day: bool = False) -> tuple[Any, list[Step]]:
    """``graduated_on + 90 days`` -> (graduated_on, [("+", 90 days, True)]): the figure is the data
    part; ``quarter_end - cold_start_pass_day`` likewise (the day part is computed). For a generated
    entity the split looks through named values (``cold_start_fail_day = cold_start_trigger + 60
    days``), so a date derived from another is never a free figure of its own."""
    if isinstance(side, syntax.Arith) and side.op in ("+", "-"):
        left, right = depends_on_data(subject, side.left, day), depends_on_data(subject, side.right, day)
        if left != right:
            inner, steps = split_offset(subject, side.left if left else side.right, depth + 1, day)
            return inner, [(side.op, side.right if left else side.left, left), *steps]
    ref = subject.policy.checked.refs.get(side.nid) if isinstance(side, syntax.Name) else None
    if subject.free_as_of and isinstance(ref, LetRef) and depth < 4:
        expr = subject.policy.checked.lets[ref.name].expr
        inner, steps = split_offset(subject, expr, depth + 1, day)
        if steps:
            return inner, steps
    return side, []


def bound_of(other: Any, steps: list[Step]) -> Any:
    """The value of the figure at which ``figure (steps) OP other`` changes: other's value, undone step by step."""
    def bound(subject: Subject) -> list[Any]:
        value = subject.ev.eval(other, subject.scope)
        for op, expr, figure_left in steps:
            offset = subject.ev.eval(expr, subject.scope)
            if isinstance(value, Missing) or isinstance(offset, Missing):
                return []
            value = _undo(op, value, offset, figure_left)
            if value is None:
                return []
        return [value]
    return bound


def members_of(collection: Any) -> Any:
    """The edges of a window, or the members of a list, a figure is tested against."""
    def members(subject: Subject) -> list[Any]:
        coll = subject.ev.eval(collection, subject.scope)
        if isinstance(coll, (Window, Month, dt.date)):
            win = subject.ev.as_window(coll)
            return [win.start, win.end] if isinstance(win, Window) else []
        return [v for v in coll if not isinstance(v, Missing)] if isinstance(coll, list) else []
    return members


def _undo(op: str, value: Any, offset: Any, figure_left: bool) -> Any:
    """x where ``x op offset == value`` (figure on the left) or ``offset op x == value``."""
    try:
        if op == "+":
            return shift(value, offset, -1)
        if figure_left:  # x - offset = value
            return shift(value, offset, 1)
        if isinstance(offset, dt.date) and isinstance(value, int):  # offset - x = value (days)
            return offset - dt.timedelta(days=value)
        if isinstance(offset, dt.date) and isinstance(value, dt.timedelta):
            return offset - value
        return offset - value if isinstance(offset, (int, Decimal)) and isinstance(value, (int, Decimal)) else None
    except (TypeError, ValueError, ArithmeticError, OverflowError):
        return None


def shift(value: Any, offset: Any, sign: int) -> Any:
    if isinstance(value, dt.date) and isinstance(offset, int):
        return value + dt.timedelta(days=sign * offset)
    if isinstance(value, (int, Decimal)) and isinstance(offset, (int, Decimal)):
        return value + sign * offset
    return value


def inside(subject: Subject, node: Any, depth: int, stop: Any) -> Any:
    """Every sub-expression of an expression, through the named values it uses, except below
    those ``stop`` says are given."""
    if isinstance(node, syntax.Node):
        yield node
        if stop(node):
            return
        ref = subject.policy.checked.refs.get(node.nid)
        if isinstance(ref, LetRef) and depth < 4:
            yield from inside(subject, subject.policy.checked.lets[ref.name].expr, depth + 1, stop)
        for child in syntax.children(node, metadata=True):
            yield from inside(subject, child, depth, stop)
    elif isinstance(node, tuple):
        for item in node:
            yield from inside(subject, item, depth, stop)


def same_value(a: Any, b: Any) -> bool:
    """A candidate and a computed value agree ('none' and missing alike: no value)."""
    if a is None or isinstance(a, Missing) or b is None or isinstance(b, Missing):
        return (a is None or isinstance(a, Missing)) and (b is None or isinstance(b, Missing))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    try:
        return a == b
    except TypeError:
        return False


class Substituted(Evaluator):
    """An evaluator in which some expressions (by node id) have assumed values: a computed figure
    worked out from candidate values of its inputs (:func:`tie_cases` only; a fresh one per case,
    so nothing it caches outlives the assumption). What remains of the analysis override hook
    (issue 14): what-if, verify and diff solve the policy's program over figure tables
    (:mod:`clausewise.analysis.assumed`)."""

    def __init__(self, base: Evaluator, values: Mapping[int, Any]):
        super().__init__(base.c, base.data, base.params, base.as_of, base.convention)
        self.values = dict(values)

    def eval(self, node: Any, scope: Scope) -> Any:
        if node.nid in self.values:
            return self.values[node.nid]
        return super().eval(node, scope)


def tie_cases(builder: Any, key: str) -> tuple[Any, list[str], list[tuple[tuple[int, ...], str]]] | None:
    """A figure computed from other figures (``cold_start_trigger = if kind = new ... else none``)
    is tied to them: every combination of candidates where computing it from its inputs gives
    another of its values is ruled out of the search (where the inputs leave it open, it stays free)."""
    fig = builder.figures[key]
    if fig.is_leaf or key == DAY or not fig.nodes:
        return None
    subject = next((s for s in builder.subjects if fig.nodes[0].nid in s.policy.checked.sorts
                    or fig.nodes[0].nid in s.policy.checked.refs), None)
    if subject is None or not subject.free_as_of:
        return None
    inputs: dict[str, list[int]] = {}

    def is_input(sub: Any) -> bool:  # a figure inside: its value comes from the assignment
        if sub is fig.nodes[0] or not isinstance(sub, (syntax.Name, syntax.Attr, syntax.Aggregate, syntax.AtDate, syntax.Arith)):
            return False
        other = key_of(subject.policy.source_text(sub))
        if other in builder.figures and other != key and not builder.figures[other].is_leaf:
            inputs.setdefault(other, []).append(sub.nid)
            return True
        return False
    walked = list(inside(subject, fig.nodes[0], 0, is_input))
    on_day = any(isinstance(sub, syntax.AsOf) for sub in walked)
    refs = subject.policy.checked.refs
    # rows read other than through an input: not known here, so never a reason to rule a value out
    given = {n for ids in inputs.values() for n in ids}
    opened = {sub.nid: OPEN for sub in walked if sub.nid not in given and (
              isinstance(sub, (syntax.Aggregate, syntax.AtDate, syntax.FirstDay))
              or isinstance(refs.get(sub.nid), LookupRef | AtRef | RelationRef | ItemsRef | RowsRef | EntityFieldRef))}
    if not inputs:
        return None
    names = sorted(inputs) + ([DAY] if DAY in builder.figures and on_day else [])
    ranges = [range(len(builder.figures[k].candidates)) for k in names]
    combos = list(itertools.islice(itertools.product(*ranges), MAX_TIE_CASES + 1))
    if not names or len(combos) * len(fig.candidates) > MAX_TIE_CASES:
        return None
    broken = []
    for combo in combos:
        values = {k: builder.figures[k].candidates[i] for k, i in zip(names, combo)}
        on = subject.at(values.get(DAY, subject.as_of))
        ev = Substituted(on.ev, opened | {n: values[k] for k in inputs for n in inputs[k]})
        try:
            computed = ev.eval(fig.nodes[0], on.scope)
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
            continue
        if isinstance(computed, Missing) and computed is not ASSUMED_MISSING:
            continue  # data the inputs do not fix: any value
        if not any(same_value(value, computed) for value in fig.candidates):
            continue  # a value between candidates: the statuses it gives are some candidate's
        for i, value in enumerate(fig.candidates):
            if not same_value(value, computed):
                broken.append(((i, *combo), "fail"))
    return (subject, [key, *names], broken) if broken else None


def missing_causes(builder: Any) -> list[tuple[str, str]]:
    """Pairs (figure, cause): an aggregate whose filter reads another figure (``count(... where
    applied_on >= revoked_on)``) is missing only when one of those figures is (a row's own field
    is never missing where the schema requires it). The search keeps that: such a figure is
    missing only together with one of its causes. A figure that can be missing on its own (an
    average of no rows, an optional field it sums, a value on a day with no row) has no pairs."""
    pairs: list[tuple[str, str]] = []
    for key, fig in builder.figures.items():
        node = fig.nodes[0] if fig.nodes and not fig.is_leaf and fig.may_miss else None
        if not isinstance(node, syntax.Aggregate) or node.where is None or node.fn in ("avg", "min", "max"):
            continue
        subject = next((s for s in builder.subjects if node.nid in s.policy.checked.refs), None)
        if subject is None:
            continue
        c = subject.policy.checked
        ref = c.refs[node.nid]
        if node.fn == "sum" and isinstance(ref, RowsRef) and isinstance(node.target, syntax.Attr):
            schema = c.tables[ref.table].field(node.target.name)
            if schema is None or schema.optional:
                continue
        causes = _filter_causes(subject, node.where)
        keys = None if causes is None else {key_of(subject.policy.source_text(n)) for n in causes}
        if keys and all(k in builder.figures and k != key and not builder.figures[k].is_leaf for k in keys):
            pairs += [(key, k) for k in sorted(keys)]
    return pairs


def _filter_causes(subject: Subject, cond: Any) -> list[Any] | None:
    """The expressions of a filter that may be missing: fields of the entity or named values
    (None when a row's own field, or anything else, may be)."""
    c = subject.policy.checked
    found: list[Any] = []
    for node in inside(subject, cond, 0, lambda n: isinstance(n, (syntax.Name, syntax.Attr, syntax.Aggregate, syntax.AtDate))):
        if isinstance(node, (syntax.Aggregate, syntax.AtDate, syntax.Index)):
            return None
        if not isinstance(node, (syntax.Name, syntax.Attr)):
            continue
        match c.refs.get(node.nid):
            case None:
                continue
            case RowFieldRef(name) | RowVarFieldRef(_, name):
                if any((f := t.field(name)) is not None and f.optional for t in c.tables.values()):
                    return None  # an empty cell of the row itself
            case EntityFieldRef(name):
                schema = c.tables[c.entity_table].field(name)
                if schema is None or schema.optional:
                    found.append(node)
            case ref if not isinstance(ref, (*CONSTANT, VarRef)):
                return None
    return found
