"""Cells: entities whose figures fall on the same side of every bound get the same answer.

A figure the program only compares with constants (``sum(...) >= silver_paid_orders``) matters
to the answer only through its *cell*: equal to a constant, or strictly between two
neighbouring constants, or below or above them all. Every value of a cell is replaced by one
representative of that cell before the facts reach the solver, so entities whose figures share
their cells share their facts, and clingo grounds and solves each distinct set of facts once
(:func:`clausewise.asp.solve.solve`). The representative satisfies exactly the comparisons the
value satisfies, so the answer is the same (tests/asp/test_cells.py checks this on every example
entity, solved one by one). Explanations show the real values, which never pass through here.

Figures compared only with each other (a shop's return rate and its category's median) matter
only through their order: each enters as its rank among the values of its group (0, 1, ...),
so shops whose rates stand the same way share a solve. A date in a window is compared with the
window's start and end: where these are constants, or offsets of one date the cells can bound,
they bound the date (or the date bounds them); where the date and an edge are both the entity's
(``closed_on in quarter of opened_on``, ``closed_on in opened_on .. as_of``), the cell records
only the date's side of each edge and whether any of the three is none or missing
(:meth:`Cells.relations`), which is all WITHIN_RULES read, and the dates reach the program as
they are. A constant looked up in a list field makes each of the list's items
itself or one value standing for every other, and lists with the same such items, in any order
and number, share a cell. An item looked up in a set of literals
is itself when it is one of them, else one value standing for every other; the members of a set
share a cell (a string's cell is which of its sets and constants it is in). A figure compared by
an order on strings keeps its value. The months or days a quantifier walks (its units) each
have a cell of the units figure's bounds.
"""

from __future__ import annotations

import bisect
import datetime as dt
from decimal import Decimal, Inexact, localcontext
from collections.abc import Iterable, Mapping
from typing import Any

from clausewise.asp.leafrules import FigureProgram
from clausewise.asp.terms import kind_of
from clausewise.evaluate.figuretable import FigureValue
from clausewise.values.valuetypes import Month

ORDERS = {">=", ">", "<=", "<"}
_NUMBERS = (int, Decimal)


class Cells:
    """The representative of each figure value, for one evaluation's constants."""

    def __init__(self, program: FigureProgram, constants: dict[str, FigureValue]):
        #: figure -> the constant values it is compared with, sorted (None: keeps its value)
        self.bounds: dict[str, list[Any] | None] = {}
        #: figures read only by 'is set' tests: the representative of any value is ``True``
        self.presence: set[str] = set()
        #: the items of list fields a membership reads: only which items there are matters, not their order
        self.lists = {leaf.figures[1] for leaf in program.compiled.values() if leaf.kind == "listed"}
        #: a date in a window with an edge of the entity's own: (date, start, end) (see :meth:`relations`)
        self.relative: list[tuple[str, str, str]] = []
        #: the figures these read, directly or through the offsets the program computes: they reach
        #: the program as they are (their key is still their cell among the constants they meet)
        self.kept: set[str] = set()
        #: the constant sides of :attr:`relative`
        self._fixed: dict[str, FigureValue] = {}
        ordered: set[str] = set()
        seen: dict[str, list[Any] | None] = {}
        #: the strings each figure is tested against, one set per test (a set of literals, or one constant)
        tests: dict[str, list[frozenset[str]]] = {}
        readers: dict[str, set[str]] = {}
        #: per-entity figures compared with one another, and those also read any other way
        peers: dict[str, set[str]] = {}
        not_only_peers: set[str] = set()
        for leaf in program.compiled.values():
            for fid in leaf.figures:
                readers.setdefault(fid, set()).add(leaf.kind)
            if leaf.kind == "compare" and not set(leaf.figures) & set(program.constants):
                a, b = leaf.figures
                peers.setdefault(a, set()).add(b)
                peers.setdefault(b, set()).add(a)
            else:
                not_only_peers.update(leaf.figures)
            if leaf.kind == "truth":
                seen[leaf.figures[0]] = None  # a bool keeps its value
            if leaf.kind == "quantified" and leaf.op == "truth":
                seen[leaf.figures[1]] = None  # so does each unit's
                continue
            if leaf.kind == "listed":  # a constant looked up in a list: each item is it or another value
                item, items = leaf.figures
                found = constants[item].value if item in program.constants and constants[item].missing is None else None
                if item in program.constants and seen.get(items, []) is not None:
                    seen.setdefault(items, []).extend([found] if found is not None else [])  # type: ignore[union-attr]
                    tests.setdefault(items, []).append(frozenset([found] if type(found) is str else []))
                else:
                    seen[item] = seen[items] = None
                continue
            if leaf.kind == "member":
                item, collection = leaf.figures
                elements = constants[collection].value if collection in program.constants else None
                if item not in program.constants and isinstance(elements, (list, tuple)) and seen.get(item, []) is not None:
                    seen.setdefault(item, []).extend(e for e in elements if e is not None)  # type: ignore[union-attr]
                    tests.setdefault(item, []).append(frozenset(e for e in elements if type(e) is str))
                else:
                    seen[item] = None
                continue
            if leaf.kind == "quantified":  # each unit is compared with the other side
                pairs = [tuple(leaf.figures[1:])]
            elif leaf.kind == "compare":
                pairs = [leaf.figures]
            elif leaf.kind == "within":  # a date (a month: its first and last days) compared with the window's edges
                day, start, end, *days = leaf.figures
                pairs = []
                for parts in [(d, start, end) for d in days or [day]]:
                    if _relative(program, parts):
                        self.relative.append(parts)
                        self.kept.update(f for f in parts if f not in program.constants)
                        self._fixed.update((f, constants[f]) for f in parts if f in program.constants)
                    else:
                        pairs += [parts[:2], (parts[0], parts[2])]
            else:
                continue
            for mine, other in [pair for a, b in pairs for pair in ((a, b), (b, a))]:
                if mine in program.constants:
                    continue
                if other not in program.constants:
                    seen[mine] = None
                    continue
                if leaf.op in ORDERS or leaf.kind == "within":
                    ordered.add(mine)
                bounds = seen.setdefault(mine, [])
                value = constants[other].value if constants[other].missing is None else None
                if bounds is not None and value is not None:
                    bounds.append(value)
                    tests.setdefault(mine, []).append(frozenset([value] if type(value) is str else []))
        if program.offset_figures:
            _offset_bounds(program, constants, seen, readers, not_only_peers, self.kept)
        for fid in program.entity_figures:
            if readers.get(fid) == {"is_set"}:
                self.presence.add(fid)
            bounds = seen.get(fid, [])
            if bounds is not None:
                kinds = {kind_of(v) for v in bounds}
                if len(kinds) > 1 or (kinds == {"string"} and fid in ordered) or kinds & {"bool", ""}:
                    bounds = None
                else:
                    try:
                        bounds = sorted(set(bounds))
                    except TypeError:
                        bounds = None
            self.bounds[fid] = bounds
        #: groups of figures compared only with one another: each enters as its rank in the group
        self.groups: list[tuple[str, ...]] = []
        done: set[str] = set()
        for start in sorted(peers):
            if start in done:
                continue
            group, todo = [], [start]
            while todo:
                fid = todo.pop()
                if fid not in done:
                    done.add(fid)
                    group.append(fid)
                    todo += sorted(peers[fid])
            if not set(group) & not_only_peers:
                self.groups.append(tuple(sorted(group)))
        #: the kind of each figure's bounds
        self.kinds = {fid: kind_of(b[0]) for fid, b in self.bounds.items() if b}
        #: a string figure's key of each of its bounds: which of its tests the string passes (the members of
        #: one set of literals share a cell); a string that is no bound passes none (key 0)
        self._string_keys = {fid: {v: tuple(v in test for test in tests.get(fid, ())) for v in b}
                             for fid, b in self.bounds.items() if b and self.kinds[fid] == "string"}
        #: a string bound's representative: the least bound with its key (the members of a set share
        #: one, so the days of a range, whose facts are compared as they are, share their solve too)
        self._string_reps = {fid: {v: min(u for u in keys if keys[u] == k) for v, k in keys.items()}
                             for fid, keys in self._string_keys.items()}
        #: figures with numeric bounds (the fast path of :meth:`key`)
        self._numeric = {fid: b for fid, b in self.bounds.items()
                         if b and self.kinds[fid] == "number" and fid not in self.presence}
        #: (figure, position among its bounds) -> the representative made for that cell
        self._made: dict[tuple[str, int], tuple[str, Any]] = {}

    def key(self, fid: str, value: Any) -> Any:
        """A small hashable key of the cell ``value`` falls in: two values with the same key have
        representatives the program answers alike (the position among the bounds, or the value
        itself where the figure keeps its value)."""
        fast = self._numeric.get(fid)
        if fast is not None and type(value) in _NUMBERS:  # the common case: a number among numbers
            return _position(fast, value)
        if fid in self.presence:
            return True
        bounds = self.bounds.get(fid)
        kind = kind_of(value)
        if bounds is None or (bounds and self.kinds[fid] != kind):
            return (kind, value)
        if not bounds:
            return kind
        if kind == "string":  # compared for equality or looked up: the tests it passes (none: 'another')
            return self._string_keys[fid].get(value, 0)
        return _position(bounds, value)

    def keys(self, figures: Iterable[tuple[str, FigureValue]], roles: Mapping[str, str], ranks: Mapping[str, int]) -> list[Any]:
        """The cell of each of one entity's (figure, value) in order: :meth:`key` of its value, ``m``
        when missing, ``n`` when none, ``("rank", r)`` for a figure of :attr:`groups` (``ranks``), the
        key of each unit for a units figure and ``v`` for a window (``roles``: figure -> window | units)."""
        numeric, key = self._numeric, self.key
        out: list[Any] = []
        for fid, fv in figures:
            value = fv.value
            bounds = numeric.get(fid)
            if bounds is not None and type(value) in _NUMBERS:  # the common case, as in key
                out.append(_position(bounds, value))
            elif fid in ranks:
                out.append(("rank", ranks[fid]))
            elif fv.missing is not None or value is None or fid not in roles:
                out.append("m" if fv.missing is not None else "n" if value is None else key(fid, value))
            elif roles[fid] == "units":
                units = tuple("m" if u.missing is not None else "n" if u.value is None else key(fid, u.value) for _, u in value)
                out.append(tuple(sorted(set(units), key=repr)) if fid in self.lists else units)
            else:
                out.append("v")  # a window: its days are the units'
        return out

    def ranks(self, figures: Mapping[str, FigureValue]) -> dict[str, int]:
        """For the figures of :attr:`groups` that have a value: its rank among its group's values
        (equal values share a rank), which the program compares as it would the values."""
        out: dict[str, int] = {}
        for group in self.groups:
            present = {fid: figures[fid].value for fid in group
                       if fid in figures and figures[fid].missing is None and figures[fid].value is not None}
            try:
                order = sorted(set(present.values()))
            except TypeError:  # values of kinds that do not compare: they keep their values
                continue
            if len({kind_of(v) for v in order}) > 1:
                continue
            position = {v: i for i, v in enumerate(order)}
            out.update((fid, position[v]) for fid, v in present.items())
        return out

    def relations(self, figures: Mapping[str, FigureValue]) -> list[Any]:
        """For each date in a window of :attr:`relative`, of one entity's measured figures (the
        offsets the program computes among them): whether the date, the start and the end are none
        or missing, and when all three are dates, the date's side of the start and of the end (-1, 0,
        1). WITHIN_RULES read nothing else of them."""
        out: list[Any] = []
        fixed = self._fixed
        for parts in self.relative:
            values = [fixed[f] if f in fixed else figures[f] for f in parts]
            states = tuple("m" if v.missing is not None else "n" if v.value is None else "v" for v in values)
            if states == ("v", "v", "v"):
                day, start, end = (v.value for v in values)
                out.append((_side(day, start), _side(day, end)))
            else:
                out.append(states)
        return out

    def representative(self, fid: str, value: Any) -> tuple[str, Any]:
        """A value of the same cell as ``value`` (the value itself when it has no cell), as a
        (kind, value) fact argument; a number's is made once per cell (for every entity of a day)."""
        fast = self._numeric.get(fid)
        if fast is not None and type(value) in _NUMBERS and fid not in self.kept:
            cell = (fid, _position(fast, value))
            found = self._made.get(cell)
            if found is None:
                found = self._representative(fid, value)
                if found[1] is not value:  # not the value kept where no other could be made
                    self._made[cell] = found
            return found
        return self._representative(fid, value)

    def _representative(self, fid: str, value: Any) -> tuple[str, Any]:
        kind = kind_of(value)
        if fid in self.kept:
            return (kind, value)
        if fid in self.presence:
            return ("bool", True)
        bounds = self.bounds.get(fid)
        if bounds is None or (bounds and self.kinds[fid] != kind):
            return (kind, value)
        if not bounds:
            return (kind, _any_of(kind, value))
        if kind == "string":
            if value in bounds:
                return (kind, self._string_reps[fid][value])
            other = ""
            while other in bounds:
                other += "\x00"
            return (kind, other)
        i = bisect.bisect_left(bounds, value)
        if i < len(bounds) and bounds[i] == value:
            return (kind, bounds[i])
        try:
            if i == 0:
                return (kind, _step(bounds[0], -1))
            if i == len(bounds):
                return (kind, _step(bounds[-1], 1))
            return (kind, _between(bounds[i - 1], bounds[i]))
        except (OverflowError, ValueError, ArithmeticError):  # the calendar's ends: keep the value
            return (kind, value)


def _side(value: Any, bound: Any) -> int:
    """-1, 0 or 1: ``value`` below, at or above ``bound``."""
    return (value > bound) - (value < bound)


def _relative(program: FigureProgram, parts: tuple[str, ...]) -> bool:
    """Whether a date in a window (date, start, end) compares two of the entity's figures, or a
    constant date with the edge of a month or quarter of the entity's date, which bounds no date."""
    day, *edges = parts
    constants, offsets = program.constants, program.offset_figures
    return any(edge not in constants and (day not in constants or offsets.get(edge, ("",))[0] == "calendar")
               for edge in edges)


def _position(bounds: list[Any], value: Any) -> int:
    """Where ``value`` stands among sorted ``bounds``: 2i when just below bound i (or above them
    all, i = len), 2i + 1 when equal to bound i."""
    i = bisect.bisect_left(bounds, value)
    return 2 * i + 1 if i < len(bounds) and bounds[i] == value else 2 * i


def _offset_bounds(program: FigureProgram, constants: dict[str, FigureValue], seen: dict[str, list[Any] | None],
                   readers: dict[str, set[str]], not_only_peers: set[str], kept: set[str]) -> None:
    """The bounds of the dates a date offset is computed from (the program computes the offset): a
    bound ``v`` of ``d + k days`` is the bound ``v - k days`` of ``d``, with the days beyond which
    ``d + k`` leaves the calendar; ``end of N days from d`` bounds ``d`` at ``v - N + 1`` and ``v - N``
    (both C-4 conventions); ``a - b`` against ``p`` days bounds the one that is not constant at
    ``a - p`` or ``b + p``; the first or last day of a month M bounds M at each bound's month. A date
    whose offset is compared with another entity figure keeps its value.
    The dates of an offset in ``kept`` (an edge of a window compared with another of the entity's
    dates) are kept too; such an offset met by no constant bounds nothing."""
    def shifted(day: Any, days: int) -> Any:
        try:
            return day + dt.timedelta(days=days) if isinstance(day, dt.date) else None
        except OverflowError:  # beyond the calendar: the offset is on one side of it for every date
            return None

    for fid, offset in program.offset_figures.items():
        if fid in program.constants:
            continue
        kind, *rest = offset
        bases = rest if kind == "diff" else rest[:1]
        not_only_peers.update(bases)
        not_only_peers.add(fid)
        for base in bases:
            readers.setdefault(base, set()).add("offset")
        bounds = seen.get(fid, [])
        if fid in kept:
            kept.update(b for b in bases if b not in program.constants)
            if bounds == []:  # read only through relations (their cells record its state and sides)
                continue
        if kind == "diff":
            a, b = rest
            if (a in program.constants) == (b in program.constants) or bounds is None:
                seen.update({a: None, b: None})
                continue
            mine, sign = (b, -1) if a in program.constants else (a, 1)
            day = constants[b if sign == 1 else a]
            wanted: list[Any] | None = []
            for p in bounds:
                if day.missing is not None or day.value is None:
                    break
                if not isinstance(p, int) or isinstance(p, bool):
                    wanted = None
                    break
                assert wanted is not None
                wanted.append(shifted(day.value, sign * p))
        elif bounds is None or kind == "calendar":  # the edge of an entity's date: the date keeps its value
            mine, wanted = rest[0], None
        elif kind == "month_edge":  # a day of month M stands to a day v as M stands to v's month
            mine, wanted = rest[0], [_month_of(v) if isinstance(v, dt.date) else None for v in bounds]
            if None in wanted:
                wanted = None
        elif kind == "shift":
            mine, days = rest
            wanted = [shifted(v, -days) for v in bounds]
            wanted.append(shifted(dt.date.max, -days) if days > 0 else shifted(dt.date.min, -days))
        else:
            mine, n = rest
            wanted = [shifted(v, -n + 1) for v in bounds] + [shifted(v, -n) for v in bounds]
        if wanted is None or seen.get(mine, []) is None:
            seen[mine] = None
        else:
            seen.setdefault(mine, []).extend(w for w in wanted if w is not None)  # type: ignore[union-attr]


def _month_of(day: dt.date) -> Month:
    """The month of a day that bounds a day of a month (the month's cell is its side of it)."""
    return Month.of(day)


def _any_of(kind: str, value: Any) -> Any:
    """One value standing for every value of its kind (a figure compared with nothing constant)."""
    return {"number": 0, "date": dt.date(2000, 1, 1), "month": Month(2000, 1), "string": ""}.get(kind, value)


def _step(bound: Any, direction: int) -> Any:
    """A value just beyond a bound on one side."""
    if isinstance(bound, dt.date):
        return bound + dt.timedelta(days=direction)
    if isinstance(bound, Month):
        return bound.shift(direction)
    return bound + direction


def _between(low: Any, high: Any) -> Any:
    """A value strictly between two neighbouring bounds (a whole day or month, or the exact midpoint)."""
    if isinstance(low, (dt.date, Month)):
        return _step(low, 1)
    with localcontext() as ctx:
        ctx.prec = 10 + max(len(Decimal(v).as_tuple().digits) + abs(int(Decimal(v).as_tuple().exponent)) for v in (low, high))
        ctx.traps[Inexact] = True
        return (Decimal(low) + Decimal(high)) / 2


# ---- days of a range: dates by their order -------------------------------------------------------
def dates_only_ordered(program: FigureProgram) -> bool:
    """Whether the program reads dates only by comparing one entity's dates with one another: it
    computes no date offset, and states no date of its own (a literal, a parameter, a set). Then the
    dates of one entity's facts may be replaced by their ranks (:func:`ranked_dates`): the answer
    is the same, and an entity's days whose dates stand the same way share one solve."""
    if program.offset_figures:
        return False
    figures = program.figures.figures
    return not any(kind != "const" and figures[fid].unit in ("date", None) for fid, (kind, _) in program.constants.items())


#: the date that stands for rank 0 (any day does: only the order of an entity's dates is read)
_FIRST_RANK = dt.date(2000, 1, 1)


def ranked_dates(facts: list[tuple[str, tuple]]) -> list[tuple[str, tuple]]:
    """One entity's facts with each date replaced by its rank among the facts' dates (as a day
    counted from 2000-01-01), for a program :func:`dates_only_ordered` accepts."""
    dates = sorted({a[1] for _, args in facts for a in args if type(a) is tuple and a[0] == "date"})
    if not dates:
        return facts
    rank = {day: ("date", _FIRST_RANK + dt.timedelta(days=i)) for i, day in enumerate(dates)}
    return [(name, tuple(rank[a[1]] if type(a) is tuple and a[0] == "date" else a for a in args))
            if any(type(a) is tuple and a[0] == "date" for a in args) else (name, args) for name, args in facts]
