"""CSV, JSON Lines and Parquet files read and validated by DuckDB, with the Python reader's rejected rows and accounting.

A table that only lowered queries read need not become Python rows. DuckDB reads its file as
text and decides, field by field, whether each row is *plainly valid*: a test that accepts
only text the Python reader (:mod:`clausewise.data.rows`) accepts on its fast path and gives
the same value (ASCII digits for whole numbers, ``YYYY-MM-DD`` days that exist, decimals
written plainly within their unit's limits, exact enum values, text without surrounding
white space or NUL, of at most 131,072 characters). Those rows are typed in SQL. Every other row is taken from the file by
the Python reader itself (:func:`clausewise.data.files.csv_cells`) and validated by
:class:`~clausewise.data.rows.RowValidator`: the same value or the same rejection, reason
and line. Duplicate keys (the first accepted row kept) and rows naming an unknown entity
are then rejected in SQL with the reader's reasons. Anything unusual (a repeated or missing
column, a month or list column, a file DuckDB will not parse as the reader does, a row count
that differs from the reader's) returns None: the table is read by the Python reader.

A Parquet file is read the same way, each column cast to text first: a column whose type
gives the reader the same value as its text (whole numbers, decimals, dates, booleans, text,
for fields of those kinds) is tested and typed by the same SQL. A Parquet file with a row that
is not plainly valid, or a column of another type (floating point, timestamps, bytes), is left
to the reader.

A JSON Lines file is read line by line by DuckDB (:mod:`clausewise.columnar.jsonl`), each line
plainly valid only if the reader parses it to the same object; every other line is parsed and
validated by the reader itself (:func:`clausewise.data.files.jsonl_rows`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Mapping, Sequence

import duckdb
from sqlglot import exp

from clausewise.columnar.sql import SCALE, col, ident, literal
from clausewise.columnar.jsonl import PLAIN, jsonl_lines, jsonl_source, plain_json
from clausewise.data.files import csv_cells, jsonl_rows, reversed_span
from clausewise.data.rows import MAX_CELL_CHARS, TRUE_WORDS, RowError, RowValidator, field_parser, key_text, shown
from clausewise.language.diagnostics import ClausewiseError
from clausewise.values.valuetypes import INTEGRAL_UNITS, FieldSchema, TableSchema, is_decimal_unit, is_money

ROW = "row:"
_OK = "ok:"  # the row is plainly valid (rows that are not are deleted, then validated by the reader)
_TOTAL = "rows:"  # the kept rows and the file's row count (explain)
_TEXTS = "texts:"  # the distinct texts of a field (explain)
#: Python's str.strip() white space: text starting or ending with one is not plainly valid
_SPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
_PLACES = 18  # decimal places kept for rates and scores (money: 2)


@dataclass
class ScannedTable:
    """A table read by DuckDB: what the accounting needs (``rows`` is only counted)."""

    schema: TableSchema
    source: str
    rows_read: int
    rows: range
    rejected: list[RowError] = field(default_factory=list)
    not_validated: int = 0


def _places(f: FieldSchema) -> int:
    return 2 if is_money(f.type.kind) else _PLACES


def _plain(f: FieldSchema, v: exp.Expr) -> tuple[exp.Expr, exp.Expr]:
    """(plainly valid, typed value) of one field's text, as SQL."""
    kind = f.type.kind

    def match(pattern: str) -> exp.Expr:
        return exp.func("regexp_full_match", v.copy(), exp.Literal.string(pattern))

    def try_cast(to: str) -> exp.Expr:
        return exp.TryCast(this=v.copy(), to=exp.DataType.build(to))

    if kind in INTEGRAL_UNITS:
        ok, value = match("[0-9]{1,18}"), try_cast("BIGINT")
    elif is_decimal_unit(kind):
        places = _places(f)
        sign = "" if kind in ("rate", "score") else "-?"
        ok = match(sign + "[0-9]{1,18}(\\.[0-9]{1,%d})?" % places)
        value = try_cast(f"DECIMAL(38, {places})")
        if kind == "rate":
            ok = exp.and_(ok, exp.LTE(this=value.copy(), expression=literal(1)))
    elif kind == "date":  # the day DuckDB reads, written back, is the text: YYYY-MM-DD of a day that exists
        value = try_cast("DATE")  # (years 1-9999: DuckDB writes year 0 and before with ' (BC)', 10000 on with 5 digits)
        ok = exp.and_(exp.EQ(this=exp.Length(this=v.copy()), expression=exp.Literal.number(10)),
                      exp.EQ(this=exp.cast(value.copy(), "VARCHAR"), expression=v.copy()))
    elif kind == "bool":
        ok = exp.In(this=v.copy(), expressions=[exp.Literal.string(w) for w in TRUE_WORDS])
        value = exp.In(this=v.copy(), expressions=[exp.Literal.string(w) for w, b in TRUE_WORDS.items() if b])
    elif kind == "enum":
        ok, value = exp.In(this=v.copy(), expressions=[exp.Literal.string(e) for e in f.type.enum_values]), v.copy()
    elif kind == "string":
        ok = exp.and_(exp.NEQ(this=v.copy(), expression=exp.Literal.string("")),
                      exp.LTE(this=exp.Length(this=v.copy()), expression=exp.Literal.number(MAX_CELL_CHARS)),
                      exp.EQ(this=exp.func("strpos", v.copy(), exp.func("chr", exp.Literal.number(0))), expression=exp.Literal.number(0)),
                      exp.Not(this=exp.func("regexp_matches", v.copy(), exp.Literal.string("^" + _SPACE + "|" + _SPACE + "$"))))
        value = v.copy()
    else:
        raise ValueError(kind)
    if f.optional:
        ok = exp.or_(exp.Is(this=v.copy(), expression=exp.Null()), ok)
    else:
        ok = exp.and_(exp.Not(this=exp.Is(this=v.copy(), expression=exp.Null())), ok)
    return exp.func("coalesce", exp.Paren(this=ok), exp.false()), value


def _csv_source(path: Path, names: list[str]) -> exp.Expr | None:
    """The CSV file's cells as text (a header the reader would refuse, or cannot read: None)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None) or []
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    if len(set(header)) != len(header) or any(n not in header for n in names) or any(h == ROW for h in header):
        return None
    return exp.alias_(exp.func("read_csv", exp.Literal.string(str(path)), *[
        exp.EQ(this=exp.column(k), expression=v) for k, v in (
            ("header", exp.true()), ("all_varchar", exp.true()), ("delim", exp.Literal.string(",")),
            ("quote", exp.Literal.string('"')), ("escape", exp.Literal.string('"')),
            ("null_padding", exp.true()), ("auto_detect", exp.false()),
            ("columns", exp.Struct(expressions=[exp.PropertyEQ(this=exp.Literal.string(h), expression=exp.Literal.string("VARCHAR"))
                                                for h in header])))]), "s")


_WHOLE = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}


def _same_as_text(f: FieldSchema, column_type: str) -> bool:
    """Whether a Parquet column of this DuckDB type gives the reader the value its text gives."""
    kind = f.type.kind
    if column_type == "VARCHAR":
        return True
    if kind in INTEGRAL_UNITS:
        return column_type in _WHOLE
    if is_decimal_unit(kind):
        return column_type in _WHOLE or column_type.startswith("DECIMAL(")
    return {"date": "DATE", "bool": "BOOLEAN"}.get(kind) == column_type


def _parquet_names(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The names of a Parquet file's columns as the file writes them, from its schema (elements in
    depth-first order, each with its number of children; the first is the root)."""
    elements = con.execute(exp.select("name", "num_children").from_(
        exp.func("parquet_schema", exp.Literal.string(str(path)))).sql("duckdb")).fetchall()

    def after(i: int) -> int:  # the position after element i and everything below it
        children, i = elements[i][1] or 0, i + 1
        for _ in range(children):
            i = after(i)
        return i

    names, i = [], 1
    for _ in range(elements[0][1] or 0 if elements else 0):
        names.append(str(elements[i][0]))
        i = after(i)
    return names


def _parquet_source(con: duckdb.DuckDBPyConnection, path: Path, schema: TableSchema) -> exp.Expr | None:
    """The Parquet file's fields as text (a column named twice, missing, or of another type: None)."""
    names = _parquet_names(con, path)
    if len(set(names)) != len(names):  # DuckDB renames the second one (x_1)
        return None
    read = exp.func("read_parquet", exp.Literal.string(str(path)))
    described = con.execute(exp.Describe(this=exp.select("*").from_(read.copy())).sql("duckdb")).fetchall()
    types = [(str(r[0]), str(r[1])) for r in described]
    column = dict(types)
    if len(column) != len(types) or ROW in column or any(
            f.name not in column or not _same_as_text(f, column[f.name]) for f in schema.fields):
        return None
    if "file_row_number" in column:
        return None
    # the row numbers the file keeps, not a window over its rows: a filter on a field reaches the scan
    read = exp.func("read_parquet", exp.Literal.string(str(path)), exp.EQ(this=exp.column("file_row_number"), expression=exp.true()))
    number = exp.alias_(exp.Add(this=exp.column("file_row_number"), expression=exp.Literal.number(1)), ROW, quoted=True)
    return exp.alias_(exp.Subquery(this=exp.select(*[
        exp.alias_(exp.cast(exp.column(ident(f.name)), "VARCHAR"), f.name, quoted=True) for f in schema.fields], number).from_(read)), "s")


def _unplain(con: duckdb.DuckDBPyConnection, texts: exp.Expr, f: FieldSchema) -> list[str]:
    """Of the distinct texts of field ``f`` (``texts``: a query of a column ``v``), those that are not
    plainly valid: tested once per distinct text, in a table of their own (the test on each of
    10 M rows took 3 s, the distinct texts 0.15 s; in a subquery DuckDB moves the test below the
    DISTINCT, onto every row)."""
    table = exp.Table(this=ident(_TEXTS))
    con.execute(_temporary(table.copy(), texts)).fetchall()
    try:
        found = con.execute(exp.select("v").from_(table.copy()).where(exp.Not(this=_plain(f, exp.column("v"))[0]))
                            .sql("duckdb")).fetchall()
    finally:
        _drop_table(con, _TEXTS)
    return sorted(str(v) for v, in found if v is not None)


def _read_as(f: FieldSchema, found: Collection[str], texts: Collection[str]) -> set[str]:
    """Of the given texts of field ``f``, those the reader reads as one of ``texts`` (``' S1 '`` as
    ``S1``): the rows a lookup of the Python reader finds (:class:`clausewise.data.lazy.LazyTable`)."""
    parse, out = field_parser(f), set()
    for text in found:
        try:
            if parse(text) in texts:
                out.add(text)
        except (ValueError, AssertionError):
            continue  # rejected by a full load: no lookup finds it
    return out


def _keep_rows(con: duckdb.DuckDBPyConnection, source: exp.Expr, schema: TableSchema, keep: Mapping[str, Collection[str]],
               extra: Sequence[str], numbered_by_source: bool) -> None:
    """Table :data:`_TOTAL`: the file's row count (``n``) and, as a list (``l``), its rows numbered in
    file order that hold in one of the fields of ``keep`` (field -> the texts an evaluation of a
    few entities reads) a text the reader reads as a kept one (as the Python reader's lookup finds
    rows, :func:`_read_as`); each row its number, fields and the ``extra`` columns of the source
    (JSON Lines: a line that is not plainly valid JSON is kept too, the reader decides).

    CSV and JSON Lines: one pass, a streaming row number and an aggregate (a window counting the
    rows, ``count(*) OVER ()``, held the whole file in memory before the filter) grouped by the
    fields' texts (a row each); the texts not plainly valid are then tested, and only if the reader
    reads one of them as a kept text (white space around it) is the file read again with it kept.
    Parquet (``numbered_by_source``): the distinct texts first, so that the filter is a list of
    texts DuckDB applies in the scan, and the row count of the file's metadata. The file's row
    count is the largest ``n``."""
    fields = {f.name: f for f in schema.fields}
    total = exp.Table(this=ident(_TOTAL))
    rows = exp.func("list", exp.Struct(expressions=[exp.PropertyEQ(this=exp.Literal.string(n), expression=col("s", n))
                                                    for n in [ROW, *fields, *extra]]))

    def kept(wanted: Mapping[str, Collection[str]]) -> exp.Expr:
        either: list[exp.Expr] = [exp.In(this=col("s", name), expressions=[exp.Literal.string(t) for t in sorted(texts)])
                                  for name, texts in wanted.items() if texts]
        either += [exp.Not(this=exp.func("coalesce", col("s", PLAIN), exp.false()))] if PLAIN in extra else []
        return exp.or_(*either) if either else exp.false()

    if numbered_by_source:
        wanted = {}
        for name, texts in keep.items():
            unplain = _unplain(con, exp.select(exp.alias_(col("s", name), "v")).distinct().from_(source.copy()), fields[name])
            wanted[name] = set(texts) | _read_as(fields[name], unplain, texts)
        count = exp.Subquery(this=exp.select(exp.Count(this=exp.Star())).from_(source.copy()))
        con.execute(_temporary(total, exp.select(exp.alias_(count, "n"), exp.alias_(rows, "l")).from_(source.copy()).where(
            kept(wanted)))).fetchall()
        return
    numbered = exp.alias_(exp.Subquery(this=exp.select(exp.alias_(exp.Window(this=exp.RowNumber()), ROW, quoted=True),
                                                        exp.Star()).from_(source)), "s")
    names = sorted(keep)

    def one_pass(wanted: Mapping[str, Collection[str]], by_text: bool) -> None:
        query = exp.select(exp.alias_(exp.Max(this=exp.column(ident(ROW))), "n"),
                           exp.alias_(exp.Filter(this=rows.copy(), expression=exp.Where(this=kept(wanted))), "l"),
                           *[exp.alias_(col("s", name), f"d{i}") for i, name in enumerate(names) if by_text])
        if by_text:  # grouped by the texts (list(DISTINCT ...) held the whole file: 0.9 GB on 9.9 M rows)
            query = query.group_by(*[col("s", name) for name in names])
        con.execute(_temporary(total.copy(), query.from_(numbered.copy()))).fetchall()

    one_pass(keep, True)
    more = {name: _read_as(fields[name], _unplain(con, exp.select(exp.alias_(exp.column(f"d{i}"), "v")).distinct()
                                                   .from_(total.copy()), fields[name]), keep[name])
            for i, name in enumerate(names)}
    if any(more.values()):  # rarely: a kept text with white space around it
        _drop_table(con, _TOTAL)
        one_pass({name: set(keep[name]) | more[name] for name in names}, False)


def scan_file(con: duckdb.DuckDBPyConnection, path: Path, schema: TableSchema, entity: tuple[str, str, Collection] | None,
              spans: Sequence[tuple[str, str]] = (), keep: Mapping[str, Collection[str]] | None = None
              ) -> ScannedTable | None:
    """Read and validate one CSV or Parquet file into the DuckDB table named after ``schema``; None:
    use the Python reader. ``entity``: (entity table, its key, the known keys) for rows naming an
    entity; ``spans``: (start, end) fields of the relations through this table, whose rows ending
    before they start are rejected as :func:`clausewise.data.files.reject_reversed_spans` does.
    ``keep``: read only the rows a few entities need (see :func:`_keep_rows`): the others are counted
    as not validated."""
    if any(f.type.is_list or f.type.kind == "month" for f in schema.fields) or any(
            is_decimal_unit(f.type.kind) for f in schema.fields if f.name in schema.key or f.references):
        return None
    names = [f.name for f in schema.fields]
    parquet, jsonl = path.suffix == ".parquet", path.suffix in (".jsonl", ".ndjson")
    try:
        source = (_parquet_source(con, path, schema) if parquet else jsonl_source(path, schema) if jsonl
                  else _csv_source(path, names))
        if source is None:
            return None
        own_numbers = isinstance(source, exp.Subquery) and ROW in source.this.named_selects  # a Parquet file's
        plain = [_plain(f, col("s", f.name)) for f in schema.fields]
        if jsonl:
            plain.append((plain_json(), exp.Null()))
        typed = [exp.alias_(value, f.name, quoted=True) for f, (_, value) in zip(schema.fields, plain)]
        for f in schema.fields:
            if is_decimal_unit(f.type.kind):
                v = col("s", f.name)
                dot = exp.func("strpos", v.copy(), exp.Literal.string("."))
                typed.append(exp.alias_(exp.cast(exp.Case(ifs=[exp.If(this=exp.GT(this=dot, expression=exp.Literal.number(0)),
                                                                      true=exp.Sub(this=exp.Length(this=v.copy()), expression=dot))],
                                                            default=exp.Literal.number(0)), "INTEGER"), SCALE + f.name, quoted=True))
        # one pass over the file: every row numbered, typed, and marked plainly valid or not
        table = exp.Table(this=ident(schema.name))
        ok = exp.alias_(exp.and_(*[p[0] for p in plain]), _OK, quoted=True)
        total: int | None = None
        if keep:  # numbered and filtered in one pass, the file's row count beside; then typed
            _keep_rows(con, source, schema, keep, [PLAIN] if jsonl else [], own_numbers)
            total = int(con.execute(exp.select(exp.Max(this=exp.column("n"))).from_(exp.Table(this=ident(_TOTAL))).sql("duckdb"))
                        .fetchall()[0][0] or 0)
            unnested = exp.select(exp.Explode(this=exp.column("l"), expressions=[
                exp.PropertyEQ(this=exp.to_identifier("recursive"), expression=exp.true())])).from_(exp.Table(this=ident(_TOTAL)))
            body = exp.select(col("s", ROW), *typed, ok).from_(exp.alias_(exp.Subquery(this=unnested), "s")).order_by(col("s", ROW))
        else:  # numbered in the same pass (a window in a subquery made this pass twice as slow)
            number = col("s", ROW) if own_numbers else exp.alias_(exp.Window(this=exp.RowNumber()), ROW, quoted=True)
            body = exp.select(number, *typed, ok).from_(source)
        con.execute(_temporary(table.copy(), body)).fetchall()
        if keep:
            _drop_table(con, _TOTAL)
        kept = int(con.execute(exp.select(exp.Count(this=exp.Star())).from_(table.copy()).sql("duckdb")).fetchall()[0][0])
        n_read = kept if total is None else total
        not_ok = exp.Not(this=exp.column(ident(_OK)))
        unclean = [int(r[0]) for r in con.execute(exp.select(exp.column(ident(ROW))).from_(table.copy()).where(not_ok.copy())
                                                   .order_by(exp.column(ident(ROW))).sql("duckdb")).fetchall()]
        if jsonl and unclean and unclean[0] == 1:
            return _drop(con, schema)  # the reader checks the columns on the first object it reads
        if unclean:
            con.execute(exp.delete(table.copy(), where=not_ok.copy()).sql("duckdb")).fetchall()
    except duckdb.Error:
        return _drop(con, schema)
    if unclean and parquet:
        return _drop(con, schema)  # the reader validates the whole file
    validator = RowValidator(schema, str(path))
    if unclean:  # the reader's own cells, values and reasons for every row that is not plainly valid
        wanted, accepted = set(unclean), []
        count = 0
        if jsonl:  # the reader rejects a line that is not a JSON object itself, counting it
            try:
                for raw, line in jsonl_rows(path, schema, validator):
                    count = validator.read + 1
                    if count in wanted:
                        before = len(validator.rows)
                        validator.add(raw, line)
                        if len(validator.rows) > before:
                            accepted.append({ROW: count, **validator.rows[-1]})
                    else:
                        validator.read += 1
            except (ClausewiseError, OSError, UnicodeDecodeError):
                return _drop(con, schema)
            count = validator.read
            if any(e.row not in wanted for e in validator.rejected):
                return _drop(con, schema)
        else:
            for count, (cells, line) in enumerate(csv_cells(path, schema), 1):
                if count in wanted:
                    validator.read = count - 1
                    before = len(validator.rows)
                    validator.add_values(cells, line)
                    if len(validator.rows) > before:
                        accepted.append({ROW: count, **validator.rows[-1]})
        if count != n_read:
            return _drop(con, schema)  # DuckDB and the reader do not see the same rows
        if accepted:
            if any(is_decimal_unit(f.type.kind) and r[f.name] is not None and -r[f.name].as_tuple().exponent > _places(f)
                   for r in accepted for f in schema.fields):
                return _drop(con, schema)
            import pyarrow as pa

            # here, not at the top: the columnar audit reads through this module, and the lowering of
            # figures that columnar.duck brings (with its imports) is no part of it
            from clausewise.columnar.duck import arrow_table

            extra = arrow_table(schema, accepted)
            extra = extra.append_column(ROW, pa.array([r[ROW] for r in accepted], pa.int64()))
            con.register("accepted:", extra)
            cols = [col("a", ROW)] + [col("a", f.name) for f in schema.fields] + [
                col("a", SCALE + f.name) for f in schema.fields if is_decimal_unit(f.type.kind)]
            try:
                con.execute(exp.insert(exp.select(*cols).from_(exp.alias_(exp.Table(this=ident("accepted:")), "a")),
                                       exp.Table(this=ident(schema.name)),
                                       columns=[ROW] + names + [SCALE + f.name for f in schema.fields
                                                                if is_decimal_unit(f.type.kind)]).sql("duckdb")).fetchall()
            except duckdb.Error:  # a value beyond the column's type (a whole number beyond 64 bits)
                return _drop(con, schema)
            finally:
                con.unregister("accepted:")
    rejected = list(validator.rejected)
    rejected += _duplicates(con, path, schema) + _unknown_entities(con, path, schema, entity)
    for start, end in spans:
        rejected += _reversed(con, path, schema, start, end)
    used = con.execute(exp.select(exp.Count(this=exp.Star())).from_(exp.Table(this=ident(schema.name))).sql("duckdb")).fetchall()[0]
    rejected.sort(key=lambda e: e.row)
    return ScannedTable(schema, str(path), n_read, range(int(used[0]) if used else 0), rejected, n_read - int(kept))


def _temporary(table: exp.Table, body: exp.Expr) -> str:
    return exp.Create(this=table, kind="TABLE", properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
                      expression=body).sql("duckdb")


def _drop_table(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute(exp.Drop(tables=[exp.Table(this=ident(name))], kind="TABLE", exists=True).sql("duckdb")).fetchall()


def _drop(con: duckdb.DuckDBPyConnection, schema: TableSchema) -> ScannedTable | None:
    """Forget the table read so far (the reader reads it instead); None."""
    _drop_table(con, schema.name)
    _drop_table(con, _TOTAL)
    _drop_table(con, _TEXTS)
    return None


def _lines(path: Path, schema: TableSchema, rows: Collection[int]) -> dict[int, int]:
    """The line each of the given data rows starts on, as the reader counts them (0 in a Parquet file)."""
    if path.suffix == ".parquet":
        return dict.fromkeys(rows, 0)
    if path.suffix in (".jsonl", ".ndjson"):
        return jsonl_lines(path, set(rows))
    wanted, found = set(rows), {}
    for count, (_cells, line) in enumerate(csv_cells(path, schema), 1):
        if count in wanted:
            found[count] = line
            if len(found) == len(wanted):
                break
    return found


def _delete(con: duckdb.DuckDBPyConnection, schema: TableSchema, rows: list[int]) -> None:
    if rows:
        con.execute(exp.delete(exp.Table(this=ident(schema.name)), where=exp.In(
            this=exp.column(ident(ROW)), expressions=[literal(r) for r in rows])).sql("duckdb")).fetchall()


def _duplicates(con: duckdb.DuckDBPyConnection, path: Path, schema: TableSchema) -> list[RowError]:
    """Rows whose key an earlier accepted row has (the reader's reason and the first row)."""
    if not schema.key:
        return []
    keys = [col("t", k) for k in schema.key]
    shown = [f.name for f in schema.fields if f.name in schema.key or f.references]  # what names the row's entity
    # the common case: as many distinct 64-bit hashes of the key as rows, one aggregate and no window
    # (equal keys have equal hashes, so no repeated hash means no duplicate; a repeated one is looked
    # for exactly below). On 9.9 M rows about 2.1 s of CPU against 2.9 s grouping by the hash with
    # HAVING count(*) > 1, and 3.1-3.7 s grouping by the key's columns
    hashed = exp.Anonymous(this="hash", expressions=[k.copy() for k in keys])
    distinct = exp.EQ(this=exp.Count(this=exp.Star()), expression=exp.Count(this=exp.Distinct(expressions=[hashed])))
    if con.execute(exp.select(distinct).from_(exp.alias_(exp.Table(this=ident(schema.name)), "t")).sql("duckdb")
                   ).fetchall()[0][0]:
        return []
    first = exp.Window(this=exp.Min(this=col("t", ROW)), partition_by=keys)
    ranked = exp.select(col("t", ROW), *[col("t", n) for n in shown], exp.alias_(first, "first")).from_(
        exp.alias_(exp.Table(this=ident(schema.name)), "t"))
    found = con.execute(exp.select("*").from_(exp.alias_(exp.Subquery(this=ranked), "d")).where(
        exp.NEQ(this=col("d", ROW), expression=exp.column("first"))).order_by(col("d", ROW)).sql("duckdb")).fetchall()
    if not found:
        return []
    lines = _lines(path, schema, [int(r[0]) for r in found])
    out = []
    for row_no, *values, first_row in found:
        value = dict(zip(shown, values))
        key = key_text(schema.key, value)
        # as RowValidator names a rejected row's entity: key and reference fields with text
        links = tuple((n, str(value[n]).strip()) for n in shown if value[n] is not None and str(value[n]).strip())
        out.append(RowError(str(path), int(row_no), lines[int(row_no)], schema.key[0],
                            f"duplicate key ({key}); first given in row {int(first_row)}", links=links))
    _delete(con, schema, [int(r[0]) for r in found])
    return out


def _reversed(con: duckdb.DuckDBPyConnection, path: Path, schema: TableSchema, start: str, end: str) -> list[RowError]:
    """Rows whose span ends before it starts (the reader's reason, from :func:`reversed_span`)."""
    found = con.execute(exp.select(col("t", ROW), col("t", start), col("t", end)).from_(
        exp.alias_(exp.Table(this=ident(schema.name)), "t")).where(exp.LT(this=col("t", end), expression=col("t", start)))
        .order_by(col("t", ROW)).sql("duckdb")).fetchall()
    if not found:
        return []
    lines = _lines(path, schema, [int(r[0]) for r in found])
    out = [RowError(str(path), int(row_no), lines[int(row_no)], end, reversed_span({start: s, end: e}, start, end) or "")
           for row_no, s, e in found]
    _delete(con, schema, [int(r[0]) for r in found])
    return out


def _unknown_entities(con: duckdb.DuckDBPyConnection, path: Path, schema: TableSchema,
                      entity: tuple[str, str, Collection] | None) -> list[RowError]:
    """Rows naming an entity the entity table does not have (the reader's reason)."""
    if entity is None:
        return []
    table, key, known = entity
    links = [f.name for f in schema.fields if f.references and f.references[0] == table and f.references[1] in ("", key)]
    if not links or schema.name == table:
        return []
    import pyarrow as pa

    con.register("known:", pa.table({"k": pa.array(sorted(str(k) for k in known), pa.string())}))
    try:
        unknown = [exp.And(this=exp.Not(this=exp.Is(this=col("t", f), expression=exp.Null())), expression=exp.Not(
            this=exp.In(this=exp.cast(col("t", f), "VARCHAR"),
                        query=exp.Subquery(this=exp.select("k").from_(exp.Table(this=ident("known:")))))))
            for f in links]
        found = con.execute(exp.select(col("t", ROW), *[col("t", f) for f in links]).from_(
            exp.alias_(exp.Table(this=ident(schema.name)), "t")).where(exp.or_(*unknown)).order_by(col("t", ROW)).sql(
            "duckdb")).fetchall()
    finally:
        con.unregister("known:")
    if not found:
        return []
    lines = _lines(path, schema, [int(r[0]) for r in found])
    known_text = {str(k) for k in known}
    out = []
    for row_no, *values in found:
        name, value = next((f, v) for f, v in zip(links, values) if v is not None and str(v) not in known_text)
        out.append(RowError(str(path), int(row_no), lines[int(row_no)], name, f"no {table} row for {name} {shown(value)}",
                            links=((name, str(value)),)))
    _delete(con, schema, [int(r[0]) for r in found])
    return out
