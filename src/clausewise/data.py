"""The data stage: table files (CSV, JSON Lines, Parquet) into validated rows.

Every table a policy reads is declared in it (``table shop_daily key shop_id, date {...}``).
Each row is validated against that declaration by a pydantic model built from it; a bad
row is kept out of the evaluation and reported with its file, row, line, field and reason,
so that ``rows read = rows used + rows rejected`` always holds. Values are exact: counts
are ``int``, money and rates are ``Decimal``; binary floats never reach a verdict.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import operator
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable, Iterator, Mapping, Sequence

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, create_model

from .diagnostics import ClausewiseError, Diagnostic, Span, did_you_mean
from .types import INTEGRAL_UNITS, FieldSchema, Month, Scalar, TableSchema, ValueType

SUFFIXES = (".csv", ".jsonl", ".ndjson", ".parquet")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
TRUE_WORDS = {"true": True, "1": True, "false": False, "0": False}
#: Decimal values (yuan, rates, scores) must stay below this magnitude.
MAX_DECIMAL = Decimal("1e18")


@dataclass(frozen=True)
class RowError:
    """Why one data row was rejected."""

    file: str
    row: int  # 1-based data row (the header is not a row)
    line: int  # line of the file where the row starts (Parquet: 0)
    field: str | None
    reason: str

    def diagnostic(self) -> Diagnostic:
        where = f"row {self.row}" + (f", field '{self.field}'" if self.field else "")
        return Diagnostic(self.file, Span(self.line, 0, self.line, 0) if self.line else Span(0, 0, 0, 0),
                          f"{where}: {self.reason}", severity="error")


@dataclass
class Table:
    """The accepted rows of one table and the rows it rejected."""

    schema: TableSchema
    rows: list[dict[str, Any]]
    source: str
    rows_read: int
    rejected: list[RowError] = field(default_factory=list)
    #: (row, line) of each accepted row, for rejections made after validation
    positions: list[tuple[int, int]] = field(default_factory=list)


# ---- one value ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


def _integral(value: Any, unit: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"not a whole number of {unit}: {value!r}")
    if isinstance(value, int):
        result = value
    elif isinstance(value, (float, Decimal)) and _finite(value) and value == int(value):
        result = int(value)
    elif isinstance(value, str) and _INT.fullmatch(value.strip()):
        result = int(value.strip())
    else:
        raise ValueError(f"not a whole number of {unit}: {value!r}")
    if result < 0:
        raise ValueError(f"negative {unit}: {result}")
    return result


def _decimal(value: Any, unit: str) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))  # the shortest decimal that reads back as this float
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        result = Decimal(value.strip())
    else:
        raise ValueError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    if abs(result) >= MAX_DECIMAL:  # keeps every sum of up to 10^8 such values exact in 28 digits
        raise ValueError(f"out of range (at most 18 digits before the decimal point): {value}")
    if unit == "yuan" and result != result.quantize(Decimal("0.01"), rounding="ROUND_DOWN"):
        raise ValueError(f"more than 2 decimal places in a yuan amount: {value}")
    if unit == "rate" and not 0 <= result <= 1:
        raise ValueError(f"a rate must lie between 0 and 1 (write 3% as 0.03): {value}")
    if unit == "score" and result < 0:
        raise ValueError(f"negative score: {value}")
    return result


def _finite(value: float | Decimal) -> bool:
    return value.is_finite() if isinstance(value, Decimal) else value - value == 0


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError(f"a timestamp where a date is expected: {value}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"not a date (YYYY-MM-DD): {value!r}")


def _month(value: Any) -> Month:
    if isinstance(value, Month):
        return value
    if isinstance(value, str):
        try:
            return Month.parse(value)
        except ValueError:
            pass
    raise ValueError(f"not a month (YYYY-MM): {value!r}")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS:
        return TRUE_WORDS[value.strip().lower()]
    raise ValueError(f"not a boolean (true/false/1/0): {value!r}")


def _scalar(value: Any, vtype: ValueType) -> Scalar:
    kind = vtype.kind
    if isinstance(value, str):
        _text(value)
    if kind in INTEGRAL_UNITS:
        return _integral(value, kind)
    if kind in ("yuan", "rate", "score"):
        return _decimal(value, kind)
    if kind == "date":
        return _date(value)
    if kind == "month":
        return _month(value)
    if kind == "bool":
        return _bool(value)
    if not isinstance(value, str):
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and kind == "string":
            return str(value)
        raise ValueError(f"not text: {value!r}")
    text = value.strip()
    if kind == "enum" and text not in vtype.enum_values:
        hint = did_you_mean(text, vtype.enum_values)
        raise ValueError(f"'{text}' is not one of {', '.join(vtype.enum_values)}" + (f" ({hint})" if hint else ""))
    return text


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_value(value: Any, vtype: ValueType, optional: bool = False) -> Any:
    """One field value, from text or a typed value; raise ValueError with a reason."""
    if _is_empty(value):
        if optional:
            return None
        raise ValueError("missing value")
    if vtype.is_list:
        items = value if isinstance(value, (list, tuple)) else str(_text(value)).split(";")
        return tuple(_scalar(item, vtype) for item in items if not _is_empty(item))
    return _scalar(value, vtype)


#: how many distinct texts one field's parser remembers (days, ids, categories; see field_parser)
MEMO_LIMIT = 1 << 20


def field_parser(f: FieldSchema) -> Callable[[Any], Any]:
    """``parse_value`` for one field, with a shortcut for the common well-formed text of a file.

    The shortcut accepts only text that ``parse_value`` accepts, and returns the same value;
    anything else (and every error) takes the general path.
    """
    vtype, optional, kind = f.type, f.optional, f.type.kind

    def general(value: Any) -> Any:
        return parse_value(value, vtype, optional)

    if vtype.is_list:
        return general
    if kind in INTEGRAL_UNITS:
        def integral(value: Any) -> Any:
            if type(value) is str and value.isascii() and value.isdigit():
                return int(value)
            return general(value)
        return integral
    if kind == "date":
        days: dict[str, dt.date] = {}  # a time series repeats its days: parse each once, share the objects

        def date(value: Any) -> Any:
            known = days.get(value) if type(value) is str else None
            if known is not None:
                return known
            if (type(value) is str and len(value) == 10 and value.isascii() and value[4] == "-" and value[7] == "-"
                    and value[:4].isdigit() and value[5:7].isdigit() and value[8:].isdigit()):
                try:
                    day = dt.date.fromisoformat(value)
                except ValueError:
                    pass
                else:
                    if len(days) < MEMO_LIMIT:
                        days[value] = day
                    return day
            return general(value)
        return date
    if kind in ("string", "enum"):
        allowed = frozenset(vtype.enum_values) if kind == "enum" else None
        texts: dict[str, str] = {}  # ids and categories repeat from row to row: keep one copy of each

        def text(value: Any) -> Any:
            known = texts.get(value) if type(value) is str else None
            if known is not None:
                return known
            if type(value) is str and "\x00" not in value:
                stripped = value.strip()
                if stripped and (allowed is None or stripped in allowed):
                    if len(texts) < MEMO_LIMIT:
                        texts[value] = stripped
                    return stripped
            return general(value)
        return text
    if kind in ("yuan", "rate", "score"):
        decimals: dict[str, Decimal] = {}  # rates and scores repeat: parse each text once

        def decimal(value: Any) -> Any:
            known = decimals.get(value) if type(value) is str else None
            if known is not None:
                return known
            if type(value) is str and "\x00" not in value and value.strip():
                number = _decimal(value, kind)
                if len(decimals) < MEMO_LIMIT:
                    decimals[value] = number
                return number
            return general(value)
        return decimal
    return general


# ---- one row ----------------------------------------------------------------------------------------


def _validator(f: FieldSchema):
    return BeforeValidator(lambda value: parse_value(value, f.type, f.optional))


@lru_cache(maxsize=64)
def row_model(schema: TableSchema) -> type[BaseModel]:
    """The pydantic model of one row of ``schema``; extra columns are ignored."""
    fields: dict[str, Any] = {f"f_{i}": (Annotated[Any, _validator(f)], ...) for i, f in enumerate(schema.fields)}
    model = create_model(f"Row_{schema.name}", __config__=ConfigDict(extra="ignore", populate_by_name=False), **fields)
    return model


class _RowValidator:
    """Validates rows of one table, tracking keys to reject duplicates."""

    def __init__(self, schema: TableSchema, source: str):
        self.schema = schema
        self.source = source
        self.model = row_model(schema)
        self.names = [f.name for f in schema.fields]
        self.parsers = [(f.name, field_parser(f)) for f in schema.fields]
        self.seen: dict[tuple, int] = {}
        self.rows: list[dict[str, Any]] = []
        self.rejected: list[RowError] = []
        self.positions: list[tuple[int, int]] = []
        self.read = 0

    def add(self, raw: Mapping[str, Any], line: int) -> None:
        self.read += 1
        row_no = self.read
        try:  # fast path: the model's own field parsers, called directly
            row = {n: parse(raw.get(n)) for n, parse in self.parsers}
        except (ValueError, AssertionError):  # a bad row: the model reports every bad field
            row = self._validate(raw, row_no, line)
            if row is None:
                return
        self._keep(row, row_no, line)

    def add_values(self, values: Sequence[Any], line: int) -> None:
        """:meth:`add` for a row given as its fields' values, in the schema's field order."""
        self.read += 1
        row_no = self.read
        try:
            row = {n: parse(v) for (n, parse), v in zip(self.parsers, values)}
        except (ValueError, AssertionError):
            row = self._validate(dict(zip(self.names, values)), row_no, line)
            if row is None:
                return
        self._keep(row, row_no, line)

    def _validate(self, raw: Mapping[str, Any], row_no: int, line: int) -> dict[str, Any] | None:
        """Validate one row with the pydantic model; record why it is rejected (None) if it is."""
        try:
            validated = self.model.model_validate({f"f_{i}": raw.get(n) for i, n in enumerate(self.names)})
        except ValidationError as err:
            first = err.errors()[0]
            index = int(str(first["loc"][0])[2:]) if first["loc"] else None
            reason = str(first["msg"]).removeprefix("Value error, ")
            more = len(err.errors()) - 1
            if more:
                reason += f" (and {more} more bad field{'s' if more > 1 else ''} in this row)"
            self.rejected.append(RowError(self.source, row_no, line, self.names[index] if index is not None else None, reason))
            return None
        return {n: getattr(validated, f"f_{i}") for i, n in enumerate(self.names)}

    def _keep(self, row: dict[str, Any], row_no: int, line: int) -> None:
        if self.schema.key:
            key = tuple([row[k] for k in self.schema.key])
            if key in self.seen:
                shown = ", ".join(f"{k}={row[k]}" for k in self.schema.key)
                self.rejected.append(RowError(self.source, row_no, line, self.schema.key[0],
                                              f"duplicate key ({shown}); first given in row {self.seen[key]}"))
                return
            self.seen[key] = row_no
        self.rows.append(row)
        self.positions.append((row_no, line))

    def table(self) -> Table:
        return Table(self.schema, self.rows, self.source, self.read, self.rejected, self.positions)


def _missing_columns(schema: TableSchema, present: Iterable[str], source: str) -> None:
    have = set(present)
    absent = [f.name for f in schema.fields if f.name not in have]
    if absent:
        hints = [did_you_mean(name, have) for name in absent]
        hint = next((h for h in hints if h), None) or f"the columns of {schema.name} are {', '.join(f.name for f in schema.fields)}"
        raise ClausewiseError([Diagnostic(source, Span(1, 0, 1, 0),
                                          f"table {schema.name} has no column{'s' if len(absent) > 1 else ''} "
                                          f"{', '.join(absent)}", hint)])


# ---- files ---------------------------------------------------------------------------------------------


def _csv_rows(path: Path, schema: TableSchema, validator: _RowValidator) -> None:
    """Validate every row of a CSV file (as ``csv.DictReader`` reads it: blank lines skipped,
    a short row's last fields empty, extra cells ignored, the last of two equal column names used)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None) or []
        _missing_columns(schema, header, str(path))
        column = {name: i for i, name in enumerate(header)}
        positions = [column[f.name] for f in schema.fields]
        pick = operator.itemgetter(*positions)
        width = max(positions) + 1
        single = len(positions) == 1
        line = reader.line_num + 1
        for row in reader:
            if len(row) >= width:
                values = pick(row)
                validator.add_values((values,) if single else values, line)
            elif row:
                validator.add_values([row[i] if i < len(row) else None for i in positions], line)
            line = reader.line_num + 1


def _jsonl_rows(path: Path, schema: TableSchema, validator: _RowValidator) -> Iterator[tuple[dict[str, Any], int]]:
    checked_columns = False
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, 1):
            if not text.strip():
                continue
            try:
                raw = json.loads(text, parse_float=Decimal)
            except json.JSONDecodeError as err:
                validator.read += 1
                validator.rejected.append(RowError(str(path), validator.read, number, None, f"not valid JSON: {err.msg}"))
                continue
            if not isinstance(raw, dict):
                validator.read += 1
                validator.rejected.append(RowError(str(path), validator.read, number, None, "not a JSON object"))
                continue
            if not checked_columns:
                _missing_columns(schema, raw.keys(), str(path))
                checked_columns = True
            yield raw, number


def _parquet_rows(path: Path, schema: TableSchema) -> Iterator[tuple[dict[str, Any], int]]:
    import pyarrow.parquet as pq

    try:
        pfile = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise ClausewiseError.simple(str(path), f"not a readable Parquet file: {exc}") from None
    _missing_columns(schema, pfile.schema_arrow.names, str(path))
    columns = [f.name for f in schema.fields]
    for batch in pfile.iter_batches(columns=columns, batch_size=65536):
        for raw in batch.to_pylist():
            yield raw, 0


def load_table(path: str | Path, schema: TableSchema) -> Table:
    """Read and validate one table file; its suffix says its format."""
    path = Path(path)
    validator = _RowValidator(schema, str(path))
    try:
        if path.suffix == ".csv":
            rows: Iterable = ()
            _csv_rows(path, schema, validator)
        elif path.suffix in (".jsonl", ".ndjson"):
            rows = _jsonl_rows(path, schema, validator)
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
    validator = _RowValidator(schema, source)
    checked_columns = False
    for raw in rows:
        if not checked_columns:
            _missing_columns(schema, raw.keys(), source)
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


def reject_unknown_entities(tables: Mapping[str, Table], entity_table: str) -> None:
    """Reject rows that point at an entity the entity table does not have (they could reach no verdict)."""
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
                                               f"no {entity_table} row for {unknown} '{row[unknown]}'"))
        table.rows, table.positions = kept, positions
        table.rejected.sort(key=lambda e: e.row)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
