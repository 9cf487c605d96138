"""RENEW (2024 renewal rules): outcomes and explanations at the catalog's boundaries, the bundled
examples through the library and the CLI, and the required order line."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import clausewise
from clausewise.cli.main import main
from clausewise.language.diagnostics import ClausewiseError
from clausewise.report.models import Verdict

from tests.support import EXAMPLES, POLICIES, node

POLICY = POLICIES / "renew.policy"
DATA = EXAMPLES / "renew"
PARAMS_FILE = DATA / "params.json"
AS_OF = "2024-06-30"
LINE = {"renewal_order_threshold": 100}


@pytest.fixture(scope="module")
def policy() -> clausewise.engine.policy.Policy:
    return clausewise.load_policy(POLICY)


@pytest.fixture(scope="module")
def examples(policy):
    return policy.evaluate(DATA, AS_OF, json.loads(PARAMS_FILE.read_text("utf-8")))



def rows(*, certified="2023-03-01", regularized="2023-06-01", revoked="", delisted="",
         deposits=(("2023-03-01", "100000"),), applications=(), bindings=(("S1", "2023-01-01", ""),),
         daily=()) -> dict[str, list[dict]]:
    """The six tables for one provider P1, written as the data dictionary names them."""
    return {
        "providers": [{"provider_id": "P1", "certified_on": certified, "regularized_on": regularized,
                       "revoked_on": revoked, "delisted_on": delisted}],
        "provider_deposits": [{"provider_id": "P1", "paid_on": d, "amount_yuan": a} for d, a in deposits],
        "provider_applications": [{"provider_id": "P1", "applied_on": d, "special_explanation": e}
                                  for d, e in applications],
        "bindings": [{"provider_id": "P1", "shop_id": s, "bound_on": b, "unbound_on": u} for s, b, u in bindings],
        "shops": [{"shop_id": s} for s in sorted({b[0] for b in bindings} | {"S1"})],
        "shop_daily": [{"shop_id": s, "date": d, "paid_orders": n} for s, d, n in daily],
    }


def verdict_of(policy, data, as_of=AS_OF, **params) -> Verdict:
    return policy.evaluate(data, as_of, {**LINE, **params}).verdict("P1")


# ---- the order line and its window -----------------------------------------------------------------


def test_exactly_at_the_line_is_kept_and_the_explanation_shows_the_sum_and_window(policy):
    v = verdict_of(policy, rows(daily=[("S1", "2023-12-01", 40), ("S1", "2024-02-29", 60)]))
    assert v.outcomes["renewal_status"] == "kept" and v.compliant is True
    leaf = node(v, "order_line.while_bound.then")
    assert (leaf.status, leaf.observed, leaf.bound, leaf.comparison, leaf.unit) == ("pass", "100", "100", ">=", "orders")
    assert [(w.expression, w.dates) for w in leaf.windows] == [("assessment_period", "2023-12-01..2024-02-29")]
    assert leaf.gap is None


def test_one_below_the_line_is_revoked_with_the_gap_and_every_consequence(policy):
    v = verdict_of(policy, rows(revoked="2024-03-05", delisted="2024-03-12",
                                daily=[("S1", "2024-02-29", 99), ("S1", "2024-03-01", 1), ("S1", "2023-11-30", 1)]))
    leaf = node(v, "order_line.while_bound.then")
    assert (leaf.status, leaf.observed, leaf.bound) == ("fail", "99", "100")
    assert (leaf.gap.amount, leaf.gap.direction, leaf.gap.percent) == ("1", "short", "1.0%")
    assert v.compliant is False
    assert {k: v.outcomes[k] for k in ("renewal_status", "industry_belt_certification_retained",
                                       "industry_belt_cooperation_terminated", "delisted_with_public_notice",
                                       "may_use_industry_belt_title", "remains_service_market_provider",
                                       "deposit_refund_via_exit_process", "reapplication_requires_special_explanation")} == {
        "renewal_status": "revoked", "industry_belt_certification_retained": False,
        "industry_belt_cooperation_terminated": True, "delisted_with_public_notice": True,
        "may_use_industry_belt_title": False, "remains_service_market_provider": True,
        "deposit_refund_via_exit_process": True, "reapplication_requires_special_explanation": None}


def test_sums_beyond_32_bits_are_exact(policy):
    big = [("S1", day, 1_500_000_000) for day in ("2023-12-15", "2024-01-15", "2024-02-15")]
    at = verdict_of(policy, rows(daily=big), renewal_order_threshold="4500000000")
    above = verdict_of(policy, rows(daily=big), renewal_order_threshold="4500000001")
    assert (at.outcomes["renewal_status"], above.outcomes["renewal_status"]) == ("kept", "revoked")
    assert node(above, "order_line.while_bound.then").gap.amount == "1"


@settings(max_examples=25, deadline=None)
@given(offsets=st.lists(st.tuples(st.integers(-3, 94), st.integers(0, 60)), max_size=5),
       threshold=st.integers(1, 150))
def test_the_order_line_matches_a_direct_count_of_the_period(policy, offsets, threshold):
    """Orders on random days around the period edges: kept exactly when the in-period sum reaches the line."""
    start = dt.date(2023, 12, 1)
    by_day: dict[str, int] = {}
    for offset, n in offsets:
        day = str(start + dt.timedelta(days=offset))
        by_day[day] = by_day.get(day, 0) + n
    inside = sum(n for day, n in by_day.items() if "2023-12-01" <= day <= "2024-02-29")
    v = verdict_of(policy, rows(daily=[("S1", d, n) for d, n in sorted(by_day.items())]),
                   renewal_order_threshold=threshold)
    assert node(v, "order_line.while_bound.then").observed == f"{inside:,}"
    assert v.outcomes["renewal_status"] == ("kept" if inside >= threshold else "revoked")


# ---- pending until the period has ended ----------------------------------------------------------------


@pytest.mark.parametrize(("as_of", "status"), [("2023-12-01", "pending"), ("2024-02-29", "pending"),
                                               ("2024-03-01", "kept")])
def test_pending_until_the_period_has_ended(policy, as_of, status):
    v = verdict_of(policy, rows(daily=[("S1", "2024-01-10", 100)]), as_of=as_of)
    assert v.outcomes["renewal_status"] == status
    assert v.compliant is True
    ended = node(v, "period_ended")
    assert (ended.observed, ended.bound) == (as_of, "2024-02-29")


def test_before_the_period_the_policy_is_not_in_force(policy):
    with pytest.raises(ClausewiseError) as err:
        policy.evaluate(rows(), "2023-11-30", LINE)
    assert "not in force on 2023-11-30" in err.value.diagnostics[0].message


# ---- attribution while bound (AMB-R5) ----------------------------------------------------------------------


def test_attribution_while_bound_and_over_the_whole_period(policy):
    data = rows(bindings=[("S1", "2024-01-15", "2024-02-01"), ("S2", "2023-01-01", "2023-12-01")],
                daily=[("S1", "2024-01-14", 30), ("S1", "2024-01-15", 40), ("S1", "2024-02-01", 30),
                       ("S2", "2023-12-05", 500)])
    bound = verdict_of(policy, data)
    assert node(bound, "order_line.while_bound.then").observed == "40"
    assert node(bound, "order_line.whole_period").status == "na"
    whole = verdict_of(policy, data, order_attribution="whole_period_if_bound_during")
    leaf = node(whole, "order_line.whole_period.then")
    assert (leaf.status, leaf.observed) == ("pass", "100")  # S2's binding ended before the period: not counted
    assert whole.outcomes["renewal_status"] == "kept" and bound.outcomes["renewal_status"] == "revoked"


# ---- the deposit (AMB-R4) -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("deposits", "paid", "on"), [
    ((("2023-03-01", "60000"), ("2024-02-29", "40000")), True, "2024-02-29"),
    ((("2023-03-01", "60000"), ("2024-03-01", "40000")), False, None),
    ((("2023-03-01", "120000"), ("2024-02-10", "-30000")), False, None),
    ((("2023-03-01", "100000"), ("2024-03-05", "-20000")), True, "2023-03-01"),
])
def test_the_deposit_balance_on_2024_02_29(policy, deposits, paid, on):
    v = verdict_of(policy, rows(deposits=deposits, daily=[("S1", "2024-01-10", 100)]))
    assert node(v, "deposit_paid").status == ("pass" if paid else "fail")
    assert v.outcomes["deposit_full_payment_date"] == on
    assert v.outcomes["renewal_status"] == ("kept" if paid else "revoked")


def test_one_fen_short_of_the_deposit(policy):
    leaf = node(verdict_of(policy, rows(deposits=[("2023-03-01", "99999.99")])), "deposit_paid")
    assert (leaf.observed, leaf.bound, leaf.unit, leaf.gap.amount) == ("99,999.99", "100,000", "yuan", "0.01")


# ---- scope and who is assessed ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("certified", "regularized", "status", "review"), [
    ("2023-11-30", "2023-11-30", "kept", False),
    ("2023-12-01", "2023-12-20", "not_applicable", False),
    ("2023-03-01", "", "not_applicable_not_formalized", True),
    ("2023-03-01", "2023-12-01", "not_applicable_not_formalized", True),
])
def test_scope_and_formalization(policy, certified, regularized, status, review):
    v = verdict_of(policy, rows(certified=certified, regularized=regularized, daily=[("S1", "2024-01-10", 100)]))
    assert (v.outcomes["renewal_status"], v.outcomes["manual_review_required"], v.compliant) == (status, review, True)


# ---- the title and the 90-day cool-down ----------------------------------------------------------------------------


@pytest.mark.parametrize(("as_of", "may_use"), [("2024-03-11", True), ("2024-03-12", False)])
def test_the_title_is_withdrawn_from_the_notice_date(policy, as_of, may_use):
    v = verdict_of(policy, rows(revoked="2024-03-05", delisted="2024-03-12"), as_of=as_of)
    assert v.outcomes["may_use_industry_belt_title"] is may_use


@pytest.mark.parametrize(("applied", "convention", "accepted", "window"), [
    ("2024-06-02", "start_day_is_day_1", False, "2024-03-05..2024-06-02"),
    ("2024-06-03", "start_day_is_day_1", True, "2024-03-05..2024-06-02"),
    ("2024-06-03", "start_day_excluded", False, "2024-03-05..2024-06-03"),
    ("2024-06-04", "start_day_excluded", True, "2024-03-05..2024-06-03"),
])
def test_the_cool_down_under_both_day_count_conventions(policy, applied, convention, accepted, window):
    v = verdict_of(policy, rows(revoked="2024-03-05", delisted="2024-03-12", applications=[(applied, "true")]),
                   period_day_count_convention=convention)
    assert v.outcomes["reapplication_accepted_in_principle"] is accepted
    assert v.outcomes["manual_exception_possible"] is (not accepted)
    leaf = node(v, "reapplied_after_cooldown.from_revocation.then")
    assert (leaf.observed, leaf.bound) == (applied, window.split("..")[1])
    # a re-application is any application on or after revoked_on (RENEW-3.5 scope, amended): the
    # assessment period plays no part, only the cool-down window is shown
    assert [(w.expression, w.dates) for w in leaf.windows] == [("90 days from revoked_on", window)]


def test_the_cool_down_from_the_delisting_notice(policy):
    data = rows(revoked="2024-03-05", delisted="2024-03-12", applications=[("2024-06-09", "false")])
    by_revocation = verdict_of(policy, data)
    by_notice = verdict_of(policy, data, cooldown_start="delisting_notice_date")
    assert by_revocation.outcomes["reapplication_accepted_in_principle"] is True
    assert by_notice.outcomes["reapplication_accepted_in_principle"] is False
    assert by_notice.outcomes["reapplication_lacks_special_explanation"] is True
    assert node(by_notice, "reapplied_after_cooldown.from_notice.then").bound == "2024-06-09"


def test_a_missing_revocation_date_leaves_the_reapplication_undecided(policy):
    v = verdict_of(policy, rows(applications=[("2024-04-01", "true")]))
    assert v.outcomes["renewal_status"] == "revoked"
    details = {o.field: o for o in v.outcome_details}
    assert not details["reapplication_accepted_in_principle"].decided
    assert details["renewal_status"].decided
    assert node(v, "reapplied.then").status == "unknown"
    assert any("revoked_on is empty for 'P1'" in m for m in v.missing_data)


def test_a_recorded_revocation_decides_the_reapplication_without_the_period(policy):
    """RENEW-3.5 scope (amended): the cool-down of a provider whose revocation is recorded needs
    neither the period's data nor the order line: the same outcomes at a line of 1 and of 10^12."""
    data = rows(certified="2024-01-10", regularized="", revoked="2024-03-01", delisted="2024-03-05", deposits=(),
                bindings=(), applications=[("2024-05-29", "true"), ("2024-02-28", "false")])
    low, high = (verdict_of(policy, data, renewal_order_threshold=n) for n in ("1", "1000000000000"))
    for v in (low, high):
        assert v.outcomes["renewal_status"] == "not_applicable"
        assert (v.outcomes["reapplication_accepted_in_principle"], v.outcomes["manual_exception_possible"]) == (False, True)
        # the 02-28 application precedes the revocation: not a re-application, so not unexplained
        assert v.outcomes["reapplication_lacks_special_explanation"] is False
        assert v.outcomes["reapplication_requires_special_explanation"] is True
    assert low.outcomes == high.outcomes


# ---- the required order line ------------------------------------------------------------------------------------------


def test_the_missing_order_line_is_an_error_naming_it_and_its_clause(policy):
    with pytest.raises(ClausewiseError) as err:
        policy.evaluate(rows(), AS_OF, {})
    message = err.value.diagnostics[0].message
    assert "renewal_order_threshold" in message and "RENEW-2.2.1" in message and "AMB-R1" in message


def test_cli_without_the_order_line_exits_2_naming_it():
    result = CliRunner().invoke(main, ["explain", str(POLICY), "--data", str(DATA), "--as-of", AS_OF, "--entity", "R01"])
    assert result.exit_code == 2
    assert "parameter 'renewal_order_threshold' [RENEW-2.2.1, RENEW-2.2.3, AMB-R1] has no value" in result.output
    assert "Traceback" not in result.output


# ---- the bundled examples ------------------------------------------------------------------------------------------------


def test_generator_reproduces_the_bundled_files_byte_for_byte(tmp_path):
    spec = importlib.util.spec_from_file_location("gen_renew", EXAMPLES / "gen_renew.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    written = sorted(p.relative_to(tmp_path / "renew") for p in (tmp_path / "renew").iterdir())
    assert written == sorted(p.relative_to(DATA) for p in DATA.iterdir())
    for rel in written:
        assert (tmp_path / "renew" / rel).read_bytes() == (DATA / rel).read_bytes(), rel


EXPECTED_STATUS = {
    "R01": "kept", "R02": "kept", "R03": "revoked", "R04": "kept", "R05": "revoked", "R06": "revoked",
    "R07": "revoked", "R08": "kept", "R09": "revoked", "R10": "revoked", "R11": "kept", "R12": "revoked",
    "R13": "revoked", "R14": "not_applicable_not_formalized", "R15": "not_applicable_not_formalized", "R16": "kept",
    "R17": "not_applicable", "R18": "kept", "R19": "not_applicable", "R20": "revoked", "R21": "revoked",
    "R22": "revoked", "R23": "revoked", "R24": "revoked", "R25": "revoked", "R26": "revoked", "R27": "revoked",
    "R28": "revoked", "R29": "kept", "R30": "revoked", "R31": "kept", "R32": "kept", "R33": "revoked", "R34": "kept",
    "R35": "revoked", "R36": "revoked", "R38": "kept", "R39": "not_applicable"}


def test_example_verdicts_and_rejected_rows(examples):
    evaluated = [v for v in examples.verdicts if v.error is None]
    assert {v.entity: v.outcomes["renewal_status"] for v in evaluated} == EXPECTED_STATUS
    assert [v.entity for v in evaluated if v.compliant is not (EXPECTED_STATUS[v.entity] != "revoked")] == []
    r37 = examples.verdict("R37")  # its providers row is rejected: it still has a verdict, naming the rejection
    assert r37.error is not None and r37.error.message == "its providers row was rejected: missing value"
    assert r37.error.cause.endswith("providers.csv:38: row 37, field 'certified_on'") and r37.compliant is None
    assert [(r.table, r.line, r.field) for r in examples.rejected] == [
        ("bindings", 70, "bound_on"), ("provider_deposits", 37, "amount_yuan"), ("providers", 38, "certified_on"),
        ("shop_daily", 203, "date"), ("shop_daily", 204, "paid_orders")]
    a = examples.accounting
    assert a.rows_read == a.rows_used + a.rows_rejected and (a.rows_rejected, a.entities_in, a.verdicts_out) == (5, 39, 39)


def test_example_explanations(examples):
    r04 = node(examples.verdict("R04"), "order_line.while_bound.then")
    assert (r04.observed, r04.bound) == ("50,000", "50,000")
    r05 = node(examples.verdict("R05"), "order_line.while_bound.then")
    assert (r05.observed, r05.gap.amount) == ("49,000", "1,000")
    assert node(examples.verdict("R34"), "order_line.while_bound.then").observed == "3,000,000,000"
    assert node(examples.verdict("R33"), "order_line.while_bound.then").observed == "30,000"
    assert (node(examples.verdict("R31"), "order_line.while_bound.then").observed,
            node(examples.verdict("R32"), "order_line.while_bound.then").observed) == ("50,000", "50,000")
    r08 = examples.verdict("R08")
    assert r08.outcomes["deposit_full_payment_date"] == "2024-02-29"
    r26 = examples.verdict("R26")
    assert r26.outcomes["may_use_industry_belt_title"] is True  # no delisting notice recorded
    assert {o.field for o in r26.outcome_details if not o.decided} == {
        "reapplication_accepted_in_principle", "manual_exception_possible", "reapplication_lacks_special_explanation",
        "reapplication_requires_special_explanation"}
    # RENEW-3.5 scope (amended): a recorded revocation brings the consequences even when the
    # period's figures pass (R38, kept) and for a provider this assessment does not assess (R39)
    r38, r39 = examples.verdict("R38"), examples.verdict("R39")
    assert (r38.outcomes["renewal_status"], r38.outcomes["industry_belt_certification_retained"]) == ("kept", False)
    assert r38.outcomes["reapplication_accepted_in_principle"] is False  # 06-29 is day 90 from 04-01
    assert (r39.outcomes["renewal_status"], r39.outcomes["reapplication_accepted_in_principle"]) == ("not_applicable", True)


def test_cli_explain_and_audit_on_the_examples(tmp_path):
    runner = CliRunner()
    common = ["--data", str(DATA), "--params", str(PARAMS_FILE), "--as-of", AS_OF]
    shown = runner.invoke(main, ["explain", str(POLICY), *common, "--entity", "R03", "--no-color"])
    assert shown.exit_code == 1, shown.output  # R03 is not compliant
    assert "renewal status (renewal_status) = revoked" in shown.output
    assert "observed 49,999 orders >= 50,000 orders — short by 1 orders" in shown.output
    assert "window assessment_period = 2023-12-01..2024-02-29" in shown.output
    zh = runner.invoke(main, ["explain", str(POLICY), *common, "--entity", "R01", "--lang", "zh", "--no-color"])
    assert zh.exit_code == 0 and "续牌结果 (renewal_status) = kept" in zh.output
    out = tmp_path / "renew.csv"
    audit = runner.invoke(main, ["audit", str(POLICY), *common, "--out", str(out), "--workers", "1"])
    assert audit.exit_code == 3, audit.output  # R37 could not be evaluated (its row is rejected)
    assert "39 entities, 39 verdicts" in audit.output
    assert "rows: 437 read = 432 used + 5 rejected" in audit.output
    assert "renewal_status: kept 12, not_applicable 3, not_applicable_not_formalized 2, revoked 21, undecided 1" in audit.output
    with out.open(encoding="utf-8") as f:
        written = {r["entity"]: r["renewal_status"] for r in csv.DictReader(f)}
    assert written == {**EXPECTED_STATUS, "R37": "undecided"}
    assert Path(str(out) + ".record.json").exists()


def test_policy_tests_pass_with_full_node_coverage():
    result = CliRunner().invoke(main, ["test", str(POLICY), "--min-coverage", "100"])
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output and "(100.0%)" in result.output


def test_every_renew_clause_is_encoded_or_declared_not_encoded(monkeypatch):
    monkeypatch.delenv("CLAUSEWISE_CATALOG", raising=False)  # the clause index bundled beside the policy
    result = CliRunner().invoke(main, ["coverage", str(POLICY)])
    assert result.exit_code == 0, result.output
    assert "14 clauses: 11 encoded, 3 not encoded (with reasons), 0 missing; 0 unknown citations" in result.output
