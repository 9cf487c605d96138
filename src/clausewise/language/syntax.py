"""The syntax tree of a policy: frozen dataclasses, each with the span it came from and a node id.

Spans and node ids do not take part in equality, so ``parse(fmt(p)) == parse(p)`` compares meaning.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import secrets
from collections.abc import Iterator
from dataclasses import Field, dataclass, field, fields
from decimal import Decimal
from typing import Union

from clausewise.language.dataclassmethods import DataclassMethods  # ==, hash and repr as @dataclass writes them
from clausewise.language.diagnostics import NO_SPAN, Span
from clausewise.values.valuetypes import Month


# ---- node ids ------------------------------------------------------------------------------
#: A random token drawn once per process (again in a forked child) and a counter: node ids are
#: unique within a process, and nodes pickled into (or back from) another process keep ids no
#: node made there can take (a pid would not do: a later worker may reuse a finished one's pid).
_TOKEN = secrets.randbits(64) << 32
_COUNTER = itertools.count()


def _new_process() -> None:
    global _TOKEN, _COUNTER
    _TOKEN, _COUNTER = secrets.randbits(64) << 32, itertools.count()


os.register_at_fork(after_in_child=_new_process)


def _next_nid() -> int:
    return _TOKEN | next(_COUNTER)


@dataclass(frozen=True, eq=False, repr=False)
class Node(DataclassMethods):
    """A syntax node: what was written, the span it came from and its node id."""

    span: Span = field(default=NO_SPAN, compare=False, kw_only=True, repr=False)
    #: This node's id: the key of what the checker and later stages record about it (its sort,
    #: what a name refers to, cached values). Unlike ``id()``, it survives pickling, so a worker
    #: process reads the annotations of the nodes it was sent; a copy keeps it, a new node gets its own.
    nid: int = field(default_factory=_next_nid, init=False, compare=False, repr=False)


def node_fields(node: Node) -> tuple[Field, ...]:
    """The fields of a node that hold what was written: all but its span and node id."""
    return tuple(f for f in fields(node) if f.name not in ("span", "nid"))


def children(node: Node, metadata: bool = False) -> Iterator[Node]:
    """The syntax nodes directly below ``node``, in field order (tuples flattened, the span and
    node id left out); labels and citations (:class:`Labels`, :class:`Meta`) only with ``metadata``."""
    for f in node_fields(node):
        value = getattr(node, f.name)
        for child in value if isinstance(value, tuple) else (value,):
            if isinstance(child, Node) and (metadata or not isinstance(child, (Labels, Meta))):
                yield child


def walk(node: Node, metadata: bool = False) -> Iterator[Node]:
    """``node`` and every syntax node below it, depth first in field order (see :func:`children`)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current, metadata))))


# ---- metadata -----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class Labels(Node):
    """A name in Chinese and English (``"中文" / "English"``). A label written in one language
    only (``"Top Rated"``) fills both, so every explanation falls back to it; ``single`` keeps
    the author's spelling for the formatter."""

    zh: str
    en: str
    single: bool = False


@dataclass(frozen=True, eq=False, repr=False)
class Meta(Node):
    """A condition's or declaration's citations, labels and missing-data decision."""

    cites: tuple[str, ...] = ()
    labels: Labels | None = None
    #: "fails" or "passes": how a condition with missing data is decided.
    missing: str | None = None


# ---- expressions ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class Number(Node):
    """A number as written (``900万``, ``4.5``, ``0.5%``), with the unit that follows it, if any."""

    value: Union[int, Decimal]
    unit: str | None
    text: str


@dataclass(frozen=True, eq=False, repr=False)
class String(Node):
    """A quoted text literal."""

    value: str


@dataclass(frozen=True, eq=False, repr=False)
class BoolLit(Node):
    """``true`` or ``false``."""

    value: bool


@dataclass(frozen=True, eq=False, repr=False)
class DateLit(Node):
    """A date literal (``2024-01-01``)."""

    value: dt.date


@dataclass(frozen=True, eq=False, repr=False)
class MonthLit(Node):
    """A month literal (``2024-01``)."""

    value: Month


@dataclass(frozen=True, eq=False, repr=False)
class NoneLit(Node):
    """``none``: no value."""


@dataclass(frozen=True, eq=False, repr=False)
class AsOf(Node):
    """``as_of``: the day the policy is evaluated for."""


@dataclass(frozen=True, eq=False, repr=False)
class Name(Node):
    """A bare name: a field, parameter, let, rule, binder or enum value (the checker says which)."""

    name: str


@dataclass(frozen=True, eq=False, repr=False)
class Attr(Node):
    """``base.name``: a field of a table, row or item."""

    base: "Expr"
    name: str


@dataclass(frozen=True, eq=False, repr=False)
class Index(Node):
    """``name[key]``; a parameter with several keys: ``name[k1, k2]`` (``more`` holds k2, ...)."""

    name: str
    key: "Expr"
    more: tuple["Expr", ...] = ()


@dataclass(frozen=True, eq=False, repr=False)
class AtDate(Node):
    """``shop_daily.experience_score on as_of``: the value in the row of that date."""

    expr: "Expr"
    date: "Expr"


@dataclass(frozen=True, eq=False, repr=False)
class Arith(Node):
    """``left op right`` with op one of ``+ - * /``."""

    op: str
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True, eq=False, repr=False)
class Neg(Node):
    """``-expr``."""

    expr: "Expr"


@dataclass(frozen=True, eq=False, repr=False)
class Range(Node):
    """``a .. b``: every day (or month) from a to b, both included."""

    start: "Expr"
    end: "Expr"


@dataclass(frozen=True, eq=False, repr=False)
class Calendar(Node):
    """``month of d``, ``quarter of d``; with ``previous``: the one before."""

    kind: str
    date: "Expr"
    previous: bool = False


@dataclass(frozen=True, eq=False, repr=False)
class LastN(Node):
    """``last 30 days to d`` / ``last 3 months to d``: a rolling window ending with d. The
    length may be a parameter, ``last lookback months to d`` (then ``unit`` is its unit)."""

    count: "Number | Name"
    end: "Expr"
    unit: str | None = None

    @property
    def length_unit(self) -> str | None:
        return self.unit if isinstance(self.count, Name) else self.count.unit


@dataclass(frozen=True, eq=False, repr=False)
class NFrom(Node):
    """``60 days from d``: a period of N days starting on d (convention C-4)."""

    count: "Number"
    start: "Expr"


@dataclass(frozen=True, eq=False, repr=False)
class Edge(Node):
    """``start of W``, ``end of W``, or ``day 20 of W`` (kind "day": the window's 20th day,
    none when it is shorter)."""

    kind: str
    window: "Expr"
    day: int = 0


@dataclass(frozen=True, eq=False, repr=False)
class FirstDay(Node):
    """``first day d in W where c``: the first day of a window meeting a condition."""

    var: str
    window: "Expr"
    cond: "Cond"


@dataclass(frozen=True, eq=False, repr=False)
class SetLit(Node):
    """``{a, b, ...}``: a set of values."""

    items: tuple["Expr", ...]


@dataclass(frozen=True, eq=False, repr=False)
class Aggregate(Node):
    """``fn(target ...)``: a sum, count, avg, min or max, with its binder, relation, window and filter."""

    fn: str
    target: "Expr"
    binder: str | None = None
    distinct: bool = False
    over: "Expr | None" = None
    during: "Expr | None" = None
    where: "Cond | None" = None


@dataclass(frozen=True, eq=False, repr=False)
class CountUnits(Node):
    """``count(month m in W where c)``: the months (or days) of a window meeting a condition."""

    unit: str  # month | day
    var: str
    window: "Expr"
    where: "Cond | None" = None


@dataclass(frozen=True, eq=False, repr=False)
class IfExpr(Node):
    """``if c then a else b``: a value chosen by a condition (unknown when c is)."""

    cond: "Cond"
    then: "Expr"
    orelse: "Expr"


@dataclass(frozen=True, eq=False, repr=False)
class Band(Node):
    """``band of x in ladder``: the key of the highest threshold of a ladder that x reaches."""

    value: "Expr"
    ladder: "Expr"


@dataclass(frozen=True, eq=False, repr=False)
class TopN(Node):
    """``top N (field by agg >= bound)``: the field values whose figure meets the bound,
    largest figure first (ties by value), at most N."""

    count: "Expr"
    field: str
    figure: "Aggregate"
    op: str | None = None
    bound: "Expr | None" = None


Expr = Union[
    Number, String, BoolLit, DateLit, MonthLit, NoneLit, AsOf, Name, Attr, Index, AtDate, Arith, Neg,
    Range, Calendar, LastN, NFrom, Edge, FirstDay, SetLit, Aggregate, CountUnits, IfExpr, Band, TopN,
]


# ---- conditions ----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class Entry(Node):
    """A member of a group; named entries carry their own citation and labels."""

    cond: "Cond"
    name: str | None = None
    meta: Meta | None = None


@dataclass(frozen=True, eq=False, repr=False)
class Group(Node):
    """``all of``, ``any of``, ``none of`` or ``at least N of`` a list of entries."""

    kind: str  # all | any | none | at_least
    entries: tuple[Entry, ...]
    n: int = 0
    #: ``at least NAME of``: the parameter that gives N (``n`` is then 0)
    n_param: str | None = None

    @property
    def count_text(self) -> str:
        """N of ``at least N of`` as written: a number or a parameter's name."""
        return self.n_param or str(self.n)


@dataclass(frozen=True, eq=False, repr=False)
class Not(Node):
    """``not c``."""

    cond: "Cond"


@dataclass(frozen=True, eq=False, repr=False)
class IfThen(Node):
    """``if a then b``: b decides; when a fails, the condition does not apply."""

    cond: "Cond"
    then: "Cond"


@dataclass(frozen=True, eq=False, repr=False)
class Quantified(Node):
    """``any month m in W: c`` / ``every day d in W: c``."""

    kind: str  # any | every
    unit: str  # month | day
    var: str
    window: Expr
    cond: "Cond"


@dataclass(frozen=True, eq=False, repr=False)
class Compare(Node):
    """``left op right``: a comparison of two values."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False, repr=False)
class Member(Node):
    """``item in collection`` (``item not in collection`` when negated)."""

    item: Expr
    collection: Expr
    negated: bool = False


@dataclass(frozen=True, eq=False, repr=False)
class IsSet(Node):
    """``expr is set`` (``expr is missing`` when negated)."""

    expr: Expr
    negated: bool = False


@dataclass(frozen=True, eq=False, repr=False)
class Truth(Node):
    """A bare name or expression in a condition: a rule's outcome or a bool value."""

    expr: Expr


Cond = Union[Group, Not, IfThen, Quantified, Compare, Member, IsSet, Truth]


# ---- declarations ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class TypeExpr(Node):
    """A type as written: a unit or kind name, ``money(CUR)``, ``enum(...)`` or ``list(...)``."""

    name: str  # a unit, kind, "enum", "list" or "window"
    enum_values: tuple[str, ...] = ()
    element: "TypeExpr | None" = None


@dataclass(frozen=True, eq=False, repr=False)
class Header(Node):
    """The ``policy`` block: name, title, version, effective dates, sources, entity and compliance."""

    name: str
    title: Labels | None = None
    version: str | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    #: ``effective date not stated``: the source gives no effective date; in force on every day
    effective_not_stated: bool = False
    sources: tuple[tuple[str, str | None], ...] = ()
    entity: str | None = None
    entity_table: str | None = None
    compliant: Cond | None = None
    #: ``entity provider in ls_providers for each assessed_industry: enum(...)``: one verdict
    #: per entity row and value; the value is known by this name.
    dimension: str | None = None
    dimension_type: "TypeExpr | None" = None
    cites: tuple[str, ...] = ()  # clauses the header encodes (scope, effective dates)

    def effective_text(self) -> str:
        """When the policy is in force, as decision records and explanations say it:
        ``not stated``, ``from 2024-01-01`` or ``from 2024-01-01 to 2024-12-31``."""
        if self.effective_not_stated or self.effective_from is None:
            return "not stated"
        return f"from {self.effective_from}" + (f" to {self.effective_to}" if self.effective_to else "")


@dataclass(frozen=True, eq=False, repr=False)
class FieldDecl(Node):
    """A field of a table declaration, with its type and the table field it refers to."""

    name: str
    type: TypeExpr
    optional: bool = False
    ref_table: str | None = None
    ref_field: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class TableDecl(Node):
    """``table NAME key ... { fields }``."""

    name: str
    fields: tuple[FieldDecl, ...]
    key: tuple[str, ...] = ()
    time_field: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class RelationDecl(Node):
    """``relation NAME: TARGET via TABLE while START until END``: the items bound to an entity."""

    name: str
    meta: Meta
    target: str
    via: str
    start_field: str | None = None
    end_field: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class ParamDecl(Node):
    """``param NAME: type = default``, possibly keyed (``per``) or a window of a given shape."""

    name: str
    meta: Meta
    type: TypeExpr
    per: TypeExpr | None = None
    default: Expr | None = None
    #: further key types of a parameter with several keys (``per enum(a, b), string``)
    per_more: tuple[TypeExpr, ...] = ()
    #: ``window of 3 natural months``: a window parameter's value must be this many whole natural months
    window_months: int | None = None
    #: ``... ending by as_of``: and must end no later than the as-of date
    window_ends_by_as_of: bool = False


@dataclass(frozen=True, eq=False, repr=False)
class LetDecl(Node):
    """``let NAME = expr``: a named value."""

    name: str
    meta: Meta
    expr: Expr


@dataclass(frozen=True, eq=False, repr=False)
class RuleDecl(Node):
    """``rule NAME = cond``."""

    name: str
    meta: Meta
    body: Cond


@dataclass(frozen=True, eq=False, repr=False)
class Clause(Node):
    """One ``value when cond`` (or ``otherwise``) of a decision."""

    value: Expr
    when: Cond | None  # None: ``otherwise``


@dataclass(frozen=True, eq=False, repr=False)
class DecideDecl(Node):
    """``decide NAME: type { clauses }``: an outcome and how its clauses combine."""

    name: str
    meta: Meta
    type: TypeExpr
    clauses: tuple[Clause, ...]
    optional: bool = False
    combine: str = "first"


@dataclass(frozen=True, eq=False, repr=False)
class NotEncoded(Node):
    """``not encoded [CITE, ...] "理由" / "reason"``: clauses deliberately left out."""

    cites: tuple[str, ...]
    reason: Labels

    @property
    def name(self) -> str:
        return "not encoded " + ", ".join(self.cites)


Decl = Union[TableDecl, RelationDecl, ParamDecl, LetDecl, RuleDecl, DecideDecl, NotEncoded]


@dataclass(frozen=True, eq=False, repr=False)
class PolicyFile(Node):
    """A whole policy: its header and declarations in source order."""

    header: Header | None
    decls: tuple[Decl, ...]
