"""The measure stage: every figure a policy needs, computed exactly from the data.

Sums of yuan and orders are Python ints and Decimals, never 32-bit solver integers, so no
figure can wrap. A value that cannot be known (an empty field, a missing row, a missing
per-key parameter) is a :class:`Missing` carrying the reasons; it never passes or fails.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from clausewise.language import syntax
from clausewise.language.check import Checked
from clausewise.language.refs import (AtRef, ConventionRef, EntityFieldRef, EnumRef, ItemFieldRef, ItemsRef, LetRef,
                                      LookupRef, ParamRef, RelationRef, RowFieldRef, RowVarFieldRef, RuleOnRef, VarRef)
from clausewise.values.valuetypes import Month, OutOfCalendar
from clausewise.values.calendar import (MAX_WALKED_DAYS, Window, WindowTooLong, add_days, last_n, month_window, n_days_from,
                                       quarter_of, shifted_month)


#: what a row filtered out of an aggregate adds
SKIP = object()
#: the values of a field whose rows :meth:`Data.on_day` keeps indexed by day (entities come one after another)
DAY_INDEXES = 64

#: makes the history (``R on d``) of an evaluator that has none: set by :mod:`clausewise.engine.history`,
#: which evaluates rules with the compiled program (a layer above this one)
HISTORY: Any = None


@dataclass(frozen=True)
class Missing:
    reasons: tuple[str, ...]

    def __or__(self, other: "Missing") -> "Missing":
        return Missing(tuple(dict.fromkeys(self.reasons + other.reasons)))


def missing(*values) -> Missing | None:
    found = [v for v in values if isinstance(v, Missing)]
    if not found:
        return None
    result = found[0]
    for more in found[1:]:
        result = result | more
    return result


@dataclass(frozen=True)
class Item:
    """One related item of a relation (a bound shop) and the days it is related."""

    key: Any
    row: dict | None
    intervals: tuple[tuple[dt.date, dt.date | None], ...] | None  # end excluded; None: always

    def active_on(self, day: dt.date) -> bool:
        if self.intervals is None:
            return True
        return any(start <= day and (end is None or day < end) for start, end in self.intervals)


@dataclass
class Scope:
    entity: dict
    subject_table: str
    subject: dict | None  # the subject row (entity row or a related item's row)
    item: Item | None = None
    vars: dict[str, Any] = field(default_factory=dict)
    row: dict | None = None


class Data:
    """Accepted rows of every table, with lazily built indexes by field."""

    def __init__(self, tables: dict[str, list[dict]]):
        self.tables = tables
        self._indexes: dict[tuple[str, str], dict] = {}
        #: (table, field, time field) -> {field value: {day: its first row}}, for the last subjects read
        self._days: dict[tuple[str, str, str], dict] = {}

    def index(self, table: str, field_name: str) -> dict:
        key = (table, field_name)
        if key not in self._indexes:
            source: Any = self.tables.get(table, ())
            if hasattr(source, "by_field"):  # a lazydata.LazyTable: rows validated when looked up
                self._indexes[key] = source.by_field(field_name)
                return self._indexes[key]
            idx: dict = defaultdict(list)
            for row in self.tables.get(table, ()):
                idx[row.get(field_name)].append(row)
            self._indexes[key] = dict(idx)
        return self._indexes[key]

    def on_day(self, table: str, field_name: str, time_field: str, value: Any, day: Any) -> dict | None:
        """The first row of ``table`` whose ``field_name`` is ``value`` and whose ``time_field`` is
        ``day`` (index order), found in a day index of that value's rows: a day's row is asked for
        on many days of one entity (a rule's history), so the index is kept for the last
        :data:`DAY_INDEXES` values of each field."""
        indexes = self._days.setdefault((table, field_name, time_field), {})
        days = indexes.get(value)
        if days is None:
            if len(indexes) >= DAY_INDEXES:
                indexes.clear()
            days = indexes[value] = {}
            for row in self.index(table, field_name).get(value, ()):
                days.setdefault(row.get(time_field), row)
        return days.get(day)


class Evaluator:
    """Evaluates expressions and inner conditions for one as-of date and parameter set."""

    def __init__(self, checked: Checked, data: Data, params: dict[str, Any], as_of: dt.date, convention: str):
        self.c, self.data, self.params, self.as_of, self.convention = checked, data, params, as_of, convention
        self.windows_used: list[tuple[Any, Window]] = []
        self._lets: dict[tuple[int, str], Any] = {}
        self._row_cache: dict = {}  # see computed.py: rows of an aggregate, filtered once per entity
        self.compiled: dict[int, Any] = {}  # see closures: expressions compiled to closures, by node id
        #: what depends only on the policy's nodes, never on the day or the parameters (shared by :meth:`on_day`)
        self.node_facts: dict[Any, Any] = {}
        #: id(entity) -> (entity, what its rows give on every as-of day), shared by :meth:`on_day`
        self.day_shared: dict[int, Any] = {}
        #: a window that reads no entity (by node id) -> (the window, the windows it used): this day's only
        self.day_windows: dict[int, Any] = {}
        #: whether evaluators of other as-of days share :attr:`day_shared` (made by :meth:`on_day`):
        #: only then is a value that is the same on every day worth keeping there
        self.days_shared = False
        #: the engine's answer to ``R on d`` (whether rule R passes as of day d):
        #: ``history(rule, day, scope)`` -> True, False or :class:`Missing` (see :mod:`clausewise.engine.history`)
        self.history: Any = None
        #: the last day of the window ``first day`` is walking: the history measures up to it at once
        self.history_until: dt.date | None = None

    def on_day(self, as_of: dt.date, params: dict[str, Any], convention: str) -> "Evaluator":
        """An evaluator of the same data for another as-of day (and its parameters), sharing the
        data's indexes and :attr:`node_facts`."""
        other = Evaluator(self.c, self.data, params, as_of, convention)
        other.node_facts, other.day_shared = self.node_facts, self.day_shared
        self.days_shared = other.days_shared = True
        return other

    # ---- expressions ----------------------------------------------------------------------------
    def eval(self, node, scope: Scope) -> Any:
        match node:
            case syntax.Number(value=value) | syntax.String(value=value) | syntax.BoolLit(value=value):
                return value
            case syntax.DateLit(value=value) | syntax.MonthLit(value=value):
                return value
            case syntax.NoneLit():
                return None
            case syntax.AsOf():
                return self.as_of
            case syntax.Name() | syntax.Attr():
                return self.reference(node, scope)
            case syntax.Index(name=name, key=key, more=more):
                table = self.params[name] or {}  # '= {}': no values given
                for k_node in (key, *more):
                    k = self.eval(k_node, scope)
                    if isinstance(k, Missing):
                        return k
                    if k not in table:
                        return Missing((f"parameter {name} has no value for {k!r}",))
                    table = table[k]
                return table
            case syntax.AtDate():
                return self.at_date(node, scope)
            case syntax.Arith(op=op, left=left, right=right):
                a, b = self.eval(left, scope), self.eval(right, scope)
                return missing(a, b) or arith(op, a, b)
            case syntax.Neg(expr=inner):
                v = self.eval(inner, scope)
                return v if isinstance(v, Missing) else -v
            case syntax.Range() | syntax.Calendar() | syntax.LastN() | syntax.NFrom():
                return self.window(node, scope)
            case syntax.Edge(kind=kind, window=w, day=n):
                win = self.as_window(self.eval(w, scope))
                if win is None or isinstance(win, Missing):
                    return win
                if kind == "day":  # day 20 of month of as_of; none when the window is shorter
                    return win.start + dt.timedelta(days=n - 1) if (win.end - win.start).days >= n - 1 else None
                return win.start if kind == "start" else win.end
            case syntax.FirstDay(var=var, window=w, cond=cond):
                win = self.as_window(self.eval(w, scope))
                if win is None or isinstance(win, Missing):
                    return win
                rule = self._rule_on_var(cond, var)
                if rule is not None:  # 'first day d in W where R on d': the history walks its own statuses
                    return self._first_day_of_rule(rule, win, scope)
                mark = len(self.windows_used)  # the windows of each day tried are not shown
                until, self.history_until = self.history_until, win.end
                try:
                    for day in win.days():  # not walked at all when longer than MAX_WALKED_DAYS days
                        verdict = self.truth(cond, self.bind(scope, var, day))
                        if isinstance(verdict, Missing):
                            return verdict
                        if verdict:
                            return day
                    return None
                except WindowTooLong as exc:
                    return Missing((str(exc),))
                finally:
                    del self.windows_used[mark:]
                    self.history_until = until
            case syntax.SetLit(items=items):
                return [self.eval(i, scope) for i in items]
            case syntax.Aggregate():
                return self.aggregate(node, scope)
            case syntax.CountUnits() | syntax.IfExpr() | syntax.Band() | syntax.TopN():
                from clausewise.evaluate.computed import derived  # local import: it builds on this module

                return derived(self, node, scope)
        raise AssertionError(f"cannot evaluate {type(node).__name__}")

    def _first_day_of_rule(self, rule: str, win: Window, scope: Scope) -> Any:
        """``first day d in win where rule on d``, walked as any first-day walk: a window of more than
        MAX_WALKED_DAYS days is not walked (unknown with the reason, :meth:`Window.too_long`)."""
        if win.length > MAX_WALKED_DAYS:
            return Missing((win.too_long(),))
        return self._history().first(rule, win, scope)

    def _history(self) -> Any:
        """The engine's history of rules (``R on d``), made for an evaluator no engine evaluation
        made (the analysis commands')."""
        if self.history is None:
            if HISTORY is None:
                raise RuntimeError("reading a rule on a day needs the engine's history of the rule")
            self.history = HISTORY(self)
        return self.history

    def _rule_on_var(self, cond: Any, var: str) -> str | None:
        """The rule R when ``cond`` is exactly ``R on var``."""
        if isinstance(cond, syntax.Truth) and isinstance(cond.expr, syntax.AtDate):
            ref = self.c.refs.get(cond.expr.nid)
            day = cond.expr.date
            if isinstance(ref, RuleOnRef) and isinstance(day, syntax.Name) and self.c.refs.get(day.nid) == VarRef(var):
                return ref.name
        return None

    def bind(self, scope: Scope, name: str, value: Any) -> Scope:
        return Scope(scope.entity, scope.subject_table, scope.subject, scope.item, {**scope.vars, name: value}, scope.row)

    def reference(self, node, scope: Scope) -> Any:
        ref = self.c.refs.get(node.nid)
        if ref is None and isinstance(node, syntax.Attr):
            return self.reference(node.base, scope)
        match ref:
            case VarRef(name):
                return scope.vars[name]
            case RowFieldRef(name):
                return field_value(scope.row, name, "row")
            case LetRef(name):
                return self.let_value(node, name, scope)
            case ParamRef(name):
                return self.params[name]
            case ConventionRef():
                return self.convention
            case EnumRef(value):
                return value
            case EntityFieldRef(name):
                return field_value(scope.entity, name, self.c.entity_table, self.entity_key(scope))
            case ItemFieldRef(var, name):
                item: Item = scope.vars[var]
                if item.row is None:
                    return Missing((f"no row for related item {item.key!r}",))
                return field_value(item.row, name, "row", item.key)
            case RowVarFieldRef(var, name):
                return field_value(scope.vars[var], name, "row")
            case LookupRef(table, fname, (tfield, sfield)):
                subject_value = scope.subject.get(sfield) if scope.subject else None
                rows = self.data.index(table, tfield).get(subject_value, [])
                if not rows:
                    return Missing((f"no {table} row for {subject_value!r}",))
                return field_value(rows[0], fname, table, subject_value)
            case RelationRef(name):
                return self.relation_items(name, scope)
        raise AssertionError(f"unresolved reference {ref}")

    def let_value(self, node, name: str, scope: Scope) -> Any:
        """A named value, computed once per entity; the windows it used are shown at every use
        (a window-valued let by its name: ``assessment_period = 2023-12-01..2024-02-29``)."""
        key = (id(scope.entity), name)  # id(): the entity row (data, not a syntax node)
        if key not in self._lets:
            mark = len(self.windows_used)
            value = self.eval(self.c.lets[name].expr, scope)
            windows = [(node, value)] if isinstance(value, Window) else self.windows_used[mark:]
            del self.windows_used[mark:]
            self._lets[key] = (value, windows)
        value, windows = self._lets[key]
        self.windows_used.extend(windows)
        return value

    def entity_key(self, scope: Scope) -> Any:
        return scope.entity.get(self.c.tables[self.c.entity_table].key[0])

    def at_date(self, node: syntax.AtDate, scope: Scope) -> Any:
        ref = self.c.refs[node.nid]
        day = self.eval(node.date, scope)
        if isinstance(day, Missing):
            return day
        if isinstance(ref, RuleOnRef):
            if day is None:  # a rule on a day that does not exist (none) does not hold
                return False
            return self._history()(ref.name, day, scope, self.history_until)
        if not isinstance(ref, AtRef):
            raise AssertionError(f"unresolved reference {ref}")
        table, fname, (tfield, sfield) = ref.table, ref.field, ref.link
        subject_value = scope.subject.get(sfield) if scope.subject else None
        time_field = cast(str, self.c.tables[table].time_field)  # 'T.f on d': the checker asks for a dated table
        row = self.data.on_day(table, tfield, time_field, subject_value, day)
        if row is not None:
            return field_value(row, fname, table, f"{subject_value} on {day}")
        return Missing((f"no {table} row for {subject_value!r} on {day}",))

    # ---- windows ----------------------------------------------------------------------------------
    def window(self, node, scope: Scope) -> Window | Missing | None:
        try:
            win = self._window(node, scope)
        except OutOfCalendar as exc:  # e.g. the previous month of 0001-01: no such window, and why
            return Missing((str(exc),))
        if isinstance(win, Window):
            self.windows_used.append((node, win))
        return win

    def _window(self, node, scope: Scope) -> Window | Missing | None:
        match node:
            case syntax.Range(start=a, end=b):
                start, end = self.eval(a, scope), self.eval(b, scope)
                if bad := missing(start, end):
                    return bad
                if start is None or end is None:
                    return None  # a window from or to a day that does not exist (none)
                if isinstance(start, Month):
                    win = Window(start.first_day, end.last_day, True)
                else:
                    win = Window(start, end)
            case syntax.Calendar(kind=kind, date=d, previous=previous):
                day = self.eval(d, scope)
                if day is None or isinstance(day, Missing):
                    return day
                if kind == "month":
                    win = shifted_month(day, -1 if previous else 0)
                else:
                    win = quarter_of(day, previous)
            case syntax.LastN(count=count, end=d):
                day = self.eval(d, scope)
                if day is None or isinstance(day, Missing):
                    return day
                if isinstance(count, syntax.Name):  # last N months, N a parameter
                    length = self.eval(count, scope)
                    if isinstance(length, Missing) or length is None:
                        return length
                    if not isinstance(length, int) or isinstance(length, bool) or length < 1:
                        return Missing((f"the window length {count.name} is {length}, not a whole number of at least 1",))
                    win = last_n(length, cast(str, node.unit), day)  # the parser sets the unit of a named length
                else:  # the checker's rule: a whole number of days or months
                    win = last_n(cast(int, count.value), cast(str, count.unit), day)
            case syntax.NFrom(count=count, start=d):
                day = self.eval(d, scope)
                if day is None or isinstance(day, Missing):
                    return day
                win = n_days_from(cast(int, count.value), day, self.convention)  # a whole number of days
        return win

    def as_window(self, value: Any) -> Window | Missing | None:
        if value is None or isinstance(value, (Window, Missing)):
            return value
        if isinstance(value, Month):
            return month_window(value)
        if isinstance(value, dt.date):
            return Window(value, value)
        raise AssertionError(f"not a window: {value!r}")

    # ---- relations and rows ---------------------------------------------------------------------------
    def relation_items(self, name: str, scope: Scope) -> list[Item]:
        rel = self.c.relations[name]
        key = self.entity_key(scope)
        spans: dict[Any, list] = defaultdict(list)
        for row in self.data.index(rel.via, rel.from_field).get(key, ()):
            start = row.get(rel.start_field) if rel.start_field else None
            end = row.get(rel.end_field) if rel.end_field else None
            spans[row.get(rel.to_field)].append((start, end) if rel.start_field else None)
        target_key = self.c.tables[rel.target].key[0] if self.c.tables[rel.target].key else None
        items = []
        for value in sorted(spans, key=str):
            rows = self.data.index(rel.target, target_key).get(value) if target_key else None
            intervals = None if None in spans[value] else tuple(sorted(spans[value], key=_open_end_last))
            items.append(Item(value, rows[0] if rows else None, intervals))
        return items

    def rows(self, node: syntax.Aggregate, scope: Scope) -> list[tuple[dict, Scope]] | Missing | None:
        """The rows an aggregate reads, each with its scope; None when its window does not exist."""
        rows_ref = self.c.rows_ref(node)
        table, (tfield, sfield) = rows_ref.table, rows_ref.link
        subjects: list[tuple[Any, Item | None]] = []
        if node.over is not None:
            over = self.eval(node.over, scope)
            target = self.c.tables[cast(str, self.c.sort(node.over).table)]  # related items: a table's rows
            for item in over if isinstance(over, list) else [over]:
                value = item.key if target.key and sfield == target.key[0] else (item.row or {}).get(sfield)
                subjects.append((value, item))
        else:
            subjects.append((scope.subject.get(sfield) if scope.subject else None, scope.item))
        window: Window | None = None
        if node.during is not None:
            during = self.as_window(self.eval(node.during, scope))
            if during is None or isinstance(during, Missing):
                return during
            window = during
            self.windows_used.append((node.during, window))
        time_field = self.c.tables[table].time_field
        out = []
        for value, item in subjects:
            for row in self.data.index(table, tfield).get(value, ()):
                when = row.get(time_field) if time_field else None
                if window is not None and not window.contains(when):
                    continue
                if item is not None and time_field and isinstance(when, dt.date) and not item.active_on(when):
                    continue
                inner = Scope(scope.entity, table, row, item, scope.vars, row)
                out.append((row, inner))
        return out

    def aggregate(self, node: syntax.Aggregate, scope: Scope) -> Any:
        if node.over is None and not node.binder and not isinstance(self.c.refs[node.nid], ItemsRef):
            from clausewise.evaluate.computed import cached_aggregate  # rows filtered once per entity, windows by bisection

            return cached_aggregate(self, node, scope)
        from clausewise.evaluate.computed import remembered_aggregate  # once per entity and per input it depends on

        return remembered_aggregate(self, node, scope, lambda: self._aggregate(node, scope))

    def _aggregate(self, node: syntax.Aggregate, scope: Scope) -> Any:
        ref = self.c.refs[node.nid]
        if isinstance(ref, ItemsRef):
            items = self.eval(node.target, scope)
            count = 0
            for item in items:
                inner = Scope(scope.entity, "", item.row, item, dict(scope.vars), None)
                if node.binder:
                    inner.vars[node.binder] = item
                if node.where is not None:
                    mark = len(self.windows_used)
                    verdict = self.truth(node.where, inner)
                    if isinstance(verdict, Missing):
                        return verdict
                    if not verdict:
                        self.forget_row_windows(mark, node.binder)
                        continue
                count += 1
            return count
        rows = self.rows(node, scope)
        if rows is None or isinstance(rows, Missing):
            return rows  # none: a window that does not exist
        values = []
        for row, inner in rows:
            if node.binder:
                inner = self.bind(inner, node.binder, row)
                inner.row = None
            mark = len(self.windows_used)
            value = self.row_value(node, row, inner)
            if isinstance(value, Missing):
                return value
            if value is not SKIP:
                values.append(value)
            else:
                self.forget_row_windows(mark, node.binder)
        return self.combine(node, values)

    def forget_row_windows(self, mark: int, binder: str | None) -> None:
        """The explanation lists the windows of the rows an aggregate counts: a window computed from
        a row its condition left out (``3 days from f.found_on`` of a finding of another kind) is
        dropped; a window that does not depend on the row (``90 days from exited_on``) stays."""
        if len(self.windows_used) > mark:
            self.windows_used[mark:] = [(w, win) for w, win in self.windows_used[mark:]
                                        if not self.reads_row(w, binder)]

    def reads_row(self, node, binder: str | None) -> bool:
        """Whether an expression reads the current row: a field of it, or the binder variable (found
        once per node and binder, in :attr:`node_facts`: an aggregate asks for every row it leaves out)."""
        cache = self.node_facts.setdefault("reads_row", {})
        found = cache.get((node.nid, binder))
        if found is None:
            match self.c.refs.get(node.nid):
                case RowFieldRef():
                    found = True
                case VarRef(name) | RowVarFieldRef(name) | ItemFieldRef(name) if binder is not None and name == binder:
                    found = True
                case _:
                    found = any(self.reads_row(child, binder) for child in syntax.children(node))
            cache[(node.nid, binder)] = found
        return found

    def row_value(self, node: syntax.Aggregate, row: dict, inner: Scope) -> Any:
        """What one row adds to an aggregate: a value, SKIP (filtered out) or Missing."""
        if node.where is not None:
            verdict = self.truth(node.where, inner)
            if isinstance(verdict, Missing):
                return verdict
            if not verdict:
                return SKIP
        if isinstance(node.target, syntax.Name):
            return 1
        if not isinstance(node.target, syntax.Attr) or isinstance(self.c.refs.get(node.target.nid), RowFieldRef):
            value = self.eval(node.target, inner)  # a row expression: sum(T.score * weight[T.indicator] ...)
            if value is None:
                return SKIP if node.fn == "count" else Missing((f"{self.c.rows_ref(node).table}: a value is empty in a row counted here",))
            return value
        value = row.get(node.target.name)
        if value is None:
            if node.fn == "count":
                return SKIP
            return Missing((f"{self.c.rows_ref(node).table}.{node.target.name} is empty in a row counted here",))
        return value

    def combine(self, node: syntax.Aggregate, values: list) -> Any:
        table = self.c.rows_ref(node).table
        if node.fn == "count":
            return len(set(values)) if node.distinct else len(values)
        if node.fn == "sum":
            return sum(values, 0)
        if not values:
            return Missing((f"no {table} rows to take the {node.fn} of",))
        if node.fn == "avg":
            return Decimal(sum(values, 0)) / Decimal(len(values))
        return min(values) if node.fn == "min" else max(values)

    # ---- inner conditions (inside aggregates and quantifiers): True, False or Missing --------------------
    def truth(self, node, scope: Scope) -> bool | Missing:
        from clausewise.evaluate.leaves import inner_truth  # local import: atoms builds on this module

        return inner_truth(self, node, scope)


def field_value(row: dict | None, name: str, table: str, key: Any = None) -> Any:
    """A row's field, or Missing naming the row or the empty field."""
    if row is None:
        return Missing((f"no {table} row",))
    value = row.get(name)
    if value is None:
        where = f" for {key!r}" if key is not None else ""
        return Missing((f"{table}.{name} is empty{where}",))
    return value


def arith(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None  # arithmetic on a value that does not exist (none) gives none
    if isinstance(a, dt.date):
        if isinstance(b, dt.date):
            return (a - b).days
        try:
            return add_days(a, b if op == "+" else -b)
        except OutOfCalendar as exc:  # 9999-12-31 + 90 days: no such day, so the answer is not known
            return Missing((str(exc),))
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        return Missing(("division by zero",))
    result = Decimal(a) / Decimal(b)
    return int(result) if result == result.to_integral_value() else result


def _open_end_last(span: tuple) -> tuple:
    """Sort key of a binding span: an open end (None, still bound) after every date."""
    return span[0], span[1] is None, span[1] or dt.date.min
