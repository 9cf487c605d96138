"""Leaf conditions as rules of the program: the comparison, its bound and its operator.

A leaf that compares two figures (``sum(...) >= silver_paid_orders``), tests one (``x is
set``) or reads a bool figure is decided by the program from the figures' values, which enter
as facts: ``figure(E, F, V)`` for a value, ``figure_none(E, F)`` for none, ``figure_missing(E,
F)`` when data are missing (:mod:`clausewise.asp.terms` encodes values so that clingo's term
order is their order, exactly). Constant figures (literals, parameters, ``as_of``) are the
same for every entity: literals are written into the program, parameters are ``param/2``
facts with their defaults in the program (``param_given/2`` overrides one), and constants
computed from the as-of day are ``const/2`` facts of each evaluation. A literal or parameter that only
comparisons read (a leaf's side, a quantifier's bound) is read as ``const/2`` in their rules
(``stated/1``) rather than copied to each entity's ``value/3``: fewer ground atoms per entity.

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
two sides (both sides' units where both read the unit: ``any month m in W: a(m) > b(m)``), or, of a
quantifier over a bool of each unit (``every day d in W: r0 on d``), read as a
``truth`` leaf reads a bool, and ``any``/``every`` is decided from the units' statuses (``quantifier_status/3``).
A date offset between single dates (``end of 90 days from revoked_on``, ``cold_start_trigger + 60
days``, ``quarter_end_assessment - cold_start_pass_day``, ``end of previous quarter of as_of``) is a
rule of the program over its dates' day numbers (:data:`OFFSET_RULES`, :data:`CALENDAR_RULES`): the
dates enter as figures, the offset does not.
Leaves of other shapes are still decided in exact arithmetic outside the program and enter as
``leaf(E, Node, Status)``: a quantifier whose body is neither one comparison that reads its month
or day nor a bool (``any day d in W: a and b``), and, in the analysis commands' search, a
quantifier over months or days, a date or month in a window with an edge from data but a constant
date in a window of days from one date, and a value
from data looked up in a list field. The rules shared by the leaves of a kind are in
:mod:`clausewise.asp.commonrules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clausewise.asp.commonrules import (
    CALENDAR_RULES,
    GENERIC_RULES,
    LISTED_RULES,
    MONTH_EDGE_RULES,
    MONTH_WITHIN_RULES,
    OFFSET_RULES,
    SHOWN_UNIT_RULES,
    WITHIN_RULES,
)
from clausewise.asp.plan import LogicNode, Plan
from clausewise.asp.terms import kind_of, term_text
from clausewise.asp.text import comment, q
from clausewise.evaluate.figuretable import FigureDef, FigurePlan, LeafDef
from clausewise.language import syntax
from clausewise.language.check import MAX_OFFSET_DAYS
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
    #: literals and parameters read as ``const/2`` where they are compared, not as ``value/3`` of each entity
    stated: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        seen: dict[str, None] = {}
        for leaf_id, leaf in self.figures.leaves.items():
            if self._decidable(leaf):
                self.compiled[leaf_id] = leaf
                for fid in leaf.figures:
                    seen.setdefault(fid)
        pending = list(seen) if self.offsets else [  # the search: the edges from data of a window a constant is in
            f for leaf in self.compiled.values() if leaf.kind == "within" for f in leaf.figures[1:3]
            if not self.figures.figures[f].constant]
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
        self.stated = self._stated()

    def _stated(self) -> frozenset[str]:
        """The literals and parameters that only the comparisons' own rules read (a leaf's sides, a
        quantifier's bound): those rules read them as ``const/2``, so they are not copied to each entity."""
        compared: set[str] = set()
        per_entity = set(fid for offset in self.offset_figures for fid in self.bases(offset))
        for leaf in self.compiled.values():
            if leaf.kind == "compare":
                compared.update(leaf.figures)
            elif leaf.kind == "quantified" and leaf.op != "truth" and not leaf.units_both:
                per_entity.update(leaf.figures[:2])
                compared.add(leaf.figures[2])
            else:
                per_entity.update(leaf.figures)
        return frozenset(fid for fid in compared - per_entity if self.constants.get(fid, ("",))[0] in ("param", "literal"))

    def _side(self, fid: str, var: str) -> str:
        """The body literal that reads a comparison's side into ``var``."""
        return f"const({q(fid)},{var})" if fid in self.stated else f"value(E,{q(fid)},{var})"

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
        if leaf.kind == "within":  # the search chooses a date, or the one date a window's edges are offsets of
            item, *days = defs
            return ((self.offsets or all(d.constant for d in days) or self.edges_of_one_date(leaf) is not None) and item.role == "value"
                    and item.unit in ("date", "month") and all(d.role == "value" and d.unit == "date" for d in days))
        if leaf.kind == "listed":  # the search states those of a constant value (it chooses the list's items)
            item, items = defs
            literal = item.constant and self._literal(item.node) is not None  # an enum value: 'catering in industries'
            return ((self.quantifiers or item.constant) and item.role == "value" and (encodable(item.unit) or literal)
                    and items.role == "units" and encodable(items.unit))
        if leaf.kind == "quantified":
            if not self.quantifiers:
                return False
            window, units, *other = defs
            if leaf.op == "truth":  # a bool of each unit
                return window.role == "window" and units.role == "units" and units.unit == "bool"
            if leaf.units_both:  # each unit's two sides
                return window.role == "window" and all(d.role == "units" and encodable(d.unit) for d in (units, *other))
            return (window.role == "window" and units.role == "units" and encodable(units.unit)
                    and other[0].role == "value" and encodable(other[0].unit))
        return False

    def edges_of_one_date(self, leaf: LeafDef) -> str | None:
        """The date figure a constant date's window is made from (``as_of in 60 days from
        found_on``: found_on), when each edge from data is a day offset of it (the search chooses
        it, the program computes the edges); else None."""
        item, start, end, *days = (self.figures.figures[f] for f in leaf.figures)
        if not item.constant or days:
            return None
        bases = set()
        for edge in (start, end):
            if edge.constant:
                continue
            offset = edge.offset
            if offset is None or offset[0] not in ("shift", "period_end") or not self._offset_ok(offset):
                return None
            base = self.figures.figures[offset[1]]
            if base.offset is not None or base.constant:
                return None
            bases.add(base.id)
        return bases.pop() if len(bases) == 1 else None

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
        if self.stated:
            lines.append(" ".join(f"stated({q(fid)})." for fid in sorted(self.stated)) + "  "
                         + comment("read as const/2 where compared, not copied to each entity's value/3"))
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
            sides = f"{self._side(leaf.figures[0], 'X')}, {self._side(leaf.figures[1], 'Y')}"
            if set(leaf.figures) <= self.stated:  # both sides constant: the same for every entity
                sides = f"entity(E), {sides}"
            return [f"compares({qid},{a},{b},{OP_NAMES[leaf.op]}).",
                    f"{head}(E,pass) :- {sides}, X {holds} Y.",
                    f"{head}(E,fail) :- {sides}, X {fails} Y.",
                    f"{head}(E,S) :- compared(E,{qid},S)."]
        if leaf.kind == "quantified" and leaf.op == "truth":  # a bool of each unit, as a 'truth' leaf reads one
            w, u = (q(f) for f in leaf.figures)
            return [f"quantifier({qid},{leaf.quantifier or 'any'},{w}).",
                    f"unit_status(E,{qid},K,pass) :- unit_value(E,{u},K,true).  "
                    f"unit_status(E,{qid},K,fail) :- unit_value(E,{u},K,false).",
                    f"unit_status(E,{qid},K,fail) :- unit_none(E,{u},K).  "
                    f"unit_status(E,{qid},K,unknown) :- unit_missing(E,{u},K).",
                    f"{head}(E,S) :- quantifier_status(E,{qid},S)."]
        if leaf.kind == "quantified" and leaf.units_both:  # each unit's two sides, as a comparison's
            w, u, v = (q(f) for f in leaf.figures)
            fails, holds = OPS[leaf.op]
            unit = f"({qid},K),u({u},K),u({v},K),{OP_NAMES[leaf.op]}"
            return [f"quantifier({qid},{leaf.quantifier or 'any'},{w}).",
                    f"unit_status(E,{qid},K,pass) :- unit_value(E,{u},K,X), unit_value(E,{v},K,Y), X {holds} Y.",
                    f"unit_status(E,{qid},K,fail) :- unit_value(E,{u},K,X), unit_value(E,{v},K,Y), X {fails} Y.",
                    f"comparison(E,{unit}) :- unit(E,{u},K), unit(E,{v},K), no_value(E,u({u},K)).",
                    f"comparison(E,{unit}) :- unit(E,{u},K), unit(E,{v},K), no_value(E,u({v},K)).",
                    f"unit_status(E,{qid},K,S) :- compared(E,({qid},K),S).",
                    f"{head}(E,S) :- quantifier_status(E,{qid},S)."]
        if leaf.kind == "quantified":
            w, u, b = (q(f) for f in leaf.figures)
            fails, holds = OPS[leaf.op]
            side = "left" if leaf.units_left else "right"
            x, y = ("X", "Y") if leaf.units_left else ("Y", "X")
            bound = self._side(leaf.figures[2], "Y")
            return [f"quantifier({qid},{leaf.quantifier or 'any'},{w}).  "
                    f"quantifies({qid},{u},{b},{OP_NAMES[leaf.op]},{side}).",
                    f"unit_status(E,{qid},K,pass) :- unit_value(E,{u},K,X), {bound}, {x} {holds} {y}.",
                    f"unit_status(E,{qid},K,fail) :- unit_value(E,{u},K,X), {bound}, {x} {fails} {y}.",
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
        return [f"has_value(E,{f}) :- value(E,{f},_).",
                f"{head}(E,{present}) :- has_value(E,{f}).", f"{head}(E,{absent}) :- entity(E), not has_value(E,{f})."]
