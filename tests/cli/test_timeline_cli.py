"""`clausewise timeline` and `clausewise audit --from --to` end to end."""

from __future__ import annotations

import csv
import hashlib
import json

from click.testing import CliRunner

from clausewise.cli.main import main
from tests.support import EXAMPLES, POLICIES

NOVICE = [str(POLICIES / "novice.policy"), "--data", str(EXAMPLES / "novice")]


def test_timeline_text_json_and_csv() -> None:
    text = CliRunner().invoke(main, ["timeline", *NOVICE, "--entity", "S01", "--from", "2024-01-31", "--to", "2024-02-02"])
    assert text.exit_code == 1, text.output  # not compliant on some day
    assert text.output.splitlines()[0] == "novice 2022-10-13 · entity S01 · 2024-01-31..2024-02-02 (3 days, 3 spans)"
    assert "2024-02-01 (1 day) compliant" in text.output
    assert "because: ✘ experience score above 4.0 [NOVICE-3.1.1, AMB-N5]" in text.output
    data = json.loads(CliRunner().invoke(main, ["timeline", *NOVICE, "--entity", "S01", "--from", "2024-01-31",
                                                "--to", "2024-02-02", "--format", "json"]).output)
    assert [(s["from"], s["compliant"]) for s in data["spans"]] == [("2024-01-31", False), ("2024-02-01", True),
                                                                     ("2024-02-02", False)]
    rows = list(csv.reader(CliRunner().invoke(main, ["timeline", *NOVICE, "--entity", "S01", "--from", "2024-01-31",
                                                     "--to", "2024-02-02", "--format", "csv"]).output.splitlines()))
    assert [r[1] for r in rows[1:]] == ["2024-01-31", "2024-02-01", "2024-02-02"]


def test_timeline_of_a_compliant_range_exits_0_and_bad_input_exits_2() -> None:
    ok = CliRunner().invoke(main, ["timeline", *NOVICE, "--entity", "S04", "--from", "2024-03-14", "--to", "2024-03-15"])
    assert ok.exit_code == 0, ok.output
    assert "2024-03-14 (1 day) compliant" in ok.output and "2024-03-15 (1 day) compliant" in ok.output
    for args, message in ((["--entity", "S04", "--from", "2024-03-15", "--to", "2024-03-14"], "before it starts"),
                          (["--entity", "S04", "--from", "2024-03-15", "--to", "15/03/2024"], "--to: error: not a date"),
                          (["--entity", "S99", "--from", "2024-03-14", "--to", "2024-03-15"], "no shops row for entity 'S99'")):
        bad = CliRunner().invoke(main, ["timeline", *NOVICE, *args])
        assert bad.exit_code == 2 and message in bad.output and "Traceback" not in bad.output, bad.output


def test_audit_range_counts_the_days_each_outcome_held(tmp_path) -> None:
    out = tmp_path / "march.jsonl"
    result = CliRunner().invoke(main, ["audit", *NOVICE, "--from", "2024-03-12", "--to", "2024-03-16", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "2024-03-12..2024-03-16 (5 days): 14 entities, 70 entity-days" in result.output
    assert "rows: 72 read = 69 used + 3 rejected" in result.output
    records = {r["entity"]: r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    assert len(records) == 14
    caps = {e: {x["value"]: x["spans"] for x in r["outcomes"]["daily_order_cap"]} for e, r in records.items()}
    # S07: the fulfilment risk found on 2024-03-15 caps it at 3,000 on that day only
    assert caps["S07"]["3000"] == ["2024-03-15"]
    # S12: exited 2024-03-01, fulfilment risk found 2024-03-13: 1,000 for 3 days (C-4: the 13th is day 1)
    assert caps["S12"]["1000"] == ["2024-03-13..2024-03-15"]
    assert caps["S12"]["none"] == ["2024-03-12", "2024-03-16"]
    assert sum(x["days"] for x in records["S12"]["outcomes"]["daily_order_cap"]) == 5
    rows = tmp_path / "march.csv"
    assert CliRunner().invoke(main, ["audit", *NOVICE, "--from", "2024-03-14", "--to", "2024-03-15",
                                     "--out", str(rows)]).exit_code == 1
    table = list(csv.DictReader(rows.open(encoding="utf-8")))
    assert {"entity": "S07", "field": "daily_order_cap", "value": "3000", "days": "1", "spans": "2024-03-15"} in table


def test_audit_range_options_are_checked(tmp_path) -> None:
    for args in (["--from", "2024-03-01"], ["--from", "2024-03-01", "--to", "2024-03-02", "--as-of", "2024-03-01"],
                 ["--to", "2024-03-02"]):
        bad = CliRunner().invoke(main, ["audit", *NOVICE, *args, "--out", str(tmp_path / "x.jsonl")])
        assert bad.exit_code == 2 and "Traceback" not in bad.output, bad.output
    bad = CliRunner().invoke(main, ["audit", *NOVICE, "--from", "2024-03-01", "--to", "2024-03-02",
                                    "--out", str(tmp_path / "x.parquet")])
    assert bad.exit_code == 2 and "writes .jsonl or .csv" in bad.output


def test_audit_range_in_workers_writes_the_same_records_and_a_decision_record(tmp_path) -> None:
    outs = {}
    for workers in ("1", "2"):
        out = outs[workers] = tmp_path / f"w{workers}.jsonl"
        result = CliRunner().invoke(main, ["audit", *NOVICE, "--from", "2024-03-13", "--to", "2024-03-15",
                                           "--workers", workers, "--out", str(out)])
        assert result.exit_code == 1, result.output
        assert f"decision record: {out}.record.json" in result.output
    assert outs["1"].read_bytes() == outs["2"].read_bytes()
    record = json.loads((tmp_path / "w2.jsonl.record.json").read_text("utf-8"))
    assert (record["from"], record["to"], record["days"]) == ("2024-03-13", "2024-03-15", 3)
    assert "as_of" not in record and record["parameters"]["post_exit_cap"] == "1,000"
    assert record["verdicts"]["sha256"] == hashlib.sha256(outs["2"].read_bytes()).hexdigest()
    accounting = record["accounting"]
    assert (accounting["rows_read"], accounting["rows_used"], accounting["rows_rejected"]) == (72, 69, 3)
    assert accounting["entities_in"] == accounting["verdicts_out"] == 14
    assert len(record["rejected_rows"]) == 3 and {t["table"] for t in record["data"]} >= {"shops", "shop_daily"}
