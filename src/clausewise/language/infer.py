"""Type and unit inference for expressions and conditions (the checker's second half).

Every expression gets a :class:`Sort`; names and field accesses get a reference in
``refs`` telling the evaluator how to fetch them (a :data:`clausewise.language.refs.Ref`:
``ParamRef(name)``, ``LookupRef(table, field, link)``, ...).
"""

from __future__ import annotations

from clausewise.language import refs, syntax
from clausewise.language.checkstate import CheckerState
from clausewise.language.diagnostics import did_you_mean
from clausewise.language.sorts import CONVENTION, CONVENTIONS, VALUE, Sort, compatible, ordered, unit_hint, vsort
from clausewise.values.valuetypes import BOOL, COUNT, DATE, DAYS, MONTH, NUMBER, STRING, ValueType


class ExprChecker(CheckerState):
    """Mixin of :class:`clausewise.language.check.Checker`: expressions and conditions."""

    # ---- links between tables -------------------------------------------------------------------
    def link(self, table: str, subject: str) -> tuple[str, str] | None:
        """The (table field, subject field) pair joining rows of ``table`` to a subject row."""
        schema, subj = self.tables[table], self.tables[subject]
        for f in schema.fields:
            if f.references and f.references[0] == subject:
                return f.name, f.references[1] or subj.key[0]
        return None

    def link_hint(self, table: str, subject: str) -> str:
        """How to join ``table``'s rows to ``subject``: mark the field that holds its key."""
        key = self.tables[subject].key[0] if self.tables[subject].key else None
        field = self.tables[table].field(key) if key else None
        if field is not None:
            return f"mark the field that holds it: {key}: {field.type} -> {subject} (in table {table})"
        relations = [r for r in self.relations.values() if r.target == table]
        if relations:
            return f"go through a relation: ... over {relations[0].name}"
        return f"add a field that holds the {subject} key: {key or 'ID'}: string -> {subject}"

    # ---- names -------------------------------------------------------------------------------------
    def name_sort(self, node: syntax.Name, scope: dict) -> Sort:
        name = node.name
        if name in scope["vars"]:
            self.refs[node.nid] = refs.VarRef(name)
            return scope["vars"][name]
        row = scope.get("row")
        if row and (f := self.tables[row].field(name)):
            self.refs[node.nid] = refs.RowFieldRef(name)
            return vsort(f.type)
        if name in self.lets:
            self.check_let(name)
            self.refs[node.nid] = refs.LetRef(name)
            return self.sorts.get(self.lets[name].expr.nid, Sort("none"))
        if name in self.params:
            param = self.params[name]
            self.used_params.add(name)
            if param.per is not None:
                self.error(node, f"'{name}' holds one value per {param.per}", f"pick one: {name}[key]")
            self.refs[node.nid] = refs.ParamRef(name)
            return Sort("window") if param.vtype.kind == "window" else vsort(param.vtype)
        if name == self.dimension_name and self.dimension_type is not None:
            self.refs[node.nid] = refs.EntityFieldRef(name)
            return vsort(self.dimension_type)
        if name == CONVENTION:
            self.refs[node.nid] = refs.ConventionRef()
            return vsort(ValueType("enum", CONVENTIONS))
        entity = self.tables[self.entity_table]
        if f := entity.field(name):
            self.refs[node.nid] = refs.EntityFieldRef(name)
            return vsort(f.type)
        if name in self.tables:
            self.refs[node.nid] = refs.TableRef(name)
            return Sort("table", table=name)
        if name in self.relations:
            self.refs[node.nid] = refs.RelationRef(name)
            return Sort("relation", table=self.relations[name].target)
        if name in self.rules:
            self.error(node, f"rule '{name}' is a condition, not a value")
            return Sort("none")
        known = [*scope["vars"], *self.lets, *self.params, *self.tables, *self.relations, *self.rules,
                 *(f.name for f in entity.fields), *((f.name for f in self.tables[row].fields) if row else ())]
        self.error(node, f"unknown name '{name}'", did_you_mean(name, known))
        return Sort("none")

    # ---- expressions -------------------------------------------------------------------------------
    def expr(self, node, scope: dict) -> Sort:
        sort = self._expr(node, scope)
        self.sorts[node.nid] = sort
        return sort

    def _expr(self, node, scope: dict) -> Sort:
        match node:
            case syntax.Number(unit=unit):
                if unit == "months":
                    self.error(node, "a number of months is only a window length", "write: last 3 months to as_of")
                    return Sort("none")
                return vsort(ValueType(unit) if unit else NUMBER)
            case syntax.String():
                return vsort(STRING)
            case syntax.BoolLit():
                return vsort(BOOL)
            case syntax.DateLit() | syntax.AsOf():
                return vsort(DATE)
            case syntax.MonthLit():
                return vsort(MONTH)
            case syntax.NoneLit():
                return Sort("none")
            case syntax.Name():
                return self.name_sort(node, scope)
            case syntax.Attr(base=base, name=name):
                return self.attr(node, base, name, scope)
            case syntax.Index(name=name):
                return self.index(node, scope)
            case syntax.CountUnits() | syntax.IfExpr() | syntax.Band() | syntax.TopN():
                return self.derived(node, scope)
            case syntax.AtDate(expr=inner, date=date):
                return self.at_date(node, inner, date, scope)
            case syntax.Arith():
                return self.arith(node, scope)
            case syntax.Neg(expr=inner):
                sort = self.scalar(inner, scope)
                if sort.vtype and not sort.vtype.is_numeric:
                    self.error(node, f"cannot negate {sort.vtype}")
                return sort
            case syntax.Range() | syntax.Calendar() | syntax.LastN() | syntax.NFrom():
                return self.window(node, scope)
            case syntax.Edge(window=window):
                self.expect_window(window, scope)
                return vsort(DATE)
            case syntax.FirstDay(var=var, window=window, cond=cond):
                self.expect_window(window, scope)
                self.cond(cond, {**scope, "inner": True, "vars": {**scope["vars"], var: vsort(DATE)}})
                return vsort(DATE)
            case syntax.SetLit(items=items):
                sorts = [self.scalar(i, scope) for i in items]
                types = [s.vtype for s in sorts if s.vtype]
                for item, t in zip(items[1:], types[1:]):
                    if types and not compatible(types[0], t):
                        self.error(item, f"a set mixes {types[0]} and {t}")
                return Sort("set", types[0] if types else STRING)
            case syntax.Aggregate():
                return self.aggregate(node, scope)
        self.error(node, "not an expression")
        return Sort("none")

    def attr(self, node: syntax.Attr, base, name: str, scope: dict) -> Sort:
        bsort = self.expr(base, scope)
        if bsort.kind == "none":
            return bsort
        table = self.tables.get(bsort.table or "")
        if table is None or bsort.kind not in ("table", "item", "row"):
            self.error(node, f"'.{name}' needs a table, a related item or a row before it")
            return Sort("none")
        f = table.field(name)
        if f is None:
            sp = node.span
            where = syntax.Name(name, span=type(sp)(sp.end_line, sp.end_column - len(name), sp.end_line, sp.end_column))
            self.error(where, f"table '{table.name}' has no field '{name}'", did_you_mean(name, [x.name for x in table.fields]))
            return Sort("none")
        if bsort.kind == "table" and scope.get("row") == table.name:
            self.refs[node.nid] = refs.RowFieldRef(name)  # T.f inside an aggregate over T: this row's f
            return vsort(f.type)
        if bsort.kind == "table":
            return Sort("column", f.type, table.name, name)
        self.refs[node.nid] = (refs.ItemFieldRef if bsort.kind == "item" else refs.RowVarFieldRef)(base.name, name)
        return vsort(f.type)

    def scalar(self, node, scope: dict) -> Sort:
        """The sort of ``node`` used as one value; a column becomes a lookup or an error."""
        sort = self.expr(node, scope)
        if sort.kind == "column":
            table, field = sort.table or "", sort.field or ""  # a column's sort names both
            if table == self.entity_table:
                self.refs[node.nid] = refs.EntityFieldRef(field)
            else:
                subject = scope["subject"]
                link = self.link(table, subject)
                schema = self.tables[table]
                if link is None or tuple(schema.key) != (link[0],):
                    self.error(node, f"'{table}' can hold many rows per {subject} row",
                               f"aggregate it, e.g. sum({table}.{field} during ...), or pick a day: ... on as_of")
                    return Sort("none")
                self.refs[node.nid] = refs.LookupRef(table, field, link)
            sort = vsort(sort.value_type)
            self.sorts[node.nid] = sort
        elif sort.kind in ("table", "relation", "item", "row", "window", "set"):
            self.error(node, f"expected a single value here, found a {sort.kind}")
            return Sort("none")
        return sort

    def expect_value(self, node, sort: Sort, want: ValueType, what: str, scope: dict | None = None) -> None:
        if sort.kind == "column" and scope is not None:
            sort = self.scalar(node, scope)
        if sort.kind == "none":
            return
        if want.kind == "window":
            if sort.kind != "window":
                self.error(node, f"{what} must be a window, found {sort.vtype or sort.kind}")
            return
        if sort.kind != VALUE or not compatible(sort.value_type, want):
            self.error(node, f"{what} must be {want}, found {sort.vtype or sort.kind}")
        elif want.kind == "enum" and isinstance(node, syntax.String) and node.value not in want.enum_values:
            self.error(node, f"'{node.value}' is not one of {', '.join(want.enum_values)}")

    def at_date(self, node, inner, date, scope: dict) -> Sort:
        if isinstance(inner, syntax.Name) and inner.name in self.rules and inner.name not in scope["vars"]:
            # a rule on another day: whether it passes as of that day (its history)
            self.expect_value(date, self.scalar(date, scope), DATE, "the day after 'on'")
            if scope["subject"] != self.entity_table:
                self.error(node, f"rule '{inner.name}' on a day is the entity's: it cannot be read for a related item")
                return Sort("none")
            self.refs[node.nid] = refs.RuleOnRef(inner.name)
            return vsort(BOOL)
        sort = self.expr(inner, scope)
        self.expect_value(date, self.scalar(date, scope), DATE, "the day after 'on'")
        if sort.kind != "column":
            self.error(node, "'on DATE' picks a day's row of a table: write TABLE.FIELD on DATE")
            return Sort("none")
        table, field = sort.table or "", sort.field or ""  # a column's sort names both
        schema = self.tables[table]
        link = self.link(table, scope["subject"])
        if not schema.time_field or link is None:
            self.error(node, f"'{table}' has no rows by date for a {scope['subject']} row",
                       f"declare the table with 'by DATE_FIELD' and a field '-> {scope['subject']}'")
            return Sort("none")
        if schema.time_field not in schema.key:
            self.error(node, f"table '{table}' must have its date in its key to pick one row per day",
                       f"declare: table {table} key {link[0]}, {schema.time_field} by {schema.time_field}")
        self.refs[node.nid] = refs.AtRef(table, field, link)
        return vsort(sort.value_type)

    def arith(self, node: syntax.Arith, scope: dict) -> Sort:
        if isinstance(node.left, (syntax.NFrom, syntax.Calendar)) and node.op in "+-":
            # '60 days from as_of - 1 day' reads as '(60 days from as_of) - 1 day'
            inner = node.left.start if isinstance(node.left, syntax.NFrom) else node.left.date
            day = self.source.snippet(inner.span)
            right_text = self.source.snippet(node.right.span)
            whole = self.source.snippet(node.left.span)
            fixed = whole[: len(whole) - len(day)] + f"({day} {node.op} {right_text})"
            verb = "adds days to" if node.op == "+" else "subtracts days from"
            self.error(node, f"'{whole} {node.op} {right_text}' {verb} a window",
                       f"'of' and 'from' take one value: write {fixed}")
            return Sort("none")
        left, right = self.scalar(node.left, scope), self.scalar(node.right, scope)
        if "none" in (left.kind, right.kind):
            return Sort("none")
        a, b, op = left.value_type, right.value_type, node.op
        if a.kind == "date" and op in "+-" and b.kind in ("days", "number"):
            return vsort(DATE)
        if a.kind == "date" and b.kind == "date" and op == "-":
            return vsort(DAYS)
        if a.is_numeric and b.is_numeric:
            if op in "+-" and compatible(a, b):
                return vsort(b if a.kind == "number" else a)
            if op == "*" and (a.kind in ("number", "rate") or b.kind in ("number", "rate")):
                return vsort(b if a.kind in ("number", "rate") else a)
            if op == "/" and b.kind == "number":
                return vsort(a)
            if op == "/" and compatible(a, b):
                return vsort(NUMBER)
        self.error(node, f"cannot compute {a} {op} {b}", unit_hint(a, b))
        return Sort("none")

    def window(self, node, scope: dict) -> Sort:
        match node:
            case syntax.Range(start=start, end=end):
                a, b = self.scalar(start, scope), self.scalar(end, scope)
                kinds = {a.vtype.kind if a.vtype else None, b.vtype.kind if b.vtype else None}
                if kinds not in ({"date"}, {"month"}):
                    self.error(node, "a window runs from a date to a date, or from a month to a month")
            case syntax.Calendar(date=date):
                self.expect_value(date, self.scalar(date, scope), DATE, "the day of a calendar window")
            case syntax.LastN(count=syntax.Name() as count, end=end, unit=unit):
                if unit not in ("days", "months"):
                    self.error(node, f"the length of a rolling window is in days or months, not {unit}",
                               f"e.g. last {count.name} months to as_of")
                sort = self.scalar(count, scope)
                if sort.vtype is not None and sort.vtype.kind not in ("count", "days", "number"):
                    self.error(count, f"the length '{count.name}' is {sort.vtype}, not a whole number",
                               f"declare it: param {count.name}: count = 3")
                self.expect_value(end, self.scalar(end, scope), DATE, "the day of a window")
            case syntax.LastN(count=syntax.Number() as count, end=end) | syntax.NFrom(count=count, start=end):
                allowed = ("days", "months") if isinstance(node, syntax.LastN) else ("days",)
                if count.unit not in allowed or not isinstance(count.value, int) or count.value < 1:
                    self.error(count, f"the length must be a whole number of {' or '.join(allowed)}", "e.g. 30 days")
                self.sorts[count.nid] = vsort(DAYS)
                self.expect_value(end, self.scalar(end, scope), DATE, "the day of a window")
        return Sort("window")

    def expect_window(self, node, scope: dict) -> Sort:
        sort = self.expr(node, scope)
        if sort.kind == "column":
            sort = self.scalar(node, scope)
        if sort.kind == VALUE and sort.vtype and sort.vtype.kind in ("date", "month"):
            return sort  # a month is the window of its days; a date, the window of one day
        if sort.kind not in ("window", "none"):
            self.error(node, f"expected a window (like 2023-12-01 .. 2024-02-29), found {sort.vtype or sort.kind}")
        return sort

    def aggregate(self, node: syntax.Aggregate, scope: dict) -> Sort:
        row_expr = not isinstance(node.target, (syntax.Attr, syntax.Name))
        target = self.row_expression_target(node) if row_expr else self.expr(node.target, scope)
        if target.kind == "none":
            return target  # already reported
        inner = {**scope, "vars": dict(scope["vars"]), "row": None, "inner": True}
        subject = scope["subject"]
        if node.over is not None:
            over = self.expr(node.over, scope)
            if over.kind not in ("relation", "item"):
                self.error(node.over, "'over' takes a relation (like bound_shops) or one related item")
                return Sort("none")
            subject = over.table
        if target.kind in ("relation",) or (node.binder and target.kind == "relation"):
            if node.fn != "count":
                self.error(node, f"{node.fn}() needs a field to add up; count() counts related items")
            if node.binder:
                inner["vars"][node.binder] = Sort("item", table=target.table)
            self.refs[node.nid] = refs.ItemsRef()
        elif target.kind in ("table", "column"):
            table = target.table or ""  # a table's or a column's sort names it
            link = self.link(table, subject)
            if link is None:
                if (table, subject) not in self.unlinked:  # once per pair, not at every aggregate
                    self.unlinked.add((table, subject))
                    self.error(node.target, f"'{table}' has no field that points at '{subject}'",
                               self.link_hint(table, subject))
                return Sort("none")
            if node.binder:
                if target.kind != "table":
                    self.error(node, "bind a row of a table: count(f in TABLE where ...)")
                inner["vars"][node.binder] = Sort("row", table=table)
            else:
                inner["row"] = table
            inner["subject"] = subject
            if node.distinct and node.fn != "count":
                self.error(node, "'distinct' goes with count()")
            if target.kind == "table" and node.fn != "count":
                self.error(node, f"{node.fn}() needs a field: {node.fn}({table}.FIELD ...)")
            if row_expr:  # sum(T.f * weight[T.g] ...): the expression is evaluated in each row
                target = self.scalar(node.target, inner)
                if target.kind == "none":
                    return target
            if target.kind != "table" and node.fn in ("sum", "avg") and not target.value_type.is_numeric:
                self.error(node.target, f"cannot {node.fn} {target.vtype} values")
            self.refs[node.nid] = refs.RowsRef(table, link)
            if node.during is not None and not self.tables[table].time_field:
                self.error(node.during, f"table '{table}' has no date: declare it 'by DATE_FIELD' to use 'during'")
        else:
            self.error(node.target, "aggregate a table field (sum(shop_daily.paid_orders ...)), rows or related items")
            return Sort("none")
        if node.during is not None:
            during = self.expect_window(node.during, scope)
            if during.kind == VALUE and during.vtype is not None and during.vtype.kind == "date":
                day = self.source.snippet(node.during.span)
                self.warn(node.during, f"'during {day}' is one day: only the rows of that day are counted",
                          f"write 'during {day} .. {day}' if one day is meant, or a period: "
                          f"'last 30 days to {day}', '{day} .. {day} + 29 days'")
        if node.where is not None:
            self.cond(node.where, inner)
        if node.fn == "count":
            return vsort(COUNT)
        return vsort(target.vtype) if target.vtype is not None else Sort("none")  # sum(TABLE): reported above

    # ---- conditions ------------------------------------------------------------------------------------
    def count_param(self, node, name: str, size: int) -> None:
        """``at least NAME of`` a group of ``size``: NAME is a parameter of whole numbers."""
        param = self.params.get(name)
        if param is None:
            self.error(node, f"'at least {name} of': no parameter '{name}'",
                       f"declare it: param {name}: count = 2, or write a number")
            return
        self.used_params.add(name)
        if param.per is not None or param.vtype.kind != "count":
            self.error(node, f"'at least {name} of' needs a parameter of type count, not {param.vtype}",
                       f"declare it: param {name}: count")
            return
        default = param.default
        if isinstance(default, syntax.Number) and not (isinstance(default.value, int) and 1 <= default.value <= size):
            self.error(default, f"'at least {name} of' a group of {size}: the default {default.text} is not from 1 to {size}")

    def cond(self, node, scope: dict) -> None:
        match node:
            case syntax.Group(entries=entries, kind=kind, n=n, n_param=n_param):
                if not entries:
                    self.error(node, f"an empty '{kind}' group")
                if n_param is not None:
                    self.count_param(node, n_param, len(entries))
                elif kind == "at_least" and not 1 <= n <= len(entries):
                    self.error(node, f"'at least {n} of' a group of {len(entries)}")
                names = [e.name for e in entries if e.name]
                for e in entries:
                    if e.name and names.count(e.name) > 1:
                        self.error(e, f"two entries of one group are named '{e.name}'")
                    if e.name and e.meta and e.meta.labels is None:
                        self.error(e, f"condition '{e.name}' has no labels", 'add: "中文" / "English"')
                    self.cond(e.cond, scope)
            case syntax.Not(cond=inner):
                self.cond(inner, scope)
            case syntax.IfThen(cond=a, then=b):
                self.cond(a, scope)
                self.cond(b, scope)
            case syntax.Quantified(var=var, unit=unit, window=window, cond=inner):
                self.expect_window(window, scope)
                self.cond(inner, {**scope, "inner": True, "vars": {**scope["vars"], var: vsort(DATE if unit == "day" else MONTH)}})
            case syntax.Compare():
                self.compare(node, scope)
            case syntax.Member(item=item, collection=coll):
                isort = self.scalar(item, scope)
                csort = self.expr(coll, scope)
                if csort.kind == "column" or (csort.kind == VALUE and csort.vtype and csort.vtype.is_list):
                    csort = self.scalar(coll, scope)
                    elements = csort.vtype
                    if (elements is not None and elements.is_list and elements.kind == "enum" and isinstance(item, syntax.Name)
                            and item.name in elements.enum_values):
                        self.refs[item.nid] = refs.EnumRef(item.name)
                        self.errors[:] = [e for e in self.errors if e.span != item.span]
                elif csort.kind == "window":
                    if isort.vtype and isort.vtype.kind not in ("date", "month"):
                        self.error(item, f"only a date or month can be in a window, not {isort.vtype}")
                elif csort.kind == "set":
                    if isort.vtype and csort.vtype and not compatible(isort.vtype, csort.vtype):
                        self.error(node, f"cannot look for {isort.vtype} in a set of {csort.vtype}")
                elif csort.kind != "none":
                    self.error(coll, "'in' takes a set {a, b}, a window, or a list field")
            case syntax.IsSet(expr=inner):
                self.scalar(inner, scope)
            case syntax.Truth(expr=inner):
                if isinstance(inner, syntax.Name) and inner.name in self.rules and inner.name not in scope["vars"]:
                    if scope.get("inner"):
                        self.error(node, f"rule '{inner.name}' cannot be used inside a figure (an aggregate, "
                                         "'any month', 'first day')", "combine rules outside: rule_a and count(...) > 0")
                    self.refs[inner.nid] = refs.RuleRef(inner.name)
                    return
                sort = self.scalar(inner, scope)
                if sort.kind == VALUE and sort.vtype != BOOL:
                    self.error(node, f"a condition must be true or false, found {sort.vtype}",
                               "compare it: ... >= 100")

    def compare(self, node: syntax.Compare, scope: dict) -> None:
        sides: list[Sort | None] = []
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(side, syntax.Name) and self._is_enum_symbol(side, other, scope):
                sides.append(None)
            else:
                sides.append(self.scalar(side, scope))
        for side, sort, other_sort in ((node.left, sides[0], sides[1]), (node.right, sides[1], sides[0])):
            if sort is None and isinstance(side, syntax.Name):  # an enum symbol
                enum = other_sort.vtype if other_sort and other_sort.vtype else None
                self.refs[side.nid] = refs.EnumRef(side.name)
                self.sorts[side.nid] = vsort(enum or STRING)
        a, b = (s.vtype if s else None for s in sides)
        if a is None or b is None:
            return
        if not compatible(a, b):
            self.error(node, f"cannot compare {a} with {b}", unit_hint(a, b))
        elif node.op not in ("=", "!=") and not (ordered(a) and ordered(b)):
            self.error(node, f"'{node.op}' needs numbers, dates or months, not {a}")
        for side, t in ((node.left, b), (node.right, a)):
            if isinstance(side, syntax.String) and t.kind == "enum" and side.value not in t.enum_values:
                self.error(side, f"'{side.value}' is not one of {', '.join(t.enum_values)}")

    def _is_enum_symbol(self, side: syntax.Name, other, scope: dict) -> bool:
        """A bare name compared with an enum value, and not a name of its own, is a symbol."""
        name = side.name
        if name in scope["vars"] or name in self.lets or name in self.params or name in self.tables \
                or name == self.dimension_name:
            return False
        row = scope.get("row")
        if row and self.tables[row].field(name) or self.tables[self.entity_table].field(name):
            return False
        saved = len(self.errors)
        other_sort = self.expr(other, scope)
        if other_sort.kind == "column":
            other_sort = self.scalar(other, scope)
        del self.errors[saved:]
        vt = other_sort.vtype
        if vt is not None and vt.kind == "enum":
            if name not in vt.enum_values:
                self.error(side, f"'{name}' is not one of {', '.join(vt.enum_values)}", did_you_mean(name, vt.enum_values))
            return True
        return False
