"""A policy whose source gives no effective date (``effective date not stated``, issue 16 item 8):
the verdict JSON, the text explanation, the decision record and the HTML and xlsx reports say so;
a policy with dates says nothing of the kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.report.report_examples import audit, verdicts

from clausewise.report.explain import render_text
from clausewise.report.html import read_embedded, write_report
from clausewise.report.models import Verdict

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def audits(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("effective")
    files = {}
    for name in ("tier", "novice"):  # tier: no effective date in the source; novice: from 2022-10-13
        files[name] = out / f"{name}.jsonl"
        audit(name, files[name])
    return files


def test_the_verdict_and_its_explanation_say_the_date_is_not_stated(audits) -> None:
    tier, novice = verdicts(audits["tier"])[0], verdicts(audits["novice"])[0]
    assert tier["effective_date"] == "not stated"
    assert "effective_date" not in novice  # a dated policy's JSON is unchanged
    model = Verdict.model_validate(tier)
    assert model.model_dump_json() == json.dumps(tier, ensure_ascii=False, separators=(",", ":"))
    assert render_text(model).splitlines()[0].endswith(f"as of {tier['as_of']} · effective date not stated")
    assert render_text(model, "zh").splitlines()[0].endswith(" · 生效日期未载明")
    assert "effective" not in render_text(Verdict.model_validate(novice)).splitlines()[0]


def test_the_decision_record_says_when_the_policy_is_in_force(audits) -> None:
    record = json.loads(audits["tier"].with_name("tier.jsonl.record.json").read_text("utf-8"))
    assert record["policy"]["effective"] == "not stated"
    record = json.loads(audits["novice"].with_name("novice.jsonl.record.json").read_text("utf-8"))
    assert record["policy"]["effective"] == "from 2022-10-13"


@pytest.mark.parametrize("lang, words", [("en", "effective date not stated"), ("zh", "生效日期未载明")])
def test_the_reports_say_the_date_is_not_stated(audits, tmp_path, lang, words) -> None:
    write_report(audits["tier"], tmp_path / "tier.html", lang)
    data = read_embedded((tmp_path / "tier.html").read_text("utf-8"))
    assert data["head"]["effective_date"] == "not stated" and data["texts"]["effective_not_stated"] == words
    assert data["record"]["policy"]["effective"] == "not stated"
    write_report(audits["novice"], tmp_path / "novice.html", lang)
    assert "effective_date" not in read_embedded((tmp_path / "novice.html").read_text("utf-8"))["head"]

    from clausewise.report.xlsx import write_xlsx

    for name, expected in (("tier", True), ("novice", False)):
        write_xlsx(audits[name], tmp_path / f"{name}.xlsx", None, lang)
        book = openpyxl.load_workbook(tmp_path / f"{name}.xlsx", read_only=True)
        cells = [c for row in book.worksheets[1].iter_rows(values_only=True) for c in row if c is not None]
        assert (words in cells) is expected
