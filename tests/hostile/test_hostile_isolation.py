"""Per-entity isolation: an exception while evaluating one entity gives that entity an error
verdict naming the error and what caused it; every other entity keeps its verdict, the audit
goes on, its summary counts the error and it exits 3 (not 1, "not compliant")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausewise.cli.main import main
from clausewise.engine.evaluation import EntityEvaluation
from clausewise.engine.policy import load_policy
from clausewise.evaluate.leaves import LeafEvaluator

ROOT = Path(__file__).resolve().parents[2]
POLICY, DATA, AS_OF = ROOT / "policies" / "novice.policy", ROOT / "examples" / "novice", "2024-03-15"
BROKEN = "S03"


@pytest.fixture
def broken_entity(monkeypatch):
    """Evaluating BROKEN raises, as an engine bug would (in every path that measures it)."""
    measure, evaluate = EntityEvaluation.measure, LeafEvaluator.evaluate

    def failing_measure(self, scope, *args, **kwargs):  # (measure(scope, explained=False) for history days)
        if scope.entity.get("shop_id") == BROKEN:
            raise ZeroDivisionError("planted for the test")
        return measure(self, scope, *args, **kwargs)

    def failing_leaf(self, cond, scope, *args, **kwargs):
        if scope.entity.get("shop_id") == BROKEN:
            raise ZeroDivisionError("planted for the test")
        return evaluate(self, cond, scope, *args, **kwargs)

    monkeypatch.setattr(EntityEvaluation, "measure", failing_measure)
    monkeypatch.setattr(LeafEvaluator, "evaluate", failing_leaf)


def test_one_failing_entity_gets_an_error_verdict_and_the_others_are_unchanged(broken_entity):
    policy = load_policy(POLICY)
    result = policy.evaluate(DATA, AS_OF)
    assert result.accounting.entities_in == result.accounting.verdicts_out == len(result.verdicts) == 14
    broken = result.verdict(BROKEN)
    assert broken.error is not None and broken.compliant is None and broken.rules == []
    assert broken.error.message == "ZeroDivisionError: 'planted for the test'"
    assert broken.error.cause.startswith("while evaluating condition ")
    assert all(not o.decided for o in broken.outcome_details)
    assert json.loads(broken.model_dump_json())["error"]["message"].startswith("ZeroDivisionError")


def test_verdicts_of_the_other_entities_equal_a_clean_run(broken_entity, monkeypatch):
    broken = {v.entity: v for v in load_policy(POLICY).evaluate(DATA, AS_OF).verdicts}
    monkeypatch.undo()
    clean = {v.entity: v for v in load_policy(POLICY).evaluate(DATA, AS_OF).verdicts}
    assert set(broken) == set(clean)
    assert all(broken[e] == clean[e] for e in clean if e != BROKEN)
    assert "error" not in clean[BROKEN].model_dump_json()  # an evaluated entity's JSON has no error key


@pytest.mark.parametrize("suffix, workers", [(".jsonl", "1"), (".csv", "2")])
def test_audit_goes_on_counts_the_error_and_exits_3(broken_entity, tmp_path, suffix, workers):
    out = tmp_path / f"verdicts{suffix}"
    result = CliRunner().invoke(main, ["audit", str(POLICY), "--data", str(DATA), "--as-of", AS_OF, "--out", str(out),
                                       "--workers", workers])
    assert result.exit_code == 3, result.output
    assert "14 entities, 14 verdicts" in result.output
    assert "errors: 1 entities could not be evaluated (exit code 3):" in result.output
    assert f"'{BROKEN}': ZeroDivisionError: 'planted for the test' (while evaluating condition" in result.output
    assert "error 1" in result.output.splitlines()[2]  # compliance: ..., error 1, ...
    text = out.read_text("utf-8")
    assert len(text.strip().splitlines()) == 14 + (suffix == ".csv")
    if suffix == ".jsonl":
        errors = [json.loads(line) for line in text.splitlines() if '"error"' in line]
        assert [e["entity"] for e in errors] == [BROKEN]
    else:
        assert f"{BROKEN},{AS_OF}," in text and "error: ZeroDivisionError" in text


def test_explain_of_the_failing_entity_names_the_error_and_exits_3(broken_entity):
    result = CliRunner().invoke(main, ["explain", str(POLICY), "--data", str(DATA), "--as-of", AS_OF, "--entity", BROKEN])
    assert result.exit_code == 3, result.output
    assert "NOT EVALUATED: ZeroDivisionError: 'planted for the test'" in result.output
    assert "while evaluating condition" in result.output


def shop_without_category(tmp_path: Path) -> list[str]:
    """The small hostile policy with shops S1 and S2 (S2's required category empty: its row is
    rejected) and five daily rows each, written to ``tmp_path``: the policy and options to evaluate it."""
    from tests.hostile.test_hostile import POLICY as SMALL

    (tmp_path / "p.policy").write_text(SMALL, "utf-8")
    (tmp_path / "shops.csv").write_text("shop_id,main_category\nS1,女装\nS2,\n", "utf-8")
    daily = "".join(f"{shop},2024-01-{day:02d},7,100\n" for shop in ("S1", "S2") for day in range(1, 6))
    (tmp_path / "shop_daily.csv").write_text("shop_id,date,paid_orders,amount_yuan\n" + daily, "utf-8")
    (tmp_path / "params.json").write_text('{"monthly_standard": {"女装": 7}}', "utf-8")
    return [str(tmp_path / "p.policy"), "--data", str(tmp_path / "shops.csv"), "--data", str(tmp_path / "shop_daily.csv"),
            "--params", str(tmp_path / "params.json"), "--as-of", "2024-02-01"]


def test_an_entity_whose_row_is_rejected_has_an_error_verdict_and_its_rows_are_summarised_under_it(tmp_path):
    common = shop_without_category(tmp_path)
    result = CliRunner().invoke(main, ["audit", *common, "--out", str(tmp_path / "v.jsonl"), "--workers", "1"])
    assert result.exit_code == 3, result.output
    assert "2 entities, 2 verdicts" in result.output  # entities in = verdicts out: S2 is not lost
    assert "'S2': its shops row was rejected: missing value (rejected row" in result.output
    assert ("rejected: 5 rows of " + str(tmp_path / "shop_daily.csv") + " (rows 6 to 10), field 'shop_id': "
            "no shops row for shop_id 'S2'") in result.output
    verdicts = [json.loads(line) for line in (tmp_path / "v.jsonl").read_text("utf-8").splitlines()]
    assert [(v["entity"], "error" in v) for v in verdicts] == [("S1", False), ("S2", True)]
    shown = CliRunner().invoke(main, ["explain", *common, "--entity", "S2"])
    assert shown.exit_code == 3 and "NOT EVALUATED: its shops row was rejected: missing value" in shown.output


def test_a_value_in_a_message_cannot_print_a_line_of_its_own(tmp_path):
    from tests.hostile.test_hostile import POLICY as SMALL

    (tmp_path / "p.policy").write_text(SMALL, "utf-8")
    (tmp_path / "shops.csv").write_text("shop_id,main_category\nS1,女装\n", "utf-8")
    forged = '"S9\nrows: 999 read = 999 used + 0 rejected"'
    (tmp_path / "shop_daily.csv").write_text(f"shop_id,date,paid_orders,amount_yuan\n{forged},2024-01-01,7,100\n", "utf-8")
    result = CliRunner().invoke(main, ["audit", str(tmp_path / "p.policy"), "--data", str(tmp_path), "--param",
                                       'monthly_standard={"女装": 7}', "--as-of", "2024-02-01",
                                       "--out", str(tmp_path / "v.jsonl"), "--workers", "1"])
    assert [line for line in result.output.splitlines() if line.startswith("rows:")] == [
        "rows: 2 read = 1 used + 1 rejected"]
    assert "no shops row for shop_id 'S9\\nrows: 999 read" in result.output


def test_explain_and_the_decision_record_name_the_rows_rejected_for_the_entity(tmp_path):
    import shutil

    data = tmp_path / "novice"
    shutil.copytree(DATA, data)
    daily = (data / "shop_daily.csv").read_text("utf-8").splitlines(keepends=True)
    first_s01 = next(line for line in daily if line.startswith("S01,"))
    (data / "shop_daily.csv").write_text("".join(daily) + first_s01, "utf-8")  # a duplicate key in S01's rows
    line = len(daily) + 1
    shown = CliRunner().invoke(main, ["explain", str(POLICY), "--data", str(data), "--as-of", AS_OF, "--entity", "S01"])
    assert "rows of this entity rejected (the verdict does not use them):" in shown.output
    assert f"shop_daily.csv:{line}: row {line - 1}, field 'shop_id': duplicate key" in shown.output
    other = CliRunner().invoke(main, ["explain", str(POLICY), "--data", str(data), "--as-of", AS_OF, "--entity", "S02"])
    assert f"shop_daily.csv:{line}:" not in other.output  # S01's rejected row is not S02's
    as_json = [json.loads(CliRunner().invoke(main, ["explain", str(POLICY), "--data", str(data), "--as-of", AS_OF,
                                                    "--entity", e, "--format", "json"]).output) for e in ("S01", "S02")]
    assert [(r["line"], r["field"], r["entity"]) for r in as_json[0]["rejected_rows"]] == [(line, "shop_id", "S01")]
    assert as_json[0]["rejected_rows"][0]["reason"].startswith("duplicate key (shop_id='S01', date=")
    assert as_json[1]["entity"] == "S02" and {r["entity"] for r in as_json[1]["rejected_rows"]} <= {"S02"}
    assert line not in [r["line"] for r in as_json[1]["rejected_rows"]]
    out = tmp_path / "v.jsonl"
    CliRunner().invoke(main, ["audit", str(POLICY), "--data", str(data), "--as-of", AS_OF, "--out", str(out), "--workers", "1"])
    record = json.loads((tmp_path / "v.jsonl.record.json").read_text("utf-8"))
    assert [(r["line"], r["entity"]) for r in record["rejected_rows"] if r["line"] == line] == [(line, "S01")]
    assert len(record["rejected_rows"]) == record["accounting"]["rows_rejected"]
