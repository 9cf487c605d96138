"""The data stage: values and rows validated against the policy's table declarations
(reading the files: :mod:`clausewise.data.files`).

Every table a policy reads is declared in it (``table shop_daily key shop_id, date {...}``).
Each row is validated against that declaration by a pydantic model built from it; a bad
row is kept out of the evaluation and reported with its file, row, line, field and reason,
so that ``rows read = rows used + rows rejected`` always holds. Values are exact: counts
are ``int``, money and rates are ``Decimal``; binary floats never reach a verdict.
"""

from __future__ import annotations

import datetime as dt
import re
import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Callable, Iterable, Mapping, Sequence

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, create_model

from clausewise.language.diagnostics import ClausewiseError, Diagnostic, Span, did_you_mean
from clausewise.values.valuetypes import (INTEGRAL_UNITS, FieldSchema, Month, Scalar, TableSchema, ValueType,
                                         is_decimal_unit, is_money)

SUFFIXES = (".csv", ".jsonl", ".ndjson", ".parquet")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT = re.compile(r"[+-]?\d+", re.ASCII)  # ASCII digits only: '４０' and '٤٠' are not numbers here
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
TRUE_WORDS = {"true": True, "1": True, "false": False, "0": False}
#: Decimal values (yuan, rates, scores) must stay below this magnitude.
MAX_DECIMAL = Decimal("1e18")
#: the most digits a number may have (whole counts, and any number in a JSON file); Python's
#: int() refuses more than 4,300, and 1e1000000 would take minutes to turn into an int
MAX_NUMBER_DIGITS = 1000
_TOO_LARGE = 10**MAX_NUMBER_DIGITS
#: the most characters one value may have (a CSV cell, a JSON string, a Parquet text, a list's
#: items joined by ';' as a CSV cell writes them): a longer one rejects its row, naming the field
#: and the length (never quoting the value)
MAX_CELL_CHARS = 131_072


@dataclass(frozen=True)
class RowError:
    """Why one data row was rejected."""

    file: str
    row: int  # 1-based data row (the header is not a row)
    line: int  # line of the file where the row starts (Parquet: 0)
    field: str | None
    reason: str
    #: the text of the row's key, when it has a one-field key and it could be read (an entity
    #: whose own row is rejected still gets a verdict, naming this rejection)
    key: str | None = dataclasses.field(default=None, compare=False)  # (``field`` is the attribute above)
    #: (field, text) of the row's key fields and fields that refer to another table, as far as
    #: they could be read: which entity a rejected row belonged to (neither is part of what the
    #: rejection says, so two readers that agree on it compare equal)
    links: tuple[tuple[str, str], ...] = dataclasses.field(default=(), compare=False)

    def diagnostic(self) -> Diagnostic:
        where = f"row {self.row}" + (f", field '{self.field}'" if self.field else "")
        return Diagnostic(self.file, Span(self.line, 0, self.line, 0) if self.line else Span(0, 0, 0, 0),
                          f"{where}: {self.reason}", severity="error")


def shown(value: Any) -> str:
    """A data value as a message shows it: text quoted with ``repr`` (so a newline, a terminal escape
    code or a right-to-left mark is visible and cannot forge a line), other values as written."""
    return repr(value) if isinstance(value, str) else str(value)


class CellsBeyondHeader(tuple):
    """A CSV row's cells (in the schema's field order) when the row also has non-empty cells
    beyond the header's columns: :meth:`RowValidator.add_values` rejects it with ``reason``."""

    reason: str

    def __new__(cls, cells: Sequence[Any], reason: str) -> "CellsBeyondHeader":
        self = super().__new__(cls, cells)
        self.reason = reason
        return self


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


def _too_long(length: int) -> ValueError:
    return ValueError(f"a value of {length:,} characters (at most {MAX_CELL_CHARS:,})")


def _text(value: Any) -> str:
    if len(value) > MAX_CELL_CHARS:
        raise _too_long(len(value))
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


def _list_length(items: list | tuple) -> int:
    """The characters of a list's items written as one CSV cell (``a;b``)."""
    return sum(len(i) if isinstance(i, str) else len(str(i)) for i in items) + max(len(items) - 1, 0)


def _integral(value: Any, unit: str) -> int:
    given = value
    if isinstance(value, bool):
        raise ValueError(f"not a whole number of {unit}: {given!r}")
    if isinstance(value, str):
        text = value.strip()
        if _INT.fullmatch(text) and len(text.lstrip("+-")) > MAX_NUMBER_DIGITS:
            raise ValueError(f"out of range (at most {MAX_NUMBER_DIGITS:,} digits): a number of {len(text.lstrip('+-')):,} digits")
        if not _INT.fullmatch(text) and _DECIMAL.fullmatch(text):
            value = Decimal(text)  # '40.0', '4e1', '1e400': whole numbers written as decimals, as JSON may write them
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() >= MAX_NUMBER_DIGITS:
        raise ValueError(f"out of range (at most {MAX_NUMBER_DIGITS:,} digits): {given!r}")
    if isinstance(value, int):
        if abs(value) >= _TOO_LARGE:
            raise ValueError(f"out of range (at most {MAX_NUMBER_DIGITS:,} digits): {value.bit_length():,} binary digits")
        result = value
    elif isinstance(value, (float, Decimal)) and _finite(value) and value == int(value):
        result = int(value)
    elif isinstance(value, str) and _INT.fullmatch(value.strip()):
        result = int(value.strip())
    else:
        raise ValueError(f"not a whole number of {unit}: {given!r}")
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
    if is_money(unit) and result != result.quantize(Decimal("0.01"), rounding="ROUND_DOWN"):
        raise ValueError(f"more than 2 decimal places in a {unit} amount: {value}")
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
    if is_decimal_unit(kind):
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
        raise ValueError(f"{text!r} is not one of {', '.join(vtype.enum_values)}" + (f" ({hint})" if hint else ""))
    return text


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_value(value: Any, vtype: ValueType, optional: bool = False) -> Any:
    """One field value, from text or a typed value; raise ValueError with a reason."""
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:  # even if only white space
        raise _too_long(len(value))
    if _is_empty(value):
        if optional:
            return None
        raise ValueError("missing value")
    if vtype.is_list:
        if not isinstance(value, (list, tuple, str)):
            raise ValueError(f"expected a list (a JSON array, or text like 'a;b'), got {value!r}")
        if isinstance(value, (list, tuple)) and len(value) > 1 and _list_length(value) > MAX_CELL_CHARS:
            raise _too_long(_list_length(value))
        items = value if isinstance(value, (list, tuple)) else _text(value).split(";")
        parsed = tuple(_scalar(item, vtype) for item in items if not _is_empty(item))
        if not parsed:  # a list of no items is a missing value in every format, as an empty CSV cell is
            if optional:
                return None
            raise ValueError("missing value (a list with no items)")
        return parsed
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
            if type(value) is str and len(value) <= MAX_CELL_CHARS and "\x00" not in value:
                stripped = value.strip()
                if stripped and (allowed is None or stripped in allowed):
                    if len(texts) < MEMO_LIMIT:
                        texts[value] = stripped
                    return stripped
            return general(value)
        return text
    if is_decimal_unit(kind):
        decimals: dict[str, Decimal] = {}  # rates and scores repeat: parse each text once

        def decimal(value: Any) -> Any:
            known = decimals.get(value) if type(value) is str else None
            if known is not None:
                return known
            if type(value) is str and len(value) <= MAX_CELL_CHARS and "\x00" not in value and value.strip():
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


class RowValidator:
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
        row: dict[str, Any] | None
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
        if type(values) is CellsBeyondHeader:  # cells beyond the header: the columns may be shifted
            raw = dict(zip(self.names, values))
            self.rejected.append(RowError(self.source, row_no, line, None, values.reason, self._key_text(raw), self._links(raw)))
            return
        row: dict[str, Any] | None
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
            self.rejected.append(RowError(self.source, row_no, line, self.names[index] if index is not None else None, reason,
                                          self._key_text(raw), self._links(raw)))
            return None
        return {n: getattr(validated, f"f_{i}") for i, n in enumerate(self.names)}

    def _key_text(self, raw: Mapping[str, Any]) -> str | None:
        """The text of a rejected row's one-field key, if it is plain text."""
        if len(self.schema.key) != 1:
            return None
        value = raw.get(self.schema.key[0])
        text = value.strip() if isinstance(value, str) and len(value) <= MAX_CELL_CHARS else None
        return text if text and "\x00" not in text else None

    def _links(self, raw: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """(field, text) of a row's key fields and reference fields that hold plain text."""
        out = []
        for f in self.schema.fields:
            value = raw.get(f.name)
            if ((f.name in self.schema.key or f.references) and isinstance(value, str) and len(value) <= MAX_CELL_CHARS
                    and value.strip()):
                out.append((f.name, value.strip()))
        return tuple(out)

    def _keep(self, row: dict[str, Any], row_no: int, line: int) -> None:
        if self.schema.key:
            key = tuple([row[k] for k in self.schema.key])
            if key in self.seen:
                self.rejected.append(RowError(self.source, row_no, line, self.schema.key[0],
                                              f"duplicate key ({key_text(self.schema.key, row)}); first given in row {self.seen[key]}",
                                              links=self._links({k: str(v) for k, v in row.items() if v is not None})))
                return
            self.seen[key] = row_no
        self.rows.append(row)
        self.positions.append((row_no, line))

    def table(self) -> Table:
        return Table(self.schema, self.rows, self.source, self.read, self.rejected, self.positions)


def key_text(fields: Sequence[str], row: Mapping[str, Any]) -> str:
    """``shop_id='S1', date=2024-01-05``: a row's key as rejections name it."""
    return ", ".join(f"{k}={shown(row[k])}" for k in fields)


def check_columns(schema: TableSchema, present: Iterable[str], source: str) -> None:
    columns = sorted(present) if isinstance(present, (set, frozenset)) else list(dict.fromkeys(present))
    have = set(columns)
    absent = [f.name for f in schema.fields if f.name not in have]
    if absent:
        hints = [did_you_mean(name, have) for name in absent]
        unread = [c for c in columns if schema.field(c) is None]
        hint = next((h for h in hints if h), None) or (
            f"the file's columns are {', '.join(columns)}"
            + (f"; rename {', '.join(unread)} or declare the field as the file names it" if unread else ""))
        raise ClausewiseError([Diagnostic(source, Span(1, 0, 1, 0),
                                          f"table {schema.name} has no column{'s' if len(absent) > 1 else ''} "
                                          f"{', '.join(absent)}", hint)])
