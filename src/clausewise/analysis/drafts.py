"""Drafts of witness rows: typed data under construction, default values, and the helpers the
row synthesizer (:mod:`clausewise.analysis.synth`) builds with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterator

from clausewise.language import syntax
from clausewise.engine.policy import Policy
from clausewise.evaluate.leaves import LeafEvaluator
from clausewise.language.sorts import CONVENTION
from clausewise.evaluate.measure import Data, Evaluator, Missing
from clausewise.evaluate.computed import entity_rows
from clausewise.evaluate.params import resolve_params
from clausewise.analysis.subjects import WITNESS, Subject
from clausewise.values.valuetypes import FieldSchema, Month, TableSchema, ValueType
from clausewise.values.calendar import months_window

#: a value no sum of the synthesized rows reaches (the threshold of a 'never' key)
BIG = 10**12


@dataclass
class Draft:
    """Data under construction: the as-of day, parameters, the entity row and other tables."""

    as_of: dt.date
    params: dict[str, Any]
    entity: dict[str, Any]
    dimension: str | None
    tables: dict[str, list[dict]] = field(default_factory=dict)
    serial: int = 0

    def copy(self) -> "Draft":
        return Draft(self.as_of, dict(self.params), dict(self.entity), self.dimension,
                     {t: [dict(r) for r in rows] for t, rows in self.tables.items()}, self.serial)

    def fresh(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial}"


@dataclass
class Realization:
    """Rows that realize a witness (as far as they do), and how to evaluate them."""

    tables: dict[str, list[dict]]  # table -> typed rows (the entity table included)
    entity: str  # the entity id to evaluate (``witness``, or ``witness/<value>`` with ``for each``)
    as_of: dt.date
    params: dict[str, Any]  # every parameter given to the evaluation (the free ones chosen here)
    values: dict[str, Any]  # figure key -> its value measured on the rows
    unmet: list[str]  # figure keys whose measured value is not the witness value
    #: unmet figure key -> the other witness figures that read some of the same rows or fields
    sharing: dict[str, list[str]] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)  # table -> its declared columns

    def text_tables(self) -> dict[str, list[dict[str, str]]]:
        """The rows as text, as a CSV file holds them (sorted, deterministic)."""
        return {t: [{k: text_value(v) for k, v in r.items()} for r in rows] for t, rows in sorted(self.tables.items())}

    def text_params(self) -> dict[str, Any]:
        return {k: param_text(v) for k, v in sorted(self.params.items())}


def text_value(value: Any) -> str:
    """A typed value as data files write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        return ";".join(text_value(v) for v in value)
    return str(value)


def param_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): param_text(v) for k, v in value.items()}
    return text_value(value) if not isinstance(value, str) else value


def same(a: Any, b: Any) -> bool:
    """Whether a measured value is the witness value (missing is missing, whatever the reason)."""
    if isinstance(a, Missing) or isinstance(b, Missing):
        return isinstance(a, Missing) and isinstance(b, Missing)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


# ---- defaults ------------------------------------------------------------------------------------------------
def low_value(vtype: ValueType) -> Any:
    return 0 if vtype.is_integral else Decimal(1)


def default_value(f: FieldSchema, as_of: dt.date) -> Any:
    t = f.type
    if f.optional:
        return None
    if t.is_list:  # a required list is never empty in accepted data
        return [t.enum_values[0]] if t.kind == "enum" and t.enum_values else ["a"]
    if t.kind == "date":
        return as_of - dt.timedelta(days=60)
    if t.kind == "month":
        return Month.of(as_of)
    if t.kind == "bool":
        return False
    if t.kind == "enum":
        return t.enum_values[0]
    if t.kind == "string":
        return "a"
    return 0 if t.is_integral else Decimal(0)


def free_param(policy: Policy, name: str, as_of: dt.date) -> Any:
    """A value for a required parameter nobody gave: the last three months, or per key a low
    value for key ``a`` (and every enum key) and an unreachable one for key ``b``."""
    p = policy.checked.params[name]
    if p.vtype.kind == "window":
        last = Month.of(as_of).shift(-1)
        return months_window(last.shift(-2), last)
    if p.per is None:
        return low_value(p.vtype) if p.vtype.is_numeric else default_value(FieldSchema(name, p.vtype), as_of)

    def level(keys: tuple[ValueType, ...]) -> Any:
        if not keys:
            return low_value(p.vtype) if p.vtype.is_numeric else default_value(FieldSchema(name, p.vtype), as_of)
        if keys[0].kind == "enum":
            return {k: level(keys[1:]) for k in keys[0].enum_values}
        high = Decimal(1) if p.vtype.kind == "rate" else BIG  # a rate is at most 1, as its values are checked
        return {"a": level(keys[1:]), "b": high if p.vtype.is_numeric and not keys[1:] else level(keys[1:])}
    return level((p.per, *p.per_more))


# ---- measuring -------------------------------------------------------------------------------------------------
class Memo:
    """What the drafts of one search share: each version's parameters resolved once per as-of day
    and set of given values (drafts rarely change them), and what depends on a version's syntax
    only (:attr:`Evaluator.node_facts`, the same for any data, day and parameters; what a figure
    reads), and each table's row of default values per day."""

    def __init__(self) -> None:
        self.params: dict[tuple, tuple[dict[str, Any], str]] = {}
        self.facts: dict[int, dict[Any, Any]] = {}
        #: (id of a checked version, node id) -> the tables and fields a figure reads (synth.reads)
        self.reads: dict[tuple[int, int], frozenset[str]] = {}
        #: (id of a table schema, as-of day) -> a row of every field's default (synth._Builder.blank)
        self.blanks: dict[tuple[int, dt.date], dict[str, Any]] = {}


def draft_subject(policy: Policy, draft: Draft, memo: Memo | None = None) -> Subject:
    """The draft's entity, evaluated on the draft's rows (no overrides); with ``memo``, the
    parameters and syntax facts another draft of the same search found are used again."""
    c = policy.checked
    if memo is None:
        values, convention = resolve_params(c, draft.params, draft.as_of)
    else:
        # id(): the checked policy version, kept alive by the search that owns the memo; repr: the
        # given values as text (a value of another type or form is another key, never a wrong hit)
        key = (id(c), draft.as_of, tuple(sorted((k, repr(v)) for k, v in draft.params.items())))
        if key not in memo.params:
            memo.params[key] = resolve_params(c, draft.params, draft.as_of)
        values, convention = memo.params[key]
    tables = {**draft.tables, c.entity_table: [draft.entity]}
    ev = Evaluator(c, Data(tables), values, draft.as_of, convention)
    if memo is not None:
        ev.node_facts = memo.facts.setdefault(id(c), {})
    rows = entity_rows(c, [draft.entity])
    entity = next(iter(rows)) if not c.dimension else f"{WITNESS}/{draft.dimension}"
    return Subject(policy, ev, LeafEvaluator(ev), entity, rows[entity], draft.as_of)


def complete(policy: Policy, draft: Draft) -> Draft:
    """Every column this policy declares present in every row (another version may declare more);
    parameters this version does not declare left out."""
    c = policy.checked
    d = Draft(draft.as_of, {k: v for k, v in draft.params.items() if k in c.params or k == CONVENTION},
              dict(draft.entity), draft.dimension, {}, draft.serial)
    for f in c.tables[c.entity_table].fields:
        d.entity.setdefault(f.name, default_value(f, draft.as_of))
    for t, rows in draft.tables.items():
        if t in c.tables:
            fields = c.tables[t].fields  # a default made only for a column the row lacks
            full = [{f.name: r[f.name] if f.name in r else default_value(f, draft.as_of) for f in fields} | r for r in rows]
            d.tables[t] = distinct_keys(c.tables[t], full)
    return d


def distinct_keys(schema: TableSchema, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with no key given twice, as the reader rejects a key given twice: a row whose key an
    earlier row has gets its first key field of text that refers to no table numbered (``a`` ->
    ``a2``, ``a3``, ...). Rows are changed in place; the same rows in the same order give the same
    keys, so what synth measures (:func:`complete`) is what the witness's files hold."""
    loose = next((name for name in schema.key if (f := schema.field(name)) is not None and f.type.kind == "string"
                  and not f.type.is_list and f.references is None), None)
    if loose is None:
        return rows
    seen: set[tuple] = set()
    for row in rows:
        key, base, n = tuple(row.get(k) for k in schema.key), row.get(loose), 2
        while key in seen:
            row[loose] = f"{base}{n}"
            key, n = tuple(row.get(k) for k in schema.key), n + 1
        seen.add(key)
    return rows


def walk(node: Any) -> Iterator[Any]:
    """Every syntax node in ``node`` (a node, a tuple of them, or anything else: none), labels included."""
    if isinstance(node, syntax.Node):
        yield from syntax.walk(node, metadata=True)
    elif isinstance(node, tuple):
        for item in node:
            yield from walk(item)


def names_in(node: Any) -> Iterator[str]:
    for sub in walk(node):
        if isinstance(sub, syntax.Attr):
            yield sub.name
        elif isinstance(sub, syntax.Name):
            yield sub.name


def plus(a: Any, b: Any) -> Any:
    return a + (dt.timedelta(days=b) if isinstance(a, dt.date) and isinstance(b, int) else b)


def minus(a: Any, b: Any) -> Any:
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return (a - b).days
    return a - (dt.timedelta(days=b) if isinstance(a, dt.date) and isinstance(b, int) else b)


def times(a: Any, b: Any) -> Any:
    return a * b


def over(a: Any, b: Any) -> Any:
    value = Decimal(a) / Decimal(b)
    return int(value) if value == int(value) else value


def attempt(fn: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    try:
        return fn(a, b)
    except (TypeError, ArithmeticError, ValueError, OverflowError):
        return None
