"""Diff: entities that change (with data) match evaluating each version; generated witnesses
(without data) give the claimed change under both versions; kinds agree with brute force."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shlex

import pytest
from click.testing import CliRunner

import clausewise
from clausewise.cli.main import main
from clausewise.analysis.diff import diff, outcome_text
from clausewise.analysis.figures import SpaceBuilder
from clausewise.analysis.assumed import solve_assumed
from clausewise.analysis.subjects import evaluate_entity, subject_from_data, synthetic_subject

from tests.support import EXAMPLES, POLICIES
from tests.analysis.test_whatif import SMALL, small_data

NOVICE_DATA = str(EXAMPLES / "novice")


@pytest.fixture(scope="module")
def novice_pair():
    old = clausewise.load_policy(POLICIES / "novice.policy")
    text = old.text.replace('version "2022-10-13"', 'version "2024-draft"').replace(
        "shop_daily.experience_score on as_of > 4.0", "shop_daily.experience_score on as_of >= 4.7")
    return old, clausewise.compile_policy_text(text, "novice-2024.policy")


def outcomes(verdict) -> dict:
    return {**verdict.outcomes, "compliant": verdict.compliant,
            **{o.field: "undecided" for o in verdict.outcome_details if not o.decided}}


def test_with_data_lists_exactly_the_entities_that_change(novice_pair):
    old, new = novice_pair
    result = diff(old, new, NOVICE_DATA, "2024-03-15")
    a = {v.entity: outcomes(v) for v in old.evaluate(NOVICE_DATA, "2024-03-15").verdicts}
    b = {v.entity: outcomes(v) for v in new.evaluate(NOVICE_DATA, "2024-03-15").verdicts}
    assert {e.entity for e in result.entities} == {k for k in a if a[k] != b[k]} != set()
    s07 = next(e for e in result.entities if e.entity == "S07")
    assert s07.outcomes["daily_order_cap"] == ("3000", "1000")
    assert ("dynamic_pass.experience", "pass", "fail") in s07.nodes
    assert result.evaluated == 14 and "S07: compliant true -> false" in result.render()


def test_no_change_against_itself(novice_pair):
    old, _ = novice_pair
    assert not diff(old, old, NOVICE_DATA, "2024-03-15").changed
    assert not diff(old, old).changed


def recheck(old, new, result, day) -> None:
    subjects = [synthetic_subject(old, day, {}), synthetic_subject(new, day, {})]
    builder = SpaceBuilder()
    for s in subjects:
        builder.add(s)
    for kind in result.kinds:
        if not kind.checked:  # honest: said so, and not counted
            assert "no witness could be realized as data rows" in kind.render()
            continue
        data = kind.data  # the rows, evaluated again as real data under both versions
        for policy in (old, new):
            evaluation = policy.evaluate(data.tables, as_of=data.as_of, entities=[data.entity],
                                         params={k: v for k, v in data.params.items() if k in policy.checked.params})
            assert not evaluation.rejected, kind.render()
        got = [outcome_text(s, evaluate_entity(subject_from_data(s.policy, data.tables, data.entity, data.as_of, {
            k: v for k, v in data.params.items() if k in s.policy.checked.params})), kind.field) for s in subjects]
        assert got == [kind.old, kind.new], kind.render()


def test_without_data_witnesses_check_out(novice_pair):
    old, new = novice_pair
    result = diff(old, new)
    recheck(old, new, result, dt.date(2022, 10, 13))
    kinds = {(k.field, k.old, k.new) for k in result.kinds}
    assert ("daily_order_cap", "3000", "1000") in kinds and ("compliant", "true", "false") in kinds
    assert len(kinds) == 16 and all(k.checked and k.data is not None for k in result.kinds), result.render()
    assert all(k.because and "dynamic_pass.experience pass -> fail" in k.because[0] for k in result.kinds)


def test_without_data_tier_witnesses_are_rows():
    """The 900万 -> 800万 change: every kind is realized as rows (1,000 bound shops and their orders)."""
    old = clausewise.load_policy(POLICIES / "tier.policy")
    new = clausewise.compile_policy_text(old.text.replace("= 900万", "= 800万"), "tier-800.policy")
    result = diff(old, new, as_of="2024-04-01")  # TIER states no effective date: the day is given (never today)
    recheck(old, new, result, dt.date(2024, 4, 1))
    assert {(k.field, k.old, k.new) for k in result.kinds if k.checked} >= {("tier", "base", "silver"),
                                                                           ("tier", "base", "undecided")}


def test_without_data_against_brute_force():
    old = clausewise.compile_policy_text(SMALL, "small.policy")
    new_text = SMALL.replace("= 100", "= 80").replace('"体验分" / "score":', '"体验分" / "score" missing passes:')
    new_text = new_text.replace('shop_daily.experience_score on as_of > 4.0', 'shop_daily.experience_score on as_of >= 4.0')
    new = clausewise.compile_policy_text(new_text, "small2.policy")
    day = dt.date(2024, 3, 1)
    result = diff(old, new, as_of=day)
    recheck(old, new, result, day)
    subjects = [synthetic_subject(old, day, {}), synthetic_subject(new, day, {})]
    builder = SpaceBuilder()
    for s in subjects:
        builder.add(s)
    builder.finish(with_current=False, allow_missing=True)
    keys = sorted(builder.figures)
    expected = set()
    for values in itertools.product(*[builder.figures[k].candidates for k in keys]):
        assignment = dict(zip(keys, values))
        a, b = (outcome_text(s, solve_assumed(builder, s, assignment), "level") for s in subjects)
        if a != b:
            expected.add(("level", a, b))
    assert {(k.field, k.old, k.new) for k in result.kinds} == expected != set()


def test_data_diff_of_small_policies():
    old = clausewise.compile_policy_text(SMALL, "small.policy")
    new = clausewise.compile_policy_text(SMALL.replace("= 100", "= 80"), "small2.policy")
    result = diff(old, new, small_data(90, "4.5"), "2024-03-01")
    assert [(e.entity, e.outcomes["level"]) for e in result.entities] == [("S1", ("low", "high"))]
    assert not diff(old, new, small_data(120, "4.5"), "2024-03-01").changed


def test_cli_diff(tmp_path):
    """The CLI's diff with data, --params and --as-of, and without data in JSON, on the small pair (the
    searches on the bundled policies are the library tests' above: tier's without data is 7 CPU s)."""
    old, new = tmp_path / "small.policy", tmp_path / "small2.policy"
    old.write_text(SMALL, "utf-8")
    new.write_text(SMALL.replace("= 100", "= 80"), "utf-8")
    data = tmp_path / "data"
    data.mkdir()
    for table, rows in small_data(90, "4.5").items():
        (data / f"{table}.csv").write_text(",".join(rows[0]) + "\n" + "".join(
            ",".join(str(v) for v in r.values()) + "\n" for r in rows), "utf-8")
    (tmp_path / "params.json").write_text('{"level_orders": 85}', "utf-8")
    runner = CliRunner()
    out = runner.invoke(main, ["diff", str(old), str(new), "--data", str(data), "--as-of", "2024-03-01"])
    assert out.exit_code == 1 and "S1:" in out.output and "level low -> high" in out.output, out.output
    out = runner.invoke(main, ["diff", str(old), str(new), "--data", str(data), "--params", str(tmp_path / "params.json"),
                               "--as-of", "2024-03-01"])  # 90 orders meet 85 under both
    assert out.exit_code == 0 and "S1:" not in out.output, out.output
    out = runner.invoke(main, ["diff", str(old), str(new), "--format", "json", "--as-of", "2024-03-01"])
    kinds = json.loads(out.output)["kinds"]
    assert out.exit_code == 1 and any(k["field"] == "level" and k["old"] == "low" and k["new"] == "high" and k["checked"]
                                      for k in kinds)
    same = runner.invoke(main, ["diff", str(POLICIES / "tier.policy"), str(POLICIES / "tier.policy"), "--as-of", "2024-04-01"])
    assert same.exit_code == 0 and "0 kinds of outcome change" in same.output


def test_at_least_groups_and_ranked_outcomes():
    """The language-features policy (at least N of, by min, missing passes ...) against a variant."""
    path = POLICIES.parent / "tests" / "cases" / "features.policy"
    old = clausewise.load_policy(path)
    new = clausewise.compile_policy_text(old.text.replace("at least 2 of", "at least 1 of"), "features2.policy")
    assert not diff(old, old).changed
    result = diff(old, new)
    assert result.kinds and all(k.checked and k.data is not None for k in result.kinds), result.render()
    recheck(old, new, result, old.checked.header.effective_from)


def test_cli_diff_witness_data(tmp_path):
    """diff --witness-data: each change's rows, under both versions, give the change explain shows."""
    path = POLICIES.parent / "tests" / "cases" / "features.policy"
    changed = tmp_path / "features2.policy"
    changed.write_text(path.read_text("utf-8").replace("at least 2 of", "at least 1 of"), "utf-8")
    runner = CliRunner()
    out = runner.invoke(main, ["diff", str(path), str(changed), "--witness-data", str(tmp_path / "w"), "--format", "json"])
    kinds = json.loads(out.output)["kinds"]
    assert out.exit_code == 1 and kinds and all(len(k["explain"]) == 2 for k in kinds)
    for k in kinds:
        if k["field"] == "compliant":
            continue
        for command, value in zip(k["explain"], (k["old"], k["new"])):
            shown = runner.invoke(main, [*shlex.split(command)[1:], "--format", "json"])
            outcome = {o["field"]: o for o in json.loads(shown.output)["outcome_details"]}[k["field"]]
            assert (str(outcome["value"]).lower() if outcome["decided"] else "undecided") == value, (k, shown.output)
    with_data = runner.invoke(main, ["diff", str(path), str(changed), "--data", str(tmp_path), "--witness-data",
                                     str(tmp_path / "x")])
    assert with_data.exit_code == 2 and "only without --data" in with_data.output


def test_a_change_appears_only_with_a_free_parameter():
    """'>= hi' (hi = 100) against '>= 100': the same outcomes while hi keeps its value; with hi
    free, hi = 101 and 100 orders separate them, and the witness rows show it under both."""
    from tests.analysis.test_verify import THRESHOLDS

    old = clausewise.compile_policy_text(THRESHOLDS, "old.policy")
    new = clausewise.compile_policy_text(THRESHOLDS.replace("during last 30 days to as_of) >= hi",
                                                            "during last 30 days to as_of) >= 100"), "new.policy")
    assert not diff(old, new, as_of="2024-03-01").kinds
    result = diff(old, new, as_of="2024-03-01", free_params=["hi"])
    kinds = {(k.field, k.old, k.new): k for k in result.kinds or []}
    change = kinds[("level", "undecided", "high")]
    assert change.checked and change.data is not None and change.data.params["hi"] == "101", result.render()
    for policy, expected in ((old, "undecided"), (new, "high")):
        data = change.data
        verdict = policy.evaluate(data.tables, as_of=data.as_of, params=data.params, entities=[data.entity]).verdict(data.entity)
        assert outcomes(verdict).get("level") == expected
    assert "free parameters: hi" in result.render().splitlines()[0]
    with pytest.raises(clausewise.ClausewiseError):
        diff(old, new, data={"shops": []}, as_of="2024-03-01", free_params=["hi"])
