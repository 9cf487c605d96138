"""Row synthesis: a witness (figure values) turned into concrete data rows.

verify and diff (without data) find witnesses as *figure values*, each figure free on its own;
no data need produce such a combination. :func:`realize` builds rows in the policy's declared
tables (the entity row, related rows, rows placed inside the windows the figures aggregate over)
so that, figure by figure, the value measured on the rows is the witness value. It works by
generate and test with the ordinary evaluator: each figure's candidate changes (a field set, a row
added or a value raised) are tried in turn, and one is kept only if every figure realized before
it keeps its value, so figures over shared rows stay consistent or are reported as unmet. The
caller then evaluates the rows through :meth:`Policy.evaluate` (:mod:`clausewise.analysis.witnessdata`);
only that decides a claim.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any, Callable, Iterator, Mapping

from clausewise.language import syntax
from clausewise.language.refs import AtRef, EntityFieldRef, ItemsRef, LetRef, LookupRef, ParamRef, RelationRef, RowsRef
from clausewise.engine.policy import Policy
from clausewise.analysis.drafts import (Draft, Memo, Realization, attempt, complete, default_value, distinct_keys,
                                        draft_subject, free_param, minus, names_in, over, plus, same, times, walk)
from clausewise.analysis.figures import Figure, SpaceBuilder, figure_value
from clausewise.evaluate.measure import Missing
from clausewise.analysis.subjects import WITNESS, Subject
from clausewise.values.valuetypes import FieldSchema, Month, TableSchema
from clausewise.values.calendar import Window

#: at most this many row templates are tried per figure
MAX_TEMPLATES = 400


class _Builder:
    def __init__(self, policies: list[Policy], space: SpaceBuilder, memo: Memo):
        self.policies, self.space, self.memo = policies, space, memo
        self.policy, self.c = policies[0], policies[0].checked
        self._date_fields: dict[tuple[int, int, int], list[str]] = {}

    def owner(self, fig: Figure) -> Policy:
        """The policy a figure's first node belongs to (diff: one of two versions)."""
        for p in self.policies:
            if fig.nodes[0].nid in p.checked.sorts or fig.nodes[0].nid in p.checked.refs:
                return p
        return self.policies[0]

    def blank(self, schema: TableSchema, as_of: dt.date) -> dict[str, Any]:
        """A row of ``schema`` with every field's default (made once per search; not to be changed:
        callers make their row from it with ``|``)."""
        key = (id(schema), as_of)  # id(): a table of a checked version, kept alive by self.policies
        if key not in self.memo.blanks:
            self.memo.blanks[key] = {f.name: default_value(f, as_of) for f in schema.fields}
        return self.memo.blanks[key]

    def use(self, fig: Figure) -> None:
        self.policy = self.owner(fig)
        self.c = self.policy.checked

    def measure(self, draft: Draft, keys: list[str]) -> dict[str, Any] | None:
        try:
            subjects: dict[int, Subject] = {}  # by id() of the policy version (not a syntax node)
            out = {}
            for k in keys:
                p = self.owner(self.space.figures[k])
                if id(p) not in subjects:
                    subjects[id(p)] = draft_subject(p, complete(p, draft), self.memo)
                out[k] = figure_value(self.space.figures[k], subjects[id(p)])
            return out
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
            return None  # a draft the evaluator cannot take (e.g. a value of the wrong type): not a candidate

    def eval(self, draft: Draft, node: Any) -> Any:
        subject = draft_subject(self.policy, draft, self.memo)
        try:
            return subject.ev.eval(node, subject.scope)
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
            return Missing(("cannot evaluate here",))

    # ---- candidate changes per figure ----------------------------------------------------------------------
    def mods(self, fig: Figure, goal: Any, draft: Draft) -> Iterator[Draft]:
        node = fig.nodes[0]
        if isinstance(node, syntax.Quantified):
            yield from self.quantified(node, goal, draft, fig)
        else:
            yield from self.expr(node, goal, draft, depth=0)

    def expr(self, node: Any, goal: Any, draft: Draft, depth: int) -> Iterator[Draft]:
        if depth > 4:
            return
        c = self.c
        ref = c.refs.get(node.nid)
        if isinstance(ref, EntityFieldRef):
            d = draft.copy()
            if ref.name == c.dimension:
                if isinstance(goal, Missing):
                    return
                d.dimension = goal
            else:
                f = c.tables[c.entity_table].field(ref.name)
                if isinstance(goal, Missing) and (f is None or not f.optional):
                    return  # a required field is never empty in accepted data
                d.entity[ref.name] = None if isinstance(goal, Missing) else goal
            yield d
        elif isinstance(ref, ParamRef) and not isinstance(goal, Missing):
            d = draft.copy()
            d.params[ref.name] = goal
            yield d
        elif isinstance(ref, LookupRef | AtRef):
            yield from self.point_row(node, ref, goal, draft)
        elif isinstance(ref, LetRef):
            yield from self.expr(c.lets[ref.name].expr, goal, draft, depth + 1)
        elif isinstance(node, syntax.IfExpr):
            yield from self.expr(node.then, goal, draft, depth + 1)
            yield from self.expr(node.orelse, goal, draft, depth + 1)
        elif isinstance(node, syntax.Arith) and not isinstance(goal, Missing):
            yield from self.arith(node, goal, draft, depth)
        elif isinstance(node, syntax.Aggregate) and isinstance(ref, RowsRef | ItemsRef):
            yield from self.aggregate(node, goal, draft)
        elif isinstance(node, syntax.Member) and isinstance(goal, bool | Missing):
            yield from self.listed(node, goal, draft, depth)
        if isinstance(goal, dt.date) and not isinstance(ref, EntityFieldRef | ParamRef):
            yield from self.shift(node, goal, draft)

    def listed(self, node: syntax.Member, goal: bool | Missing, draft: Draft, depth: int) -> Iterator[Draft]:
        """``V in L`` of a list field ``L`` (an entity field or a field of a row found by key): a
        list holding V, or one item that is not V, or the field missing."""
        ref = self.c.refs.get(node.collection.nid)
        if isinstance(ref, EntityFieldRef):
            schema = self.c.tables[self.c.entity_table].field(ref.name)
        elif isinstance(ref, LookupRef):
            schema = self.c.tables[ref.table].field(ref.field)
        else:
            return
        if schema is None or not schema.type.is_list:
            return
        if isinstance(goal, Missing):
            yield from self.expr(node.collection, goal, draft, depth + 1)
            return
        item = self.eval(draft, node.item)
        if item is None or isinstance(item, Missing):
            return
        now = self.eval(draft, node.collection)
        now = list(now) if isinstance(now, list | tuple) else []  # the items other conditions put there stay
        if goal != node.negated:
            value = now if item in now else now + [item]
        else:
            value = [v for v in now if v != item] or [v for v in self._item_values(schema, [draft.as_of]) if v != item][:1]
        yield from self.expr(node.collection, value, draft, depth + 1)

    def arith(self, node: syntax.Arith, goal: Any, draft: Draft, depth: int) -> Iterator[Draft]:
        left, right = self.eval(draft, node.left), self.eval(draft, node.right)
        inverse = {"+": (minus, lambda g, a: minus(g, a)), "-": (plus, lambda g, a: minus(a, g)),
                   "/": (times, None), "*": (over, None)}.get(node.op)
        if inverse is None:
            return
        if not isinstance(right, Missing) and (want := attempt(inverse[0], goal, right)) is not None:
            yield from self.expr(node.left, want, draft, depth + 1)
        if inverse[1] is not None and not isinstance(left, Missing) and (want := attempt(inverse[1], goal, left)) is not None:
            yield from self.expr(node.right, want, draft, depth + 1)

    def shift(self, node: Any, goal: dt.date, draft: Draft) -> Iterator[Draft]:
        """A date made from an entity date field (``end of 90 days from revoked_on``): set the
        field to the goal, see how far off the result is, and move the field back by that much."""
        for name in self.date_fields(node, 0):
            d = draft.copy()
            d.entity[name] = goal
            got = self.eval(d, node)
            if isinstance(got, dt.date):
                d.entity[name] = goal - (got - goal)
                yield d

    def date_fields(self, node: Any, depth: int) -> list[str]:
        key = (id(self.c), node.nid, depth)  # id(): the checked policy version, kept alive by self.policies
        if key not in self._date_fields:
            self._date_fields[key] = self._find_date_fields(node, depth)
        return self._date_fields[key]

    def _find_date_fields(self, node: Any, depth: int) -> list[str]:
        c, out = self.c, []
        for sub in walk(node):
            ref = c.refs.get(sub.nid)
            if isinstance(ref, EntityFieldRef):
                f = c.tables[c.entity_table].field(ref.name)
                if f is not None and f.type.kind == "date" and ref.name not in out:
                    out.append(ref.name)
            elif isinstance(ref, LetRef) and depth < 3:
                out += [n for n in self.date_fields(c.lets[ref.name].expr, depth + 1) if n not in out]
        return out

    def point_row(self, node: Any, ref: LookupRef | AtRef, goal: Any, draft: Draft) -> Iterator[Draft]:
        """``T.f`` of the entity's one row in T, or ``T.f on DAY``: set the field, or drop the row."""
        table, fname, (tfield, sfield) = ref.table, ref.field, ref.link
        schema = self.c.tables[table]
        subject = draft.dimension if sfield == self.c.dimension else draft.entity.get(sfield)
        day = self.eval(draft, node.date) if isinstance(node, syntax.AtDate) else None
        if isinstance(day, Missing):
            return

        def mine(row: dict) -> bool:
            return row.get(tfield) == subject and (day is None or row.get(schema.time_field) == day)
        rows = draft.tables.get(table, [])
        if isinstance(goal, Missing):
            declared = schema.field(fname)
            if declared is not None and declared.optional:
                d = draft.copy()
                for row in d.tables.get(table, []):
                    if mine(row):
                        row[fname] = None
                yield d
            d = draft.copy()
            d.tables[table] = [r for r in rows if not mine(r)]
            yield d
            return
        d = draft.copy()
        found = [r for r in d.tables.setdefault(table, []) if mine(r)]
        if not found:
            row = self.blank(schema, draft.as_of) | {tfield: subject}
            if day is not None:
                row[schema.time_field] = day
            d.tables[table].append(row)
            found = [row]
        for row in found:
            row[fname] = goal
        yield d

    # ---- rows counted by an aggregate ------------------------------------------------------------------------
    def days(self, draft: Draft, windows: list[Any]) -> list[dt.date]:
        """Days to place a row on: the as-of day, the edges of the windows in play, entity dates."""
        out = [draft.as_of, draft.as_of - dt.timedelta(days=1)]
        for w in windows:
            if isinstance(w, Window):
                out += [w.start, w.end, w.start + dt.timedelta(days=1)]
        for value in list(draft.entity.values()) + list(draft.params.values()):
            if isinstance(value, dt.date):
                out += [value + dt.timedelta(days=k) for k in (0, 1, 2)]
            elif isinstance(value, Window):
                out += [value.start, value.end]
        return list(dict.fromkeys(out))

    def aggregate(self, node: syntax.Aggregate, goal: Any, draft: Draft) -> Iterator[Draft]:
        now = self.eval(draft, node)
        window = self.eval(draft, node.during) if node.during is not None else None
        days = self.days(draft, [window])
        if node.fn == "count":
            copies = goal - now if isinstance(goal, int) and isinstance(now, int) else 1
            if copies <= 0:
                return
            for make in self.templates(node, days, None, None):
                d = draft.copy()
                for _ in range(copies):
                    make(d)
                yield d
            return
        if node.fn in ("sum", "max", "min", "avg") and isinstance(node.target, syntax.Attr):
            amount = goal
            if node.fn == "sum" and not isinstance(goal, Missing):
                if isinstance(now, Missing):
                    return
                amount = goal - now
                if amount == 0:
                    return
                yield from self.bump(node, node.target.name, amount, draft)
            for make in self.templates(node, days, node.target.name, amount):
                d = draft.copy()
                make(d)
                yield d

    def bump(self, node: syntax.Aggregate, name: str, amount: Any, draft: Draft) -> Iterator[Draft]:
        """Raise (or lower) the summed field ``name`` of a row already there."""
        table = self.c.rows_ref(node).table
        rows = draft.tables.get(table, [])
        for i in list(range(min(3, len(rows)))) + list(range(max(3, len(rows) - 3), len(rows))):
            if isinstance(rows[i].get(name), (int, Decimal)) and (rows[i][name] + amount >= 0 or amount > 0):
                d = draft.copy()
                d.tables[table][i][name] = rows[i][name] + amount
                yield d

    def templates(self, node: syntax.Aggregate, days: list[dt.date], amount_field: str | None,
                  amount: Any) -> Iterator[Callable[[Draft], None]]:
        """Ways to add one row (and the related item it needs) that the aggregate may count."""
        c = self.c
        if isinstance(c.refs[node.nid], ItemsRef):  # count(s in REL where ...): a new related item, with a row for each inner aggregate
            name = node.target.name if isinstance(node.target, syntax.Name) else None
            rel = c.relations.get(name) if name else None
            if rel is None:
                return
            inner = [a for a in walk(node.where) if isinstance(a, syntax.Aggregate) and isinstance(c.refs.get(a.nid), RowsRef)]
            for item_fields in self.variants(rel.target, set(), days, None, None, limit=20):
                def make_item(d: Draft, item_fields: dict = item_fields) -> None:
                    key = self.new_item(d, rel, item_fields, days)
                    for agg in inner:
                        t, (tfield, _) = c.rows_ref(agg).table, c.rows_ref(agg).link
                        row = self.blank(c.tables[t], d.as_of) | {tfield: key}
                        time_field = c.tables[t].time_field
                        if time_field is not None:
                            row[time_field] = min(days)
                        if isinstance(agg.target, syntax.Attr):
                            row[agg.target.name] = 1
                        d.tables.setdefault(t, []).append(row)
                yield make_item
            return
        table, (tfield, sfield) = c.rows_ref(node).table, c.rows_ref(node).link
        wanted = {n for n in names_in(node.where)} | ({node.target.name} if isinstance(node.target, syntax.Attr) else set())
        rel = None
        if node.over is not None and isinstance(node.over, syntax.Name):
            rel = c.relations.get(node.over.name)
        items = list(self.variants(rel.target, set(), days, None, None, limit=20)) if rel is not None else [{}]
        rows = list(self.variants(table, wanted, days, amount_field, amount, limit=MAX_TEMPLATES))
        for item_fields, fields in itertools.islice(((i, f) for f in rows for i in items), MAX_TEMPLATES):
            def make(d: Draft, fields=fields, item_fields=item_fields) -> None:
                row = self.blank(c.tables[table], d.as_of) | fields
                if rel is not None:
                    row[tfield] = self.new_item(d, rel, item_fields, days)
                else:
                    row[tfield] = d.dimension if sfield == c.dimension else d.entity.get(sfield)
                d.tables.setdefault(table, []).append(row)
            yield make

    def new_item(self, d: Draft, rel: Any, fields: dict, days: list[dt.date]) -> str:
        """A new related item (a shop) and the via row (a binding) that relates it from before every day."""
        c = self.c
        target = c.tables[rel.target]
        key = d.fresh("S")
        row = self.blank(target, d.as_of) | fields | {target.key[0]: key}
        d.tables.setdefault(rel.target, []).append(row)
        via = self.blank(c.tables[rel.via], d.as_of) | {rel.from_field: d.entity[c.tables[c.entity_table].key[0]],
                                                        rel.to_field: key}
        if rel.start_field:
            via[rel.start_field] = min(days) - dt.timedelta(days=1)
        if rel.end_field:
            via[rel.end_field] = None
        d.tables.setdefault(rel.via, []).append(via)
        return key

    def variants(self, table: str, wanted: set[str], days: list[dt.date], amount_field: str | None, amount: Any,
                 limit: int) -> Iterator[dict]:
        """Field values to try for a new row: the time field on each day, the fields a condition
        reads over their values (constants first), the amount fixed."""
        schema = self.c.tables[table]
        choices: list[tuple[str, list[Any]]] = []
        for f in schema.fields:
            if f.name == amount_field and isinstance(amount, (int, Decimal)) and amount < 0 and f.type.kind != "yuan":
                return  # counts, orders, points, rates and scores are never negative
            if f.name == amount_field:
                choices.append((f.name, [None if isinstance(amount, Missing) else amount]))
            elif f.name == schema.time_field:
                choices.append((f.name, days if f.type.kind == "date" else list(dict.fromkeys(Month.of(x) for x in days))))
            elif f.name in wanted or (f.type.kind in ("string", "enum") and not f.references and f.name not in schema.key[:1]):
                choices.append((f.name, self.values_of(f, days)))
        names = [n for n, _ in choices]
        for combo in itertools.islice(itertools.product(*(v for _, v in choices)), limit):
            yield dict(zip(names, combo))

    def values_of(self, f: FieldSchema, days: list[dt.date]) -> list[Any]:
        """Values to try for a field: a list field's are lists of one or more items, or none when it
        is optional (a list of no items is a missing value in every format the reader reads)."""
        t = f.type
        if t.is_list:
            items = self._item_values(f, days)
            lists: list[Any] = [[item] for item in items] + ([items] if len(items) > 1 else [])
            return lists + ([None] if f.optional else [])
        return self._item_values(f, days) + ([None] if f.optional else [])

    def _item_values(self, f: FieldSchema, days: list[dt.date]) -> list[Any]:
        """Values of the field's type (of one item, for a list field)."""
        t = f.type
        if t.kind == "bool":
            out: list[Any] = [True, False]
        elif t.kind == "enum":
            out = list(t.enum_values)
        elif t.kind == "string":
            out = ["a", "b", "z"]
        elif t.kind == "date":
            out = list(days)
        elif t.is_numeric:
            out = [1, 0] if t.is_integral else [Decimal(1), Decimal(0)]
        elif t.kind == "month":
            out = [Month.of(days[0])]
        else:
            out = [default_value(f, days[0])]
        return out

    # ---- 'any month m in W: ...' and whole conditions as figures -------------------------------------------------
    def quantified(self, node: syntax.Quantified, goal: Any, draft: Draft, fig: Figure) -> Iterator[Draft]:
        window = self.eval(draft, node.window)
        if not isinstance(window, Window):
            return
        days = [window.start, window.start + dt.timedelta(days=1), window.end]
        inner = [(a, a.target.name) for a in walk(node.cond)
                 if isinstance(a, syntax.Aggregate) and isinstance(a.target, syntax.Attr)]
        amounts: list[Any] = [goal] if fig.test is not None else ([1, 10**6, 10**9] if goal is True else [])
        if isinstance(goal, Missing):
            amounts = [Missing(("",))]
        for agg, amount_field in inner:
            for amount in amounts:
                for make in self.templates(agg, days, amount_field, amount):
                    d = draft.copy()
                    make(d)
                    yield d


def _rank(policy: Policy, fig: Figure) -> tuple[int, str]:
    """Realize fields first, then single rows, counts, sums and derived values, whole conditions last."""
    node = fig.nodes[0]
    ref = policy.checked.refs.get(node.nid)
    if isinstance(ref, EntityFieldRef | ParamRef):
        order = 0
    elif isinstance(ref, LookupRef | AtRef):
        order = 1
    elif isinstance(node, syntax.Aggregate) and node.fn == "count":
        order = 2 if isinstance(ref, ItemsRef) else 3
    elif isinstance(node, syntax.Quantified):
        order = 6
    else:
        order = 4 if isinstance(node, syntax.Aggregate) else 5
    return order, fig.key


def realize(policies: Policy | list[Policy], space: SpaceBuilder, witness: Mapping[str, Any], as_of: dt.date,
            params: Mapping[str, Any], memo: Memo | None = None) -> Realization:
    """Rows in the policy's tables (for diff: both versions') whose figures take the witness values,
    as far as possible; ``unmet`` lists the figures the rows could not be made to give (shared rows,
    derived values). ``memo``: what the realizations of one search share (a new one when not given)."""
    policies = [policies] if isinstance(policies, Policy) else list(policies)
    policy = policies[0]
    c = policy.checked
    keys = [k for k in witness if k in space.figures]
    witness_day = witness.get("as_of")
    day = witness_day if isinstance(witness_day, dt.date) else as_of
    given = dict(params)
    for pol in policies:
        for name, p in pol.checked.params.items():
            if p.default is None and name not in given:
                given[name] = free_param(pol, name, day)
    table = c.tables[c.entity_table]
    entity = {f.name: default_value(f, day) for f in table.fields} | {table.key[0]: WITNESS}
    draft = Draft(day, given, entity, c.dimension_values[0] if c.dimension else None)
    b = _Builder(policies, space, memo or Memo())
    done: list[str] = []
    unmet: list[str] = []
    for key in sorted(keys, key=lambda k: _rank(policy, space.figures[k])):
        if key == "as_of":
            done.append(key)
            continue
        goal = witness[key]
        now = b.measure(draft, [key] + done)
        if now is not None and same(now[key], goal):
            done.append(key)
            continue
        b.use(space.figures[key])
        for candidate in b.mods(space.figures[key], goal, draft):
            got = b.measure(candidate, [key])  # the figure itself first: most candidates miss it
            if got is None or not same(got[key], goal):
                continue
            got = b.measure(candidate, done)
            if got is not None and all(same(got[k], witness[k]) for k in done):
                draft = candidate
                done.append(key)
                break
        else:
            unmet.append(key)
    values = b.measure(draft, keys) or {}
    unmet = sorted(k for k in keys if not same(values.get(k), witness[k]))
    h = c.header
    if "as_of" in keys and ((h.effective_from and day < h.effective_from) or (h.effective_to and day > h.effective_to)):
        unmet.append("as_of")  # no evaluation on a day the policy is not in force
    for pol in policies[1:]:  # columns only a later version declares
        full = complete(pol, draft)
        draft.entity = full.entity | draft.entity
        draft.tables = {t: full.tables.get(t, rows) for t, rows in draft.tables.items()}
    for t, rows in draft.tables.items():  # the keys complete() gave what was measured
        if t in c.tables:
            distinct_keys(c.tables[t], rows)
    subject = draft_subject(policy, complete(policy, draft), b.memo)
    tables = {t: [] for pol in policies for t in pol.checked.tables} | draft.tables | {c.entity_table: [draft.entity]}
    columns: dict[str, list[str]] = {}
    for pol in policies:
        for t, schema in pol.checked.tables.items():
            columns[t] = list(dict.fromkeys(columns.get(t, []) + [f.name for f in schema.fields]))
    read = {k: _reads(b, space.figures[k]) for k in keys if k != "as_of"}
    sharing = {k: sorted(o for o in read if o != k and read[o] & read.get(k, set())) for k in unmet}
    return Realization(tables, subject.entity, draft.as_of, draft.params, values, unmet, sharing, columns)


def _reads(b: _Builder, fig: Figure) -> frozenset[str]:
    """:func:`reads` of a figure's first node, found once per search (it depends on the syntax only)."""
    c = b.owner(fig).checked
    key = (id(c), fig.nodes[0].nid)  # id(): the checked policy version, kept alive by the search
    if key not in b.memo.reads:
        b.memo.reads[key] = frozenset(reads(c, fig.nodes[0]))
    return b.memo.reads[key]


def reads(c: Any, node: Any, depth: int = 0) -> set[str]:
    """The tables and entity fields an expression reads (through named values): two figures
    that read one of them may be tied by the rows (a sum of B points and a count of B violations)."""
    out: set[str] = set()
    for sub in walk(node):
        ref = c.refs.get(sub.nid)
        match ref:
            case RowsRef(table) | LookupRef(table) | AtRef(table):
                out.add(table)
            case EntityFieldRef(name) if name != c.dimension:  # 'for each': the verdict's value, not rows
                out.add(f"field {name}")
            case ItemsRef() | RelationRef():
                rel_name = ref.name if isinstance(ref, RelationRef) else \
                    getattr(getattr(sub, "target", None), "name", None)
                rel = c.relations.get(rel_name) if rel_name else None
                if rel is not None:
                    out |= {rel.target, rel.via}
            case LetRef(name) if depth < 6:
                out |= reads(c, c.lets[name].expr, depth + 1)
    return out
