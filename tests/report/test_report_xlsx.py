"""The audit spreadsheet (audit --out FILE.xlsx, report VERDICTS --out FILE.xlsx), read back with openpyxl."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.report.report_examples import audit, verdicts, walk

from clausewise.cli.main import main

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def novice(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("xlsx")
    audit("novice", out / "novice.jsonl")
    audit("novice", out / "novice.xlsx")
    return out / "novice.jsonl", out / "novice.xlsx"


def test_one_row_per_entity_with_each_conditions_status_observed_bound_gap(novice) -> None:
    jsonl, xlsx = novice
    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert book.sheetnames == ["verdicts", "summary", "decision record"]
    rows = list(book["verdicts"].iter_rows(values_only=True))
    header, body = rows[1], rows[2:]
    vs = verdicts(jsonl)
    assert [r[0] for r in body] == [v["entity"] for v in vs]
    for v, row in zip(vs, body):
        cells = dict(zip(header[:3], row[:3]))
        assert cells["compliant"] == ("" if v["compliant"] is None else str(v["compliant"]).lower()) or \
            cells["compliant"] is None and v["compliant"] is None
        groups = [c for c in rows[0] if c]
        for k, title in enumerate(groups):
            node_id = title.split(" — ")[0]
            node = next(n for n in walk(v["rules"]) if n["id"] == node_id)
            at = header.index("missing_data") + 1 + 4 * k
            status, observed, bound, gap = row[at:at + 4]
            assert status == node["status"], (v["entity"], node_id)
            for got, want in ((observed, node["observed"]), (bound, node["bound"])):
                if want is None:
                    assert got is None
                elif isinstance(got, (int, float)):
                    assert got == float(want.replace(",", ""))
                else:
                    assert got == want
            assert (gap is None) == (node["gap"] is None)


def test_summary_and_record_sheets(novice) -> None:
    jsonl, xlsx = novice
    book = openpyxl.load_workbook(xlsx, read_only=True)
    summary = {r[0]: r[1] for r in book["summary"].iter_rows(values_only=True) if r and r[0]}
    vs = verdicts(jsonl)
    assert summary["entities"] == len(vs)
    assert summary.get("compliant", 0) == sum(v["compliant"] is True for v in vs)
    assert summary.get("not compliant", 0) == sum(v["compliant"] is False for v in vs)
    record = dict(r[:2] for r in book["decision record"].iter_rows(values_only=True))
    beside = json.loads(xlsx.with_name(xlsx.name + ".record.json").read_text("utf-8"))
    assert record["policy.sha256"] == beside["policy"]["sha256"] and record["as_of"] == beside["as_of"]
    assert beside["verdicts"]["sha256"] == hashlib.sha256(xlsx.read_bytes()).hexdigest()
    assert not list(xlsx.parent.glob("*partial*"))


def test_the_same_verdicts_give_the_same_bytes(novice, tmp_path) -> None:
    jsonl, _ = novice
    for name in ("a.xlsx", "b.xlsx"):
        result = CliRunner().invoke(main, ["report", str(jsonl), "--out", str(tmp_path / name), "--lang", "zh"])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert openpyxl.load_workbook(tmp_path / "a.xlsx", read_only=True).sheetnames == ["裁决", "汇总", "判定记录"]


def test_more_verdicts_than_a_sheet_holds_is_an_error_and_leaves_no_file(tmp_path, monkeypatch) -> None:
    from clausewise.report import xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS", 5)
    out = tmp_path / "novice.xlsx"
    result = audit("novice", out, check=False)
    assert result.exit_code == 2 and "do not fit in a spreadsheet" in result.output, result.output
    assert list(tmp_path.iterdir()) == []


def test_every_verdict_file_and_report_lists_the_same_failing_conditions(novice, tmp_path) -> None:
    """NOVICE says what compliant means (``if novice_today then dynamic_pass``): the JSON verdict, the CSV
    record, the spreadsheet and the HTML report list the conditions whose failure decided a non-compliance,
    never the failures that decide nothing (direct_pass's, whose failure is not a reason). The JSON verdict
    carries them (it had only the rules' statuses, not the compliance condition's the choice needs)."""
    from clausewise.report.html import read_embedded, write_report

    jsonl, xlsx = novice
    vs = verdicts(jsonl)
    every = {v["entity"]: [n["id"] for n in walk(v["rules"]) if n["kind"] == "condition" and n["status"] == "fail"]
             for v in vs}
    listed = {v["entity"]: v["failing_conditions"] for v in vs}
    assert any(listed.values()) and all(not f or v["compliant"] is False for v, f in zip(vs, listed.values()))
    assert any(set(every[e]) - set(listed[e]) for e in listed)  # some failures decide nothing: not listed
    assert not any(f.startswith("direct_pass.") for f in sum(listed.values(), []))
    audit("novice", tmp_path / "novice.csv")
    with (tmp_path / "novice.csv").open(encoding="utf-8", newline="") as f:
        flat = {r["entity"]: r["failing_conditions"] for r in csv.DictReader(f)}
    assert flat == {e: ";".join(f) for e, f in listed.items()}
    rows = list(openpyxl.load_workbook(xlsx, read_only=True)["verdicts"].iter_rows(values_only=True))
    at = rows[1].index("failing_conditions")
    assert {r[0]: r[at] or "" for r in rows[2:]} == flat
    write_report(jsonl, tmp_path / "r.html")
    data = read_embedded((tmp_path / "r.html").read_text("utf-8"))
    table = data["table"]
    assert {table["entity"][i]: ";".join(data["nodes"][k]["id"] for k in table["failing"][i])
            for i in range(len(table["entity"]))} == flat
