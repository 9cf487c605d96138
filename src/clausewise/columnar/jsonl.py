"""A JSON Lines file's fields as text, read by DuckDB, for :mod:`clausewise.columnar.scan`.

DuckDB reads the file line by line (blank lines left out, as the reader skips them) and parses
each line once. A row is *plainly valid* JSON only if the reader parses it to the same object:
valid JSON (without a trailing comma, which DuckDB accepts and Python does not), no backslash at
all (so no escapes and no lone surrogates), an object whose keys are distinct fields of the
table, and each field's value of the JSON type whose text gives the reader the same value (a
whole number of at most 64 bits for whole-number fields, a whole number for decimals, a string
for text, enum values and days, true or false for booleans; null or absent for an empty value).
Every other row (nesting, numbers written with a fraction or an exponent, numbers beyond 64
bits, duplicate keys, a byte order mark anywhere but at the start...) is left to the reader,
row by row; a file holding the byte 0x01 (the column delimiter DuckDB is given) or that is not
UTF-8 is left to the reader whole.
"""

from __future__ import annotations

from pathlib import Path

from sqlglot import exp

from clausewise.columnar.sql import col
from clausewise.values.valuetypes import INTEGRAL_UNITS, FieldSchema, TableSchema, is_decimal_unit

#: a row-level column of the source: the line is a plainly valid JSON object (see the module docstring)
PLAIN = "json:"
#: Python's str.strip() white space (a line of only these is blank)
_SPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"


def _types(f: FieldSchema) -> tuple[str, ...]:
    """The JSON types (DuckDB's names) whose text gives the reader the same value for this field."""
    kind = f.type.kind
    if kind in INTEGRAL_UNITS:
        return ("UBIGINT",)
    if is_decimal_unit(kind):
        return ("UBIGINT", "BIGINT")
    if kind == "bool":
        return ("BOOLEAN",)
    return ("VARCHAR",)


def jsonl_source(path: Path, schema: TableSchema) -> exp.Expr | None:
    """The file's non-blank lines, in order, with each field's text (``s.<field>``, NULL when
    null or absent) and whether the line is plainly valid (``s."json:"``); None: the reader reads it."""
    try:
        with path.open("rb") as handle:
            if any(b"\x01" in block for block in iter(lambda: handle.read(1 << 20), b"")):
                return None
    except OSError:
        return None
    lines = exp.func("read_csv", exp.Literal.string(str(path)), *[
        exp.EQ(this=exp.column(k), expression=v) for k, v in (
            ("header", exp.false()), ("delim", exp.func("chr", exp.Literal.number(1))), ("quote", exp.Literal.string("")),
            ("escape", exp.Literal.string("")), ("auto_detect", exp.false()), ("strict_mode", exp.false()),
            ("new_line", exp.Literal.string("\\n")),
            ("columns", exp.Struct(expressions=[exp.PropertyEQ(this=exp.Literal.string("line"),
                                                               expression=exp.Literal.string("VARCHAR"))])))])
    line = exp.column("line")
    blank = exp.func("regexp_full_match", line.copy(), exp.Literal.string(_SPACE + "*"))
    valid = exp.and_(exp.func("json_valid", line.copy()),
                     exp.EQ(this=exp.func("strpos", line.copy(), exp.Literal.string("\\")), expression=exp.Literal.number(0)),
                     exp.Not(this=exp.func("regexp_matches", line.copy(), exp.Literal.string(r",[ \t\n\r]*[}\]]"))))
    rows = exp.select(exp.alias_(line.copy(), "line"), exp.alias_(valid, "v")).from_(lines).where(
        exp.and_(exp.Not(this=exp.Is(this=line.copy(), expression=exp.Null())), exp.Not(this=blank)))
    # CASE, not AND: DuckDB may run both sides of an AND, and the JSON functions raise on what is not JSON
    is_object = exp.Case(ifs=[exp.If(this=exp.column("v"), true=exp.EQ(this=exp.func("json_type", line.copy()),
                                                                       expression=exp.Literal.string("OBJECT")))],
                         default=exp.false())
    names = [f.name for f in schema.fields]
    parts = exp.Case(ifs=[exp.If(this=is_object.copy(), true=exp.func("json_extract", line.copy(), exp.Array(
        expressions=[exp.Literal.string(f"$.{n}") for n in names])))])
    keys = exp.Case(ifs=[exp.If(this=is_object.copy(), true=exp.func("json_keys", line.copy()))])
    parsed = exp.select(exp.alias_(is_object, "o"), exp.alias_(parts, "p"), exp.alias_(keys, "keys")).from_(
        exp.alias_(exp.Subquery(this=rows), "l"))
    fields = []
    plain = [exp.column("o"), exp.EQ(this=exp.func("len", exp.func("list_distinct", exp.column("keys"))),
                                     expression=exp.func("len", exp.column("keys"))),
             exp.func("list_has_all", exp.Array(expressions=[exp.Literal.string(n) for n in names]), exp.column("keys"))]
    for i, f in enumerate(schema.fields, 1):
        part = exp.Bracket(this=exp.column("p"), expressions=[exp.Literal.number(i - 1)])  # sqlglot writes p[i]
        kind = exp.func("json_type", part.copy())
        fields.append(exp.alias_(exp.Case(ifs=[exp.If(this=exp.EQ(this=kind.copy(), expression=exp.Literal.string("NULL")),
                                                      true=exp.Null())],
                                          default=exp.func("json_extract_string", part.copy(), exp.Literal.string("$"))),
                                 f.name, quoted=True))
        plain.append(exp.or_(exp.Is(this=kind.copy(), expression=exp.Null()),
                             exp.In(this=kind, expressions=[exp.Literal.string(t) for t in ("NULL", *_types(f))])))
    ok = exp.func("coalesce", exp.Paren(this=exp.and_(*plain)), exp.false())
    return exp.alias_(exp.Subquery(this=exp.select(*fields, exp.alias_(ok, PLAIN, quoted=True)).from_(
        exp.alias_(exp.Subquery(this=parsed), "j"))), "s")


def plain_json() -> exp.Expr:
    """The source's row-level test (:data:`PLAIN`), for the scan's plainly valid test."""
    return col("s", PLAIN)


def jsonl_lines(path: Path, rows: set[int]) -> dict[int, int]:
    """The line each of the given rows (counted as the reader counts them: non-blank lines) is on."""
    found: dict[int, int] = {}
    count = 0
    with path.open(encoding="utf-8-sig") as handle:
        for number, text in enumerate(handle, 1):
            if text.strip():
                count += 1
                if count in rows:
                    found[count] = number
                    if len(found) == len(rows):
                        break
    return found

