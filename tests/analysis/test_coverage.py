"""Clause coverage: clause indexes, `not encoded` declarations and the `clausewise coverage` listing."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from clausewise.language import syntax
from clausewise.cli.main import main
from clausewise.analysis.coverage import coverage, read_catalog
from clausewise.language.format import format_text
from clausewise.language.parse import parse_text

import json
import shutil

from tests.support import POLICIES

INDEX = POLICIES / "clauses.toml"

MINI_CATALOG = """# catalog
#### TIER-1 — Four tiers
- text
#### TIER-2 — Default tier
#### TIER-5 — Reference data
- **LIFE-COOP-1.3** 「…」 notify 30 working days ahead
- **AMB-T1 — Evaluation period.**
"""

POLICY = """policy p [TIER-2] {
  title "测试" / "test"
  version "1"
  effective from 2020-01-01
  source "x.txt"
  entity provider in providers
}
table providers key provider_id {
  provider_id: string
  n: count
}
rule r [TIER-1, AMB-T1] "规则" / "rule" = all of {
  big [TIER-9] "大" / "big": n > 3
}
not encoded [TIER-5] "参考数据" / "reference data"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_not_encoded_parses_and_formats_back():
    tree = parse_text(POLICY, "p.policy")
    declared = [d for d in tree.decls if isinstance(d, syntax.NotEncoded)]
    assert [(d.cites, d.reason.zh, d.reason.en) for d in declared] == [(("TIER-5",), "参考数据", "reference data")]
    assert tree.header.cites == ("TIER-2",)
    formatted = format_text(POLICY, "p.policy")
    assert 'not encoded [TIER-5] "参考数据" / "reference data"' in formatted
    assert formatted.startswith("policy p [TIER-2] {")
    assert parse_text(formatted, "p.policy") == tree


def test_catalog_ids_come_from_headings_and_bold_bullets(tmp_path):
    catalog = read_catalog(write(tmp_path, "c.md", MINI_CATALOG))
    assert list(catalog.clauses) == ["TIER-1", "TIER-2", "TIER-5", "LIFE-COOP-1.3"]
    assert catalog.clauses["TIER-1"] == "Four tiers"
    assert catalog.readings == {"AMB-T1"}


def test_coverage_statuses_and_unknown_citation(tmp_path):
    report = coverage([("p.policy", parse_text(POLICY, "p.policy"))], write(tmp_path, "c.md", MINI_CATALOG))
    by_id = {c.id: c for c in report.clauses}
    assert list(by_id) == ["TIER-1", "TIER-2", "TIER-5"]  # LIFE is not a document this policy cites
    assert by_id["TIER-1"].status == "encoded" and by_id["TIER-1"].encoded_by == ["p.policy: rule r"]
    assert by_id["TIER-2"].encoded_by == ["p.policy: policy p"]
    assert by_id["TIER-5"].status == "not_encoded" and by_id["TIER-5"].reasons == ["p.policy: reference data (参考数据)"]
    assert [(u.cite, u.where) for u in report.unknown_citations] == [("TIER-9", "p.policy: condition r.big")]
    assert not report.complete
    everything = coverage([("p.policy", parse_text(POLICY, "p.policy"))], tmp_path / "c.md", all_documents=True)
    assert [c.id for c in everything.clauses if c.status == "missing"] == ["LIFE-COOP-1.3"]


def test_cli_lists_missing_clauses_and_exits_1(tmp_path):
    catalog = write(tmp_path, "c.md", MINI_CATALOG + "#### TIER-3 — Silver\n")
    policy = write(tmp_path, "p.policy", POLICY.replace("[TIER-9]", "[TIER-1]"))
    result = CliRunner().invoke(main, ["coverage", str(policy), "--catalog", str(catalog)])
    assert result.exit_code == 1
    assert "TIER-3  MISSING      Silver" in result.output.splitlines()
    assert result.output.strip().endswith("4 clauses: 2 encoded, 1 not encoded (with reasons), 1 missing; 0 unknown citations")


def test_cli_unreadable_catalog_is_a_user_error(tmp_path):
    policy = write(tmp_path, "p.policy", POLICY)
    result = CliRunner().invoke(main, ["coverage", str(policy), "--catalog", str(tmp_path / "nope.md")])
    assert result.exit_code == 2
    assert "error: cannot read the clause index" in result.output
    assert "Traceback" not in result.output


def test_bundled_policies_cover_every_clause_of_their_documents():
    """Every catalog clause of the documents the bundled policies encode is encoded or
    declared not encoded with a reason, and every citation names a catalog clause."""
    result = CliRunner().invoke(main, ["coverage", str(POLICIES), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    statuses = {c["id"]: c["status"] for c in report["clauses"]}
    assert statuses["TIER-3.4"] == "encoded"
    assert statuses["TIER-5"] == "not_encoded"
    assert statuses["NOVICE-5"] == "not_encoded"
    assert statuses["RENEW-3.4"] == "partial"  # its flag is output, the procedure is declared not encoded
    # issue 16 item 12: only the rating label is encoded; the capability labels' standards are missing
    reasons = {c["id"]: c["reasons"] for c in report["clauses"]}
    assert statuses["LIFE-HT-LBL"] == statuses["LIFE-COMP-LBL"] == "partial"
    assert "advantage-province and advantage-industry capability label standards are missing" in reasons["LIFE-HT-LBL"][0]
    assert "comprehensive capability label standards are missing" in reasons["LIFE-COMP-LBL"][0]
    assert statuses["LIFE-CAT-LBL-1"] == "encoded"  # the rating label alone is the whole clause
    assert "missing" not in statuses.values()
    assert report["catalog"] == str(INDEX)
    assert report["unknown_citations"] == []


INDEX_TOML = '''format = 1
[[document]]
key = "TOP"
source = "top-rated.txt"
title = "Top rated sellers"

[[document.clause]]
id = "TOP-1"
title = "Active 90 days"
quote = "「Your account has been active for at least 90 days.」"
meaning = "An account opened at least 90 days before the evaluation."

[[document.clause]]
id = "TOP-2a"
title = "Defect rate"
meaning = "Defect rate at most 0.5%."

[[document.clause]]
id = "TOP-NOTE"
title = "Programme news"
status = "rule"

[[document.clause]]
id = "READ-1"
title = "Rounding"
status = "reading"

[[document]]
key = "OTHER"
[[document.clause]]
id = "X-1"
title = "another document"
'''

TOP_POLICY = """policy top [TOP-1] {
  title "顶级卖家" / "top rated"
  version "1"
  effective from 2020-01-01
  source "top-rated.txt"
  entity seller in sellers
}
table sellers key seller_id {
  seller_id: string
  defects: count
}
rule low_defects [TOP-2a, READ-1] "缺陷少" / "few defects" = defects <= 3
not encoded [TOP-2a] "缺陷率的分母未在数据中" / "the rate's denominator is not in the data"
"""


def test_index_ids_are_whatever_the_index_declares(tmp_path):
    """No pattern of prefixes: TOP-2a, TOP-NOTE and READ-1 are ids because the index lists them."""
    catalog = read_catalog(write(tmp_path, "clauses.toml", INDEX_TOML))
    assert list(catalog.clauses) == ["TOP-1", "TOP-2a", "TOP-NOTE", "X-1"]
    assert catalog.readings == {"READ-1"}
    assert catalog.entries["TOP-1"].quote.startswith("「Your account")
    assert catalog.document("TOP-NOTE") == "TOP" and catalog.document("nope") is None


def test_partial_clause_reports_the_part_left_out(tmp_path):
    write(tmp_path, "clauses.toml", INDEX_TOML)
    policy = write(tmp_path, "top.policy", TOP_POLICY)
    result = CliRunner().invoke(main, ["coverage", str(policy)])  # the index beside the policy is found
    assert result.exit_code == 1, result.output  # TOP-NOTE is missing
    lines = result.output.splitlines()
    assert lines[0] == "TOP-1     encoded      top.policy: policy top"
    assert lines[1] == ("TOP-2a    partial      top.policy: rule low_defects — not encoded: "
                        "top.policy: the rate's denominator is not in the data (缺陷率的分母未在数据中)")
    assert lines[2] == "TOP-NOTE  MISSING      Programme news"
    assert "X-1" not in result.output  # a document the policy does not cite
    assert lines[-1] == ("3 clauses: 2 encoded, 0 not encoded (with reasons), 1 missing; 0 unknown citations; "
                         "1 encoded in part")
    report = json.loads(CliRunner().invoke(main, ["coverage", str(policy), "--format", "json"]).output)
    partial = report["clauses"][1]
    assert partial["status"] == "partial" and partial["reasons"] == [
        "top.policy: the rate's denominator is not in the data (缺陷率的分母未在数据中)"]


def test_index_in_a_directory_above_is_found(tmp_path):
    write(tmp_path, "clauses.toml", INDEX_TOML)
    (tmp_path / "rules").mkdir()
    policy = write(tmp_path / "rules", "top.policy", TOP_POLICY.replace("[TOP-1]", "[TOP-1, TOP-NOTE]"))
    result = CliRunner().invoke(main, ["coverage", str(policy)])
    assert result.exit_code == 0, result.output


def test_no_index_is_a_user_error_naming_the_file_to_write(tmp_path, monkeypatch):
    monkeypatch.delenv("CLAUSEWISE_CATALOG", raising=False)
    policy = write(tmp_path, "top.policy", TOP_POLICY)
    result = CliRunner().invoke(main, ["coverage", str(policy)])
    assert result.exit_code == 2
    assert "error: no clause index found: no clauses.toml beside the policies" in result.output
    assert "docs/language.md, 'Clause index'" in result.output


def test_index_mistakes_are_user_errors(tmp_path):
    for text, message in [
        ("[[document]]\nkey = \"A\"\n[[document.clause]]\ntitle = \"no id\"\n", "clause 1 of document A has no valid id"),
        ("[[document]]\nkey = \"A\"\n[[document.clause]]\nid = \"A-1\"\nstatus = \"done\"\n", "clause A-1 has status 'done'"),
        ("[[document]]\nkey = \"A\"\n[[document.clause]]\nid = \"A-1\"\nqoute = \"x\"\n", "unknown field(s) qoute"),
        ("[[document]]\nkey = \"A\"\n[[document.clause]]\nid = \"A-1\"\n[[document.clause]]\nid = \"A-1\"\n",
         "clause A-1 is listed twice"),
        ("format = 1\n", "no [[document]] tables"),
        ("[[document\n", "not a valid clause index"),
    ]:
        write(tmp_path, "clauses.toml", text)
        policy = write(tmp_path, "top.policy", TOP_POLICY)
        result = CliRunner().invoke(main, ["coverage", str(policy)])
        assert result.exit_code == 2, (text, result.output)
        assert message in result.output, result.output
        assert "Traceback" not in result.output


def test_bundled_coverage_needs_nothing_beside_the_clone(tmp_path, monkeypatch):
    """A copy of policies/ alone (a fresh clone with nothing beside it) has its own index."""
    monkeypatch.delenv("CLAUSEWISE_CATALOG", raising=False)
    shutil.copytree(POLICIES, tmp_path / "policies")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["coverage", "policies"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == ("84 clauses: 65 encoded, 19 not encoded (with reasons), 0 missing; "
                                              "0 unknown citations; 4 encoded in part")


def test_bundled_index_quotes_every_rule_it_can():
    """Each rule clause of the bundled index has a meaning, and nearly all quote their source."""
    catalog = read_catalog(INDEX)
    rules = [c for c in catalog.entries.values() if c.status == "rule"]
    assert all(c.meaning for c in rules), [c.id for c in rules if not c.meaning]
    assert sum(1 for c in rules if c.quote.startswith("「")) >= 60
