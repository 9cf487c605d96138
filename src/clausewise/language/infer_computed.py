"""Checks of derived values (a mixin of :class:`clausewise.language.check.Checker`).

Parameters with several keys (``weight[industry, indicator]``), conditional values
(``if c then a else b``), ladders (``band of x in bands[k]``), top-N lists
(``top 10 (city by sum(...) >= 150W)``), counts of the months or days of a window meeting a
condition (``count(month m in q where ...)``), and aggregates of a row expression
(``sum(T.score * weight[T.indicator] ...)``).
"""

from __future__ import annotations

from clausewise.language import refs, syntax
from clausewise.language.checkstate import CheckerState
from clausewise.language.diagnostics import did_you_mean
from clausewise.language.sorts import VALUE, Sort, compatible, vsort
from clausewise.values.valuetypes import COUNT, DATE, MONTH, ValueType


class DerivedChecker(CheckerState):
    """Type rules of the derived-value forms; relies on the methods of ExprChecker."""

    # ---- parameters with keys --------------------------------------------------------------------
    def index(self, node: syntax.Index, scope: dict, partial: bool = False) -> Sort:
        """``name[k1, k2]``; with ``partial``, fewer keys leave a ladder (a map of the rest)."""
        param = self.params.get(node.name)
        if param is None or param.per is None:
            self.error(node, f"'{node.name}' is not a per-key parameter",
                       did_you_mean(node.name, [p for p, v in self.params.items() if v.per]))
            return Sort("none")
        self.used_params.add(node.name)
        key_types = (param.per, *param.per_more)
        keys = (node.key, *node.more)
        wanted = len(key_types) - 1 if partial else len(key_types)
        if len(keys) != wanted:
            shown = ", ".join(str(t) for t in key_types[:wanted]) or "no key"
            self.error(node, f"'{node.name}' takes {wanted} key{'s' if wanted != 1 else ''} here ({shown}), "
                             f"not {len(keys)}", f"write {node.name}[{', '.join('...' for _ in range(max(wanted, 1)))}]")
            return Sort("none")
        for key, want in zip(keys, key_types):
            if isinstance(key, syntax.Name) and want.kind == "enum" and key.name in want.enum_values \
                    and not self._is_declared(key.name, scope):
                self.refs[key.nid] = refs.EnumRef(key.name)
                self.sorts[key.nid] = vsort(want)
                continue
            self.expect_value(key, self.expr(key, scope), want, f"a key of '{node.name}'", scope)
        if partial:
            return Sort("ladder", param.vtype, field=str(key_types[-1]))
        return vsort(param.vtype)

    def _is_declared(self, name: str, scope: dict) -> bool:
        row = scope.get("row")
        return (name in scope["vars"] or name in self.lets or name in self.params or name == self.dimension_name
                or bool(row and self.tables[row].field(name)) or bool(self.tables[self.entity_table].field(name)))

    # ---- derived values ------------------------------------------------------------------------------
    def derived(self, node, scope: dict) -> Sort:
        match node:
            case syntax.CountUnits(unit=unit, var=var, window=window, where=where):
                self.expect_window(window, scope)
                if where is not None:
                    self.cond(where, {**scope, "inner": True, "vars": {**scope["vars"], var: vsort(DATE if unit == "day" else MONTH)}})
                return vsort(COUNT)
            case syntax.IfExpr(cond=cond, then=then, orelse=orelse):
                self.cond(cond, {**scope, "inner": True})
                if any(self.is_window(e, scope) for e in (then, orelse)):  # a window chosen by a condition
                    for e in (then, orelse):
                        if not isinstance(e, syntax.NoneLit):
                            self.expect_window(e, scope)
                    return Sort("window")
                sorts = [None if isinstance(e, syntax.NoneLit) else self.scalar(e, scope) for e in (then, orelse)]
                present = [s for s in sorts if s is not None]
                if not present:
                    self.error(node, "both branches are none", "one branch must give a value")
                    return Sort("none")
                if any(s.kind == "none" for s in present):
                    return Sort("none")
                if len(present) == 2 and not compatible(present[0].value_type, present[1].value_type):
                    self.error(node, f"the branches give {present[0].vtype} and {present[1].vtype}",
                               "both branches must give the same kind of value")
                    return Sort("none")
                vt = present[0].value_type if present[0].value_type.kind != "number" or len(present) == 1 else present[-1].value_type
                return vsort(vt)
            case syntax.Band(value=value, ladder=ladder):
                return self.band(node, value, ladder, scope)
            case syntax.TopN():
                return self.top_n(node, scope)
        raise AssertionError(type(node).__name__)

    def is_window(self, node, scope: dict) -> bool:
        """Whether an expression is a window (a range, a calendar window, a window parameter or name)."""
        if isinstance(node, (syntax.Range, syntax.Calendar, syntax.LastN, syntax.NFrom)):
            return True
        if isinstance(node, syntax.IfExpr):
            return self.is_window(node.then, scope) or self.is_window(node.orelse, scope)
        if isinstance(node, syntax.Name):
            param = self.params.get(node.name)
            if param is not None:
                return param.vtype.kind == "window"
            if node.name in self.lets and node.name not in scope["vars"]:
                self.check_let(node.name)
                return self.sorts.get(self.lets[node.name].expr.nid, None) == Sort("window")
        return False

    def band(self, node: syntax.Band, value, ladder, scope: dict) -> Sort:
        vsort_ = self.scalar(value, scope)
        if isinstance(ladder, syntax.Index):
            lsort = self.index(ladder, scope, partial=True)
        elif isinstance(ladder, syntax.Name) and ladder.name in self.params and self.params[ladder.name].per is not None \
                and not self.params[ladder.name].per_more:
            param = self.params[ladder.name]
            self.used_params.add(ladder.name)
            self.refs[ladder.nid] = refs.ParamRef(ladder.name)
            lsort = Sort("ladder", param.vtype, field=str(param.per))
        else:
            self.error(ladder, "'band of x in LADDER' takes a parameter of thresholds by name",
                       "declare: param bands: score per string, and write: band of x in bands")
            return Sort("none")
        self.sorts[ladder.nid] = lsort
        if "none" in (vsort_.kind, lsort.kind):
            return Sort("none")
        if not vsort_.value_type.is_numeric and vsort_.value_type.kind not in ("date", "month"):
            self.error(value, f"a ladder ranks numbers or dates, not {vsort_.vtype}")
        elif not compatible(vsort_.value_type, lsort.value_type):
            self.error(node, f"cannot place {vsort_.vtype} on a ladder of {lsort.vtype} thresholds")
        param = self.params[ladder.name]
        key_type = param.per_more[-1] if isinstance(ladder, syntax.Index) else param.per
        return vsort(key_type) if key_type is not None else Sort("none")

    def top_n(self, node: syntax.TopN, scope: dict) -> Sort:
        csort = self.scalar(node.count, scope)
        if csort.kind == VALUE and csort.vtype and not (csort.vtype.kind in ("number", "count") and
                                                         (not isinstance(node.count, syntax.Number) or isinstance(node.count.value, int))):
            self.error(node.count, f"'top N' takes a whole number, not {csort.vtype}")
        figure = node.figure
        if not isinstance(figure, syntax.Aggregate) or figure.binder:
            self.error(figure, "'top N (FIELD by ...)' ranks the groups of an aggregate over table rows",
                       "e.g. top 10 (city by sum(ls_city_daily.verified_gmv_yuan during q))")
            return Sort("none")
        fsort = self.expr(figure, scope)
        ref = self.refs.get(figure.nid)
        if fsort.kind == "none":
            return fsort
        if not isinstance(ref, refs.RowsRef):
            self.error(figure, "'top N' groups table rows, not related items")
            return Sort("none")
        table = self.tables[ref.table]
        group = table.field(node.field)
        if group is None:
            self.error(node, f"table '{table.name}' has no field '{node.field}' to group by",
                       did_you_mean(node.field, [f.name for f in table.fields]))
            return Sort("none")
        if node.bound is not None:
            bsort = self.scalar(node.bound, scope)
            if bsort.kind == VALUE and fsort.vtype and not compatible(fsort.vtype, bsort.value_type):
                self.error(node, f"cannot compare {fsort.vtype} with {bsort.vtype}")
        return vsort(ValueType(group.type.kind, group.type.enum_values, is_list=True))

    # ---- aggregates of a row expression -----------------------------------------------------------------
    def row_expression_example(self, fn: str) -> str:
        """An example of an aggregate of a row expression, in the policy's own tables."""
        for table in self.tables.values():
            number = next((f for f in table.fields if f.type.is_numeric and not f.type.is_list), None)
            if number is not None and table.time_field:
                return f"e.g. {fn}({table.name}.{number.name} * 2 during last 30 days to as_of)"
        return f"e.g. {fn}(T.amount * 2 during last 30 days to as_of), T a table of the policy"

    def row_expression_target(self, node: syntax.Aggregate) -> Sort:
        """The table whose rows an expression like ``T.score * weight[T.indicator]`` reads."""
        found: list[str] = []

        def walk(n) -> None:
            if isinstance(n, syntax.Attr) and isinstance(n.base, syntax.Name) and n.base.name in self.tables:
                found.append(n.base.name)
            if isinstance(n, syntax.Aggregate | syntax.TopN | syntax.CountUnits):
                return  # an inner figure has its own rows
            for child in syntax.children(n, metadata=True):
                walk(child)

        walk(node.target)
        tables = sorted(set(found))
        if node.binder in self.tables and not tables:  # count(transactions in last 90 days to as_of): 'during' meant
            window = self.source.snippet(node.target.span)
            self.error(node, f"'{node.binder} in {window}' binds a name to each item of a collection",
                       f"rows of a table in a window are written with 'during': "
                       f"{node.fn}({node.binder} during {window} ...)")
            return Sort("none")
        if len(tables) != 1:
            what = "no table field" if not tables else f"fields of {', '.join(tables)}"
            self.error(node.target, f"{node.fn}() of an expression must read the fields of one table, found {what}",
                       self.row_expression_example(node.fn))
            return Sort("none")
        if node.binder or node.distinct:
            self.error(node, f"{node.fn}() of an expression takes no binder and no 'distinct'")
        return Sort("column", None, tables[0], None)
