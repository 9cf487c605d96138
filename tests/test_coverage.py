"""Clause coverage: `not encoded` declarations and the `clausewise coverage` listing."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from clausewise.language import syntax
from clausewise.cli.main import main
from clausewise.analysis.coverage import coverage, read_catalog
from clausewise.language.format import format_text
from clausewise.language.parse import parse_text

from conftest import POLICIES, ROOT

CATALOG = ROOT.parent / "shared" / "rules-catalog.md"

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
    assert "error: cannot read the rules catalog" in result.output
    assert "Traceback" not in result.output


def test_bundled_policies_cover_every_clause_of_their_documents():
    """Every catalog clause of the documents the bundled policies encode is encoded or
    declared not encoded with a reason, and every citation names a catalog clause."""
    result = CliRunner().invoke(main, ["coverage", str(POLICIES), "--catalog", str(CATALOG), "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    report = json.loads(result.output)
    statuses = {c["id"]: c["status"] for c in report["clauses"]}
    assert statuses["TIER-3.4"] == "encoded"
    assert statuses["TIER-5"] == "not_encoded"
    assert statuses["NOVICE-5"] == "not_encoded"
    assert "missing" not in statuses.values()
    assert report["unknown_citations"] == []
