"""Tables validated on demand, for evaluating a few named entities (``clausewise explain``).

Explaining one provider used to validate every row of every table (42,161 rows for
``examples/tier``) and index them all, though the provider's evaluation reads a few hundred. A
:class:`LazyTable` reads a CSV file's cells without validating them. When the evaluation looks
rows up by a field (``Data.index``), it parses that one field of every row (each distinct text
once) and validates only the rows of the values it actually asks for, in file order, with the
same checks as a full load: every field, duplicate keys, and rows that point at an entity the
entity table does not have. Rows it never asks for are counted as not validated.

Duplicate keys are found the same way as in a full load only if two rows with the same key
always fall in the same bucket: so a lookup by a field that is not part of a keyed table's key
validates the whole table first (in file order) and indexes it as a full load would.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

from clausewise.data.rows import RowError, RowValidator, TableSchema, field_parser, shown
from clausewise.data.files import csv_cells, reversed_span
from clausewise.language.diagnostics import ClausewiseError


class LazyIndex:
    """``{value: [validated rows]}`` for one field, validating a value's rows when it is asked for."""

    def __init__(self, table: "LazyTable", positions: dict[Any, list[int]]):
        self.table, self.positions = table, positions
        self.cache: dict[Any, list[dict]] = {}

    def get(self, value: Any, default: Any = None) -> Any:
        rows = self.cache.get(value)
        if rows is None:
            found = [self.table.validate(i) for i in self.positions.get(value, ())]
            rows = self.cache[value] = [r for r in found if r is not None]
        return rows if rows else default


class LazyTable:
    """A CSV table whose rows are validated when an evaluation looks them up."""

    def __init__(self, path: Path, schema: TableSchema, entity_table: str, entity_key: str | None,
                 known_entities: set | None, spans: tuple[tuple[str, str], ...] = ()):
        """``spans``: (start, end) fields of a relation's span, checked as a full load checks them."""
        self.schema, self.source = schema, str(path)
        self.validator = RowValidator(schema, self.source)
        self.cells: list[Sequence[Any]] = []
        self.lines: list[int] = []
        try:
            for cells, line in csv_cells(path, schema):
                self.cells.append(cells)
                self.lines.append(line)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:  # as a full load reports it
            raise ClausewiseError.simple(str(path), f"cannot read: {exc}") from None
        self.rows_read = len(self.cells)
        self._checked: dict[int, dict | None] = {}
        self._links = [] if known_entities is None else [
            f.name for f in schema.fields if schema.name != entity_table and f.references
            and f.references[0] == entity_table and f.references[1] in ("", entity_key)]
        self._known = known_entities or set()
        self._entity_table = entity_table
        self._spans = spans
        self._indexes: dict[str, Any] = {}  # field -> what by_field gave

    def validate(self, i: int) -> dict | None:
        """Row ``i`` (0-based, file order) validated as a full load would, or None if rejected."""
        if i in self._checked:
            return self._checked[i]
        v = self.validator
        v.read, accepted = i, len(v.rows)
        v.add_values(self.cells[i], self.lines[i])
        row = v.rows[-1] if len(v.rows) > accepted else None
        if row is not None:
            unknown = next((f for f in self._links if row[f] is not None and row[f] not in self._known), None)
            if unknown is not None:
                v.rows.pop()
                v.rejected.append(RowError(self.source, i + 1, self.lines[i], unknown,
                                           f"no {self._entity_table} row for {unknown} {shown(row[unknown])}",
                                           links=((unknown, str(row[unknown])),)))
                row = None
        if row is not None:
            for start, end in self._spans:
                reason = reversed_span(row, start, end)
                if reason is not None:
                    v.rows.pop()
                    v.rejected.append(RowError(self.source, i + 1, self.lines[i], end, reason))
                    row = None
                    break
        self._checked[i] = row
        return row

    def by_field(self, field_name: str) -> Any:
        """The rows by the value of one field (see the module's note on keys); made once per field."""
        index = self._indexes.get(field_name)
        if index is None:
            index = self._indexes[field_name] = self._by_field(field_name)
        return index

    def _by_field(self, field_name: str) -> Any:
        if self.schema.key and field_name not in self.schema.key:
            idx: dict = defaultdict(list)
            for row in self.rows_in_order(validate_all=True):
                idx[row.get(field_name)].append(row)
            return dict(idx)
        at = [f.name for f in self.schema.fields].index(field_name)
        parse = field_parser(self.schema.fields[at])
        positions: dict[Any, list[int]] = defaultdict(list)
        for i, cells in enumerate(self.cells):
            try:
                value = parse(cells[at])
            except (ValueError, AssertionError):
                continue  # a full load rejects this row; no lookup can find it
            positions[value].append(i)
        return LazyIndex(self, dict(positions))

    def rows_in_order(self, validate_all: bool = False) -> list[dict]:
        if validate_all:
            for i in range(len(self.cells)):
                self.validate(i)
        return [row for i in sorted(self._checked) if (row := self._checked[i]) is not None]

    @property
    def rows(self) -> list[dict]:
        """The rows validated and accepted so far, in file order."""
        return self.rows_in_order()

    @property
    def rejected(self) -> list[RowError]:
        return sorted(self.validator.rejected, key=lambda e: e.row)

    @property
    def not_validated(self) -> int:
        return self.rows_read - len(self._checked)
