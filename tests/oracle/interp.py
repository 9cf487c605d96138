"""The oracle: a plain Python interpreter of a checked policy, independent of the ASP path.

It reads the syntax tree and the checker's name resolution (``Checked.refs``) and nothing
else of clausewise's evaluation stages: windows, calendar arithmetic, convention C-4,
aggregates, relations with bound days, three-valued logic, ``missing fails|passes`` and the
choice of outcome values are implemented again, as plainly as possible.

Statuses are ``pass``, ``fail``, ``unknown`` (missing data) and ``na`` (does not apply).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

from clausewise.language import syntax
from clausewise.language import refs
from clausewise.language.check import Checked
from clausewise.values.valuetypes import Month

PASS, FAIL, UNKNOWN, NA = "pass", "fail", "unknown", "na"
ONE_DAY = dt.timedelta(days=1)


class Missing:
    """A value that cannot be known (an empty field, no row, no per-key value)."""

    def __repr__(self) -> str:
        return "Missing"


MISSING = Missing()


@dataclass(frozen=True)
class Win:
    """A window of days, both ends included."""

    start: dt.date
    end: dt.date

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Item:
    """A related item (a bound shop): its row and the days it is bound, as [start, end) spans."""

    row: dict
    spans: tuple[tuple[dt.date, dt.date | None], ...]

    def bound_on(self, day: dt.date) -> bool:
        return any(start <= day and (end is None or day < end) for start, end in self.spans)


@dataclass
class Env:
    entity: dict
    subject: dict  # the row aggregates and lookups start from
    subject_table: str
    row: dict | None = None  # the aggregated row, inside 'where'
    vars: dict = field(default_factory=dict)
    item: Item | None = None  # rows of the subject count only on these bound days


# ---- calendar --------------------------------------------------------------------------------------
def month_shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def month_window(year: int, month: int) -> Win:
    ny, nm = month_shift(year, month, 1)
    return Win(dt.date(year, month, 1), dt.date(ny, nm, 1) - ONE_DAY)


def as_window(value: Any) -> Any:
    if isinstance(value, Missing) or isinstance(value, Win):
        return value
    if isinstance(value, Month):
        return month_window(value.year, value.month)
    if isinstance(value, dt.date):
        return Win(value, value)
    if value is None:
        return MISSING
    raise TypeError(f"not a window: {value!r}")


def parse_window_text(text: str) -> Win:
    """``2024-01..2024-03`` (natural months) or ``2023-12-01..2024-02-29`` (days)."""
    left, right = (part.strip() for part in text.split(".."))
    if len(left) == 7:
        a, b = Month.parse(left), Month.parse(right)
        return Win(month_window(a.year, a.month).start, month_window(b.year, b.month).end)
    return Win(dt.date.fromisoformat(left), dt.date.fromisoformat(right))


# ---- statuses ------------------------------------------------------------------------------------------
def status_of(truth: Any) -> str:
    if isinstance(truth, Missing):
        return UNKNOWN
    return PASS if truth else FAIL


def combine(kind: str, statuses: list[str], n: int = 0) -> str:
    passes, fails, unknowns = (statuses.count(s) for s in (PASS, FAIL, UNKNOWN))
    if kind == "all":
        return FAIL if fails else UNKNOWN if unknowns else PASS if passes else NA
    if kind == "any":
        return PASS if passes else UNKNOWN if unknowns else FAIL if fails else NA
    if kind == "none":
        return FAIL if passes else UNKNOWN if unknowns else PASS if fails else NA
    if kind == "at_least":
        if passes >= n:
            return PASS
        if not (passes or fails or unknowns):
            return NA  # no member applies: the group does not apply, as all/any/none of
        return UNKNOWN if passes + unknowns >= n else FAIL  # members that do not apply do not count
    raise ValueError(kind)


def negate(status: str) -> str:
    return {PASS: FAIL, FAIL: PASS}.get(status, status)


def if_then(first: str, then: str) -> str:
    if first == PASS:
        return then
    if first in (FAIL, NA):
        return NA
    return PASS if then == PASS else UNKNOWN  # applies or not: b passing settles it either way


def override(status: str, missing: str | None) -> str:
    if status == UNKNOWN and missing == "fails":
        return FAIL
    if status == UNKNOWN and missing == "passes":
        return PASS
    return status


@dataclass
class Result:
    """One entity's verdict as the oracle sees it."""

    statuses: dict[str, str]  # every logic node id → status
    outcomes: dict[str, tuple[Any, bool]]  # field → (value, decided)
    compliant: bool | None


class Oracle:
    """Evaluate a checked policy over validated rows, one entity at a time."""

    def __init__(self, checked: Checked, rows: Mapping[str, list[dict]], params: Mapping[str, Any], as_of: dt.date):
        self.c = checked
        self.rows = rows
        self.as_of = as_of
        self.given = params
        self._days: dict[dt.date, "Oracle"] = {}  # the same data evaluated as of another day ('R on d')
        self.convention = str(params.get("period_day_count_convention", "start_day_is_day_1"))
        self.params: dict[str, Any] = {}
        for name, p in checked.params.items():
            if name in params:
                self.params[name] = self._param(params[name], p.vtype.kind, p.per is not None)
            elif p.default is not None:
                self.params[name] = None  # filled lazily: defaults are expressions
        self._index: dict[tuple[str, str], dict[Any, list[dict]]] = {}
        self._defaults = {n: p.default for n, p in checked.params.items() if n not in params and p.default is not None}

    def rows_where(self, table: str, field_name: str, value: Any) -> list[dict]:
        """The rows of ``table`` whose ``field_name`` equals ``value`` (indexed once per table and field)."""
        index = self._index.get((table, field_name))
        if index is None:
            index = self._index[(table, field_name)] = {}
            for r in self.rows[table]:
                index.setdefault(r[field_name], []).append(r)
        return index.get(value, [])

    def _param(self, raw: Any, kind: str, per: bool) -> Any:
        if per:  # several keys (per enum(a, b), string): nested by key
            return {k: self._param(v, kind, isinstance(v, dict)) for k, v in raw.items()}
        if kind == "window":
            return raw if isinstance(raw, Win) else parse_window_text(str(raw))
        if kind in ("yuan", "rate", "score") or (len(kind) == 3 and kind.isupper()):  # USD: a currency
            return Decimal(str(raw))
        if kind in ("orders", "count", "points", "merchants", "days"):
            return int(raw)
        return raw

    # ---- entities --------------------------------------------------------------------------------
    def evaluate(self, entity_row: dict) -> Result:
        env = Env(entity_row, entity_row, self.c.entity_table)
        statuses: dict[str, str] = {}
        rule_status: dict[str, str] = {}
        for name in self.c.rules:
            self._rule(name, env, statuses, rule_status)
        outcomes = {}
        for name, decl in self.c.decides.items():
            whens = [None if cl.when is None else self.node(cl.when, f"{name}#{i}", None, env, statuses, rule_status)
                     for i, cl in enumerate(decl.clauses, 1)]
            outcomes[name] = self.decide(decl, whens, env)
        compliant = None
        if self.c.header.compliant is not None:
            s = self.node(self.c.header.compliant, "compliant", None, env, statuses, rule_status)
            compliant = {PASS: True, NA: True, FAIL: False}.get(s)
        return Result(statuses, outcomes, compliant)

    def _rule(self, name: str, env: Env, statuses: dict, rule_status: dict) -> str:
        if name not in rule_status:
            rule = self.c.rules[name]
            rule_status[name] = self.node(rule.body, name, rule.meta.missing, env, statuses, rule_status)
        return rule_status[name]

    def node(self, cond, node_id: str, missing: str | None, env: Env, statuses: dict, rule_status: dict) -> str:
        """The status of a logic node (and of every node below it, recorded in ``statuses``)."""
        match cond:
            case syntax.Group(kind=kind, entries=entries, n=n, n_param=n_param):
                n = n if n_param is None else self.count_param(n_param, env)
                children = []
                for i, e in enumerate(entries, 1):
                    child_missing = e.meta.missing if e.meta else None
                    children.append(self.node(e.cond, f"{node_id}.{e.name or i}", child_missing, env, statuses, rule_status))
                status = combine(kind, children, n)
            case syntax.Not(cond=inner):
                status = negate(self.node(inner, f"{node_id}.not", None, env, statuses, rule_status))
            case syntax.IfThen(cond=a, then=b):
                first = self.node(a, f"{node_id}.if", None, env, statuses, rule_status)
                then = self.node(b, f"{node_id}.then", None, env, statuses, rule_status)
                status = if_then(first, then)
            case syntax.Truth(expr=syntax.Name() as ref) if isinstance(self.c.refs.get(ref.nid), refs.RuleRef):
                status = self._rule(ref.name, env, statuses, rule_status)
            case _:
                status = self.leaf(cond, env)
        status = override(status, missing)
        statuses[node_id] = status
        return status

    # ---- outcomes ------------------------------------------------------------------------------------
    def decide(self, decl: syntax.DecideDecl, whens: list[str | None], env: Env) -> tuple[Any, bool]:
        if decl.combine == "first":
            for clause, status in zip(decl.clauses, whens):
                if status is None or status == PASS:
                    return self._outcome_value(clause.value, env)
                if status == UNKNOWN:
                    return None, False
            return None, False  # no clause chosen
        values = [self.value(cl.value, env) if not isinstance(cl.value, syntax.NoneLit) else None for cl in decl.clauses]
        # rank: a smaller key wins; none (no value) comes last; ties go to the earlier clause
        def key(i: int):  # equal values rank equal: the outcome value is the same
            v = values[i]
            if v is None:
                return (1, 0)
            return (0, v if decl.combine == "min" else -v)

        candidates = [i for i, s in enumerate(whens) if s is None or s == PASS]
        possible = [i for i, s in enumerate(whens) if s == UNKNOWN]
        if any(isinstance(values[i], Missing) for i in candidates + possible):
            return None, False
        if not candidates:
            return None, False
        best = min(candidates, key=lambda i: (key(i), i))
        if any(key(i) < key(best) for i in possible):
            return None, False
        return self._plain(values[best]), True

    def _outcome_value(self, expr, env: Env) -> tuple[Any, bool]:
        if isinstance(expr, syntax.NoneLit):
            return None, True
        ref = self.c.refs.get(expr.nid)
        if isinstance(ref, refs.EnumRef):
            return ref.value, True
        value = self.value(expr, env)
        if isinstance(value, Missing):
            return None, False
        return self._plain(value), True

    @staticmethod
    def _plain(value: Any) -> Any:
        if isinstance(value, (dt.date, Month, Decimal)):
            return str(value)
        return value

    # ---- leaves --------------------------------------------------------------------------------------
    def leaf(self, cond, env: Env) -> str:
        match cond:
            case syntax.Compare(op=op, left=left, right=right):
                a, b = self.value(left, env), self.value(right, env)
                if isinstance(a, Missing) or isinstance(b, Missing):
                    return UNKNOWN
                return status_of(compare(op, a, b))
            case syntax.Member(item=item, collection=coll, negated=negated):
                x = self.value(item, env)
                if isinstance(coll, syntax.SetLit):
                    options = [self.value(i, env) for i in coll.items]
                    if isinstance(x, Missing):
                        return UNKNOWN
                    found = x in [o for o in options if not isinstance(o, Missing)]
                    if not found and any(isinstance(o, Missing) for o in options):
                        return UNKNOWN
                else:
                    w = self.value(coll, env)
                    if isinstance(x, Missing) or isinstance(w, Missing):
                        return UNKNOWN
                    if w is None or x is None:  # nothing is in a window that does not exist; none is in nothing
                        return status_of(negated)
                    if isinstance(w, tuple):  # a list field
                        found = x in w
                    else:
                        w = as_window(w)
                        found = (month_window(x.year, x.month).start >= w.start and month_window(x.year, x.month).end <= w.end) \
                            if isinstance(x, Month) else x in w
                return status_of(found != negated)
            case syntax.IsSet(expr=inner, negated=negated):
                v = self.value(inner, env)
                present = not isinstance(v, Missing) and v is not None
                return status_of(present != negated)
            case syntax.Truth(expr=inner):
                v = self.value(inner, env)
                return UNKNOWN if isinstance(v, Missing) else status_of(bool(v))
            case syntax.Quantified(kind=kind, unit=unit, var=var, window=window, cond=inner):
                w = as_window(self.value(window, env))
                if isinstance(w, Missing):
                    return UNKNOWN
                points = months_of(w) if unit == "month" else days_of(w)
                statuses = [self.cond(inner, Env(env.entity, env.subject, env.subject_table, env.row,
                                                 {**env.vars, var: p}, env.item)) for p in points]
                return combine("any" if kind == "any" else "all", statuses) if statuses else (FAIL if kind == "any" else PASS)
            case syntax.Group() | syntax.Not() | syntax.IfThen():
                raise AssertionError("groups are logic nodes, not leaves")
        raise NotImplementedError(type(cond).__name__)

    def count_param(self, name: str, env: Env) -> int:
        """N of ``at least NAME of``: the parameter's value."""
        if name in self._defaults:
            self.params[name] = self.value(self._defaults.pop(name), env)
        return int(self.params[name])

    def cond(self, cond, env: Env) -> str:
        """A condition inside a figure (no node ids): groups combine in three values too."""
        match cond:
            case syntax.Group(kind=kind, entries=entries, n=n, n_param=n_param):
                n = n if n_param is None else self.count_param(n_param, env)
                return combine(kind, [override(self.cond(e.cond, env), e.meta.missing if e.meta else None) for e in entries], n)
            case syntax.Not(cond=inner):
                return negate(self.cond(inner, env))
            case syntax.IfThen(cond=a, then=b):
                return if_then(self.cond(a, env), self.cond(b, env))
        return self.leaf(cond, env)

    # ---- expressions ---------------------------------------------------------------------------------
    def value(self, expr, env: Env) -> Any:
        ref = self.c.refs.get(expr.nid)
        if ref is not None:
            return self.resolve(ref, expr, env)
        match expr:
            case syntax.Number(value=v):
                return v
            case syntax.String(value=v) | syntax.BoolLit(value=v) | syntax.DateLit(value=v) | syntax.MonthLit(value=v):
                return v
            case syntax.NoneLit():
                return None
            case syntax.AsOf():
                return self.as_of
            case syntax.Index(name=name, key=key, more=more):
                return self.keyed(name, (key, *more), env)
            case syntax.Arith(op=op, left=left, right=right):
                return arith(op, self.value(left, env), self.value(right, env))
            case syntax.Neg(expr=inner):
                v = self.value(inner, env)
                return v if isinstance(v, Missing) else -v
            case syntax.Range(start=start, end=end):
                a, b = self.value(start, env), self.value(end, env)
                if isinstance(a, Missing) or isinstance(b, Missing):
                    return MISSING
                return Win(as_window(a).start, as_window(b).end)
            case syntax.Calendar(kind=kind, date=date, previous=previous):
                d = self.value(date, env)
                if isinstance(d, Missing) or d is None:
                    return MISSING
                return calendar(kind, d, previous)
            case syntax.LastN(count=count, end=end, unit=unit):
                d = self.value(end, env)
                if isinstance(d, Missing) or d is None:
                    return MISSING
                if isinstance(count, syntax.Name):  # 'last lookback months to d': the length is a parameter
                    n, unit = self.value(count, env), unit
                    if isinstance(n, Missing) or n is None or n < 1:
                        return MISSING  # no window of fewer than one month or day
                else:
                    n, unit = count.value, count.unit
                if unit in ("months", "month"):
                    y, m = month_shift(d.year, d.month, -(n - 1))
                    return Win(dt.date(y, m, 1), month_window(d.year, d.month).end)
                return Win(d - dt.timedelta(days=n - 1), d)
            case syntax.NFrom(count=count, start=start):
                d = self.value(start, env)
                if isinstance(d, Missing):
                    return MISSING
                if d is None:
                    return None  # a window from a day that does not exist (none): none, not unknown
                n = count.value
                if self.convention == "start_day_excluded":  # C-4: days S+1..S+N, and S itself still applies
                    return Win(d, d + dt.timedelta(days=n))
                return Win(d, d + dt.timedelta(days=n - 1))
            case syntax.Edge(kind=kind, window=window, day=n):
                w = as_window(self.value(window, env))
                if isinstance(w, Missing):
                    return w
                if kind == "day":  # the window's n-th day; none when the window is shorter
                    day = w.start + dt.timedelta(days=n - 1)
                    return day if day <= w.end else None
                return w.start if kind == "start" else w.end
            case syntax.FirstDay(var=var, window=window, cond=cond):
                w = as_window(self.value(window, env))
                if isinstance(w, Missing):
                    return MISSING
                for day in days_of(w):
                    s = self.cond(cond, Env(env.entity, env.subject, env.subject_table, env.row, {**env.vars, var: day}, env.item))
                    if s == PASS:
                        return day
                    if s == UNKNOWN:
                        return MISSING
                return None
            case syntax.Aggregate():
                return self.aggregate(expr, env)
            case syntax.IfExpr() | syntax.CountUnits() | syntax.Band() | syntax.TopN():
                return self.derived(expr, env)
        raise NotImplementedError(f"oracle: {type(expr).__name__}")

    def resolve(self, ref: refs.Ref, expr, env: Env) -> Any:
        match ref:
            case refs.VarRef(name):
                return env.vars[name]
            case refs.RowFieldRef(name):
                return present(env.row.get(name))
            case refs.EntityFieldRef(name):
                return present(env.entity.get(name))
            case refs.LetRef(name):
                return self.value(self.c.lets[name].expr, Env(env.entity, env.entity, self.c.entity_table))
            case refs.ParamRef(name):
                if name in self._defaults:
                    self.params[name] = self.value(self._defaults.pop(name), env)
                return self.params[name]
            case refs.ConventionRef():
                return self.convention
            case refs.EnumRef(value):
                return value
            case refs.ItemFieldRef(var, name):
                item = env.vars[var]
                return present(item.row.get(name)) if item.row is not None else MISSING
            case refs.RowVarFieldRef(var, name):
                return present(env.vars[var].get(name))
            case refs.LookupRef(table, fname, (tf, sf)):
                found = self.rows_where(table, tf, env.subject.get(sf))
                return present(found[0][fname]) if found else MISSING
            case refs.AtRef(table, fname, (tf, sf)):
                day = self.value(expr.date, env)
                if isinstance(day, Missing):
                    return MISSING
                time_field = self.c.tables[table].time_field
                found = [r for r in self.rows_where(table, tf, env.subject.get(sf)) if r[time_field] == day]
                return present(found[0][fname]) if found else MISSING
            case refs.ItemsRef() | refs.RowsRef():
                return self.aggregate(expr, env)
            case refs.RuleOnRef(name):  # 'R on d': whether rule R passes when the entity is evaluated as of day d
                day = self.value(expr.date, env)
                if isinstance(day, Missing):
                    return MISSING
                if day is None:
                    return False
                other = self._days.get(day)
                if other is None:
                    other = self._days[day] = Oracle(self.c, self.rows, self.given, day)
                status = other._rule(name, Env(env.entity, env.entity, self.c.entity_table), {}, {})
                return MISSING if status == UNKNOWN else status == PASS
        raise NotImplementedError(f"oracle: reference {ref!r}")

    # ---- the LIFE-era constructs: keyed parameters, if/else values, count(month ...), band, top N ------
    def keyed(self, name: str, keys: tuple, env: Env) -> Any:
        """``name[k1, k2]``: the value under each key in turn; unknown when a key is, or has no value."""
        table = self.params.get(name) or {}
        for key in keys:
            k = self.value(key, env)
            if isinstance(k, Missing) or not isinstance(table, dict) or k not in table:
                return MISSING
            table = table[k]
        return table

    def derived(self, expr, env: Env) -> Any:
        match expr:
            case syntax.IfExpr(cond=c, then=then, orelse=orelse):
                s = self.cond(c, env)
                if s == UNKNOWN:
                    return MISSING
                return self.value(then if s == PASS else orelse, env)
            case syntax.CountUnits(unit=unit, var=var, window=window, where=where):
                w = self.value(window, env)
                if w is None:
                    return None
                w = as_window(w)
                if isinstance(w, Missing):
                    return MISSING
                points = months_of(w) if unit == "month" else days_of(w)
                statuses = [PASS if where is None else
                            self.cond(where, Env(env.entity, env.subject, env.subject_table, env.row, {**env.vars, var: p}, env.item))
                            for p in points]
                return MISSING if UNKNOWN in statuses else statuses.count(PASS)
            case syntax.Band(value=value, ladder=ladder):
                x, steps = self.value(value, env), self.value(ladder, env)
                if isinstance(steps, Missing) or isinstance(x, Missing):
                    return MISSING
                if x is None:
                    return None
                reached = sorted((-threshold, str(key)) for key, threshold in steps.items() if x >= threshold)
                return reached[0][1] if reached else None
            case syntax.TopN():
                return self.top(expr, env)
        raise NotImplementedError(f"oracle: {type(expr).__name__}")

    def top(self, node: syntax.TopN, env: Env) -> Any:
        """The values of a field whose aggregate (of the rows carrying it) meets the bound, largest first
        (ties by value), at most N; unknown when N, the bound or a figure is."""
        n = self.value(node.count, env)
        bound = self.value(node.bound, env) if node.bound is not None else None
        if isinstance(n, Missing) or isinstance(bound, Missing):
            return MISSING
        agg = node.figure
        table, (tf, sf) = self.c.rows_ref(agg).table, self.c.rows_ref(agg).link
        schema = self.c.tables[table]
        during = as_window(self.value(agg.during, env)) if agg.during is not None else None
        if isinstance(during, Missing):
            return MISSING
        groups: dict[Any, list] = {}
        for r in self.rows_where(table, tf, env.subject.get(sf)):
            if during is not None and not in_window(r[schema.time_field], during):
                continue
            if r[node.field] is None:
                return MISSING
            values = groups.setdefault(r[node.field], [])
            if agg.where is not None:
                s = self.cond(agg.where, Env(env.entity, env.subject, env.subject_table, r, env.vars, env.item))
                if s == UNKNOWN:
                    return MISSING
                if s != PASS:
                    continue
            values.append(1 if agg.fn == "count" else present(r[agg.target.name]))
        figures = []
        for key, values in groups.items():
            if any(isinstance(v, Missing) for v in values):
                return MISSING
            if agg.fn in ("count", "sum"):
                figure = sum(values, 0)
            elif not values:
                return MISSING
            else:
                figure = min(values) if agg.fn == "min" else max(values) if agg.fn == "max" else Decimal(sum(values)) / len(values)
            if node.op is None or compare(node.op, figure, bound):
                figures.append((-figure, str(key)))
        return [key for _, key in sorted(figures)[:max(n, 0)]]

    # ---- aggregates -------------------------------------------------------------------------------------
    def subjects(self, agg: syntax.Aggregate, env: Env) -> list[tuple[dict, str, Item | None]]:
        """The rows aggregates start from: the subject, or each related item of 'over'."""
        if agg.over is None:
            return [(env.subject, env.subject_table, env.item)]
        over = self.value(agg.over, env) if not isinstance(agg.over, syntax.Name) or \
            not isinstance(self.c.refs.get(agg.over.nid), refs.RelationRef) else self.related(agg.over.name, env)
        if isinstance(over, Item):
            over = [over]
        target = self.c.relations[agg.over.name].target if isinstance(agg.over, syntax.Name) and agg.over.name in self.c.relations \
            else self.c.sort(agg.over).table
        return [(item.row, target, item) for item in over]

    def related(self, relation: str, env: Env) -> list[Item]:
        """The items of a relation from the subject row; bindings of one item are merged."""
        rel = self.c.relations[relation]
        subject_key = self.c.tables[self.c.entity_table].key[0]
        target_key = self.c.tables[rel.target].key[0]
        spans: dict[Any, list] = {}
        for r in self.rows_where(rel.via, rel.from_field, env.subject.get(subject_key)):
            start = r[rel.start_field] if rel.start_field else dt.date.min
            end = r[rel.end_field] if rel.end_field else None
            spans.setdefault(r[rel.to_field], []).append((start, end))
        items = []
        for key in sorted(spans):
            row = next(iter(self.rows_where(rel.target, target_key, key)), None)
            items.append(Item(row if row is not None else {target_key: key}, tuple(spans[key])))
        return items

    def aggregate(self, agg: syntax.Aggregate, env: Env) -> Any:
        ref = self.c.refs[agg.nid]
        during = None
        if agg.during is not None:
            during = as_window(self.value(agg.during, env))
            if isinstance(during, Missing):
                return MISSING
        if isinstance(ref, refs.ItemsRef):
            items = self.related(agg.target.name, env)
            count, unknown = 0, False
            for item in items:
                if agg.where is None:
                    count += 1
                    continue
                inner = Env(env.entity, item.row, self.c.relations[agg.target.name].target, None,
                            {**env.vars, **({agg.binder: item} if agg.binder else {})}, item)
                s = self.cond(agg.where, inner)
                count += s == PASS
                unknown |= s == UNKNOWN
            return MISSING if unknown else count
        table, (tf, sf) = self.c.rows_ref(agg).table, self.c.rows_ref(agg).link
        schema = self.c.tables[table]
        target_field = agg.target.name if isinstance(agg.target, syntax.Attr) else None
        expression = isinstance(agg.target, (syntax.Arith, syntax.Neg))  # 'sum(T.f * w[T.g] ...)': evaluated in each row
        values, unknown = [], False
        for subject, subject_table, item in self.subjects(agg, env):
            for r in self.rows_where(table, tf, subject.get(sf)):
                when = r[schema.time_field] if schema.time_field else None
                if item is not None and when is not None and not item.bound_on(when):
                    continue
                if during is not None and not in_window(when, during):
                    continue
                if agg.where is not None:
                    inner = Env(env.entity, subject, subject_table, None if agg.binder else r,
                                {**env.vars, **({agg.binder: r} if agg.binder else {})}, item)
                    s = self.cond(agg.where, inner)
                    if s == UNKNOWN:
                        unknown = True
                    if s != PASS:
                        continue
                if expression:
                    values.append(self.value(agg.target, Env(env.entity, subject, subject_table, r, env.vars, item)))
                else:
                    values.append(present(r[target_field]) if target_field else r)
        if unknown:
            return MISSING
        if agg.fn == "count":
            if agg.distinct:
                if any(isinstance(v, Missing) for v in values):
                    return MISSING
                return len(set(values))
            return len(values)
        if any(isinstance(v, Missing) for v in values):
            return MISSING
        if agg.fn == "sum":
            if expression:
                return sum(values, 0)
            return sum(values, Decimal(0) if schema.field(target_field).type.kind in ("yuan", "rate", "score") else 0)
        if not values:
            return MISSING
        if agg.fn == "min":
            return min(values)
        if agg.fn == "max":
            return max(values)
        if agg.fn == "avg":
            return Decimal(sum(values)) / Decimal(len(values))
        raise NotImplementedError(agg.fn)


# ---- helpers ---------------------------------------------------------------------------------------------
def present(value: Any) -> Any:
    return MISSING if value is None else value


def compare(op: str, a: Any, b: Any) -> bool:
    if a is None or b is None:  # none (e.g. a first day that never came): equal only to none, never ordered
        return (a is None) == (b is None) if op == "=" else (a is None) != (b is None) if op == "!=" else False
    if op == "=":
        return a == b
    if op == "!=":
        return a != b
    if op == ">=":
        return a >= b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    if op == "<":
        return a < b
    raise ValueError(op)


def arith(op: str, a: Any, b: Any) -> Any:
    if isinstance(a, Missing) or isinstance(b, Missing):
        return MISSING
    if isinstance(a, dt.date):
        if isinstance(b, dt.date):
            return (a - b).days
        return a + dt.timedelta(days=b) if op == "+" else a - dt.timedelta(days=b)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        return MISSING  # division by zero: the value is unknown, never 0
    return Decimal(a) / Decimal(b)


def calendar(kind: str, d: dt.date, previous: bool) -> Win:
    if kind == "month":
        y, m = month_shift(d.year, d.month, -1 if previous else 0)
        return month_window(y, m)
    first = 3 * ((d.month - 1) // 3) + 1
    y, m = month_shift(d.year, first, -3 if previous else 0)
    return Win(dt.date(y, m, 1), month_window(*month_shift(y, m, 2)).end)


def in_window(when: Any, w: Win) -> bool:
    """A day in a window; a month (a row of a monthly table) when all its days are."""
    if isinstance(when, Month):
        days = month_window(when.year, when.month)
        return w.start <= days.start and days.end <= w.end
    return when in w


def days_of(w: Win) -> list[dt.date]:
    return [w.start + dt.timedelta(days=i) for i in range((w.end - w.start).days + 1)]


def months_of(w: Win) -> list[Month]:
    out, (y, m) = [], (w.start.year, w.start.month)
    while dt.date(y, m, 1) <= w.end:
        out.append(Month(y, m))
        y, m = month_shift(y, m, 1)
    return out
