"""The HTML audit report's data and page (clausewise report, audit --report), without a browser.

Expectations are computed from the verdict files the audits write, never hard-coded: the
examples' verdicts change as the policies do.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.report.report_examples import BUNDLED, audit, verdicts, walk

from clausewise.cli.main import main
from clausewise.report.explain import figure_text, render_gap, render_text
from clausewise.report.html import read_embedded, write_report
from clausewise.report.htmldata import ReportData, bin_edges, bin_index, parse_near
from clausewise.report.models import ExplanationNode, Verdict


@pytest.fixture(scope="module")
def audited(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("audits")
    files = {}
    for name in BUNDLED:
        files[name] = out / f"{name}.jsonl"
        audit(name, files[name])
    return files


def numeric(text: str | None) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "")) if text is not None else None
    except ArithmeticError:
        return None


def embedded(page: str) -> dict:
    return read_embedded(page)


@pytest.mark.parametrize("name", list(BUNDLED))
def test_counts_are_those_of_the_verdict_file(audited, tmp_path, name) -> None:
    path = audited[name]
    write_report(path, tmp_path / "r.html")
    data = embedded((tmp_path / "r.html").read_text("utf-8"))
    vs = verdicts(path)
    assert data["total"] == data["shown"] == len(vs)
    if data["compliance"] is not None:
        expected = {"compliant": sum(v["compliant"] is True for v in vs),
                    "not compliant": sum(v["compliant"] is False for v in vs),
                    "undetermined": sum(v["compliant"] is None and v.get("error") is None for v in vs),
                    "error": sum(v.get("error") is not None for v in vs)}
        assert data["compliance"] == {k: n for k, n in expected.items() if n}
    for outcome in data["outcomes"]:
        assert sum(n for _, n in outcome["counts"]) == len(vs)
    for node in data["nodes"]:
        statuses = [n["status"] for v in vs for n in walk(v["rules"]) if n["id"] == node["id"]]
        assert node["counts"] == [statuses.count(s) for s in ("pass", "fail", "unknown", "na")], node["id"]
    assert data["record"]["policy"]["id"] == vs[0]["policy"]


@pytest.mark.parametrize("name", list(BUNDLED))
def test_histograms_count_every_figure_and_the_bound_is_an_edge(audited, tmp_path, name) -> None:
    """Each bar is on one side of the bound: with '>=' or '>' every entity left of it failed and every one right
    of it passed; with '<=' or '<' the other way round."""
    path = audited[name]
    data = ReportData("en", Decimal("0.05")).read(path).to_json(None)
    vs = verdicts(path)
    for chart in data["charts"]:
        nodes = [n for v in vs for n in walk(v["rules"]) if n["id"] == chart["node"] and n["status"] in ("pass", "fail")
                 and numeric(n["observed"]) is not None and numeric(n["bound"]) not in (None, 0 if chart["relative"] else None)]
        bins = chart["bins"]
        assert sum(b[2] + b[3] for b in bins) == chart["count"] == len(nodes), chart["node"]
        if chart["relative"]:
            continue
        above = 2 if chart["comparison"] in (">=", ">") else 3  # the count that is zero below the bound
        for bar in bins[1:-1]:
            lo, hi = bar[0], bar[1]
            assert hi <= chart["bound"] and bar[above] == 0 or lo >= chart["bound"] and bar[5 - above] == 0, \
                (chart["node"], lo, hi)


def test_bins_put_the_bound_on_an_edge() -> None:
    edges = bin_edges([float(v) for v in range(0, 2000, 7)], 1000.0, True)
    assert 1000.0 in edges
    assert bin_index(edges, 999.0) == edges.index(1000.0) - 1
    assert bin_index(edges, 1000.0) == edges.index(1000.0)
    assert bin_index(edges, -10**9) == 0 and bin_index(edges, 10.0**12) == len(edges) - 2
    assert bin_index(edges, 1000.0, right_closed=True) == edges.index(1000.0) - 1  # '> 1000': 1000 fails


@pytest.mark.parametrize("name", list(BUNDLED))
def test_near_the_line_lists_figures_within_the_share_in_explains_words(audited, name) -> None:
    data = ReportData("en", Decimal("0.05")).read(audited[name]).to_json(None)
    nodes = {(v["entity"], n["id"]): n for v in verdicts(audited[name]) for n in walk(v["rules"])}
    for chart in data["charts"]:
        near = [n for (_, node_id), n in nodes.items() if node_id == chart["node"] and n["status"] in ("pass", "fail")
                and numeric(n["observed"]) is not None and numeric(n["bound"]) is not None
                and abs(numeric(n["observed"]) - numeric(n["bound"])) <= Decimal("0.05") * abs(numeric(n["bound"]))]
        assert chart["near_count"] == len(near) >= len(chart["near"]), chart["node"]
        for entity, observed, bound, gap, status in chart["near"]:
            model = ExplanationNode.model_validate(nodes[entity, chart["node"]])
            assert observed == figure_text(model, model.observed, "en", ratio=True)
            assert bound == figure_text(model, model.bound, "en") and status == model.status
            assert gap == (render_gap(model, "en") if model.gap else "")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_explanations_are_explains_tree(audited, lang) -> None:
    """The table's explanation of every entity is render_text of its verdict, line for line."""
    path = audited["novice"]
    data = ReportData(lang, Decimal("0.05")).read(path).to_json(None)
    for k, v in enumerate(verdicts(path)):
        lines = [data["lines"][i][1].replace("\x01", v["entity"]) for i in data["table"]["lines"][k]]
        assert "\n".join(lines) == render_text(Verdict.model_validate(v), lang)


def test_above_the_limit_the_table_is_a_sample_and_counts_stay_exact(audited) -> None:
    path = audited["life"]
    full = ReportData("en", Decimal("0.05")).read(path).to_json(None)
    sample = ReportData("en", Decimal("0.05"), limit=5).read(path).to_json(None)
    assert sample["sample"] == 5 < sample["total"] == full["total"] == full["sample"] == full["shown"]
    assert sample["nodes"] == full["nodes"] and sample["charts"] == full["charts"]
    listed = {row[0] for chart in sample["charts"] for row in chart["near"]}
    table = sample["table"]["entity"]
    assert sample["shown"] == len(table) == len(set(table)) == 5 + len(listed - set(table[:5]))
    assert listed <= set(table) <= set(full["table"]["entity"])
    for k, entity in enumerate(table):  # each row is that entity's, explanation included
        at = full["table"]["entity"].index(entity)
        assert [full["lines"][i] for i in full["table"]["lines"][at]] == [sample["lines"][i] for i in sample["table"]["lines"][k]]
        assert full["table"]["failing"][at] == sample["table"]["failing"][k]


def test_compare_lists_changed_outcomes_and_conditions(audited, tmp_path) -> None:
    new = audited["tier"]
    vs = verdicts(new)
    changed = vs[0]
    old_verdict = json.loads(json.dumps(changed))
    detail = old_verdict["outcome_details"][0]
    detail["value"] = "was-something-else"
    node = next(walk(old_verdict["rules"]))
    node["status"] = {"pass": "fail"}.get(node["status"], "pass")
    old = tmp_path / "old.jsonl"
    old.write_text("\n".join(json.dumps(v) for v in [old_verdict, *vs[2:]]) + "\n", "utf-8")
    result = CliRunner().invoke(main, ["report", str(new), "--out", str(tmp_path / "r.html"), "--compare", str(old)])
    assert result.exit_code == 0, result.output
    compare = embedded((tmp_path / "r.html").read_text("utf-8"))["compare"]
    assert compare["changed"] == 1 and compare["added"] == 1 and compare["removed"] == 0
    entity, outcomes, conditions = compare["rows"][0]
    assert entity == changed["entity"]
    assert [detail["field"], "was-something-else", str(changed["outcome_details"][0]["value"])] in outcomes
    assert [node["id"], node["status"], next(walk(changed["rules"]))["status"]] in conditions


def test_the_page_is_self_contained_and_deterministic(audited, tmp_path) -> None:
    for k in (1, 2):
        result = CliRunner().invoke(main, ["report", str(audited["renew"]), "--out", str(tmp_path / f"{k}.html"), "--lang", "zh"])
        assert result.exit_code == 0, result.output
    page = (tmp_path / "1.html").read_bytes()
    assert page == (tmp_path / "2.html").read_bytes()
    text = page.decode("utf-8")
    markup = re.sub(r"(<script[^>]*>).*?</script>", r"\1</script>", text, flags=re.DOTALL)
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", markup), "the page loads nothing"
    assert text.count("<script") == 3 and "echarts" in text and 'lang="zh-CN"' in text


def test_audit_writes_the_report_beside_any_verdict_format(tmp_path) -> None:
    for suffix in (".csv", ".parquet", ".jsonl", ".xlsx"):
        out = tmp_path / f"novice{suffix}"
        audit("novice", out, "--report", str(tmp_path / f"novice{suffix}.html"))
        data = embedded((tmp_path / f"novice{suffix}.html").read_text("utf-8"))
        record = json.loads(out.with_name(out.name + ".record.json").read_text("utf-8"))
        assert data["record"] == record and data["total"] == record["accounting"]["verdicts_out"]
        assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []


def test_user_errors_are_diagnostics(tmp_path, audited) -> None:
    csv = tmp_path / "v.csv"
    csv.write_text("entity\nP1\n", "utf-8")
    not_json, not_verdict, broken = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    not_json.write_text("not json\n", "utf-8")
    not_verdict.write_text('{"entity": "P1"}\n', "utf-8")
    first = json.loads(audited["tier"].read_text("utf-8").splitlines()[0])
    first["rules"] = [{"id": "x"}]
    broken.write_text(audited["tier"].read_text("utf-8") + json.dumps(first) + "\n", "utf-8")
    lines = len(audited["tier"].read_text("utf-8").splitlines()) + 1
    cases = [(["report", str(csv), "--out", str(tmp_path / "r.html")], "has no explanation trees"),
             (["report", str(not_json), "--out", str(tmp_path / "r.html")], "a.jsonl:1: error: not a verdict"),
             (["report", str(not_verdict), "--out", str(tmp_path / "r.html")], "b.jsonl:1: error: not a verdict"),
             (["report", str(broken), "--out", str(tmp_path / "r.html")], f"c.jsonl:{lines}: error: not a verdict"),
             (["report", str(broken), "--out", str(tmp_path / "r.xlsx")], f"c.jsonl:{lines}: error: not a verdict"),
             (["report", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "r.html")], "cannot read"),
             (["report", str(audited["tier"]), "--out", str(tmp_path / "r.pdf")], "unsupported report type"),
             (["report", str(audited["tier"]), "--out", str(tmp_path / "r.html"), "--near", "five"], "not a share")]
    for args, message in cases:
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output, result.output
    assert not (tmp_path / "r.html").exists() and not list(tmp_path.glob("r.*"))


def test_parse_near() -> None:
    assert parse_near("5%") == Decimal("0.05") == parse_near("0.05")
    assert parse_near("0%") == 0


def test_a_verdict_that_cannot_be_explained_is_a_diagnostic(audited, tmp_path) -> None:
    broken = tmp_path / "broken.jsonl"
    lines = audited["life"].read_text("utf-8").splitlines()
    bad = json.loads(lines[20])
    bad["rules"][0]["label_en"] = 5  # read by the explanation only, not by the counts
    broken.write_text("\n".join(lines[:20] + [json.dumps(bad)] + lines[21:]) + "\n", "utf-8")
    result = CliRunner().invoke(main, ["report", str(broken), "--out", str(tmp_path / "b.html")])
    assert result.exit_code == 2 and "broken.jsonl:21: error: not a verdict" in result.output, result.output


def test_entities_that_could_not_be_evaluated_are_counted(audited, tmp_path) -> None:
    lines = audited["novice"].read_text("utf-8").splitlines()
    failed = json.loads(lines[3])
    failed.update(compliant=None, rules=[], missing_data=[], error={"message": "boom", "cause": "while evaluating x"})
    for d in failed["outcome_details"]:
        d.update(value=None, decided=False, clause=None, because=None)
    path = tmp_path / "v.jsonl"
    path.write_text("\n".join(lines[:3] + [json.dumps(failed)] + lines[4:]) + "\n", "utf-8")
    data = ReportData("en", Decimal("0.05")).read(path).to_json(None)
    assert data["errors"] == data["compliance"]["error"] == 1 and data["table"]["compliance"][3] == "e"
    text = "\n".join(data["lines"][i][1] for i in data["table"]["lines"][3])
    assert "boom" in text and text == render_text(Verdict.model_validate(failed)).replace(failed["entity"], "\x01", 1)
