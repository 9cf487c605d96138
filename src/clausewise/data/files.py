"""Table files (CSV, JSON Lines, Parquet) read into validated rows (:mod:`clausewise.data.rows`).

Which file is which table, reading each format, rows given in memory, rows that point at an
unknown entity, and the hash of a file for the decision record.
"""

from __future__ import annotations

import csv
import hashlib
import json
import operator
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from clausewise.data.rows import (MAX_CELL_CHARS, MAX_NUMBER_DIGITS, SUFFIXES, CellsBeyondHeader, RowError,
                                  RowValidator, Table, check_columns, shown)
from clausewise.language.diagnostics import ClausewiseError, Diagnostic, Span, did_you_mean
from clausewise.values.valuetypes import TableSchema

#: the longest cell the csv module reads (its default, 131,072, stopped the whole file at the
#: first longer cell; Python's csv then goes on from the next physical line, which is wrong inside
#: a quoted cell). A cell up to this is read, and one over :data:`MAX_CELL_CHARS` rejects its row
#: (:mod:`clausewise.data.rows`); a longer one, most likely a quote never closed, is an error
#: naming the line the row starts on.
CSV_CELL_CEILING = 1 << 24
if csv.field_size_limit() < CSV_CELL_CEILING:
    csv.field_size_limit(CSV_CELL_CEILING)


def csv_cells(path: Path, schema: TableSchema, errors: str = "strict") -> Iterator[tuple[Sequence[Any], int]]:
    """Each row's cells in the schema's field order, with the line it starts on, as
    ``csv.DictReader`` reads a file: blank lines skipped, a short row's last fields empty (None),
    empty cells beyond the header (a trailing comma) ignored. A row with non-empty cells beyond the
    header comes as :class:`CellsBeyondHeader`, to be rejected: its columns may be shifted (an
    unquoted comma in a value). A missing column, and a column the policy reads named twice in the
    header, are errors. ``errors="surrogateescape"``: bytes that are not UTF-8 become lone
    surrogates (see :func:`load_table`) instead of stopping the read."""
    with path.open(encoding="utf-8-sig", newline="", errors=errors) as handle:
        reader = csv.reader(handle)
        header = next(reader, None) or []
        check_columns(schema, header, str(path))
        _no_column_twice(header, schema, f"{path}:1")
        column = {name: i for i, name in enumerate(header)}
        positions = [column[f.name] for f in schema.fields]
        pick = operator.itemgetter(*positions)
        width = max(positions) + 1
        columns = len(header)
        single = len(positions) == 1
        line = reader.line_num + 1
        try:
            for row in reader:
                if len(row) > columns and any(c.strip() for c in row[columns:]):
                    extra = next(c for c in row[columns:] if c.strip())
                    yield CellsBeyondHeader(
                        [row[i] for i in positions],
                        f"{len(row)} cells, but the header names {columns} columns (the first extra one holds "
                        f"{shown(extra[:40] + ('…' if len(extra) > 40 else ''))})"), line
                elif len(row) >= width:
                    cells = pick(row)
                    yield ((cells,) if single else cells), line
                elif row:
                    yield tuple(row[i] if i < len(row) else None for i in positions), line
                line = reader.line_num + 1
        except csv.Error as exc:  # a cell longer than the ceiling: name the line its row starts on
            raise ClausewiseError.simple(
                f"{path}:{line}", f"cannot read the row starting on line {line}: {exc}",
                f"a cell of more than {csv.field_size_limit():,} characters is most likely a quote that is never "
                f"closed; a row with a cell over {MAX_CELL_CHARS:,} characters is rejected, the others read") from None


def _no_column_twice(names: Sequence[str], schema: TableSchema, where: str) -> None:
    """A column the policy reads, named twice (in a CSV header or a Parquet schema), is an error."""
    twice = sorted({name for name in names if names.count(name) > 1} & {f.name for f in schema.fields})
    if twice:
        raise ClausewiseError.simple(where, f"the column {twice[0]!r} is named twice in the header",
                                     "which one holds the values is not clear: remove or rename one of them")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class NumberTooLong(ValueError):
    """A number in a JSON text longer than :data:`MAX_NUMBER_DIGITS` (not read, whatever its field)."""


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise NumberTooLong(f"a number of {len(text.lstrip('-')):,} digits (at most {MAX_NUMBER_DIGITS:,})")
    return int(text)


def _json_decimal(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_DIGITS:
        raise NumberTooLong(f"a number of {len(text):,} characters (at most {MAX_NUMBER_DIGITS:,})")
    return Decimal(text)


class _Long:
    """Where :func:`field_of_long_number` found a number too long."""


def field_of_long_number(text: str) -> str | None:
    """The field (top-level key) of a JSON object text whose value holds a number longer than
    :data:`MAX_NUMBER_DIGITS`, to name it in the row's rejection: the text is read again with such
    numbers kept as markers (only for a line :class:`NumberTooLong` refused)."""
    def number(t: str) -> Any:
        return _Long() if len(t.lstrip("-")) > MAX_NUMBER_DIGITS else 0

    def holds(value: Any) -> bool:
        if isinstance(value, list):
            return any(holds(v) for v in value)
        if isinstance(value, dict):
            return any(holds(v) for v in value.values())
        return isinstance(value, _Long)

    try:
        value = json.loads(text, parse_int=number, parse_float=number)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    return next((key for key, v in value.items() if holds(v)), None)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"the key {twice!r} is given twice")
    return obj


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _LONE_SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def parse_json(text: str) -> Any:
    """One JSON value, exactly: integers as ``int``, other numbers as ``Decimal``.

    ValueError (JSONDecodeError for bad syntax) with a reason for what data files and parameter
    files refuse alike: a number of more than :data:`MAX_NUMBER_DIGITS` digits, a key given twice
    in one object, nesting too deep for the reader, a lone surrogate (``"\\ud800"``, not Unicode
    text). ``NaN`` and ``Infinity`` are read (as floats) for the field's check to refuse by name."""
    try:
        value = json.loads(text, parse_int=_json_int, parse_float=_json_decimal,
                           object_pairs_hook=_json_object)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise ValueError("a string holds a lone surrogate (\\ud800-\\udfff), which is not Unicode text")
    return value


def jsonl_rows(path: Path, schema: TableSchema, validator: RowValidator) -> Iterator[tuple[dict[str, Any], int]]:
    """Each JSON object of a JSON Lines file with its line; a line that is not one is rejected in
    ``validator`` (counted as a row read), a blank line skipped."""
    checked_columns = False
    with path.open(encoding="utf-8-sig") as handle:  # a byte order mark is not part of row 1
        for number, text in enumerate(handle, 1):
            if not text.strip():
                continue
            try:
                raw = parse_json(text)
            except json.JSONDecodeError as err:
                validator.read += 1
                validator.rejected.append(RowError(str(path), validator.read, number, None, f"not valid JSON: {err.msg}"))
                continue
            except NumberTooLong as err:
                validator.read += 1
                validator.rejected.append(RowError(str(path), validator.read, number, field_of_long_number(text),
                                                   f"out of range: {err}"))
                continue
            except ValueError as err:
                validator.read += 1
                validator.rejected.append(RowError(str(path), validator.read, number, None, f"not accepted: {err}"))
                continue
            if not isinstance(raw, dict):
                validator.read += 1
                validator.rejected.append(RowError(str(path), validator.read, number, None, "not a JSON object"))
                continue
            if not checked_columns:  # a JSON object may leave out an optional field, in any row
                check_columns(schema, set(raw) | {f.name for f in schema.fields if f.optional}, str(path))
                checked_columns = True
            yield raw, number


def _parquet_rows(path: Path, schema: TableSchema) -> Iterator[tuple[dict[str, Any], int]]:
    import pyarrow.parquet as pq

    try:
        pfile = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise ClausewiseError.simple(str(path), f"not a readable Parquet file: {exc}") from None
    check_columns(schema, pfile.schema_arrow.names, str(path))
    _no_column_twice(pfile.schema_arrow.names, schema, str(path))
    columns = [f.name for f in schema.fields]
    for batch in pfile.iter_batches(columns=columns, batch_size=65536):
        for raw in batch.to_pylist():
            yield raw, 0


def _csv_not_utf8(path: Path, schema: TableSchema, validator: RowValidator) -> None:
    """Read a CSV file that is not all UTF-8: each row holding bytes that are not is rejected
    with its line (the rest are read as usual)."""
    for cells, line in csv_cells(path, schema, errors="surrogateescape"):
        bad = next((c for c in cells if c and _LONE_SURROGATE.search(c)), None)
        if bad is None:
            validator.add_values(cells, line)
        else:
            byte = ord(_LONE_SURROGATE.search(bad).group()) - 0xDC00  # type: ignore[union-attr]
            validator.read += 1
            validator.rejected.append(RowError(str(path), validator.read, line, None,
                                               f"not UTF-8 text: byte {byte:#04x} cannot be decoded"))


def load_table(path: str | Path, schema: TableSchema) -> Table:
    """Read and validate one table file; its suffix says its format."""
    path = Path(path)
    validator = RowValidator(schema, str(path))
    try:
        if path.suffix == ".csv":
            rows: Iterable = ()
            try:
                for cells, line in csv_cells(path, schema):
                    validator.add_values(cells, line)
            except UnicodeDecodeError:  # read again, rejecting only the rows that are not UTF-8
                validator = RowValidator(schema, str(path))
                _csv_not_utf8(path, schema, validator)
        elif path.suffix in (".jsonl", ".ndjson"):
            rows = jsonl_rows(path, schema, validator)
        elif path.suffix == ".parquet":
            rows = _parquet_rows(path, schema)
        else:
            raise ClausewiseError.simple(str(path), f"unsupported data file type '{path.suffix}'",
                                         "use .csv, .jsonl (.ndjson) or .parquet")
        for raw, line in rows:
            validator.add(raw, line)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ClausewiseError.simple(str(path), f"cannot read: {exc}") from None
    return validator.table()


def table_from_rows(rows: Iterable[Mapping[str, Any]], schema: TableSchema, source: str | None = None) -> Table:
    """Validate rows given in memory (text or typed values), as a file's rows would be."""
    source = source or f"<{schema.name}>"
    validator = RowValidator(schema, source)
    checked_columns = False
    for raw in rows:
        if not checked_columns:
            check_columns(schema, raw.keys(), source)
            checked_columns = True
        validator.add(raw, 0)
    return validator.table()


def find_table_files(paths: Sequence[str | Path], tables: Iterable[str]) -> dict[str, Path]:
    """Map table name → file from directories (files of other tables ignored) and named files."""
    known = set(tables)
    found: dict[str, Path] = {}
    problems: list[Diagnostic] = []

    def add(name: str, file: Path) -> None:
        if name in found:
            problems.append(Diagnostic(str(file), Span(0, 0, 0, 0), f"a second file for table {name}",
                                       f"the first is {found[name]}; give one file per table"))
        else:
            found[name] = file

    for given in paths:
        path = Path(given)
        if path.is_dir():
            for file in sorted(path.iterdir()):
                if file.is_file() and file.suffix in SUFFIXES and file.stem in known:
                    add(file.stem, file)
        elif path.is_file():
            if path.suffix not in SUFFIXES:
                problems.append(Diagnostic(str(path), Span(0, 0, 0, 0), f"unsupported data file type '{path.suffix}'",
                                           "use .csv, .jsonl (.ndjson) or .parquet"))
            elif path.stem not in known:
                hint = did_you_mean(path.stem, known) or f"the policy reads {', '.join(sorted(known))}"
                problems.append(Diagnostic(str(path), Span(0, 0, 0, 0), f"unknown table '{path.stem}'", hint))
            else:
                add(path.stem, path)
        else:
            problems.append(Diagnostic(str(path), Span(0, 0, 0, 0), "no such file or directory"))
    if problems:
        raise ClausewiseError(problems)
    return found


def rejected_entities(table: Any, accepted: Iterable[str]) -> dict[str, RowError]:
    """The entities whose own row the entity table rejected and no accepted row gives: each
    key with its (first) rejection."""
    accepted = set(accepted)
    out: dict[str, RowError] = {}
    for error in getattr(table, "rejected", ()):
        if error.key is not None and error.key not in accepted and error.key not in out:
            out[error.key] = error
    return out


def reject_unknown_entities(tables: Mapping[str, Any], entity_table: str) -> None:
    """Reject rows that point at an entity the entity table does not have (they could reach no verdict);
    a table validated when looked up (:class:`clausewise.data.lazy.LazyTable`) checks its own rows."""
    entity = tables.get(entity_table)
    if entity is None or len(entity.schema.key) != 1:
        return
    key = entity.schema.key[0]
    known = {row[key] for row in entity.rows}
    for name, table in tables.items():
        if not isinstance(table, Table):
            continue  # a lazydata.LazyTable checks its rows as it validates them
        links = [f.name for f in table.schema.fields
                 if name != entity_table and f.references and f.references[0] == entity_table and f.references[1] in ("", key)]
        if not links or len(table.positions) != len(table.rows):
            continue
        kept, positions = [], []
        for row, (row_no, line) in zip(table.rows, table.positions):
            unknown = next((f for f in links if row[f] is not None and row[f] not in known), None)
            if unknown is None:
                kept.append(row)
                positions.append((row_no, line))
            else:
                table.rejected.append(RowError(table.source, row_no, line, unknown,
                                               f"no {entity_table} row for {unknown} {shown(row[unknown])}",
                                               links=((unknown, str(row[unknown])),)))
        table.rows, table.positions = kept, positions
        table.rejected.sort(key=lambda e: e.row)


def reversed_span(row: Mapping[str, Any], start: str, end: str) -> str | None:
    """Why a row's span is refused (it ends before it starts), or None."""
    if row[start] is not None and row[end] is not None and row[end] < row[start]:
        return f"{end} {row[end]} is before {start} {row[start]}"
    return None


def reject_reversed_spans(tables: Mapping[str, Any], spans: Iterable[tuple[str, str, str]]) -> None:
    """Reject rows whose span ends before it starts (``unbound_on`` before ``bound_on``): for each
    ``(table, start field, end field)`` a relation reads (an equal end and start is an empty span)."""
    for name, start, end in spans:
        table = tables.get(name)
        if not isinstance(table, Table) or len(table.positions) != len(table.rows):
            continue  # a lazydata.LazyTable, or a table read by another engine
        kept, positions = [], []
        for row, (row_no, line) in zip(table.rows, table.positions):
            reason = reversed_span(row, start, end)
            if reason is not None:
                table.rejected.append(RowError(table.source, row_no, line, end, reason))
            else:
                kept.append(row)
                positions.append((row_no, line))
        if len(kept) != len(table.rows):
            table.rows, table.positions = kept, positions
            table.rejected.sort(key=lambda e: e.row)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
