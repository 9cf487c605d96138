"""Leaf conditions as rules of the program: the comparison, its bound and its operator.

A leaf that compares two figures (``sum(...) >= silver_paid_orders``), tests one (``x is
set``) or reads a bool figure is decided by the program from the figures' values, which enter
as facts: ``figure(E, F, V)`` for a value, ``figure_none(E, F)`` for none, ``figure_missing(E,
F)`` when data are missing (:mod:`clausewise.asp.terms` encodes values so that clingo's term
order is their order, exactly). Constant figures (literals, parameters, ``as_of``) are the
same for every entity: literals are written into the program, parameters are ``param/2``
facts with their defaults in the program (``param_given/2`` overrides one), and constants
computed from the as-of day are ``const/2`` facts of each evaluation.

A membership in a set of literals is a rule over ``element/2`` facts the program states; a date in a
window (``as_of in 60 days from found_on``, ``d in previous quarter of as_of``) compares the date with
the window's start and end (:data:`WITHIN_RULES`), which are figures (offsets of the program's where they
are, :data:`OFFSET_RULES`), and a month in a window (``report_month in quarter of as_of``) its first and
last days (:data:`MONTH_WITHIN_RULES`; the days are the program's, :data:`MONTH_EDGE_RULES`); a value
in a list field (``catering in industries``) is looked up among the list's items, which enter as units
of the list's figure (:data:`LISTED_RULES`). A
quantifier over the months or days of a window (``any month m in W: sum(... during m) >= B``)
gets its units' values as ``unit_value(E, F, K, V)`` facts (``unit_none/3``, ``unit_missing/3``;
``K`` numbers the units in window order): each unit is compared by the same rules as a leaf's
two sides, or, of a quantifier over a bool of each unit (``every day d in W: r0 on d``), read as a
``truth`` leaf reads a bool, and ``any``/``every`` is decided from the units' statuses (``quantifier_status/3``).
A date offset between single dates (``end of 90 days from revoked_on``, ``cold_start_trigger + 60
days``, ``quarter_end_assessment - cold_start_pass_day``, ``end of previous quarter of as_of``) is a
rule of the program over its dates' day numbers (:data:`OFFSET_RULES`, :data:`CALENDAR_RULES`): the
dates enter as figures, the offset does not.
Leaves of other shapes are still decided in exact arithmetic outside the program and enter as
``leaf(E, Node, Status)``: a quantifier whose body is neither one comparison with its month or
day on one side nor a bool (``any day d in W: a and b``), and, in the analysis commands' search,
quantifiers, dates in windows and values in list fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clausewise.asp.plan import LogicNode, Plan
from clausewise.asp.terms import kind_of, term_text
from clausewise.asp.text import comment, q
from clausewise.evaluate.figuretable import FigureDef, FigurePlan, LeafDef
from clausewise.language import syntax
from clausewise.language.check import FIRST_DAY, LAST_DAY, MAX_OFFSET_DAYS
from clausewise.language.sorts import CONVENTION, CONVENTIONS
from clausewise.language.refs import EnumRef, ParamRef
from clausewise.values.valuetypes import UNITS, is_currency

#: figure units whose values have exact, ordered terms (and every currency: ``money(USD)``)
ENCODABLE = UNITS | {"number", "date", "month", "string", "enum", "bool"}


def encodable(unit: str | None) -> bool:
    return unit in ENCODABLE or is_currency(unit)
#: a comparison's operator, the one that fails when it does not hold, and its ASP spelling
OPS = {">=": ("<", ">="), ">": ("<=", ">"), "<=": (">", "<="), "<": (">=", "<"), "=": ("!=", "="), "!=": ("=", "!=")}
OP_NAMES = {">=": "ge", ">": "gt", "<=": "le", "<": "lt", "=": "eq", "!=": "ne"}

GENERIC_RULES = """\
% ---- figures: per entity (figure/3, figure_none/2, figure_missing/2 facts) or constant
param(P,V) :- param_default(P,V), not param_overridden(P).
param(P,V) :- param_given(P,V).
param_overridden(P) :- param_given(P,_).
param_overridden(P) :- param_none(P).
value(E,F,V) :- figure(E,F,V).
value(E,F,V) :- entity(E), const(F,V).
none(E,F) :- figure_none(E,F).
none(E,F) :- entity(E), const_none(F).
missing(E,F) :- figure_missing(E,F).
missing(E,F) :- entity(E), const_missing(F).
has_value(E,F) :- value(E,F,_).
% the months or days a quantifier walks: unit K of figure F is the figure u(F,K)
value(E,u(F,K),V) :- unit_value(E,F,K,V).
none(E,u(F,K)) :- unit_none(E,F,K).
missing(E,u(F,K)) :- unit_missing(E,F,K).
unit(E,F,K) :- unit_value(E,F,K,_).
unit(E,F,K) :- unit_none(E,F,K).
unit(E,F,K) :- unit_missing(E,F,K).
% a comparison C of sides A and B, a leaf's or one unit's of a quantifier, where a side is none
% or missing (the rules of each leaf decide the others from the two values)
no_value(E,F) :- none(E,F).
no_value(E,F) :- missing(E,F).
comparison(E,L,A,B,O) :- compares(L,A,B,O), no_value(E,A).
comparison(E,L,A,B,O) :- compares(L,A,B,O), no_value(E,B).
comparison(E,(L,K),u(F,K),B,O) :- quantifies(L,F,B,O,left), unit(E,F,K), no_value(E,u(F,K)).
comparison(E,(L,K),u(F,K),B,O) :- quantifies(L,F,B,O,left), unit(E,F,K), no_value(E,B).
comparison(E,(L,K),A,u(F,K),O) :- quantifies(L,F,A,O,right), unit(E,F,K), no_value(E,u(F,K)).
comparison(E,(L,K),A,u(F,K),O) :- quantifies(L,F,A,O,right), unit(E,F,K), no_value(E,A).
% a comparison with none: '=' holds when both sides are none, '!=' when one is; no order holds
none_case(E,C,O,both) :- comparison(E,C,A,B,O), none(E,A), none(E,B).
none_case(E,C,O,one) :- comparison(E,C,A,B,O), none(E,A), value(E,B,_).
none_case(E,C,O,one) :- comparison(E,C,A,B,O), value(E,A,_), none(E,B).
compared(E,C,pass) :- none_case(E,C,eq,both).
compared(E,C,fail) :- none_case(E,C,ne,both).
compared(E,C,fail) :- none_case(E,C,eq,one).
compared(E,C,pass) :- none_case(E,C,ne,one).
compared(E,C,fail) :- none_case(E,C,O,_), O != eq, O != ne.
% missing data on either side: the comparison is unknown
compared(E,C,unknown) :- comparison(E,C,A,_,_), missing(E,A).
compared(E,C,unknown) :- comparison(E,C,_,B,_), missing(E,B).
% any|every over a window's units: a unit with the deciding status decides; else an unknown unit
% makes it unknown; else (every unit the other way, or no unit at all) the other status
decides(any,pass). decides(every,fail). otherwise(any,fail). otherwise(every,pass).
unit_seen(E,L,S) :- unit_status(E,L,_,S).
quantifier_status(E,L,unknown) :- quantifier(L,_,W), missing(E,W).
quantifier_status(E,L,S) :- quantifier(L,Q,W), not missing(E,W), decides(Q,S), unit_seen(E,L,S).
quantifier_status(E,L,unknown) :- quantifier(L,Q,W), entity(E), not missing(E,W), decides(Q,D),
    not unit_seen(E,L,D), unit_seen(E,L,unknown).
quantifier_status(E,L,S) :- quantifier(L,Q,W), entity(E), not missing(E,W), decides(Q,D),
    not unit_seen(E,L,D), not unit_seen(E,L,unknown), otherwise(Q,S).
#defined unit_value/4. #defined unit_none/3. #defined unit_missing/3. #defined compares/4.
#defined quantifies/5. #defined quantifier/3. #defined unit_status/4. #defined element/2.
"""

WITHIN_RULES = """\
% ---- a date D in a window (within(L,D,S,T): S and T are the window's start and end days, both in it);
% missing data on any of the three: unknown; else a window that does not exist (its start and end are
% none) or a date that is none: not in it
within_part(L,D) :- within(L,D,_,_).  within_part(L,S) :- within(L,_,S,_).  within_part(L,T) :- within(L,_,_,T).
within_missing(E,L) :- within_part(L,F), missing(E,F).
inside(E,L,unknown) :- within_missing(E,L).
inside(E,L,no) :- within_part(L,F), none(E,F), not within_missing(E,L).
inside(E,L,yes) :- within(L,D,S,T), value(E,D,X), value(E,S,A), value(E,T,B), A <= X, X <= B.
inside(E,L,no) :- within(L,D,S,T), value(E,D,X), value(E,S,A), value(E,T,_), X < A.
inside(E,L,no) :- within(L,D,S,T), value(E,D,X), value(E,S,_), value(E,T,B), X > B.
"""

MONTH_WITHIN_RULES = """\
% ---- a month in a window (month_in(L), with within((L,first),F,S,T) and within((L,last),Z,S,T): F and Z
% are the month's first and last days): in it when both days are; unknown when either is; else not in it
month_unknown(E,L) :- month_in(L), inside(E,(L,_),unknown).
month_inside(E,L,unknown) :- month_unknown(E,L).
month_inside(E,L,yes) :- month_in(L), inside(E,(L,first),yes), inside(E,(L,last),yes).
month_inside(E,L,no) :- month_in(L), inside(E,(L,_),no), not month_unknown(E,L).
#defined month_in/1.
"""

LISTED_RULES = """\
% ---- a value V in a list field (listed(L,V,C): the list's items are units of figure C, in order);
% missing data on either side: unknown; else a value or a list that is none: not in it
listed_item(E,L) :- listed(L,V,C), value(E,V,X), unit_value(E,C,_,X).
list_missing(E,L) :- listed(L,V,_), missing(E,V).  list_missing(E,L) :- listed(L,_,C), missing(E,C).
in_list(E,L,unknown) :- list_missing(E,L).
in_list(E,L,no) :- listed(L,V,_), none(E,V), not list_missing(E,L).
in_list(E,L,no) :- listed(L,_,C), none(E,C), not list_missing(E,L).
in_list(E,L,yes) :- listed_item(E,L).
in_list(E,L,no) :- listed(L,V,C), value(E,V,_), not none(E,C), not missing(E,C), not listed_item(E,L).
"""

SHOWN_UNIT_RULES = """\
% the unit of a quantifier the explanation shows (shown_unit/3): the first with the deciding status,
% else the first unknown one; none when every unit goes the other way (or there is none)
shown_unit(E,L,K) :- quantifier(L,Q,_), decides(Q,S), unit_seen(E,L,S), K = #min{ J : unit_status(E,L,J,S) }.
shown_unit(E,L,K) :- quantifier(L,Q,_), decides(Q,D), unit_seen(E,L,unknown), not unit_seen(E,L,D),
    K = #min{ J : unit_status(E,L,J,unknown) }.
"""

OFFSET_RULES = f"""\
% ---- date offsets between single dates, on day numbers ({FIRST_DAY} = 0001-01-01 .. {LAST_DAY} = 9999-12-31);
% every operand is a day number or an offset of at most {MAX_OFFSET_DAYS:,} days (checked), so no sum leaves 32 bits
calendar({FIRST_DAY},{LAST_DAY}).
% day_shift(F,B,K): F = B + K days (d + 1 day, d - 30 days); a day beyond the calendar is not known
value(E,F,V) :- day_shift(F,B,K), value(E,B,D), V = D + K, calendar(L,H), L <= V, V <= H.
missing(E,F) :- day_shift(F,B,K), value(E,B,D), calendar(L,_), D + K < L.
missing(E,F) :- day_shift(F,B,K), value(E,B,D), calendar(_,H), D + K > H.
% period_end(F,B,N): F = end of N days from B, under the day-count convention C-4 (a parameter): the start
% day is day 1 (B + N - 1), or excluded (B + N); a period past the calendar's end is cut there
period_extra(0) :- param("{CONVENTION}","start_day_is_day_1").
period_extra(1) :- param("{CONVENTION}","start_day_excluded").
value(E,F,V) :- period_end(F,B,N), value(E,B,D), period_extra(X), V = D + N - 1 + X, calendar(_,H), V <= H.
value(E,F,H) :- period_end(F,B,N), value(E,B,D), period_extra(X), calendar(_,H), D + N - 1 + X > H.
% day_diff(F,A,B): F = A - B, the days from B to A, a number term (|A - B| < {LAST_DAY:,} < 10^9: one limb)
value(E,F,q(1,1,(V,()))) :- day_diff(F,A,B), value(E,A,X), value(E,B,Y), V = X - Y, V > 0.
value(E,F,q(0,0,())) :- day_diff(F,A,B), value(E,A,X), value(E,B,X).
value(E,F,q(-1,-1,(V,#sup))) :- day_diff(F,A,B), value(E,A,X), value(E,B,Y), V = X - Y, V < 0.
% a date that is missing makes the offset missing; else one that is none makes it none
offset_of(F,B) :- day_shift(F,B,_).  offset_of(F,B) :- period_end(F,B,_).
offset_of(F,A) :- day_diff(F,A,_).  offset_of(F,B) :- day_diff(F,_,B).  offset_of(F,B) :- calendar_edge(F,B,_,_,_).
missing(E,F) :- offset_of(F,B), missing(E,B).
none(E,F) :- offset_of(F,B), none(E,B), not missing(E,F).
#defined day_shift/3. #defined period_end/3. #defined day_diff/3. #defined calendar_edge/5.
"""

CALENDAR_RULES = """\
% ---- the start or end of the month or quarter of a date (calendar_edge(F,B,start|end,month|quarter,Previous):
% F = that edge of the period holding date B, or of the one before when Previous = 1), on day numbers
% (date.toordinal(): 0001-01-01 = 1). The year and month of a day number, and the day number of a year's
% month's first day, by Howard Hinnant's civil calendar arithmetic (days_from_civil, civil_from_days:
% proleptic Gregorian, 400-year eras); every operand is below 4 million, far inside 32 bits
period_months(month,1). period_months(quarter,3).
% the year and month of date B: M0 = M - 1 and months counted from year 0, YM = 12 * Y + M0
year_month(E,F,12 * (Yoe + Era * 400 + Mp / 10) + Mp + 2 - 12 * (Mp / 10)) :- calendar_edge(F,B,_,_,_), value(E,B,D),
    Z = D + 305, Era = Z / 146097, Doe = Z - Era * 146097, Yoe = (Doe - Doe / 1460 + Doe / 36524 - Doe / 146096) / 365,
    Doy = Doe - (365 * Yoe + Yoe / 4 - Yoe / 100), Mp = (5 * Doy + 2) / 153.
% the first month (counted from year 0) of the period: the month, or the quarter's first; L months earlier for the previous
period_from(E,F,YM - L * P,L) :- calendar_edge(F,_,_,month,P), year_month(E,F,YM), period_months(month,L).
period_from(E,F,YM - YM \\ 12 + (YM \\ 12) / 3 * 3 - L * P,L) :- calendar_edge(F,_,_,quarter,P), year_month(E,F,YM),
    period_months(quarter,L).
% the first day of the period and of the next one, as day numbers (days_from_civil of that month's first day)
first_day(E,F,start,S) :- period_from(E,F,S,_), S >= 12.
first_day(E,F,next,S + L) :- period_from(E,F,S,L), S >= 12.
month_start(E,F,W,Era * 146097 + Yoe * 365 + Yoe / 4 - Yoe / 100 + (153 * Mp + 2) / 5 - 305) :- first_day(E,F,W,YM),
    Y = YM / 12, M = YM \\ 12 + 1, A = (14 - M) / 12, Era = (Y - A) / 400, Yoe = Y - A - Era * 400, Mp = M + 12 * A - 3.
value(E,F,V) :- calendar_edge(F,_,start,_,_), month_start(E,F,start,V).
value(E,F,V - 1) :- calendar_edge(F,_,end,_,_), month_start(E,F,next,V).
% a period that starts before the calendar (the month or quarter before 0001-01) is not known
missing(E,F) :- period_from(E,F,S,_), S < 12.
"""

MONTH_EDGE_RULES = """\
% ---- the first or last day of a month M (month_edge(F,M,start|end)): M's value is its month number (YM of
% CALENDAR_RULES), whose first day and the next month's CALENDAR_RULES compute
period_from(E,F,YM,1) :- month_edge(F,M,_), value(E,M,YM).
value(E,F,V) :- month_edge(F,_,start), month_start(E,F,start,V).
value(E,F,V - 1) :- month_edge(F,_,end), month_start(E,F,next,V).
offset_of(F,M) :- month_edge(F,M,_).
#defined month_edge/3.
"""


@dataclass
class FigureProgram:
    """Which leaves the program decides, and the facts it needs for them."""

    plan: Plan
    figures: FigurePlan
    #: leaf id -> its LeafDef, for the leaves decided by rules
    compiled: dict[str, LeafDef] = field(default_factory=dict)
    #: per-entity figures the compiled leaves read
    entity_figures: list[str] = field(default_factory=list)
    #: constant figures: id -> parameter name, literal term text, or None (a const/2 fact per evaluation)
    constants: dict[str, tuple[str, Any]] = field(default_factory=dict)
    #: False: quantifiers over months or days enter as ``leaf/3`` (the analysis commands' search)
    quantifiers: bool = True
    #: False: date offsets enter as figures (the analysis commands' search chooses their values)
    offsets: bool = True
    #: figures the program computes from other figures (date offsets): id -> ('shift', base, days),
    #: ('period_end', base, N), ('diff', a, b), ('calendar', base, edge, unit, previous) or
    #: ('month_edge', month, edge); no fact
    #: carries them (``figure/3`` carries their dates)
    offset_figures: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        seen: dict[str, None] = {}
        for leaf_id, leaf in self.figures.leaves.items():
            if self._decidable(leaf):
                self.compiled[leaf_id] = leaf
                for fid in leaf.figures:
                    seen.setdefault(fid)
        pending = list(seen) if self.offsets else []
        while pending:  # an offset's date may be a constant offset itself: its own dates are read too
            fid = pending.pop(0)
            offset = self.figures.figures[fid].offset
            if offset is not None and self._offset_ok(offset):
                self.offset_figures[fid] = offset
                for base in self.bases(fid):
                    if base not in seen:
                        seen[base] = None
                        pending.append(base)
        for fid in seen:
            f = self.figures.figures[fid]
            if f.constant:
                self.constants[fid] = self._constant(f)
            else:
                self.entity_figures.append(fid)

    def bases(self, fid: str) -> tuple[str, ...]:
        """The dates an offset figure is computed from (none for any other figure)."""
        offset = self.offset_figures.get(fid)
        if offset is None:
            return ()
        return tuple(offset[1:]) if offset[0] == "diff" else (offset[1],)

    def _offset_ok(self, offset: tuple[Any, ...]) -> bool:
        """An offset within 32 bits of dates that are plain figures, or constant offsets the program
        states too (``end of previous quarter of as_of``); an entity's offset of an offset enters as a figure."""
        kind, *rest = offset
        dates = rest if kind == "diff" else rest[:1]
        days = rest[1] if kind in ("shift", "period_end") else 0

        def plain_or_constant(d: FigureDef) -> bool:
            return d.offset is None or (d.constant and self._offset_ok(d.offset))

        unit = "month" if kind == "month_edge" else "date"
        return abs(days) <= MAX_OFFSET_DAYS and all(
            (f := self.figures.figures[d]).role == "value" and f.unit == unit and plain_or_constant(f) for d in dates)

    def convention_params(self, convention: str) -> list[tuple[str, str]]:
        """The day-count convention C-4 as a ``param_given/2`` (name, value), when the program reads
        it (``end of N days from d``) and it is not the default the program states."""
        reads = any(offset[0] == "period_end" for offset in self.offset_figures.values())
        return [(CONVENTION, convention)] if reads and convention != CONVENTIONS[0] else []

    def _decidable(self, leaf: LeafDef) -> bool:
        defs = [self.figures.figures[f] for f in leaf.figures]
        if leaf.kind == "compare":
            return all(d.role == "value" and encodable(d.unit) for d in defs)
        if leaf.kind == "truth":
            return defs[0].role == "value" and defs[0].unit == "bool"
        if leaf.kind == "is_set":
            return defs[0].role == "value" and encodable(defs[0].unit)
        if leaf.kind == "member":
            item, collection = defs
            return (item.role == "value" and encodable(item.unit) and collection.constant
                    and self._elements(collection) is not None)
        if leaf.kind == "within":  # the search chooses a date's candidates, not its window's edges: leaf/3 there
            item, *days = defs
            return (self.offsets and item.role == "value" and item.unit in ("date", "month")
                    and all(d.role == "value" and d.unit == "date" for d in days))
        if leaf.kind == "listed":  # the search chooses a yes/no figure for these: leaf/3 there
            item, items = defs
            literal = item.constant and self._literal(item.node) is not None  # an enum value: 'catering in industries'
            return (self.quantifiers and item.role == "value" and (encodable(item.unit) or literal) and items.role == "units"
                    and encodable(items.unit))
        if leaf.kind == "quantified":
            if not self.quantifiers:
                return False
            window, units, *other = defs
            if leaf.op == "truth":  # a bool of each unit
                return window.role == "window" and units.role == "units" and units.unit == "bool"
            return (window.role == "window" and units.role == "units" and encodable(units.unit)
                    and other[0].role == "value" and encodable(other[0].unit))
        return False

    def _elements(self, f: FigureDef) -> list[str] | None:
        """The terms of a set of literals (``{"江苏省", "上海市"}``), None for any other collection."""
        if not isinstance(f.node, syntax.SetLit):
            return None
        terms = [self._literal(item) for item in f.node.items]
        return None if any(term is None for term in terms) else [term for term in terms if term is not None]

    def _literal(self, node: Any) -> str | None:
        """The term of a literal (a number, string, bool, date, month or enum value), else None."""
        ref = self.plan.checked.refs.get(node.nid) if isinstance(node, syntax.Name) else None
        if isinstance(ref, EnumRef):
            return term_text(node.name)
        if isinstance(node, (syntax.Number, syntax.String, syntax.BoolLit, syntax.DateLit, syntax.MonthLit)):
            if kind_of(node.value):
                return term_text(node.value)
        return None

    def _constant(self, f: FigureDef) -> tuple[str, Any]:
        """How the program gets a constant figure: ('param', name), ('literal', term), ('set',
        [term, ...]), or ('const', None): a fact of each evaluation (for a window, only whether it
        is none or missing: its months or days reach the program as units)."""
        if f.role == "window":
            return ("const", None)
        if f.id in self.offset_figures:
            return ("offset", None)
        elements = self._elements(f)
        if elements is not None:
            return ("set", elements)
        node = f.node
        refs = self.plan.checked.refs
        ref = refs.get(node.nid) if isinstance(node, syntax.Name) else None
        if isinstance(ref, ParamRef) and self.plan.checked.params[ref.name].per is None:
            return ("param", ref.name)
        literal = self._literal(node)
        return ("literal", literal) if literal is not None else ("const", None)

    def params(self) -> list[str]:
        """The parameters the program reads: bounds of its comparisons, and N of ``at least N of``."""
        return sorted({what for kind, what in self.constants.values() if kind == "param"}
                      | set(self.plan.checked.group_counts))

    def defaults(self) -> dict[str, Any]:
        """The parameters whose default is a literal: the value the program states."""
        out = {}
        for name in self.params():
            node = self.plan.checked.params[name].default
            if isinstance(node, (syntax.Number, syntax.String, syntax.BoolLit, syntax.DateLit, syntax.MonthLit)):
                value = node.value
            elif isinstance(node, syntax.Name) and isinstance(self.plan.checked.refs.get(node.nid), EnumRef):
                value = node.name
            else:
                continue
            if kind_of(value):
                out[name] = value
        return out

    # ---- program text -------------------------------------------------------------------------------
    def preamble(self) -> list[str]:
        """Parameter defaults, literal constants, each figure's definition, the generic rules."""
        defaults = self.defaults()
        lines = ["% ---- parameters (defaults; a param_given/2 or param_none/1 fact replaces one)"]
        for name in self.params():
            if name in defaults:
                node = self.plan.checked.params[name].default
                shown = node.text if isinstance(node, syntax.Number) else str(defaults[name])
                lines.append(f"param_default({q(name)},{term_text(defaults[name])}).  " + comment(f"{name} = {shown}"))
            else:
                lines.append(comment(f"{name}: no literal default, given with each evaluation"))
        lines.append("% ---- the figures the program's comparisons read")
        for fid, (kind, what) in self.constants.items():
            f = self.figures.figures[fid]
            if kind == "param":
                lines.append(f"const({q(fid)},V) :- param({q(what)},V).  " + comment(f"= {f.text}"))
                lines.append(f"const_none({q(fid)}) :- param_none({q(what)}).")
            elif kind == "literal":
                lines.append(f"const({q(fid)},{what}).  " + comment(f"= {f.text}"))
            elif kind == "set":
                lines.append(" ".join(f"element({q(fid)},{term})." for term in what) + "  " + comment(f"= {f.text}"))
            elif kind == "offset":
                lines += self._offset_lines(fid)
            elif f.role == "window":
                lines.append(comment(f"{fid} = {f.text}: a window of each evaluation (const_none/1 or "
                                     "const_missing/1 when it has no days; its days or months are units)"))
            else:
                lines.append(comment(f"{fid} = {f.text}: a const/2 fact of each evaluation (it depends on the day)"))
        for fid in self.entity_figures:
            f = self.figures.figures[fid]
            where = f" during {', '.join(f.windows)}" if f.windows else ""
            if f.role == "units" and f.window_figure is None:
                what = "a unit_value/4 fact per entity and item of the list"
            elif f.role == "units":
                window = self.figures.figures[f.window_figure or ""].text
                what = f"a unit_value/4 fact per entity and {f.unit_kind} {f.var} of {window}"
            elif f.role == "window":
                what = "figure_none/2 or figure_missing/2 per entity when it has no days"
            elif fid in self.offset_figures:
                lines += self._offset_lines(fid)
                continue
            else:
                what = "a figure/3 fact per entity"
            lines.append(comment(f"figure {fid} = {f.text}{where}: {what}"))
        lines.append(GENERIC_RULES)
        if any(leaf.kind == "quantified" for leaf in self.compiled.values()):
            lines.append(SHOWN_UNIT_RULES)
        if any(leaf.kind == "within" for leaf in self.compiled.values()):
            lines.append(WITHIN_RULES)
        if any(leaf.kind == "within" and len(leaf.figures) == 5 for leaf in self.compiled.values()):
            lines.append(MONTH_WITHIN_RULES)
        if any(leaf.kind == "listed" for leaf in self.compiled.values()):
            lines.append(LISTED_RULES)
        if self.offset_figures:
            if any(offset[0] == "period_end" for offset in self.offset_figures.values()):
                lines.append(f"param_default({q(CONVENTION)},{q(CONVENTIONS[0])}).  "
                             + comment("C-4: the start day of 'N days from d' is day 1 (a param_given/2 fact replaces it)"))
            lines.append(OFFSET_RULES)
            if any(offset[0] in ("calendar", "month_edge") for offset in self.offset_figures.values()):
                lines.append(CALENDAR_RULES)
            if any(offset[0] == "month_edge" for offset in self.offset_figures.values()):
                lines.append(MONTH_EDGE_RULES)
        return lines

    def _offset_lines(self, fid: str) -> list[str]:
        """The fact stating an offset figure's offset, with its expression."""
        f = self.figures.figures[fid]
        kind, *rest = self.offset_figures[fid]
        if kind == "diff":
            fact = f"day_diff({q(fid)},{q(rest[0])},{q(rest[1])})."
        elif kind == "calendar":
            base, edge, unit, previous = rest
            fact = f"calendar_edge({q(fid)},{q(base)},{edge},{unit},{int(previous)})."
        elif kind == "month_edge":
            fact = f"month_edge({q(fid)},{q(rest[0])},{rest[1]})."
        else:
            fact = f"{'day_shift' if kind == 'shift' else 'period_end'}({q(fid)},{q(rest[0])},{rest[1]})."
        names = " - ".join(self.figures.figures[b].text for b in self.bases(fid))
        return [f"{fact}  " + comment(f"figure {fid} = {f.text}: the program's, from {names}")]

    def rules(self, node: LogicNode, head: str) -> list[str] | None:
        """The rules deciding a leaf node's status into ``head``, or None when it is not compiled."""
        leaf = self.compiled.get(node.id)
        if leaf is None:
            return None
        qid = q(node.id)
        if leaf.kind == "compare":
            a, b = (q(f) for f in leaf.figures)
            fails, holds = OPS[leaf.op]
            return [f"compares({qid},{a},{b},{OP_NAMES[leaf.op]}).",
                    f"{head}(E,pass) :- value(E,{a},X), value(E,{b},Y), X {holds} Y.",
                    f"{head}(E,fail) :- value(E,{a},X), value(E,{b},Y), X {fails} Y.",
                    f"{head}(E,S) :- compared(E,{qid},S)."]
        if leaf.kind == "quantified" and leaf.op == "truth":  # a bool of each unit, as a 'truth' leaf reads one
            w, u = (q(f) for f in leaf.figures)
            return [f"quantifier({qid},{leaf.quantifier or 'any'},{w}).",
                    f"unit_status(E,{qid},K,pass) :- unit_value(E,{u},K,true).  "
                    f"unit_status(E,{qid},K,fail) :- unit_value(E,{u},K,false).",
                    f"unit_status(E,{qid},K,fail) :- unit_none(E,{u},K).  "
                    f"unit_status(E,{qid},K,unknown) :- unit_missing(E,{u},K).",
                    f"{head}(E,S) :- quantifier_status(E,{qid},S)."]
        if leaf.kind == "quantified":
            w, u, b = (q(f) for f in leaf.figures)
            fails, holds = OPS[leaf.op]
            side = "left" if leaf.units_left else "right"
            x, y = ("X", "Y") if leaf.units_left else ("Y", "X")
            return [f"quantifier({qid},{leaf.quantifier or 'any'},{w}).  "
                    f"quantifies({qid},{u},{b},{OP_NAMES[leaf.op]},{side}).",
                    f"unit_status(E,{qid},K,pass) :- unit_value(E,{u},K,X), value(E,{b},Y), {x} {holds} {y}.",
                    f"unit_status(E,{qid},K,fail) :- unit_value(E,{u},K,X), value(E,{b},Y), {x} {fails} {y}.",
                    f"unit_status(E,{qid},K,S) :- compared(E,({qid},K),S).",
                    f"{head}(E,S) :- quantifier_status(E,{qid},S)."]
        if leaf.kind == "within":
            d, start, end, *days = (q(f) for f in leaf.figures)
            found, other = ("fail", "pass") if leaf.negated else ("pass", "fail")
            inside, stated = "inside", [f"within({qid},{d},{start},{end})."]
            if days:  # a month: its first and last days
                inside, stated = "month_inside", [f"month_in({qid}).  within(({qid},first),{days[0]},{start},{end}).  "
                                                  f"within(({qid},last),{days[1]},{start},{end})."]
            return stated + [f"{head}(E,{found}) :- {inside}(E,{qid},yes).  {head}(E,{other}) :- {inside}(E,{qid},no).",
                             f"{head}(E,unknown) :- {inside}(E,{qid},unknown)."]
        if leaf.kind == "listed":
            v, items = (q(f) for f in leaf.figures)
            found, other = ("fail", "pass") if leaf.negated else ("pass", "fail")
            return [f"listed({qid},{v},{items}).",
                    f"{head}(E,{found}) :- in_list(E,{qid},yes).  {head}(E,{other}) :- in_list(E,{qid},no).",
                    f"{head}(E,unknown) :- in_list(E,{qid},unknown)."]
        f = q(leaf.figures[0])
        if leaf.kind == "member":
            s = q(leaf.figures[1])
            found, other = ("fail", "pass") if leaf.negated else ("pass", "fail")
            return [f"{head}(E,{found}) :- value(E,{f},V), element({s},V).",
                    f"{head}(E,{other}) :- value(E,{f},V), not element({s},V).",
                    f"{head}(E,{other}) :- none(E,{f}).  {head}(E,unknown) :- missing(E,{f})."]
        if leaf.kind == "truth":
            return [f"{head}(E,pass) :- value(E,{f},true).", f"{head}(E,fail) :- value(E,{f},false).",
                    f"{head}(E,fail) :- none(E,{f}).", f"{head}(E,unknown) :- missing(E,{f})."]
        present, absent = ("fail", "pass") if leaf.negated else ("pass", "fail")
        return [f"{head}(E,{present}) :- has_value(E,{f}).", f"{head}(E,{absent}) :- entity(E), not has_value(E,{f})."]
