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

ROOT = Path(__file__).resolve().parent.parent
POLICY, DATA, AS_OF = ROOT / "policies" / "novice.policy", ROOT / "examples" / "novice", "2024-03-15"
BROKEN = "S03"


@pytest.fixture
def broken_entity(monkeypatch):
    """Evaluating BROKEN raises, as an engine bug would (in every path that measures it)."""
    measure, evaluate = EntityEvaluation.measure, LeafEvaluator.evaluate

    def failing_measure(self, scope):
        if scope.entity.get("shop_id") == BROKEN:
            raise ZeroDivisionError("planted for the test")
        return measure(self, scope)

    def failing_leaf(self, cond, scope):
        if scope.entity.get("shop_id") == BROKEN:
            raise ZeroDivisionError("planted for the test")
        return evaluate(self, cond, scope)

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
