"""Derived values, measured exactly: conditional values, ladders, top-N lists, counts of the
months or days of a window, aggregates of row expressions, and the per-entity row cache.

An aggregate over a table's rows filters the rows of its subject once per entity (its
``where`` and row values do not depend on the window) and then picks a window's rows by
bisection, so cumulative figures (``sum(T.f during start of W .. d)`` for every day d of a
60-day cold start) cost one pass over the rows instead of one per day.
"""

from __future__ import annotations

import bisect
import datetime as dt
from typing import Any

from clausewise.language import syntax
from clausewise.language.refs import (ConventionRef, EnumRef, ItemFieldRef, LetRef, ParamRef, RowFieldRef, RowsRef,
                                      RowVarFieldRef, RuleOnRef, VarRef)
from clausewise.evaluate.measure import SKIP, Evaluator, Item, Missing, Scope, missing
from clausewise.values.valuetypes import Month
from clausewise.values.calendar import Window, WindowTooLong


# ---- entities ------------------------------------------------------------------------------------
def entity_rows(checked, rows: list[dict]) -> dict[str, dict]:
    """The entities to evaluate by id: one per row, or with ``for each NAME: enum(a, b)`` one
    per row and value (``P01/a``), the value readable by NAME. Each dict lives as long as the
    evaluation (the evaluator's caches key on it)."""
    key_field = checked.tables[checked.entity_table].key[0]
    if not checked.dimension:
        return {str(r[key_field]): r for r in rows}
    return {f"{r[key_field]}/{value}": {**r, checked.dimension: value}
            for r in rows for value in checked.dimension_values}


def entity_hint(checked, entity: str, known: dict) -> str | None:
    """With ``for each``, a bare key names no verdict: list the pairs it has."""
    pairs = [e for e in known if e.split("/", 1)[0] == entity] if checked.dimension else []
    if not pairs:
        return None
    return f"one verdict per {checked.dimension}: {', '.join(sorted(pairs))}"


# ---- derived values ------------------------------------------------------------------------------
def derived(ev: Evaluator, node, scope: Scope) -> Any:
    match node:
        case syntax.IfExpr(cond=cond, then=then, orelse=orelse):
            verdict = ev.truth(cond, scope)
            if isinstance(verdict, Missing):
                return verdict
            return ev.eval(then if verdict else orelse, scope)
        case syntax.CountUnits(unit=unit, var=var, window=w, where=where):
            window = ev.as_window(ev.eval(w, scope))
            if window is None or isinstance(window, Missing):
                return window
            ev.windows_used.append((w, window))
            mark = len(ev.windows_used)  # the windows of each month or day are not shown
            try:
                units = window.months() if unit == "month" else window.days()
                verdicts = [True if where is None else ev.truth(where, ev.bind(scope, var, u)) for u in units]
            except WindowTooLong as exc:
                return Missing((str(exc),))
            finally:
                del ev.windows_used[mark:]
            return missing(*verdicts) or sum(1 for v in verdicts if v is True)
        case syntax.Band(value=value, ladder=ladder):
            return band(ev.eval(value, scope), ev.eval(ladder, scope))
        case syntax.TopN():
            return top_n(ev, node, scope)
    raise AssertionError(type(node).__name__)


def band(value: Any, ladder: Any) -> Any:
    """The key of the highest threshold that ``value`` reaches (>=); none below the lowest.
    Two keys with the same threshold: the first in sorted order."""
    if isinstance(value, Missing) or isinstance(ladder, Missing) or value is None:
        return value if not isinstance(ladder, Missing) else ladder
    reached = [(threshold, key) for key, threshold in ladder.items() if value >= threshold]
    if not reached:
        return None
    best = max(t for t, _ in reached)
    return sorted(str(k) for t, k in reached if t == best)[0]


def top_n(ev: Evaluator, node: syntax.TopN, scope: Scope) -> Any:
    """The group keys whose figure meets the bound, the largest figure first (ties: by key)."""
    from clausewise.evaluate.leaves import compare

    count = ev.eval(node.count, scope)
    bound = ev.eval(node.bound, scope) if node.bound is not None else None
    if bad := missing(count, bound):
        return bad
    rows = ev.rows(node.figure, scope)
    if rows is None or isinstance(rows, Missing):
        return rows
    groups: dict[Any, list] = {}
    for row, inner in rows:
        value = ev.row_value(node.figure, row, inner)
        if isinstance(value, Missing):
            return value
        key = row.get(node.field)
        if key is None:
            return Missing((f"{ev.c.rows_ref(node.figure).table}.{node.field} is empty in a row ranked here",))
        groups.setdefault(key, [])
        if value is not SKIP:
            groups[key].append(value)
    figures = [(ev.combine(node.figure, values), key) for key, values in groups.items()]
    if bad := missing(*(f for f, _ in figures)):
        return bad
    kept = [(f, key) for f, key in figures if node.op is None or compare(node.op, f, bound)]
    kept.sort(key=lambda fk: (-fk[0], str(fk[1])))
    return [str(key) for _, key in kept[: max(count, 0)]]


# ---- aggregates over rows, cached per entity ---------------------------------------------------------
def _names_used(ev: Evaluator, node: syntax.Aggregate, parts: tuple[str, ...], row: bool) -> tuple[str, ...]:
    """The bound names (quantifier and binder variables) the given parts of an aggregate mention;
    with ``row``, a bare field of the current row counts as the name "\\0row"."""
    cache = ev.node_facts.setdefault("names_used", {})
    key = (node.nid, parts, row)
    if key not in cache:
        names: set[str] = set()

        for part in parts:
            if getattr(node, part) is None:
                continue
            for n in syntax.walk(getattr(node, part)):
                match ev.c.refs.get(n.nid):
                    case VarRef(name) | ItemFieldRef(name) | RowVarFieldRef(name):
                        names.add(name)
                    case RowFieldRef() if row:
                        names.add("\0row")
        cache[key] = tuple(sorted(names))
    return cache[key]


def _free_vars(ev: Evaluator, node: syntax.Aggregate) -> tuple[str, ...]:
    """The bound names a row's value or filter depends on."""
    return _names_used(ev, node, ("target", "where"), False)


def _token(value: Any) -> Any:
    """A hashable stand-in for a bound value in a cache key (an item by its key and binding spans:
    items are made anew by every relation lookup, so their identity would not do)."""
    if isinstance(value, Item):
        return ("item", _token(value.key), value.intervals)
    try:
        hash(value)
        return value
    except TypeError:
        return ("id", id(value))  # id(): an unhashable value (not a syntax node), alive while the entity is evaluated


def _entity_rows(ev: Evaluator, node: syntax.Aggregate, scope: Scope) -> tuple[list, list, list | None]:
    """(times, values, running totals) of every row of the subject that passes the filter, in time
    order; the running totals (see :func:`_window_total`) are kept, made when first asked for, only
    for rows kept for every as-of day."""
    table, (tfield, sfield) = ev.c.rows_ref(node).table, ev.c.rows_ref(node).link
    subject_value = scope.subject.get(sfield) if scope.subject else None
    # id(): the subject row and the parameters are data, not syntax nodes; they live while the entity is evaluated
    key: tuple[Any, ...] = (node.nid, id(scope.subject), _token(scope.item), subject_value,
           tuple(_token(scope.vars.get(v)) for v in _free_vars(ev, node)))
    shared = _day_free(ev, node)
    if shared:  # the same rows on every as-of day: kept for the evaluators of other days too
        key += (id(ev.params),)
        cache = _shared_rows(ev, scope)
    else:
        cache = _entity_cache(ev, scope)
    if key in cache:
        return cache[key]
    time_field = ev.c.tables[table].time_field
    entries: list[tuple[Any, Any]] = []  # (the row's day, or None without a time field; its value)
    for row in ev.data.index(table, tfield).get(subject_value, ()):
        when = row.get(time_field) if time_field else None
        if scope.item is not None and time_field and isinstance(when, dt.date) and not scope.item.active_on(when):
            continue
        value = ev.row_value(node, row, Scope(scope.entity, table, row, scope.item, scope.vars, row))
        if value is not SKIP:
            entries.append((when, value))
    if time_field:
        entries.sort(key=lambda e: e[0])
    result: tuple[list, list, list | None] = ([w for w, _ in entries], [v for _, v in entries], [] if shared else None)
    cache[key] = result
    return result


def _window_total(rows: tuple[list, list, list | None], lo: int, hi: int, fn: str) -> int | None:
    """The sum (``fn`` sum) or count of the values ``lo`` to ``hi`` (excluded) from running totals,
    so a window sliding by one day costs no walk over its rows; None (to be added up) when a value
    there is Missing or, for a sum, not a whole number (a Decimal sum rounds as it goes)."""
    totals = rows[2]
    if totals is None:
        return None
    if not totals:
        sums, odd, gaps = [0], [0], [0]  # running sums of whole numbers, of other values, of Missing ones
        for v in rows[1]:
            whole = type(v) is int
            sums.append(sums[-1] + v if whole else sums[-1])
            odd.append(odd[-1] + (not whole))
            gaps.append(gaps[-1] + isinstance(v, Missing))
        totals += [sums, odd, gaps]
    sums, odd, gaps = totals
    if fn == "count":
        return hi - lo if gaps[hi] == gaps[lo] else None
    return sums[hi] - sums[lo] if odd[hi] == odd[lo] else None


def _day_free(ev: Evaluator, node: syntax.Aggregate) -> bool:
    """Whether the rows an aggregate keeps, and their values, never depend on the as-of day (its
    value and filter read no ``as_of`` and no named value)."""
    cache = ev.node_facts.setdefault("day_free", {})
    found = cache.get(node.nid)
    if found is None:
        def reads_day(part) -> bool:
            return any(isinstance(n, syntax.AsOf) or isinstance(ev.c.refs.get(n.nid), LetRef | RuleOnRef)
                       for n in syntax.walk(part))

        found = cache[node.nid] = not any(reads_day(part) for part in (node.target, node.where) if part is not None)
    return found


#: entities whose day-shared caches are kept at once (all forgotten beyond it): a range's days and
#: its rules' histories measure the entities of a chunk in turn, day after day
SHARED_ENTITIES = 256


def _shared_rows(ev: Evaluator, scope: Scope) -> dict:
    """A cache per entity, shared by the evaluators of other as-of days (:meth:`Evaluator.on_day`),
    kept for the last :data:`SHARED_ENTITIES` entities (it was cleared whenever the entity changed,
    so a range built each entity's rows again for every day and history round)."""
    shared = ev.day_shared
    found = shared.get(id(scope.entity))  # id(): an entity row, kept alive with its cache below
    if found is None or found[0] is not scope.entity:
        if len(shared) >= SHARED_ENTITIES:
            shared.clear()
        found = shared[id(scope.entity)] = (scope.entity, {})
    return found[1]


def day_shared(ev: Evaluator, scope: Scope) -> dict:
    """What the evaluators of every as-of day keep for the entity of ``scope`` (for the last
    :data:`SHARED_ENTITIES` entities); keys are tuples, those of other modules tagged with a string first."""
    return _shared_rows(ev, scope)


def _entity_cache(ev: Evaluator, scope: Scope) -> dict:
    """A cache that lives while one entity is evaluated (cleared when the entity or the parameters change)."""
    cache = ev.__dict__.setdefault("_row_cache", {})
    owner = (id(scope.entity), id(ev.params))  # id(): an entity row and a parameter map, not syntax nodes
    if ev.__dict__.get("_row_cache_owner") != owner:
        cache.clear()
        ev.__dict__["_row_cache_owner"] = owner
    return cache


def _vars_anywhere(ev: Evaluator, node: syntax.Aggregate) -> tuple[str, ...]:
    """Every bound name an aggregate mentions (in what it reads, its window, its filter, its value)."""
    return _names_used(ev, node, ("over", "during", "target", "where"), True)


def remembered_aggregate(ev: Evaluator, node: syntax.Aggregate, scope: Scope, compute) -> Any:
    """``compute()``, the value of an aggregate that binds a name or reads related items, once per
    entity and per set of inputs it can depend on.

    Such an aggregate inside another one's filter (RENEW: for every daily row of a shop, count the
    provider's bindings) would otherwise be recomputed for every outer row. Its value depends only
    on the entity, the subject value its rows are found by, the related item, and the bound names
    it mentions; a bare field of the current row ("\\0row") makes it depend on the row itself.
    The windows it used are remembered with it and shown again at every use.
    """
    names = _vars_anywhere(ev, node)
    ref = ev.c.refs[node.nid]
    subject_value = None
    if isinstance(ref, RowsRef) and node.over is None:
        sfield = ref.link[1]
        subject_value = _token(scope.subject.get(sfield)) if scope.subject else None
    row_token = id(scope.row) if "\0row" in names else None  # id(): a data row, not a syntax node
    key = ("aggregate", node.nid, subject_value, _token(scope.item), row_token,
           tuple(_token(scope.vars.get(v)) for v in names if v != "\0row"))
    cache = _entity_cache(ev, scope)
    hit = cache.get(key)
    if hit is not None:
        ev.windows_used.extend(hit[1])
        return hit[0]
    mark = len(ev.windows_used)
    value = compute()
    cache[key] = (value, ev.windows_used[mark:])
    return value


def cached_aggregate(ev: Evaluator, node: syntax.Aggregate, scope: Scope) -> Any:
    window: Window | None = None
    if node.during is not None:
        during = _during(ev, node.during, scope)
        if during is None or isinstance(during, Missing):
            return during
        window = during
        ev.windows_used.append((node.during, window))
    rows = _entity_rows(ev, node, scope)
    times, values = rows[0], rows[1]
    if window is not None and times and isinstance(times[0], dt.date):
        lo, hi = bisect.bisect_left(times, window.start), bisect.bisect_right(times, window.end)
        if node.fn in ("sum", "count") and not node.distinct:
            total = _window_total(rows, lo, hi, node.fn)
            if total is not None:
                return total
        values = values[lo:hi]
    elif window is not None:
        values = _in_window(times, values, window)
    if bad := missing(*values):
        return bad
    return ev.combine(node, values)


#: the syntax an entity-free window is made of (``last 30 days to as_of``, ``as_of``, ``month of 2024-03-01``)
_ENTITY_FREE = (syntax.AsOf, syntax.Number, syntax.DateLit, syntax.MonthLit, syntax.NoneLit, syntax.Range,
                syntax.Calendar, syntax.LastN, syntax.NFrom, syntax.Edge, syntax.Arith, syntax.Neg)


def _during(ev: Evaluator, during: Any, scope: Scope) -> Window | Missing | None:
    """``ev.as_window(ev.eval(during, scope))``: the window an aggregate reads. One that reads no
    entity (made of ``as_of``, literals and parameters) is the same for every entity of the
    evaluator's day: computed once per evaluator, the windows it used listed again at every use."""
    free = ev.node_facts.setdefault("entity_free", {})
    if free.get(during.nid) is None:
        free[during.nid] = all(isinstance(n, _ENTITY_FREE) or (isinstance(n, syntax.Name) and isinstance(
            ev.c.refs.get(n.nid), ParamRef | EnumRef | ConventionRef)) for n in syntax.walk(during))
    if not free[during.nid]:
        return ev.as_window(ev.eval(during, scope))
    cache = ev.day_windows
    hit = cache.get(during.nid)
    if hit is not None:
        ev.windows_used.extend(hit[1])
        return hit[0]
    mark = len(ev.windows_used)
    window = ev.as_window(ev.eval(during, scope))
    cache[during.nid] = (window, ev.windows_used[mark:])
    return window


def _in_window(times: list, values: list, window: Window) -> list:
    if times and isinstance(times[0], dt.date):
        return values[bisect.bisect_left(times, window.start): bisect.bisect_right(times, window.end)]
    return [v for t, v in zip(times, values) if isinstance(t, (dt.date, Month)) and window.contains(t)]
