"""Static checks: resolve every name, infer every type and unit, report all mistakes at once.

The result, :class:`Checked`, is what the later stages read: the table schemas, the
parameters with their defaults, and for each expression node its :class:`Sort` and, for
names, what they refer to (a :data:`~clausewise.language.refs.Ref`), both keyed by the node's ``nid``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Iterator

from clausewise.language import syntax
from clausewise.language.diagnostics import ClausewiseError, Diagnostic, SourceFile, Span, did_you_mean
from clausewise.language.infer import ExprChecker
from clausewise.language.sorts import SCALAR_KINDS, WINDOW_TYPE, Sort, field_type
from clausewise.language.infer_computed import DerivedChecker
from clausewise.language.limits import check_tree_size
from clausewise.language.refs import EnumRef, LetRef, Ref, RowsRef, RuleOnRef, RuleRef
from clausewise.values.valuetypes import FieldSchema, TableSchema, ValueType, is_currency


#: the day numbers of the calendar's first and last days (0001-01-01, 9999-12-31): the compiled
#: program's dates (``date.toordinal()``)
FIRST_DAY, LAST_DAY = 1, 3_652_059
#: the most days an offset of a date may have (``d + N days``, ``end of N days from d``): the
#: program adds it, and the one day convention C-4 may add, to a day number within 32 bits
MAX_OFFSET_DAYS = 2**31 - 1 - LAST_DAY - 1


def type_hint(name: str, known: set[str] | frozenset[str]) -> str:
    """The hint of an unknown type: a close name, a currency written as money(CODE), or the list."""
    if name.isalpha() and len(name) == 3 and name.upper() not in {k.upper() for k in known}:
        return f"a currency is written money({name.upper()}) (and its amounts 1,000 {name.upper()})"
    close = did_you_mean(name, known)
    listed = ", ".join(sorted(k for k in known if k not in ("enum", "list"))) + ", money(USD), enum(a, b), list(T)"
    return f"{close} The types are {listed}" if close else f"the types are {listed}"


@dataclass(frozen=True)
class Relation:
    name: str
    target: str
    via: str
    from_field: str  # the via-table column that points at the subject's table
    to_field: str  # the via-table column that points at the target table
    start_field: str | None
    end_field: str | None
    decl: syntax.RelationDecl


@dataclass(frozen=True)
class Param:
    name: str
    vtype: ValueType
    per: ValueType | None
    default: syntax.Expr | None
    decl: syntax.ParamDecl | None
    #: the types of further keys (``per enum(a, b), string``): values are nested by key
    per_more: tuple[ValueType, ...] = ()


@dataclass
class Checked:
    """A policy that passed the checker, with everything later stages need."""

    tree: syntax.PolicyFile
    source: SourceFile
    header: syntax.Header
    entity_table: str
    tables: dict[str, TableSchema]
    relations: dict[str, Relation]
    params: dict[str, Param]
    lets: dict[str, syntax.LetDecl]
    rules: dict[str, syntax.RuleDecl]
    decides: dict[str, syntax.DecideDecl]
    sorts: dict[int, Sort] = field(default_factory=dict)
    refs: dict[int, Ref] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)
    #: ``entity ... for each NAME: enum(...)``: the name and its values (one verdict per row and value)
    dimension: str | None = None
    dimension_values: tuple[str, ...] = ()

    def sort(self, node) -> Sort:
        return self.sorts[node.nid]

    def rows_ref(self, node: syntax.Node) -> RowsRef:
        """The table and link of an aggregate the checker resolved to table rows."""
        ref = self.refs[node.nid]
        if not isinstance(ref, RowsRef):
            raise TypeError(f"not an aggregate over table rows: {ref}")
        return ref

    @functools.cached_property
    def group_counts(self) -> dict[str, int]:
        """Parameters that give N of ``at least N of``: each with the size of its smallest group
        (a value must be a whole number from 1 to that size)."""
        counts: dict[str, int] = {}
        for node in syntax.walk(self.tree):
            if isinstance(node, syntax.Group) and node.n_param is not None:
                counts[node.n_param] = min(counts.get(node.n_param, len(node.entries)), len(node.entries))
        return counts

    @functools.cached_property
    def history_rules(self) -> frozenset[str]:
        """The rules read on another day (``exit_inspection on d``): an evaluation needs their history."""
        return frozenset(ref.name for ref in self.refs.values() if isinstance(ref, RuleOnRef))


class Checker(ExprChecker, DerivedChecker):
    def __init__(self, tree: syntax.PolicyFile, source: SourceFile):
        self.tree, self.source = tree, source
        self.errors: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []
        self.unlinked: set[tuple[str, str]] = set()  # (table, subject) pairs already reported unjoined
        self.tables: dict[str, TableSchema] = {}
        self.relations: dict[str, Relation] = {}
        self.params: dict[str, Param] = {}
        self.lets: dict[str, syntax.LetDecl] = {}
        self.rules: dict[str, syntax.RuleDecl] = {}
        self.decides: dict[str, syntax.DecideDecl] = {}
        self.sorts: dict[int, Sort] = {}
        self.refs: dict[int, Ref] = {}
        self.used_params: set[str] = set()
        self.entity_table = ""
        self._let_stack: list[str] = []
        self._let_done: set[str] = set()

    # ---- reporting --------------------------------------------------------------------------
    def error(self, node, message: str, hint: str | None = None) -> None:
        self.errors.append(self.source.diagnostic(node.span, message, hint))

    def warn(self, node, message: str, hint: str | None = None) -> None:
        self.warnings.append(self.source.diagnostic(node.span, message, hint, severity="warning"))

    # ---- declarations ----------------------------------------------------------------------------
    def run(self) -> Checked:
        header = self.tree.header
        if header is None:
            first = self.tree.decls[0].span if self.tree.decls else Span.point(1, 1)  # an empty file: its first line
            self.errors.append(self.source.diagnostic(first, "no policy block", "start the file with: policy NAME { title ... }"))
            raise ClausewiseError(self.errors)
        self.check_header(header)
        #: the header's own errors (no title, version, dates or source) hide nothing below: the body is checked too
        header_errors = len(self.errors)
        seen: dict[str, syntax.Node] = {}
        for decl in self.tree.decls:
            if isinstance(decl, syntax.NotEncoded):
                continue
            if decl.name in seen:
                self.error(decl, f"'{decl.name}' is declared twice", f"first declared on line {seen[decl.name].span.line}")
                continue
            seen[decl.name] = decl
            if isinstance(decl, syntax.TableDecl):
                self.declare_table(decl)
        for decl in self.tree.decls:
            match decl:
                case syntax.RelationDecl():
                    self.declare_relation(decl)
                case syntax.ParamDecl():
                    self.declare_param(decl)
                case syntax.LetDecl():
                    self.lets[decl.name] = decl
                case syntax.RuleDecl():
                    self.rules[decl.name] = decl
                case syntax.DecideDecl():
                    self.decides[decl.name] = decl
        self.entity_table = header.entity_table or ""
        if header.entity_table and header.entity_table not in self.tables:
            self.error(header, f"entity table '{header.entity_table}' is not declared",
                       did_you_mean(header.entity_table, self.tables))
        elif header.entity_table and len(self.tables[header.entity_table].key) != 1:
            self.error(header, f"entity table '{header.entity_table}' needs a one-field key", "declare it: table NAME key FIELD { ... }")
        self.check_dimension(header)
        if len(self.errors) > header_errors:  # names the body needs are wrong: its errors would only echo them
            raise ClausewiseError(self.errors)
        for decl in self.tree.decls:
            self.check_decl(decl)
        if header.compliant is not None:
            self.cond(header.compliant, self.entity_scope())
        self.check_rule_cycles()
        self.check_ranges()
        for name, param in self.params.items():
            if name not in self.used_params and param.decl is not None:
                self.warn(param.decl, f"parameter '{name}' is never used")
        if self.errors:
            raise ClausewiseError(self.errors)
        return Checked(self.tree, self.source, header, self.entity_table, self.tables, self.relations, self.params,
                       self.lets, self.rules, self.decides, self.sorts, self.refs, self.warnings,
                       self.dimension_name, self.dimension_type.enum_values if self.dimension_type else ())

    def check_ranges(self) -> None:
        """The range analysis of the compiled program's arithmetic, per unit. Amounts, rates and counts
        enter as exact terms the program only compares (no arithmetic). Dates are day numbers from
        FIRST_DAY to LAST_DAY: a difference of two is within ±3,652,058 days, and a date plus an
        offset stays within 32 bits when the offset is at most MAX_OFFSET_DAYS, which is checked here
        for every offset the text writes (``d + N days``, ``d - N days``, ``N days from d``)."""
        for node in syntax.walk(self.tree):
            match node:
                case syntax.Arith(op="+" | "-", left=left, right=syntax.Number(value=int() as days) as count):
                    sort = self.sorts.get(left.nid)
                    dated = sort is not None and sort.vtype is not None and sort.vtype.kind == "date"
                case syntax.NFrom(count=syntax.Number(value=int() as days) as count):
                    dated = True
                case _:
                    continue
            if dated and abs(days) > MAX_OFFSET_DAYS:
                self.error(count, f"an offset of {days:,} days leaves the compiled program's 32-bit integers: dates are "
                                  f"day numbers {FIRST_DAY} to {LAST_DAY:,} (0001-01-01 to 9999-12-31), so an offset is at "
                                  f"most {MAX_OFFSET_DAYS:,} days",
                           f"every day more than {LAST_DAY - FIRST_DAY:,} days away is beyond the calendar: write a smaller offset")

    def check_dimension(self, h: syntax.Header) -> None:
        """``for each NAME: enum(...)``: a new name, with the values to assess each entity for."""
        if h.dimension is None or h.dimension_type is None:
            return
        vt = field_type(h.dimension_type)
        if vt.kind != "enum" or vt.is_list:
            self.error(h.dimension_type, f"'for each {h.dimension}' needs the values listed: enum(a, b, c)")
            return
        clash = [t.name for t in self.tables.values() if t.field(h.dimension)]
        declared = {d.name for d in self.tree.decls if not isinstance(d, syntax.NotEncoded)}
        if clash or h.dimension in declared:
            where = f"a field of table '{clash[0]}'" if clash else "declared in the policy"
            self.error(h, f"'{h.dimension}' is already {where}",
                       f"choose another name, e.g. 'for each assessed_{h.dimension}: ...'")
            return
        self.dimension_name, self.dimension_type = h.dimension, vt

    def check_header(self, h: syntax.Header) -> None:
        for attr, what in (("title", "title \"中文\" / \"English\""), ("version", 'version "1"'),
                           ("effective_from", "effective from YYYY-MM-DD (or: effective date not stated)"),
                           ("entity", "entity NAME in TABLE")):
            if getattr(h, attr) is None and not (attr == "effective_from" and h.effective_not_stated):
                self.error(h, f"the policy block has no {attr.replace('_from', ' date')}", f"add: {what}")
        if not h.sources:
            self.error(h, "the policy block names no source document", 'add: source "file.txt" "《title》"')
        if h.effective_from and h.effective_to and h.effective_to < h.effective_from:
            self.error(h, "the policy ends before it starts")

    def declare_table(self, t: syntax.TableDecl) -> None:
        names = [f.name for f in t.fields]
        for f in t.fields:
            if names.count(f.name) > 1:
                self.error(f, f"field '{f.name}' is declared twice in table '{t.name}'")
            vt = field_type(f.type)
            if vt.kind not in SCALAR_KINDS and vt.kind != "enum" and not is_currency(vt.kind):
                self.error(f.type, f"unknown type '{f.type.name}'", type_hint(f.type.name, SCALAR_KINDS | {"enum", "list"}))
        if t.time_field and not t.key:
            self.warn(t, f"table '{t.name}' has no key: a row given twice is counted twice",
                      f"declare the fields that identify a row (table {t.name} key ID_FIELD by {t.time_field}), "
                      "so that a duplicate is rejected")
        for k in (*t.key, *([t.time_field] if t.time_field else [])):
            if k not in names:
                self.error(t, f"table '{t.name}' has no field '{k}'", did_you_mean(k, names))
        if t.time_field and t.time_field in names:
            tf = field_type(t.fields[names.index(t.time_field)].type)
            if tf.kind not in ("date", "month"):
                self.error(t, f"'by {t.time_field}' needs a date or month field, not {tf}")
        fields = tuple(FieldSchema(f.name, field_type(f.type), f.optional,
                                   (f.ref_table, f.ref_field or "") if f.ref_table else None) for f in t.fields)
        self.tables[t.name] = TableSchema(t.name, fields, t.key, t.time_field)

    def declare_relation(self, r: syntax.RelationDecl) -> None:
        entity = self.tree.header.entity_table if self.tree.header else None
        via = self.tables.get(r.via)
        if via is None or r.target not in self.tables:
            missing = r.via if via is None else r.target
            self.error(r, f"unknown table '{missing}'", did_you_mean(missing, self.tables))
            return
        from_f = [f.name for f in via.fields if f.references and f.references[0] == entity]
        to_f = [f.name for f in via.fields if f.references and f.references[0] == r.target]
        if not from_f or not to_f:
            self.error(r, f"table '{r.via}' must have a field '-> {entity}' and a field '-> {r.target}'")
            return
        for bound in (r.start_field, r.end_field):
            if bound and ((f := via.field(bound)) is None or f.type.kind != "date"):
                self.error(r, f"'{bound}' is not a date field of '{r.via}'")
        self.relations[r.name] = Relation(r.name, r.target, r.via, from_f[0], to_f[0], r.start_field, r.end_field, r)

    def declare_param(self, p: syntax.ParamDecl) -> None:
        vt = WINDOW_TYPE if p.type.name == "window" else field_type(p.type)
        if vt.kind not in SCALAR_KINDS | {"enum", "window"} and not is_currency(vt.kind):
            self.error(p.type, f"unknown type '{p.type.name}'", type_hint(p.type.name, SCALAR_KINDS | {"window"}))
        per = field_type(p.per) if p.per else None
        if p.window_months is not None and vt.kind != "window":
            self.error(p.type, f"'of {p.window_months} natural months' is the shape of a window, not of {vt}",
                       f"declare it as a window: param {p.name}: window of {p.window_months} natural months")
        self.params[p.name] = Param(p.name, vt, per, p.default, p, tuple(field_type(t) for t in p.per_more))

    def check_decl(self, decl) -> None:
        match decl:
            case syntax.ParamDecl(default=default) if default is not None:
                param = self.params[decl.name]
                if param.per is not None and not (isinstance(default, syntax.SetLit) and not default.items):
                    self.error(default, "a per-key parameter takes its values from the parameters file, not a default",
                               "or '= {}': no values unless given (a key without a value makes its condition unknown)")
                elif param.per is not None:
                    pass  # '= {}': optional, empty unless given
                elif param.vtype.kind == "enum" and isinstance(default, syntax.Name) and default.name in param.vtype.enum_values:
                    self.refs[default.nid] = EnumRef(default.name)
                else:
                    sort = self.expr(default, self.entity_scope())
                    self.expect_value(default, sort, param.vtype, f"default of '{decl.name}'")
                    if param.vtype.kind == "rate" and isinstance(default, syntax.Number) and not 0 <= default.value <= 1:
                        self.error(default, f"the rate {default.text} is not between 0 and 1 (0% and 100%)",
                                   "write a rate as a percentage (0.5%) or a fraction (0.005)")
            case syntax.LetDecl():
                self.check_let(decl.name)
            case syntax.RuleDecl():
                self.need_meta(decl, decl.meta, "rule")
                self.cond(decl.body, self.entity_scope())
            case syntax.DecideDecl():
                self.need_meta(decl, decl.meta, "decide")
                self.check_decide(decl)

    def need_meta(self, node, meta: syntax.Meta, what: str) -> None:
        if not meta.cites:
            self.error(node, f"{what} '{node.name}' cites no clause", "add a citation: [TIER-3.1]")
        if meta.labels is None:
            self.error(node, f"{what} '{node.name}' has no labels", 'add labels: "中文" / "English", or one language: "English"')

    def check_decide(self, d: syntax.DecideDecl) -> None:
        vt = field_type(d.type)
        if d.combine in ("min", "max") and not (vt.is_numeric or vt.kind in ("date", "month")):
            self.error(d.type, f"'by {d.combine}' needs numbers or dates, not {vt}")
        for i, clause in enumerate(d.clauses):
            if clause.when is None and i != len(d.clauses) - 1:
                self.error(clause, "'otherwise' must be the last clause")
            if isinstance(clause.value, syntax.NoneLit):
                if not d.optional:
                    self.error(clause.value, f"'{d.name}' is not optional, so it cannot be none",
                               f"declare it: decide {d.name} ...: {d.type.name} optional")
            else:
                scope = self.entity_scope()
                if vt.kind == "enum" and isinstance(clause.value, syntax.Name) and clause.value.name in vt.enum_values:
                    self.refs[clause.value.nid] = EnumRef(clause.value.name)
                    self.sorts[clause.value.nid] = Sort("value", vt)
                else:
                    self.expect_value(clause.value, self.expr(clause.value, scope), vt, f"a value of '{d.name}'")
            if clause.when is not None:
                self.cond(clause.when, self.entity_scope())

    def check_let(self, name: str) -> None:
        if name in self._let_done:
            return
        if name in self._let_stack:
            self.error(self.lets[name], f"'{name}' is defined in terms of itself: {' -> '.join(self._let_stack + [name])}")
            return
        self._let_stack.append(name)
        self.expr(self.lets[name].expr, self.entity_scope())
        self._let_stack.pop()
        self._let_done.add(name)

    def check_rule_cycles(self) -> None:
        deps = {name: set(self.rule_refs(rule.body)) for name, rule in self.rules.items()}
        state: dict[str, int] = {}

        def visit(name: str, path: list[str]) -> None:
            state[name] = 1
            for dep in sorted(deps.get(name, ())):
                if state.get(dep) == 1:
                    self.error(self.rules[name], f"rules depend on each other in a cycle: {' -> '.join(path + [dep])}")
                elif dep not in state:
                    visit(dep, path + [dep])
            state[name] = 2

        for name in sorted(deps):
            if name not in state:
                visit(name, [name])

    def rule_refs(self, node, lets: frozenset[str] = frozenset()) -> Iterator[str]:
        """The rules a condition reads: by name, or on another day (``R on d``, which needs R's
        statuses of days up to d, d included: a rule may not read itself that way, even through
        the named values it reads)."""
        if isinstance(node, syntax.Truth) and isinstance(ref := self.refs.get(node.expr.nid), RuleRef):
            yield ref.name
        match self.refs.get(node.nid):
            case RuleOnRef(name):
                yield name
            case LetRef(name) if name not in lets and name in self.lets:
                yield from self.rule_refs(self.lets[name].expr, lets | {name})
        for child in syntax.children(node):
            yield from self.rule_refs(child, lets)

    # ---- scopes -------------------------------------------------------------------------------------
    def entity_scope(self) -> dict:
        return {"subject": self.entity_table, "vars": {}, "row": None}


def check(tree: syntax.PolicyFile, source: SourceFile) -> Checked:
    """Check a parsed policy; raise :class:`ClausewiseError` with every error found (a policy
    beyond the size limits of :mod:`clausewise.language.limits`: that one alone)."""
    check_tree_size(tree, source)
    return Checker(tree, source).run()
