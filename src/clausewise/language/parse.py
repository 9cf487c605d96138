"""Parse policy text into the syntax tree of :mod:`clausewise.language.syntax`.

The grammar ships inside the package (``clausewise/language/grammar/clausewise.lark``). Lark errors
never escape: they become :class:`~clausewise.language.diagnostics.Diagnostic` with a position.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import sys
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark import __version__ as lark_version
from lark.exceptions import UnexpectedInput, VisitError

from clausewise.language import syntax
from clausewise.language.diagnostics import ClausewiseError, SourceFile, Span
from clausewise.language.limits import check_text_size
from clausewise.language.syntaxerrors import MAX_NESTING, syntax_diagnostic, token_span, too_deep
from clausewise.values.valuetypes import Month, is_currency

#: Unit words as the rule text writes them, mapped to the language's units.
UNIT_WORDS = {
    "order": "orders", "orders": "orders", "单": "orders",
    "yuan": "yuan", "元": "yuan",
    "point": "points", "points": "points", "分": "points",
    "merchant": "merchants", "merchants": "merchants", "shop": "merchants", "shops": "merchants",
    "个": "merchants", "家": "merchants",
    "day": "days", "days": "days", "天": "days", "日": "days",
    "month": "months", "months": "months",
    "score": "score", "rate": "rate", "count": "count",
}

@functools.cache
def _parser() -> Lark:
    grammar = resources.files("clausewise").joinpath("language/grammar/clausewise.lark").read_text("utf-8")
    return build_parser(grammar, parser_cache_file(grammar))


def build_parser(grammar: str, cache: str | bool) -> Lark:
    """The LALR parser of ``grammar``, its tables loaded from the ``cache`` file if lark finds there
    the digest of this grammar, options and versions, else built (and saved there if it can be)."""
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=True,
                cache=cache)


def parser_cache_file(grammar: str) -> str | bool:
    """The cache file of ``grammar``'s tables, named by its digest, in the user's cache directory (not
    the shared temp directory, where another user could write a file of that name); False if none."""
    key = hashlib.sha256(f"{grammar}\0{lark_version}\0{sys.version_info[:2]}".encode()).hexdigest()[:32]
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    try:
        folder = (Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache") / "clausewise"
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # no home directory, or one that cannot be written: no cache
        return False
    return str(folder / f"grammar-{key}.lark-cache")


def _span(meta) -> Span:
    if getattr(meta, "empty", True):
        return Span(0, 0, 0, 0)
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def parse_number(text: str) -> int | Decimal:
    """``30万`` → 300000, ``9,000,000`` → 9000000, ``4.4`` → Decimal('4.4'), ``0.5%`` → Decimal('0.005')."""
    if text.endswith("%"):
        return Decimal(text[:-1].replace(",", "")).scaleb(-2)
    factor = 1
    if text.endswith(("万", "W", "w")):
        text, factor = text[:-1], 10_000
    digits = text.replace(",", "")
    value = Decimal(digits) * factor
    if ("." not in digits or factor > 1) and value == value.to_integral_value():
        return int(value)
    return value


def unquote(token: str) -> str:
    body = token[1:-1]
    out, i = [], 0
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt not in escapes:
                raise ValueError(f"unknown escape '\\{nxt}' in string")
            out.append(escapes[nxt])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@v_args(meta=True)
class _ToAst(Transformer):
    """Turns Lark's parse tree into :mod:`clausewise.language.syntax` nodes."""

    def start(self, meta, items):
        header = None
        decls = []
        for item in items:
            if isinstance(item, syntax.Header):
                if header is not None:
                    raise _UserError(item.span, "a file holds one policy block", "put each policy version in its own file")
                header = item
            else:
                decls.append(item)
        return syntax.PolicyFile(header, tuple(decls), span=_span(meta))

    # header
    def policy_block(self, meta, items):
        values = {"sources": [], "cites": items[1] or ()}
        for key, value in items[2:]:
            if key == "sources":
                values["sources"].append(value)
            elif key in values:
                raise _UserError(_span(meta), f"'{key}' given twice in the policy block")
            else:
                values[key] = value
        values["sources"] = tuple(values["sources"])
        if "effective" in values:
            effective = values.pop("effective")
            if effective is None:
                values["effective_not_stated"] = True
            else:
                values["effective_from"], values["effective_to"] = effective
        if "entity" in values:
            values["entity"], values["entity_table"], values["dimension"], values["dimension_type"] = values.pop("entity")
        return syntax.Header(str(items[0]), span=_span(meta), **values)

    def h_title(self, meta, items):
        return ("title", items[0])

    def h_version(self, meta, items):
        return ("version", unquote(items[0]))

    def h_effective(self, meta, items):
        start, end = items
        return ("effective", (_date(start), _date(end) if end is not None else None))

    def h_effective_not_stated(self, meta, items):
        return ("effective", None)

    def h_source(self, meta, items):
        return ("sources", (unquote(items[0]), unquote(items[1]) if items[1] is not None else None))

    def h_entity(self, meta, items):
        dimension = str(items[2]) if items[2] is not None else None
        return ("entity", (str(items[0]), str(items[1]), dimension, items[3]))

    def h_compliant(self, meta, items):
        return ("compliant", items[0])

    # declarations
    def table_decl(self, meta, items):
        name, key, by, *fields = items
        return syntax.TableDecl(str(name), tuple(fields), key=key or (), time_field=by, span=_span(meta))

    def key_clause(self, meta, items):
        return tuple(str(t) for t in items)

    def by_clause(self, meta, items):
        return str(items[0])

    def field_decl(self, meta, items):
        name, type_, optional, ref = items
        ref_table, ref_field = ref if ref else (None, None)
        return syntax.FieldDecl(str(name), type_, optional is not None, ref_table, ref_field, span=_span(meta))

    def reference(self, meta, items):
        return (str(items[0]), str(items[1]) if items[1] is not None else None)

    def simple_type(self, meta, items):
        return syntax.TypeExpr(str(items[0]), span=_span(meta))

    def enum_type(self, meta, items):
        return syntax.TypeExpr("enum", tuple(str(t) for t in items), span=_span(meta))

    def money_type(self, meta, items):
        code = str(items[0])
        if not is_currency(code):
            raise _UserError(token_span(items[0]), f"'{code}' is not a currency code",
                             "a currency is three capital letters (ISO 4217): money(USD), money(EUR)")
        return syntax.TypeExpr("money", (code,), span=_span(meta))

    def list_type(self, meta, items):
        return syntax.TypeExpr("list", element=items[0], span=_span(meta))

    def relation_decl(self, meta, items):
        name, m, target, via, start, end = items
        return syntax.RelationDecl(str(name), m, str(target), str(via),
                                str(start) if start else None, str(end) if end else None, span=_span(meta))

    def param_decl(self, meta, items):
        name, m, type_, shape, per, default = items
        first, more = (per[0], tuple(per[1:])) if per else (None, ())
        months, by_as_of = shape if shape else (None, False)
        return syntax.ParamDecl(str(name), m, type_, first, default, per_more=more, window_months=months,
                                window_ends_by_as_of=by_as_of, span=_span(meta))

    def window_shape(self, meta, items):
        count, ending = items
        if not str(count).isdigit() or int(str(count)) < 1:
            raise _UserError(_span(meta), f"a window of {count} natural months: the count must be a whole number, 1 or more",
                             "e.g. window of 3 natural months ending by as_of")
        return (int(str(count)), ending is not None)

    def per_clause(self, meta, items):
        return list(items)

    def let_decl(self, meta, items):
        return syntax.LetDecl(str(items[0]), items[1], items[2], span=_span(meta))

    def rule_decl(self, meta, items):
        return syntax.RuleDecl(str(items[0]), items[1], items[2], span=_span(meta))

    def decide_decl(self, meta, items):
        name, m, type_, optional, combine, *clauses = items
        return syntax.DecideDecl(str(name), m, type_, tuple(clauses), optional is not None,
                              combine or "first", span=_span(meta))

    def not_encoded_decl(self, meta, items):
        return syntax.NotEncoded(items[0], items[1], span=_span(meta))

    def combine(self, meta, items):
        return str(items[1])

    def when_clause(self, meta, items):
        return syntax.Clause(items[0], items[1], span=_span(meta))

    def otherwise_clause(self, meta, items):
        return syntax.Clause(items[0], None, span=_span(meta))

    def meta(self, meta, items):
        cites, labels, missing = items
        return syntax.Meta(cites or (), labels, missing, span=_span(meta))

    def cites(self, meta, items):
        return tuple(str(t) for t in items)

    def labels(self, meta, items):
        if items[1] is None:  # one language: both explanations show it
            text = unquote(items[0])
            return syntax.Labels(text, text, True, span=_span(meta))
        return syntax.Labels(unquote(items[0]), unquote(items[1]), span=_span(meta))

    def missing(self, meta, items):
        return str(items[1])

    # conditions
    def or_cond(self, meta, items):
        return _junction("any", items, meta)

    def and_cond(self, meta, items):
        return _junction("all", items, meta)

    def not_cond(self, meta, items):
        return syntax.Not(items[0], span=_span(meta))

    def if_then(self, meta, items):
        return syntax.IfThen(items[0], items[1], span=_span(meta))

    def quantified(self, meta, items):
        kind, unit, var, window, cond = items
        return syntax.Quantified(kind, unit, str(var), window, cond, span=_span(meta))

    def quant_kind(self, meta, items):
        return str(items[0])

    period_unit = calendar_kind = edge_kind = agg_fn = compare_op = add_op = mul_op = quant_kind

    def compare(self, meta, items):
        return syntax.Compare(items[1], items[0], items[2], span=_span(meta))

    def member(self, meta, items):
        return syntax.Member(items[0], items[1], span=_span(meta))

    def not_member(self, meta, items):
        return syntax.Member(items[0], items[1], negated=True, span=_span(meta))

    def is_set(self, meta, items):
        return syntax.IsSet(items[0], span=_span(meta))

    def is_missing(self, meta, items):
        return syntax.IsSet(items[0], negated=True, span=_span(meta))

    def truth(self, meta, items):
        return syntax.Truth(items[0], span=_span(meta))

    def all_group(self, meta, items):
        return syntax.Group("all", tuple(items), span=_span(meta))

    def any_group(self, meta, items):
        return syntax.Group("any", tuple(items), span=_span(meta))

    def none_group(self, meta, items):
        return syntax.Group("none", tuple(items), span=_span(meta))

    def atleast_group(self, meta, items):
        if items[0].type == "NAME":  # at least <parameter> of
            return syntax.Group("at_least", tuple(items[1:]), n_param=str(items[0]), span=_span(meta))
        n = parse_number(str(items[0]))
        if not isinstance(n, int):
            raise _UserError(token_span(items[0]), "'at least N of' needs a whole number or a parameter")
        return syntax.Group("at_least", tuple(items[1:]), n=n, span=_span(meta))

    def named_entry(self, meta, items):
        return syntax.Entry(items[2], str(items[0]), items[1], span=_span(meta))

    def plain_entry(self, meta, items):
        return syntax.Entry(items[0], span=_span(meta))

    # expressions
    def range_expr(self, meta, items):
        if len(items) == 1:
            return items[0]
        return syntax.Range(items[0], items[1], span=_span(meta))

    def arith(self, meta, items):
        result = items[0]
        for op, right in zip(items[1::2], items[2::2]):
            result = syntax.Arith(op, result, right, span=Span(result.span.line, result.span.column,
                                                            right.span.end_line, right.span.end_column))
        return result

    def neg(self, meta, items):
        return syntax.Neg(items[0], span=_span(meta))

    def attr(self, meta, items):
        return syntax.Attr(items[0], str(items[1]), span=_span(meta))

    def at_date(self, meta, items):
        return syntax.AtDate(items[0], items[1], span=_span(meta))

    def name(self, meta, items):
        return syntax.Name(str(items[0]), span=_span(meta))

    def index(self, meta, items):
        return syntax.Index(str(items[0]), items[1], tuple(items[2:]), span=_span(meta))

    def count_units(self, meta, items):
        fn, unit, var, window, where = items
        if fn != "count":
            raise _UserError(_span(meta), f"{fn}() of {unit}s: only count() counts the {unit}s of a window",
                             f"write: count({unit} {var} in ... where ...)")
        return syntax.CountUnits(unit, str(var), window, where, span=_span(meta))

    def if_expr(self, meta, items):
        return syntax.IfExpr(items[0], items[1], items[2], span=_span(meta))

    def band(self, meta, items):
        return syntax.Band(items[0], items[1], span=_span(meta))

    def top_n(self, meta, items):
        count, name, figure, op, bound = items
        return syntax.TopN(count, str(name), figure, op, bound, span=_span(meta))

    def aggregate(self, meta, items):
        fn, body = items
        return syntax.Aggregate(fn, span=_span(meta), **body)

    def agg_body(self, meta, items):
        binder, distinct, target, over, during, where = items
        return {"binder": binder, "distinct": distinct is not None, "target": target,
                "over": over, "during": during, "where": where}

    def binder(self, meta, items):
        return str(items[0])

    def over(self, meta, items):
        return items[0]

    during = where = over

    def set_lit(self, meta, items):
        return syntax.SetLit(tuple(i for i in items if i is not None), span=_span(meta))

    def calendar(self, meta, items):
        return syntax.Calendar(items[0], items[1], span=_span(meta))

    def previous_calendar(self, meta, items):
        return syntax.Calendar(items[0], items[1], previous=True, span=_span(meta))

    def last_n(self, meta, items):
        return syntax.LastN(items[0], items[1], span=_span(meta))

    def last_param(self, meta, items):
        name, unit, end = items
        word = UNIT_WORDS.get(str(unit), str(unit))
        return syntax.LastN(syntax.Name(str(name), span=token_span(name)), end, word, span=_span(meta))

    def n_from(self, meta, items):
        return syntax.NFrom(items[0], items[1], span=_span(meta))

    def edge(self, meta, items):
        return syntax.Edge(items[0], items[1], span=_span(meta))

    def day_of(self, meta, items):
        number, window = items
        if not str(number).isdigit() or not 1 <= int(str(number)) <= 366:
            raise _UserError(token_span(number), f"'day {number} of' needs a day number from 1 to 366",
                             "e.g. day 20 of month of as_of")
        return syntax.Edge("day", window, int(str(number)), span=_span(meta))

    def first_day(self, meta, items):
        return syntax.FirstDay(str(items[0]), items[1], items[2], span=_span(meta))

    def number(self, meta, items):
        text, unit = items
        try:
            value = parse_number(str(text))
        except (InvalidOperation, ValueError):
            raise _UserError(token_span(text), f"not a number: {text}") from None
        full = str(text) + (" " + str(unit) if unit is not None else "")
        if str(text).endswith("%"):
            if unit is not None and UNIT_WORDS.get(str(unit), str(unit)) != "rate":
                raise _UserError(_span(meta), f"a percentage is a rate, not {UNIT_WORDS.get(str(unit), str(unit))}: {full}",
                                 f"write {text} alone (the rate {value:f}), or {str(text)[:-1]} {unit}")
            return syntax.Number(value, "rate", full, span=_span(meta))
        word = str(unit) if unit is not None else None
        return syntax.Number(value, None if word is None else word if is_currency(word) else UNIT_WORDS[word], full,
                             span=_span(meta))

    def string(self, meta, items):
        try:
            return syntax.String(unquote(str(items[0])), span=_span(meta))
        except ValueError as exc:
            raise _UserError(_span(meta), str(exc), 'the escapes are \\n, \\t, \\" and \\\\') from None

    def date(self, meta, items):
        return syntax.DateLit(_date(items[0]), span=_span(meta))

    def month(self, meta, items):
        try:
            return syntax.MonthLit(Month.parse(str(items[0])), span=_span(meta))
        except ValueError as exc:
            raise _UserError(token_span(items[0]), str(exc)) from None

    def true(self, meta, items):
        return syntax.BoolLit(True, span=_span(meta))

    def false(self, meta, items):
        return syntax.BoolLit(False, span=_span(meta))

    def none(self, meta, items):
        return syntax.NoneLit(span=_span(meta))

    def as_of(self, meta, items):
        return syntax.AsOf(span=_span(meta))


def _junction(kind: str, items, meta):
    if len(items) == 1:
        return items[0]
    return syntax.Group(kind, tuple(syntax.Entry(i, span=i.span) for i in items), span=_span(meta))


def _date(tok: Token) -> dt.date:
    try:
        return dt.date.fromisoformat(str(tok))
    except ValueError:
        raise _UserError(token_span(tok), f"no such date: {tok}") from None


class _UserError(Exception):
    def __init__(self, span: Span, message: str, hint: str | None = None):
        super().__init__(message)
        self.span, self.message, self.hint = span, message, hint


@functools.cache
def _keywords() -> dict[str, str]:
    """Terminal name -> the word it stands for, for the grammar's keywords and symbols ('TO' -> 'to')."""
    return {t.name: t.pattern.value for t in _parser().terminals if t.pattern.type == "str"}


def parse_text(text: str, filename: str = "<policy>") -> syntax.PolicyFile:
    """Parse policy text; raise :class:`ClausewiseError` for any mistake in it."""
    source = SourceFile(filename, text)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ClausewiseError([source.diagnostic(Span.point(line, 1), "NUL character in policy text")])
    deep = too_deep(text)
    if deep is not None:
        raise ClausewiseError([source.diagnostic(deep, f"groups or brackets nested more than {MAX_NESTING} levels deep",
                                                 "name the inner parts as rules and refer to them")])
    check_text_size(text, source)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as err:
        raise ClausewiseError([syntax_diagnostic(source, err, _keywords())]) from None
    try:
        return _ToAst().transform(tree)
    except VisitError as err:
        inner = err.orig_exc
        if isinstance(inner, _UserError):
            raise ClausewiseError([source.diagnostic(inner.span, inner.message, inner.hint)]) from None
        raise


def parse_file(path: str | Path) -> tuple[syntax.PolicyFile, SourceFile]:
    """Read and parse a policy file; the source is kept for later diagnostics."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ClausewiseError.simple(str(path), "no such policy file") from None
    except UnicodeDecodeError as exc:
        raise ClausewiseError.simple(str(path), f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    return parse_text(text, str(path)), SourceFile(str(path), text)
