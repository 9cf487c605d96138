"""``--engine duckdb`` gives the Python engine's verdicts, byte for byte: the audit files of
every bundled example, explain of one entity, and the library call on generated policies."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from clausewise.cli.main import main
from clausewise.engine.policy import compile_policy_text, load_policy
from clausewise.language.diagnostics import ClausewiseError
from tests.conftest import EXAMPLES, POLICIES
from tests.oracle.gen import cases

BUNDLED = [("tier", "2024-04-01", True), ("novice", "2024-03-15", False), ("renew", "2024-06-30", True),
           ("life", "2024-04-01", True)]


def _args(name: str, as_of: str, with_params: bool) -> list[str]:
    args = [str(POLICIES / f"{name}.policy"), "--data", str(EXAMPLES / name), "--as-of", as_of]
    return args + (["--params", str(EXAMPLES / name / "params.json")] if with_params else [])


@pytest.mark.parametrize("name, as_of, with_params", BUNDLED)
def test_audit_files_are_the_same_on_duckdb(name, as_of, with_params, tmp_path):
    outputs = {}
    for engine in ("python", "duckdb"):
        out = tmp_path / f"{engine}.jsonl"
        result = CliRunner().invoke(main, ["audit", *_args(name, as_of, with_params), "--out", str(out),
                                           "--workers", "1", "--engine", engine])
        assert result.exit_code in (0, 1), result.output
        outputs[engine] = (out.read_bytes(), result.output.replace(str(out), "OUT"))
    assert outputs["python"][0] == outputs["duckdb"][0]
    assert outputs["python"][1] == outputs["duckdb"][1]  # the summary: counts, failing conditions, rejected rows
    assert len(outputs["python"][0].splitlines()) > 10


def test_explain_on_duckdb_is_the_same():
    args = ["explain", *_args("tier", "2024-04-01", True), "--entity", "P03", "--format", "json"]
    python = CliRunner().invoke(main, args)
    duck = CliRunner().invoke(main, [*args, "--engine", "duckdb"])
    assert python.exit_code == duck.exit_code and python.output == duck.output
    assert json.loads(duck.output)["entity"] == "P03"


def test_an_unknown_engine_is_a_usage_error():
    with pytest.raises(ClausewiseError, match="unknown engine 'spork'"):
        load_policy(POLICIES / "novice.policy").evaluate(EXAMPLES / "novice", "2024-03-15", engine="spork")


def test_workers_on_duckdb_give_the_same_verdicts():
    policy = load_policy(POLICIES / "renew.policy")
    params = json.loads((EXAMPLES / "renew" / "params.json").read_text("utf-8"))
    one = policy.evaluate(EXAMPLES / "renew", "2024-06-30", params)
    two = policy.evaluate(EXAMPLES / "renew", "2024-06-30", params, workers=2, engine="duckdb")
    assert [v.model_dump_json() for v in one.verdicts] == [v.model_dump_json() for v in two.verdicts]


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(cases(8))
def test_verdicts_on_duckdb_equal_pythons_on_generated_policies(case):
    policy = compile_policy_text(case.text, "<generated>")
    python = policy.evaluate(case.rows, case.as_of, case.params)
    duck = policy.evaluate(case.rows, case.as_of, case.params, engine="duckdb")
    assert [v.model_dump_json() for v in python.verdicts] == [v.model_dump_json() for v in duck.verdicts]
    assert python.accounting == duck.accounting and python.rejected == duck.rejected
