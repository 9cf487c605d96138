"""Canonical formatting of policy files: ``clausewise fmt``.

Idempotent, and meaning-preserving: ``parse(format(p)) == parse(p)``. Comments are kept:
a comment on its own line stays before the declaration, field, entry or clause that
follows it; a comment at the end of a line stays at the end of that line's item.
Number literals keep the author's spelling (``30万`` stays ``30万``).
"""

from __future__ import annotations

from dataclasses import dataclass

from clausewise.language import syntax
from clausewise.language.layout import wrap_lines
from clausewise.language.parse import parse_text

INDENT = "  "
# precedence of expressions, loosest first; P_OPEN: a form whose last part takes everything after
# it (``first day d in W where <condition>``), written bare only as a whole value
P_OPEN, P_RANGE, P_SUM, P_PRODUCT, P_UNARY, P_POSTFIX = range(-1, 5)


@dataclass
class Comment:
    line: int
    text: str
    trailing: bool


def _comments(text: str) -> list[Comment]:
    """Comments with their line, found outside strings."""
    found = []
    for number, line in enumerate(text.split("\n"), 1):
        in_string, escaped = False, False
        for i, ch in enumerate(line):
            if in_string:
                escaped, in_string = (not escaped and ch == "\\"), in_string and not (ch == '"' and not escaped)
            elif ch == '"':
                in_string = True
            elif ch == "#":
                found.append(Comment(number, line[i:].rstrip(), bool(line[:i].strip())))
                break
    return found


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


class Formatter:
    def __init__(self, comments: list[Comment]):
        self.pending = sorted(comments, key=lambda c: c.line)
        self.out: list[str] = []

    # ---- comments -----------------------------------------------------------------------------
    def leading(self, line: int, depth: int) -> None:
        last = None
        while self.pending and not self.pending[0].trailing and self.pending[0].line < line:
            last = self.pending.pop(0)
            self.out.append(INDENT * depth + last.text)
        if last is not None and last.line < line - 1 and depth == 0:
            self.out.append("")  # a comment block set apart from what follows stays apart
        # trailing comments of lines already passed belong to the previous item
        while self.pending and self.pending[0].trailing and self.pending[0].line < line:
            comment = self.pending.pop(0)
            self.out[-1] = self.out[-1] + "  " + comment.text if self.out else comment.text

    def emit(self, node, depth: int, text: str) -> None:
        if node is not None and node.span.line:
            self.leading(node.span.line, depth)
        self.out.extend(INDENT * depth + part if part else part for part in text.split("\n"))

    def rest(self) -> None:
        for comment in self.pending:
            if comment.trailing and self.out:
                self.out[-1] += "  " + comment.text
            else:
                self.out.append(comment.text)
        self.pending = []

    # ---- declarations ---------------------------------------------------------------------------
    def policy(self, tree: syntax.PolicyFile) -> str:
        if tree.header:
            self.header(tree.header)
        previous = None
        for decl in tree.decls:
            grouped = syntax.ParamDecl | syntax.LetDecl | syntax.RelationDecl | syntax.NotEncoded  # kept together
            same_kind = type(decl) is type(previous) and isinstance(decl, grouped)
            if self.out and self.out[-1] != "" and not same_kind:
                self.out.append("")
            self.decl(decl)
            previous = decl
        self.rest()
        return "\n".join(wrap_lines(self.out)).rstrip("\n") + "\n"

    def header(self, h: syntax.Header) -> None:
        cites = f" [{', '.join(h.cites)}]" if h.cites else ""
        self.emit(h, 0, f"policy {h.name}{cites} {{")
        if h.title:
            self.out.append(f"{INDENT}title {self.labels(h.title)}")
        if h.version is not None:
            self.out.append(f"{INDENT}version {quote(h.version)}")
        if h.effective_from:
            to = f" to {h.effective_to}" if h.effective_to else ""
            self.out.append(f"{INDENT}effective from {h.effective_from}{to}")
        elif h.effective_not_stated:
            self.out.append(f"{INDENT}effective date not stated")
        for file, title in h.sources:
            self.out.append(f"{INDENT}source {quote(file)}" + (f" {quote(title)}" if title is not None else ""))
        if h.entity:
            each = f" for each {h.dimension}: {self.type(h.dimension_type)}" if h.dimension and h.dimension_type else ""
            self.out.append(f"{INDENT}entity {h.entity} in {h.entity_table}{each}")
        if h.compliant is not None:
            self.out.append(f"{INDENT}compliant when {self.inline(h.compliant)}")
        self.leading(h.span.end_line, 1)
        self.out.append("}")

    def decl(self, d) -> None:
        match d:
            case syntax.TableDecl():
                key = f" key {', '.join(d.key)}" if d.key else ""
                by = f" by {d.time_field}" if d.time_field else ""
                self.emit(d, 0, f"table {d.name}{key}{by} {{")
                for f in d.fields:
                    ref = f" -> {f.ref_table}" + (f".{f.ref_field}" if f.ref_field else "") if f.ref_table else ""
                    self.emit(f, 1, f"{f.name}: {self.type(f.type)}{' optional' if f.optional else ''}{ref}")
                self.leading(d.span.end_line, 1)
                self.out.append("}")
            case syntax.RelationDecl():
                bounds = f" while {d.start_field} until {d.end_field}" if d.start_field else ""
                self.emit(d, 0, f"relation {d.name}{self.meta(d.meta)}: {d.target} via {d.via}{bounds}")
            case syntax.ParamDecl():
                per = f" per {', '.join(self.type(t) for t in (d.per, *d.per_more))}" if d.per else ""
                default = f" = {self.expr(d.default, P_OPEN)}" if d.default is not None else ""
                shape = (f" of {d.window_months} natural months" + (" ending by as_of" if d.window_ends_by_as_of else "")
                         if d.window_months is not None else "")
                head, body = f"param {d.name}{self.meta(d.meta)}:", f"{self.type(d.type)}{shape}{per}{default}"
                self.emit(d, 0, f"{head} {body}" if len(head) + len(body) < 110 else f"{head}\n{INDENT}{body}")
            case syntax.LetDecl():
                self.emit(d, 0, f"let {d.name}{self.meta(d.meta)} = {self.expr(d.expr, P_OPEN)}")
            case syntax.NotEncoded():
                self.emit(d, 0, f"not encoded [{', '.join(d.cites)}] {self.labels(d.reason)}")
            case syntax.RuleDecl():
                self.emit(d, 0, f"rule {d.name}{self.meta(d.meta)} =")
                self.cond_block(d.body, 1, attach=True)
            case syntax.DecideDecl():
                combine = f" by {d.combine}" if d.combine != "first" else ""
                self.emit(d, 0, f"decide {d.name}{self.meta(d.meta)}: {self.type(d.type)}"
                                f"{' optional' if d.optional else ''}{combine} {{")
                for clause in d.clauses:
                    if clause.when is None:
                        self.emit(clause, 1, f"otherwise {self.expr(clause.value, P_OPEN)}")
                    else:
                        self.emit(clause, 1, f"{self.expr(clause.value, P_OPEN)} when {self.inline(clause.when)}")
                self.leading(d.span.end_line, 1)
                self.out.append("}")

    def window_end(self, end) -> str:
        """The end day of a rolling window: a postfix expression, or one '+'/'-' after it
        (``last 7 days to as_of - 1 day``, as the grammar reads it); anything else in parentheses."""
        if isinstance(end, syntax.Arith) and end.op in "+-":
            left, right = self.expr(end.left, P_POSTFIX), self.expr(end.right, P_PRODUCT)
            if not left.startswith("("):
                return f"{left} {end.op} {right}"
        return self.expr(end, P_POSTFIX)

    def type(self, t: syntax.TypeExpr) -> str:
        if t.name == "enum":
            return f"enum({', '.join(t.enum_values)})"
        if t.name == "list" and t.element:
            return f"list({self.type(t.element)})"
        if t.name == "money" and t.enum_values:
            return f"money({t.enum_values[0]})"
        return t.name

    def labels(self, labels: syntax.Labels) -> str:
        if labels.single:
            return quote(labels.en)
        return f"{quote(labels.zh)} / {quote(labels.en)}"

    def meta(self, m: syntax.Meta | None) -> str:
        if m is None:
            return ""
        parts = []
        if m.cites:
            parts.append(f"[{', '.join(m.cites)}]")
        if m.labels:
            parts.append(self.labels(m.labels))
        if m.missing:
            parts.append(f"missing {m.missing}")
        return (" " + " ".join(parts)) if parts else ""

    # ---- conditions -------------------------------------------------------------------------------
    def is_block(self, c) -> bool:
        return isinstance(c, syntax.Group) and (any(e.name or e.meta for e in c.entries) or c.kind in ("none", "at_least")
                                             or len(self.inline(c)) > 90)

    def needs_block(self, c) -> bool:
        """A block group, or ``if a then`` a block group (named members cannot be written inline)."""
        return self.is_block(c) or (isinstance(c, syntax.IfThen) and self.needs_block(c.then))

    def cond_block(self, c, depth: int, attach: bool = False) -> None:
        """Write a condition; groups with named members become blocks."""
        if isinstance(c, syntax.IfThen) and self.needs_block(c.then):
            head = f"if {self.inline(c.cond)} then"
            if attach and self.out:
                self.out[-1] += f" {head}"
            else:
                self.emit(c, depth, head)
                depth += 1
            self.cond_block(c.then, depth, attach=True)
            return
        if self.is_block(c):
            head = {"all": "all of", "any": "any of", "none": "none of"}.get(c.kind, f"at least {c.count_text} of")
            if attach and self.out:
                self.out[-1] += f" {head} {{"
            else:
                self.emit(c, depth, f"{head} {{")
            inner = depth if attach else depth + 1
            for entry in c.entries:
                self.entry(entry, inner)
            self.leading(c.span.end_line, inner)
            self.out.append(INDENT * (inner - 1) + "}")
        else:
            self.emit(c, depth, self.inline(c))

    def entry(self, e: syntax.Entry, depth: int) -> None:
        if e.name is None:
            self.cond_block(e.cond, depth)
            return
        self.emit(e, depth, f"{e.name}{self.meta(e.meta)}:")
        if self.needs_block(e.cond):
            self.cond_block(e.cond, depth + 1, attach=True)
        elif isinstance(e.cond, syntax.IfThen) and len(self.inline(e.cond)) > 90:
            self.out.append(INDENT * (depth + 1) + f"if {self.inline(e.cond.cond)}")
            self.out.append(INDENT * (depth + 1) + f"then {self.inline(e.cond.then, 'then')}")
        else:
            self.out.append(INDENT * (depth + 1) + self.inline(e.cond))

    def inline_entry(self, e: syntax.Entry) -> str:
        """A group member on one line, keeping its name, citation and labels."""
        return f"{e.name}{self.meta(e.meta)}: {self.inline(e.cond)}" if e.name else self.inline(e.cond)

    def inline(self, c, context: str = "top") -> str:
        match c:
            case syntax.Group(kind=kind, entries=entries) if kind in ("all", "any") and len(entries) > 1 \
                    and not any(e.name or e.meta for e in entries):  # one entry: 'all of { a }' is not 'a'
                word = " and " if kind == "all" else " or "
                text = word.join(self.inline(e.cond, kind) for e in entries)
                return f"({text})" if context in ("all", "any", "not", "then") else text
            case syntax.Group(kind=kind, entries=entries):
                head = {"all": "all of", "any": "any of", "none": "none of"}.get(kind, f"at least {c.count_text} of")
                return f"{head} {{ " + "  ".join(self.inline_entry(e) for e in entries) + " }"
            case syntax.Not(cond=inner):
                return f"not {self.inline(inner, 'not')}"
            case syntax.IfThen(cond=a, then=b):
                text = f"if {self.inline(a)} then {self.inline(b, 'then')}"
                return f"({text})" if context != "top" else text
            case syntax.Quantified(kind=kind, unit=unit, var=var, window=w, cond=inner):
                text = f"{kind} {unit} {var} in {self.expr(w)}: {self.inline(inner, 'then')}"
                return f"({text})" if context != "top" else text
            case syntax.Compare(op=op, left=left, right=right):
                return f"{self.expr(left)} {op} {self.expr(right)}"
            case syntax.Member(item=item, collection=coll, negated=negated):
                return f"{self.expr(item)} {'not in' if negated else 'in'} {self.expr(coll)}"
            case syntax.IsSet(expr=inner, negated=negated):
                return f"{self.expr(inner)} is {'missing' if negated else 'set'}"
            case syntax.Truth(expr=inner):
                return self.expr(inner)
        raise AssertionError(type(c).__name__)

    # ---- expressions ---------------------------------------------------------------------------------
    def expr(self, e, min_prec: int = P_RANGE) -> str:
        text, prec = self._expr(e)
        return f"({text})" if prec < min_prec else text

    def _expr(self, e) -> tuple[str, int]:
        top = 99
        match e:
            case syntax.Number(text=text):
                return text, top
            case syntax.String(value=value):
                return quote(value), top
            case syntax.BoolLit(value=value):
                return ("true" if value else "false"), top
            case syntax.DateLit(value=value) | syntax.MonthLit(value=value):
                return str(value), top
            case syntax.NoneLit():
                return "none", top
            case syntax.AsOf():
                return "as_of", top
            case syntax.Name(name=name):
                return name, top
            case syntax.Attr(base=base, name=name):
                return f"{self.expr(base, P_POSTFIX)}.{name}", P_POSTFIX
            case syntax.Index(name=name, key=key, more=more):
                return f"{name}[{', '.join(self.expr(k) for k in (key, *more))}]", top
            case syntax.CountUnits(unit=unit, var=var, window=window, where=where):
                cond = f" where {self.inline(where)}" if where is not None else ""
                return f"count({unit} {var} in {self.expr(window)}{cond})", top
            case syntax.IfExpr(cond=cond, then=then, orelse=orelse):
                return f"if {self.inline(cond, 'then')} then {self.expr(then)} else {self.expr(orelse)}", P_RANGE
            case syntax.Band(value=value, ladder=ladder):
                return f"band of {self.expr(value, P_POSTFIX)} in {self.expr(ladder, P_POSTFIX)}", top
            case syntax.TopN(count=count, field=field, figure=figure, op=op, bound=bound):
                cut = f" {op} {self.expr(bound)}" if op else ""
                return f"top {self.expr(count, top)} ({field} by {self.expr(figure)}{cut})", top
            case syntax.AtDate(expr=inner, date=date):
                return f"{self.expr(inner, P_POSTFIX)} on {self.expr(date, top)}", P_POSTFIX
            case syntax.Arith(op=op, left=left, right=right):
                prec = P_SUM if op in "+-" else P_PRODUCT
                return f"{self.expr(left, prec)} {op} {self.expr(right, prec + 1)}", prec
            case syntax.Neg(expr=inner):
                return f"-{self.expr(inner, P_UNARY)}", P_UNARY
            case syntax.Range(start=start, end=end):
                return f"{self.expr(start, P_SUM)} .. {self.expr(end, P_SUM)}", P_RANGE
            case syntax.Calendar(kind=kind, date=date, previous=previous):
                return f"{'previous ' if previous else ''}{kind} of {self.expr(date, P_POSTFIX)}", top
            case syntax.LastN(count=syntax.Name(name=name), end=end, unit=unit):
                return f"last {name} {unit} to {self.window_end(end)}", top
            case syntax.LastN(count=syntax.Number() as count, end=end):
                return f"last {count.text} to {self.window_end(end)}", top
            case syntax.NFrom(count=count, start=start):
                return f"{count.text} from {self.expr(start, P_POSTFIX)}", top
            case syntax.Edge(kind="day", window=window, day=day):
                return f"day {day} of {self.expr(window, P_POSTFIX)}", top
            case syntax.Edge(kind=kind, window=window):
                return f"{kind} of {self.expr(window, P_POSTFIX)}", top
            case syntax.FirstDay(var=var, window=window, cond=cond):
                return f"first day {var} in {self.expr(window)} where {self.inline(cond, 'then')}", P_OPEN
            case syntax.SetLit(items=items):
                return "{" + ", ".join(self.expr(i) for i in items) + "}", top
            case syntax.Aggregate():
                parts = []
                if e.binder:
                    parts.append(f"{e.binder} in")
                if e.distinct:
                    parts.append("distinct")
                parts.append(self.expr(e.target))
                if e.over is not None:
                    parts.append(f"over {self.expr(e.over)}")
                if e.during is not None:
                    parts.append(f"during {self.expr(e.during)}")
                if e.where is not None:
                    parts.append(f"where {self.inline(e.where)}")
                return f"{e.fn}({' '.join(parts)})", top
        raise AssertionError(type(e).__name__)


def format_text(text: str, filename: str = "<policy>") -> str:
    """The canonical text of a policy (raises ClausewiseError if it does not parse)."""
    tree = parse_text(text, filename)
    return Formatter(_comments(text)).policy(tree)


