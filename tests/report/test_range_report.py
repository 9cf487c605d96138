"""The HTML report of a range audit (``audit --from --to --report FILE.html``): its figures are the
example data's, counted over every entity-day of the range."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from clausewise.cli.main import main
from clausewise.report.html import read_embedded
from clausewise.report.rangehtml import RangeTotals, range_report_data, render_range_html
from tests.support import EXAMPLES, POLICIES

NOVICE = [str(POLICIES / "novice.policy"), "--data", str(EXAMPLES / "novice")]


def test_the_range_report_shows_the_days_each_outcome_held(tmp_path) -> None:
    out, page_path = tmp_path / "march.jsonl", tmp_path / "march.html"
    result = CliRunner().invoke(main, ["audit", *NOVICE, "--from", "2024-03-12", "--to", "2024-03-16", "--out", str(out),
                                       "--report", str(page_path), "--workers", "1"])
    assert result.exit_code == 1, result.output
    assert f"report: {page_path}" in result.output
    page = page_path.read_text("utf-8")
    data = read_embedded(page)
    assert data["entities"] == 14 and data["record"]["days"] == 5 and data["record"]["from"] == "2024-03-12"
    fields = {f["field"]: f for f in data["fields"]}
    caps = {v["value"]: (v["entity_days"], v["entities"]) for v in fields["daily_order_cap"]["values"]}
    # S07: capped at 3,000 on 2024-03-15 only (a fulfilment risk found that day)
    assert caps["3000"] == (1, 1)
    # every field's values cover every entity-day once, and the counts are the records' own
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    for name, f in fields.items():
        assert sum(v["entity_days"] for v in f["values"]) == 14 * 5, name
        for v in f["values"]:
            holding = [r for r in records for x in r["outcomes"][name] if x["value"] == v["value"]]
            assert v["entities"] == len(holding)
            assert v["entity_days"] == sum(x["days"] for r in holding for x in r["outcomes"][name] if x["value"] == v["value"])
    assert fields["daily_order_cap"]["label"] == "daily paid-order cap"
    # the CLI's summary lists each field's values in the page's order: most entity-days first
    for name, f in fields.items():
        shown = ", ".join(f"{v['value']} {v['entity_days']} ({v['entities']})" for v in f["values"])
        assert f"  {name}: {shown}\n" in result.output
    assert [v["value"] for v in fields["settlement_days"]["values"]][:2] == ["30", "undecided"]
    # the page itself: S12 capped at 1,000 from 2024-03-13 to 03-15 (it exited 03-01; C-4: the day found is day 1)
    row = re.search(r"<tr><td>S12</td>(.*?)</tr>", page, re.DOTALL)
    assert row is not None and "1000: 3 days<br><span class=\"spans\">2024-03-13..2024-03-15</span>" in row.group(1)
    assert "72 read = 69 used + 3 rejected" in page and "<th>entity-days</th><td>70</td>" in page
    assert "<script src" not in page and "http" not in re.sub(r"<script.*?</script>", "", page, flags=re.DOTALL)


def test_the_range_report_in_chinese_and_a_report_that_is_not_html(tmp_path) -> None:
    page_path = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["audit", *NOVICE, "--from", "2024-03-15", "--to", "2024-03-15", "--out",
                                       str(tmp_path / "r.csv"), "--report", str(page_path), "--lang", "zh", "--workers", "1"])
    assert result.exit_code == 1, result.output
    page = page_path.read_text("utf-8")
    assert "区间审计报告" in page and "日支付订单上限" in page and read_embedded(page)["lang"] == "zh"
    bad = CliRunner().invoke(main, ["audit", *NOVICE, "--from", "2024-03-15", "--to", "2024-03-15", "--out",
                                    str(tmp_path / "b.csv"), "--report", str(tmp_path / "b.xlsx")])
    assert bad.exit_code == 2 and "a range audit's report is .html" in bad.output and "Traceback" not in bad.output
    assert not (tmp_path / "b.csv").exists()


def test_the_page_lists_the_first_entities_and_says_how_many_it_left_out() -> None:
    totals = RangeTotals(listed=2)
    for entity, value in (("A", "true"), ("B", "false"), ("C", "<b>")):
        totals.add({"entity": entity, "from": "2024-01-01", "to": "2024-01-02", "days": 2,
                    "outcomes": {"compliant": [{"value": value, "days": 2, "spans": ["2024-01-01..2024-01-02"]}]}})
    record = {"policy": {"id": "p", "version": "1"}, "from": "2024-01-01", "to": "2024-01-02", "days": 2}
    page = render_range_html(range_report_data(totals, record, {}, "en"))
    assert "The first 2 of 3 entities are listed" in page
    assert "<td>A</td>" in page and "<td>B</td>" in page and "<td>C</td>" not in page
    assert "&lt;b&gt;" in page and "<b>" not in page.split('id="report-data"')[0]  # data never becomes markup
    assert [v["value"] for v in read_embedded(page)["fields"][0]["values"]] == ["<b>", "false", "true"]
