"""Every table of every bundled policy, every field: hostile cells (data-driven over the parsed
policies' table declarations, so a new table or field is tried as soon as it is declared).

Each run copies a policy's examples (tier's with 20 of each provider's shops: its size is not
the point), puts one kind of hostile cell into every field of every table (field j of a table in
data row j), evaluates, and checks what issue 19 asks of any input:
no exception, no row lost (rows read per table as in the clean run, read = used + rejected),
entities in = verdicts out, every rejection naming its file, row and line with no raw control
character in its reason, and the verdict of every entity no changed row belongs to unchanged.
Tables whose rows belong to the entity (the entity table and tables that refer to it) and the
others (shops, medians: shared by several entities) are changed in separate runs, so that the
first kind of run can check the untouched entities' verdicts.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from clausewise.data.files import find_table_files
from clausewise.engine.policy import load_policy
from clausewise.values.valuetypes import INTEGRAL_UNITS, is_decimal_unit
from tests.support import EXAMPLES, POLICIES, small_tier

POLICY_DAYS = {"tier": "2024-04-01", "novice": "2024-03-15", "renew": "2024-06-30", "life": "2024-04-01"}


def _hostile(kind: str, field_kind: str) -> str:
    """The hostile cell of ``kind`` for a field of ``field_kind`` (beyond or before its range, a day that
    does not exist, text that only looks right)."""
    number = field_kind in INTEGRAL_UNITS or is_decimal_unit(field_kind)
    if kind == "beyond":
        return {"date": "9999-12-31", "month": "9999-12"}.get(field_kind) or ("1" + "0" * 1001 if number else "x" * 10_000)
    if kind == "before":
        return {"date": "0001-01-01", "month": "0001-01"}.get(field_kind) or ("-1" if number else " ")
    if kind == "no_such":
        return {"date": "2023-02-29", "month": "2023-13"}.get(field_kind) or ("４０" if number else "٤٠")
    return {"empty": "", "nul": "S\x00", "not_finite": "nan", "escape": "\x1b[31m\nS1"}[kind]


KINDS = ("empty", "nul", "not_finite", "beyond", "before", "no_such", "escape")


def _params(name: str) -> dict:
    path = EXAMPLES / name / "params.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def _owner(c, name: str) -> str | None:
    """The field of table ``name`` that names the entity its rows belong to (None: shared rows)."""
    entity_key = c.tables[c.entity_table].key[0]
    links = [f.name for f in c.tables[name].fields if f.references and f.references[0] == c.entity_table
             and f.references[1] in ("", entity_key)]  # not a join on another field (category medians)
    return entity_key if name == c.entity_table else (links[0] if links else None)


def _cases():
    """(policy, kind, owned) for each kind of table a policy's example has rows in: LIFE's tables all
    belong to an entity, so a run on its shared rows would change nothing."""
    for name in sorted(POLICY_DAYS):
        c = load_policy(POLICIES / f"{name}.policy").checked
        kinds = {_owner(c, t) is not None for t, path in find_table_files([EXAMPLES / name], c.tables).items()
                 if len(path.read_text("utf-8-sig").splitlines()) > 1}
        for kind in KINDS:
            for owned in (True, False):
                if owned in kinds:
                    yield pytest.param(name, kind, owned, id=f"{name}-{kind}-{'entity-rows' if owned else 'shared-rows'}")


def _mutate(policy, data: Path, kind: str, owned: bool) -> set[str] | None:
    """Put the hostile cell into every field of the tables whose rows belong to an entity (``owned``)
    or of the others; the entities the changed rows belong to (None: any entity may be affected)."""
    c = policy.checked
    touched: set[str] = set()
    changed = False
    for name, path in find_table_files([data], c.tables).items():
        schema = c.tables[name]
        owner = _owner(c, name)
        if (owner is not None) != owned:
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        header, body = rows[0], rows[1:]
        if not body:
            continue
        for j, f in enumerate(schema.fields):
            row = body[j % len(body)]
            if owner is not None:
                touched.add(row[header.index(owner)].strip())
            row[header.index(f.name)] = _hostile(kind, f.type.kind)
            changed = True
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([header, *body])
    assert changed, "no table of this kind has rows: the run checks nothing"
    return touched if owned else None


_BASELINES: dict[str, object] = {}


def _source(name: str) -> Path:
    """The example the runs of ``name`` copy: examples/NAME, but tier's with 20 of each provider's shops
    (tests/support.small_tier: with the example's 47,000 rows a run took 2.5-5 CPU s; the hostile
    cells go into the first rows of each table either way)."""
    return small_tier() if name == "tier" else EXAMPLES / name


def _baseline(name: str, source: Path):
    if name not in _BASELINES:
        _BASELINES[name] = load_policy(POLICIES / f"{name}.policy").evaluate(source, POLICY_DAYS[name], _params(name))
    return _BASELINES[name]


@pytest.mark.parametrize("name, kind, owned", list(_cases()))
def test_hostile_cells_in_every_field_of_every_table(name, kind, owned, tmp_path):
    policy = load_policy(POLICIES / f"{name}.policy")
    source = _source(name)
    data = tmp_path / name
    shutil.copytree(source, data)
    touched = _mutate(policy, data, kind, owned)
    clean = _baseline(name, source)
    result = policy.evaluate(data, POLICY_DAYS[name], _params(name))  # no exception, whatever the cells hold
    a = result.accounting
    assert a.entities_in == a.verdicts_out and a.rows_read == a.rows_used + a.rows_rejected + a.rows_not_validated
    assert {t.table: t.rows_read for t in a.tables} == {t.table: t.rows_read for t in clean.accounting.tables}  # none lost
    for r in result.rejected:
        assert r.file and r.row > 0 and r.line > 0
        assert not any(ch in r.reason for ch in "\n\r\x1b\x00"), r.reason
    for verdict in result.verdicts:
        verdict.model_dump_json()  # the writer never meets a value it cannot write
    if touched is not None:
        after = {v.entity: v for v in result.verdicts}
        untouched = [v for v in clean.verdicts if v.entity.split("/")[0] not in touched]
        assert untouched, "every entity touched: the run checks nothing"
        assert [_placeless(after.get(v.entity), data) for v in untouched] == [_placeless(v, source) for v in untouched]


def _placeless(verdict, data: Path) -> str | None:
    """A verdict's JSON without where its data lie: an error names its rejected row's file and line (a
    cell holding a line break moves the lines after it, not the rows)."""
    return None if verdict is None else re.sub(r"\.csv:\d+", ".csv:LINE", verdict.model_dump_json().replace(str(data), "DATA"))
