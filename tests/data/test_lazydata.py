"""Evaluating named entities validates only the rows they look up, and gives the full load's verdicts."""

from __future__ import annotations

import json
import shutil

import pytest

import clausewise
from tests.support import EXAMPLES, POLICIES

BUNDLED = [("tier", "2024-04-01", True), ("novice", "2024-03-15", False), ("renew", "2024-06-30", True),
           ("life", "2024-04-01", True)]


@pytest.mark.parametrize("name, as_of, with_params", BUNDLED)
def test_every_entity_alone_gets_the_verdict_of_the_full_evaluation(name, as_of, with_params):
    policy = clausewise.load_policy(POLICIES / f"{name}.policy")
    params = json.loads((EXAMPLES / name / "params.json").read_text("utf-8")) if with_params else {}
    full = policy.evaluate(EXAMPLES / name, as_of, params)
    skipped = 0
    for verdict in full.verdicts:
        alone = policy.evaluate(EXAMPLES / name, as_of, params, entities=[verdict.entity])
        assert alone.verdicts[0].model_dump_json() == verdict.model_dump_json()
        a = alone.accounting
        assert a.rows_read == full.accounting.rows_read
        assert a.rows_read == a.rows_used + a.rows_rejected + a.rows_not_validated
        skipped += a.rows_not_validated
    assert skipped > 0  # rows of other entities were not validated
    assert full.accounting.rows_not_validated == 0


def test_bad_rows_of_the_entity_are_still_rejected_and_bad_rows_of_others_are_not_validated(tmp_path):
    data = tmp_path / "novice"
    shutil.copytree(EXAMPLES / "novice", data)
    policy = clausewise.load_policy(POLICIES / "novice.policy")
    full = policy.evaluate(data, "2024-03-15")
    assert full.rejected  # the example carries three bad shop_daily rows
    bad_shops = set()
    for r in full.rejected:
        line = (data / f"{r.table}.csv").read_text("utf-8").splitlines()[r.line - 1]
        bad_shops.add(line.split(",")[0])
    shop = sorted(bad_shops)[0]
    alone = policy.evaluate(data, "2024-03-15", entities=[shop])
    assert [(r.table, r.row, r.field, r.reason) for r in alone.rejected] == \
        [(r.table, r.row, r.field, r.reason) for r in full.rejected if r.file.endswith(".csv") and
         (data / f"{r.table}.csv").read_text("utf-8").splitlines()[r.line - 1].startswith(shop + ",")]
    other = next(v.entity for v in full.verdicts if v.entity not in bad_shops)
    assert not policy.evaluate(data, "2024-03-15", entities=[other]).rejected


def test_a_duplicate_key_is_rejected_as_in_a_full_load(tmp_path):
    data = tmp_path / "novice"
    shutil.copytree(EXAMPLES / "novice", data)
    daily = data / "shop_daily.csv"
    lines = daily.read_text("utf-8").splitlines()
    daily.write_text("\n".join(lines + [lines[1]]) + "\n", "utf-8")  # the first row again, at the end
    policy = clausewise.load_policy(POLICIES / "novice.policy")
    shop = lines[1].split(",")[0]
    full = policy.evaluate(data, "2024-03-15")
    alone = policy.evaluate(data, "2024-03-15", entities=[shop])
    duplicate = [r for r in full.rejected if "duplicate key" in r.reason]
    assert duplicate and [r.reason for r in alone.rejected if "duplicate key" in r.reason] == [r.reason for r in duplicate]
    assert alone.verdict(shop).model_dump_json() == full.verdict(shop).model_dump_json()


@pytest.mark.parametrize("entities", [None, ["S01"]])
def test_an_unreadable_file_is_a_diagnostic_with_or_without_named_entities(tmp_path, entities):
    data = tmp_path / "novice"
    shutil.copytree(EXAMPLES / "novice", data)
    (data / "shop_daily.csv").write_bytes(b"shop_id,date\n\xff\xfe,2024-01-01\n")
    policy = clausewise.load_policy(POLICIES / "novice.policy")
    with pytest.raises(clausewise.ClausewiseError) as err:
        policy.evaluate(data, "2024-03-15", entities=entities)
    rendered = err.value.diagnostics[0].render()  # a full load reads past the bad bytes (rows that are not UTF-8
    assert "shop_daily.csv" in rendered and ("cannot read" in rendered or "has no columns" in rendered)  # are rejected)
