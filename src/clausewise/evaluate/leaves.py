"""Leaf conditions: decided in exact arithmetic, with the figures that explain them.

A leaf is a comparison, a membership test, ``is set``, a bool value or a quantifier
(``any month m in W: ...``). Its result carries the observed value, the bound, the
comparison, the gap when it fails, the best month of a quantifier, the windows used and,
when data are missing, why. A figure that is a quotient of figures (``defects / transactions``)
also carries its numerator and denominator, so a rate reads ``0.67% (3 of 450)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable

from clausewise.language import syntax
from clausewise.language.diagnostics import SourceFile
from clausewise.language.refs import VarRef
from clausewise.evaluate.closures import compile_value
from clausewise.evaluate.measure import Evaluator, Missing, Scope, arith, missing
from clausewise.values.texts import GAPS
from clausewise.values.valuetypes import Month
from clausewise.values.calendar import Window, WindowTooLong, month_window

OPS = {
    ">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b, "=": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


@dataclass(slots=True)
class LeafResult:
    status: str  # pass | fail | unknown
    observed: Any = None
    bound: Any = None
    op: str | None = None
    unit: str | None = None
    gap: Any = None
    gap_percent: Decimal | None = None
    witness: str | None = None
    missing: tuple[str, ...] = ()
    windows: list[tuple[str, str]] = field(default_factory=list)
    #: the numerator and denominator of an observed quotient of figures (not a fixed divisor)
    ratio: tuple[Any, Any] | None = field(default=None, compare=False)
    #: a quantifier the program states: its months or days, until the answer says which one decides
    units: "UnitResults | None" = field(default=None, compare=False)


@dataclass
class UnitResults:
    """The months or days of a quantifier the program states (``any month m in W: a >= b``), each
    compared: the answer gives the quantifier's status and the unit that decides (``shown_unit/3``),
    :meth:`shown` makes the leaf's result from them (the explanation's)."""

    kind: str  # any | every
    results: list[tuple[Any, LeafResult]]
    windows: list[tuple[str, str]]  # the window's
    unit_windows: dict[Any, list[tuple[str, str]]]  # the window's and each unit's

    def shown(self, status: str, k: int | None) -> LeafResult:
        """The result the explanation shows for the program's ``status``; unit ``k`` decides (None:
        no unit decides, so the one nearest to passing is shown)."""
        result, unit = quantifier_shown(self.results, status, k)
        result.windows = list(self.unit_windows.get(unit, self.windows)) if unit is not None else list(self.windows)
        return result


def quotient(node) -> syntax.Arith | None:
    """The division a comparison's side is, when it divides by a figure (``a / b``, not ``a / 3``)."""
    if isinstance(node, syntax.Arith) and node.op == "/" and not isinstance(node.right, syntax.Number):
        return node
    return None


def compare(op: str, a: Any, b: Any) -> bool:
    if a is None or b is None:
        return OPS[op](a is None, b is None) if op in ("=", "!=") else False
    return OPS[op](a, b)


def compared(op: str, a: Any, b: Any, unit: str | None) -> LeafResult:
    """The result of a comparison leaf on its two values (either may be Missing)."""
    if (type(a) is Missing or type(b) is Missing) and (bad := missing(a, b)):
        return LeafResult("unknown", None if isinstance(a, Missing) else a, None if isinstance(b, Missing) else b,
                          op, unit, missing=bad.reasons)
    ok = compare(op, a, b)
    result = LeafResult("pass" if ok else "fail", a, b, op, unit)
    if not ok:
        integral = isinstance(a, int) and isinstance(b, int)
        result.gap = gap_of(op, a, b, integral)
        result.gap_percent = _percent(result.gap, b)
    return result


def gap_of(op: str, observed: Any, bound: Any, integral: bool) -> Any:
    """How far a failing comparison is from passing (always positive), or None."""
    if isinstance(observed, dt.date) and isinstance(bound, dt.date):
        diff = abs((bound - observed).days)
        return diff + (1 if op in (">", "<") else 0)
    if not isinstance(observed, (int, Decimal)) or not isinstance(bound, (int, Decimal)) or isinstance(observed, bool):
        return None
    gap = GAPS.get(op)  # one definition, which the columnar audit compiles to SQL as well
    return None if gap is None else gap.of(observed, bound, integral)


def _percent(gap: Any, bound: Any) -> Decimal | None:
    """The gap's share of the bound in percent, to 0.1 (rounded half to even), exactly: in whole
    numbers of tenths, so a bound or gap of any size is right (Decimal's 28 digits were not: a
    constant of 26 digits compared with a small figure raised InvalidOperation)."""
    if not (isinstance(gap, (int, Decimal)) and isinstance(bound, (int, Decimal))) or not bound or isinstance(bound, bool):
        return None
    gap_num, gap_den = gap.as_integer_ratio()
    bound_num, bound_den = bound.as_integer_ratio()
    den = gap_den * abs(bound_num)
    tenths, rest = divmod(gap_num * bound_den * 1000, den)
    if 2 * rest > den or (2 * rest == den and tenths % 2):
        tenths += 1
    return Decimal(f"{tenths}E-1")  # exact: scaleb would round to the context's 28 digits


def unit_of(checked, node) -> str | None:
    """The kind of an expression's value type (orders, yuan, date, ...), None if untyped."""
    sort = checked.sorts.get(node.nid)
    return sort.vtype.kind if sort is not None and sort.vtype is not None else None


def compare_unit(checked, cond: syntax.Compare) -> str | None:
    """The unit a comparison's figures are shown in: the left side's, else the right side's."""
    left = unit_of(checked, cond.left)
    return left if left not in (None, "number") else unit_of(checked, cond.right)


def source_text(text: str, node) -> str:
    """The policy text a node was parsed from, on one line."""
    return _lines_of(text).snippet(node.span)


@lru_cache(maxsize=8)
def _lines_of(text: str) -> SourceFile:
    """A policy's text split into lines once, not once per node quoted (10,000 rules: 20,000 splits)."""
    return SourceFile("", text)


class LeafEvaluator:
    """Evaluates the leaves of a plan for one entity at a time."""

    def __init__(self, ev: Evaluator, compiled: bool = True):
        self.ev = ev
        self.c = ev.c
        self.compiled = compiled  # False: every leaf through the tree walker (to compare the two)
        self._fast: dict[int, Callable[[Scope], LeafResult] | None] = {}
        self._texts: dict[int, str] = {}

    def _compile(self, cond) -> Callable[[Scope], LeafResult] | None:
        """A closure for a comparison of plain values (see :mod:`clausewise.evaluate.closures`), else None."""
        if not self.compiled or not isinstance(cond, syntax.Compare):
            return None
        left, right = compile_value(self.ev, cond.left), compile_value(self.ev, cond.right)
        if left is None or right is None:
            return None
        op, unit = cond.op, self.compare_unit(cond)
        return lambda scope: compared(op, left(scope), right(scope), unit)

    def text(self, node) -> str:
        text = self._texts.get(node.nid)
        if text is None:
            text = self._texts[node.nid] = self.c.source.snippet(node.span)
        return text

    def unit(self, node) -> str | None:
        return unit_of(self.c, node)

    def compare_unit(self, cond: syntax.Compare) -> str | None:
        return compare_unit(self.c, cond)

    def evaluate(self, cond, scope: Scope) -> LeafResult:
        try:
            fast = self._fast[cond.nid]
        except KeyError:
            fast = self._fast[cond.nid] = self._compile(cond)
        if fast is not None:
            return fast(scope)
        self.ev.windows_used = []
        result = self._leaf(cond, scope)
        seen: dict[tuple[str, str], None] = {}
        used: set[tuple[int, Any]] = set()  # an aggregate uses its window once per row it reads
        for node, window in self.ev.windows_used:
            if (node.nid, window) in used:
                continue
            used.add((node.nid, window))
            if isinstance(self.c.refs.get(node.nid), VarRef):
                continue  # the months or days a quantifier walks through
            seen.setdefault((self.text(node), str(window)))
        result.windows = list(seen)
        return result

    def _leaf(self, cond, scope: Scope) -> LeafResult:
        match cond:
            case syntax.Compare(op=op, left=left, right=right):
                division = quotient(left)
                if division is None:
                    return compared(op, self.ev.eval(left, scope), self.ev.eval(right, scope), self.compare_unit(cond))
                numerator, denominator = self.ev.eval(division.left, scope), self.ev.eval(division.right, scope)
                value = missing(numerator, denominator) or arith("/", numerator, denominator)
                result = compared(op, value, self.ev.eval(right, scope), self.compare_unit(cond))
                if not isinstance(value, Missing) and value is not None:
                    result.ratio = (numerator, denominator)
                return result
            case syntax.Quantified():
                return self.quantified(cond, scope)
            case _:
                verdict = inner_truth(self.ev, cond, scope)
                if isinstance(verdict, Missing):
                    return LeafResult("unknown", missing=verdict.reasons)
                observed = None
                if isinstance(cond, syntax.Member | syntax.IsSet | syntax.Truth):
                    inner = cond.item if isinstance(cond, syntax.Member) else cond.expr
                    value = self.ev.eval(inner, scope)
                    observed = None if isinstance(value, Missing) else value
                return LeafResult("pass" if verdict else "fail", observed, unit=None)

    def quantified(self, cond: syntax.Quantified, scope: Scope) -> LeafResult:
        window = self.ev.as_window(self.ev.eval(cond.window, scope))
        if isinstance(window, Missing):
            return LeafResult("unknown", missing=window.reasons)
        if window is None:  # a window from or to a day that does not exist
            return LeafResult("fail" if cond.kind == "any" else "pass", witness="(no window)")
        self.ev.windows_used.append((cond.window, window))
        try:
            units = list(window.months()) if cond.unit == "month" else list(window.days())
        except WindowTooLong as exc:
            return LeafResult("unknown", missing=(str(exc),))
        results, unit_windows = [], {}
        for u in units:  # only the windows of the month or day shown are listed
            mark = len(self.ev.windows_used)
            results.append((u, self._leaf(cond.cond, self.ev.bind(scope, cond.var, u))))
            unit_windows[u] = self.ev.windows_used[mark:]
            del self.ev.windows_used[mark:]
        result, unit = quantifier_result(cond.kind, results)
        if unit is not None:
            self.ev.windows_used.extend(unit_windows.get(unit, []))
        return result


def quantifier_result(kind: str, results: list[tuple[Any, LeafResult]]) -> tuple[LeafResult, Any]:
    """``any``/``every`` over the results of its months or days (in order), for a quantifier the
    program does not state (a ``leaf/3`` fact): the first deciding unit decides, else the first
    unknown one; the leaf's result and the unit it shows (None for an empty window)."""
    want = "pass" if kind == "any" else "fail"
    k = next((i for i, (_, r) in enumerate(results) if r.status == want), None)
    if k is not None:
        return quantifier_shown(results, want, k)
    k = next((i for i, (_, r) in enumerate(results) if r.status == "unknown"), None)
    return quantifier_shown(results, "unknown" if k is not None else "fail" if kind == "any" else "pass", k)


def quantifier_shown(results: list[tuple[Any, LeafResult]], status: str, k: int | None) -> tuple[LeafResult, Any]:
    """A quantifier's result with its status: unit ``k`` shown (the deciding or first unknown one),
    else the one nearest to passing (the smallest gap, ties: the earliest); the unit shown."""
    if not results:
        return LeafResult(status, witness="(empty window)"), None
    unit, chosen = results[k] if k is not None else _closest(results)
    reasons = tuple(dict.fromkeys(m for _, r in results for m in r.missing)) if status == "unknown" else ()
    return LeafResult(status, chosen.observed, chosen.bound, chosen.op, chosen.unit,
                      chosen.gap if status == "fail" else None, chosen.gap_percent if status == "fail" else None,
                      str(unit), reasons), unit


def _closest(results: list) -> tuple:
    """The unit nearest to passing: the smallest gap (ties: the earliest)."""
    with_gap = [(u, r) for u, r in results if isinstance(r.gap, (int, Decimal))]
    if not with_gap:
        return results[0]
    return min(with_gap, key=lambda ur: ur[1].gap)


def member_truth(value: Any, container: Any, negated: bool) -> bool | Missing:
    """``item in collection`` (or ``not in``) on two values, either may be Missing."""
    if bad := missing(value, container):
        return bad
    if container is None or value is None:
        return negated  # nothing is in a window that does not exist; none is in nothing
    if isinstance(container, (Window, Month, dt.date)):
        window = (container if isinstance(container, Window) else month_window(container)
                  if isinstance(container, Month) else Window(container, container))
        found = window.contains(value)
    else:
        found = value in container
    return not found if negated else found


def is_set_truth(value: Any, negated: bool) -> bool:
    """``x is set`` / ``x is missing`` on a value (never unknown)."""
    present = not isinstance(value, Missing) and value is not None
    return not present if negated else present


def truth_of(value: Any) -> bool | Missing:
    """A bool value used as a condition."""
    return value if isinstance(value, Missing) else bool(value)


def inner_truth(ev: Evaluator, node, scope: Scope) -> bool | Missing:
    """A condition inside a measure, in three values: True, False or Missing."""
    match node:
        case syntax.Group(kind=kind, entries=entries, n=n):
            values = [inner_truth(ev, e.cond, scope) for e in entries]
            trues = sum(1 for v in values if v is True)
            unknown = missing(*values)
            if kind == "all":
                return False if False in values else (unknown or True)
            if kind in ("any", "none"):
                result = True if trues else (unknown or False)
                return result if kind == "any" or isinstance(result, Missing) else not result
            if trues >= n:
                return True
            if trues + sum(1 for v in values if isinstance(v, Missing)) < n:
                return False
            assert unknown is not None  # fewer than n true, but n true or unknown
            return unknown
        case syntax.Not(cond=inner):
            value = inner_truth(ev, inner, scope)
            return value if isinstance(value, Missing) else not value
        case syntax.IfThen(cond=a, then=b):
            first = inner_truth(ev, a, scope)
            if first is False:
                return True
            second = inner_truth(ev, b, scope)
            if first is True or second is True:
                return second
            unknown = missing(first, second)
            assert unknown is not None  # first is neither true nor false
            return unknown
        case syntax.Quantified(kind=kind, unit=unit, var=var, window=w, cond=inner):
            window = ev.as_window(ev.eval(w, scope))
            if isinstance(window, Missing):
                return window
            if window is None:  # a window from or to a day that does not exist: no month or day
                return kind != "any"
            ev.windows_used.append((w, window))
            try:
                units = window.months() if unit == "month" else window.days()
                values = [inner_truth(ev, inner, ev.bind(scope, var, u)) for u in units]
            except WindowTooLong as exc:
                return Missing((str(exc),))
            if kind == "any":
                return True if True in values else (missing(*values) or False)
            return False if False in values else (missing(*values) or True)
        case syntax.Compare(op=op, left=left, right=right):
            a, b = ev.eval(left, scope), ev.eval(right, scope)
            return missing(a, b) or compare(op, a, b)
        case syntax.Member(item=item, collection=coll, negated=negated):
            return member_truth(ev.eval(item, scope), ev.eval(coll, scope), negated)
        case syntax.IsSet(expr=inner, negated=negated):
            return is_set_truth(ev.eval(inner, scope), negated)
        case syntax.Truth(expr=inner):
            return truth_of(ev.eval(inner, scope))
    raise AssertionError(f"not a condition: {type(node).__name__}")
