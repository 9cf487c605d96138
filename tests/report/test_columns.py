"""Verdicts in columns (clausewise.report.columns) say what the explanation tree says.

Each column of an entity's record is derived here again from the entity's tree (its JSON,
as ``--verdicts tree`` writes it) and compared: outcomes, compliance, every condition's status,
each leaf's observed value, bound and gap, the failing conditions and the missing data. On every
bundled example, on the Python and the DuckDB engine; in CSV, Parquet and JSON Lines; for an
entity that could not be evaluated; with one worker and with two (byte-equal files).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from clausewise.cli.main import main
from clausewise.engine.policy import load_policy
from clausewise.report.columns import VerdictColumns
from tests.hostile.test_hostile_isolation import shop_without_category
from tests.support import EXAMPLES, POLICIES, bundled_raws

BUNDLED = [("tier", "2024-04-01", True), ("novice", "2024-03-15", False), ("renew", "2024-06-30", True),
           ("life", "2024-04-01", True)]


def params_of(name: str, with_params: bool) -> dict[str, Any]:
    return json.loads((EXAMPLES / name / "params.json").read_text("utf-8")) if with_params else {}


def _nodes(node: dict[str, Any]):
    yield node
    for child in node["children"]:
        yield from _nodes(child)


def _outcome(detail: dict[str, Any]) -> str:
    value = detail["value"]
    if not detail["decided"]:
        return "undecided"
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return ";".join(value) if isinstance(value, list) else str(value)


def record_of_tree(verdict: dict[str, Any], columns: list[str]) -> dict[str, str]:
    """The record in columns an entity's explanation tree gives, derived from the tree alone (an
    entity that could not be evaluated has no tree: its conditions' cells are empty)."""
    compliant = verdict["compliant"]
    record = dict.fromkeys(columns, "") if verdict.get("error") else {}
    record.update({"entity": verdict["entity"], "as_of": verdict["as_of"],
                   "compliant": "" if compliant is None else "true" if compliant else "false"})
    record.update({d["field"]: _outcome(d) for d in verdict["outcome_details"]})
    for rule in verdict["rules"]:
        for node in _nodes(rule):
            record[f"{node['id']}.status"] = node["status"]
            if node["kind"] == "condition":
                record[f"{node['id']}.observed"] = node["observed"] or ""
                record[f"{node['id']}.bound"] = node["bound"] or ""
                record[f"{node['id']}.gap"] = node["gap"]["amount"] if node["gap"] else ""
    record["failing_conditions"] = ";".join(verdict["failing_conditions"])
    error = verdict.get("error")
    missing = [f"error: {error['message']} ({error['cause']})"] if error else verdict["missing_data"]
    record["missing_data"] = ";".join(missing)
    return record


def tree_order(verdict: dict[str, Any], fields: list[str]) -> list[str]:
    """The columns in the order the module's docstring states, from a verdict's tree."""
    nodes = [n for rule in verdict["rules"] for n in _nodes(rule)]
    leaves = [n["id"] for n in nodes if n["kind"] == "condition"]
    return (["entity", "as_of", "compliant", *fields] + [f"{n['id']}.status" for n in nodes]
            + [f"{i}.{s}" for i in leaves for s in ("observed", "bound", "gap")] + ["failing_conditions", "missing_data"])


@pytest.mark.parametrize("engine", ["python", "duckdb"])
@pytest.mark.parametrize("name, as_of, with_params", BUNDLED)
def test_every_column_says_what_the_tree_says(name, as_of, with_params, engine):
    policy = load_policy(POLICIES / f"{name}.policy")
    fields = [d.field for d in policy.plan.decides]
    layout = VerdictColumns(policy.plan, fields)
    pairs: list[tuple[str, list[str]]] = []

    def render(raws):  # the tree and the record of the same raw verdicts
        return list(zip([r.json() for r in raws], layout.rows(raws)))

    if engine == "python":  # the audit's raw verdicts, shared with the test of the counts below
        pairs = render(bundled_raws(name, as_of, with_params))
    else:
        policy.evaluate(EXAMPLES / name, as_of, params_of(name, with_params), on_chunk=pairs.extend, render_raw=render,
                        engine=engine)
    assert len(pairs) > 10
    trees = [json.loads(text) for text, _ in pairs]
    assert layout.columns == tree_order(trees[0], fields)
    for tree, (_, row) in zip(trees, pairs):
        assert dict(zip(layout.columns, row)) == record_of_tree(tree, layout.columns), tree["entity"]
    # the examples exercise what the columns hold: failures with gaps, unknowns, branches that do not apply
    cells = [c for _, row in pairs for c in row]
    assert "fail" in cells and any(c.endswith(".gap") for c in layout.columns)
    if policy.plan.compliant is None:  # tier says nothing of compliance: the column stays empty
        assert {row[2] for _, row in pairs} == {""}
    else:
        assert {row[2] for _, row in pairs} >= {"true", "false"}


def audit(args: list[str]) -> Any:
    return CliRunner().invoke(main, ["audit", *args])


def novice(out: Path, *extra: str) -> Any:
    return audit([str(POLICIES / "novice.policy"), "--data", str(EXAMPLES / "novice"), "--as-of", "2024-03-15",
                  "--out", str(out), *extra])


def read_records(path: Path) -> list[dict[str, str]]:
    """A verdict file in columns as text cells (an empty cell, a JSON null: "")."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    for r in records:
        assert r["compliant"] in (True, False, None) and all(v is None or isinstance(v, str)
                                                             for k, v in r.items() if k != "compliant")
    return [{k: "" if v is None else "true" if v is True else "false" if v is False else v for k, v in r.items()}
            for r in records]


@pytest.fixture(scope="module")
def novice_tree(tmp_path_factory) -> Path:
    """novice's audit in the tree form (a .jsonl file's default), made once for the module: read, never changed."""
    tree = tmp_path_factory.mktemp("novice") / "tree.jsonl"
    assert novice(tree, "--workers", "1").exit_code == 1
    return tree


def test_csv_parquet_and_json_lines_in_columns_hold_the_tree_s_records(tmp_path, novice_tree):
    tree = novice_tree
    trees = [json.loads(line) for line in tree.read_text("utf-8").splitlines()]
    fields = [d["field"] for d in trees[0]["outcome_details"]]
    expected = [record_of_tree(t, tree_order(trees[0], fields)) for t in trees]
    for out, extra in ((tmp_path / "v.csv", []), (tmp_path / "v.parquet", []), (tmp_path / "v.jsonl", ["--verdicts", "columns"])):
        result = novice(out, "--workers", "1", *extra)
        assert result.exit_code == 1, result.output
        assert read_records(out) == expected, out.name
        record = json.loads(out.with_name(out.name + ".record.json").read_text("utf-8"))
        assert record["verdicts"]["form"] == "columns"
    assert json.loads(tree.with_name("tree.jsonl.record.json").read_text("utf-8"))["verdicts"]["form"] == "tree"
    with (tmp_path / "v.csv").open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header == tree_order(trees[0], fields) and header[3] == "in_novice_period"


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_two_workers_write_the_file_one_writes(tmp_path, suffix):
    one, two = tmp_path / f"one{suffix}", tmp_path / f"two{suffix}"
    assert novice(one, "--workers", "1").exit_code == 1
    assert novice(two, "--workers", "2").exit_code == 1
    assert one.read_bytes() == two.read_bytes()


def test_an_entity_that_could_not_be_evaluated_has_a_record_naming_the_error(tmp_path):
    common = [*shop_without_category(tmp_path), "--workers", "1"]
    assert audit([*common, "--out", str(tmp_path / "v.jsonl")]).exit_code == 3
    assert audit([*common, "--out", str(tmp_path / "v.csv")]).exit_code == 3
    trees = [json.loads(line) for line in (tmp_path / "v.jsonl").read_text("utf-8").splitlines()]
    records = read_records(tmp_path / "v.csv")
    fields = [d["field"] for d in trees[0]["outcome_details"]]
    assert records == [record_of_tree(t, tree_order(trees[0], fields)) for t in trees]
    s2 = records[1]
    assert s2["entity"] == "S2" and s2["missing_data"].startswith("error: its shops row was rejected: missing value")
    assert all(s2[f] == "undecided" for f in fields)  # (renew's R37 above: an error with outcomes)
    assert all(v == "" for k, v in s2.items() if "." in k) and s2["compliant"] == "" and s2["failing_conditions"] == ""


def test_the_tree_form_is_kept_on_request_and_refused_where_it_cannot_go(tmp_path):
    tree = novice(tmp_path / "t.jsonl", "--verdicts", "tree", "--workers", "1")
    assert tree.exit_code == 1 and '"rules":' in (tmp_path / "t.jsonl").read_text("utf-8")
    csv_tree = novice(tmp_path / "t.csv", "--verdicts", "tree")
    assert csv_tree.exit_code == 2 and "error: a .csv file holds verdicts in columns" in csv_tree.output
    assert "Traceback" not in csv_tree.output and not (tmp_path / "t.csv").exists()
    xlsx = novice(tmp_path / "t.xlsx", "--verdicts", "columns")
    assert xlsx.exit_code == 2 and "the spreadsheet is made from the explanation trees" in xlsx.output


@pytest.mark.parametrize("name, extra", [("v.csv", []), ("v.parquet", []), ("v.jsonl", ["--verdicts", "columns"])])
def test_the_report_of_a_file_in_columns_says_it_needs_the_trees(tmp_path, novice_tree, name, extra):
    out = tmp_path / name
    assert novice(out, "--workers", "1", *extra).exit_code == 1
    for args in (["report", str(out), "--out", str(tmp_path / "r.html")],
                 ["report", str(out), "--out", str(tmp_path / "r.xlsx")]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert "no explanation trees" in result.output and "--verdicts tree" in result.output
        assert "Traceback" not in result.output
    compare = CliRunner().invoke(main, ["report", str(novice_tree), "--out", str(tmp_path / "c.html"), "--compare", str(out)])
    assert compare.exit_code == 2 and "no explanation trees" in compare.output


def test_an_audit_in_columns_still_writes_its_report(tmp_path):
    result = novice(tmp_path / "v.parquet", "--workers", "1", "--report", str(tmp_path / "r.html"))
    assert result.exit_code == 1, result.output
    assert (tmp_path / "r.html").stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "v.parquet", "v.parquet.record.json"]


@pytest.mark.parametrize("name, as_of, with_params", BUNDLED)
def test_counts_made_once_per_answer_equal_the_counts_of_each_verdict(name, as_of, with_params):
    from clausewise.report.records import Tally

    raws = bundled_raws(name, as_of, with_params)
    if name == "tier":  # providers whose figures stand the same way share an answer (novice's shops do not)
        assert len({id(r.answer) for r in raws}) < len(raws)
    one_by_one = Tally()
    for raw in raws:
        one_by_one.count(raw)
    assert Tally.of(raws) == one_by_one and one_by_one.failing


def test_parquet_row_groups_do_not_depend_on_the_chunks(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from clausewise.report import records

    monkeypatch.setattr(records, "ROW_GROUP", 4)  # the parent writes the file: 14 shops, groups of 4, 4, 4, 2
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    assert novice(one, "--workers", "1").exit_code == 1
    assert novice(two, "--workers", "2").exit_code == 1
    assert one.read_bytes() == two.read_bytes()
    assert [pq.ParquetFile(one).metadata.row_group(i).num_rows for i in range(4)] == [4, 4, 4, 2]
    assert novice(tmp_path / "v.csv", "--workers", "1").exit_code == 1
    assert read_records(one) == read_records(tmp_path / "v.csv")
